"""Step definitions: thin bindings from the Gherkin sentences to the mmlite_conformance library."""
