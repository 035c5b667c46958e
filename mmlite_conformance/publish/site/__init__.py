"""The docs site (`mmlite-conformance docs`): the guide, its recorded exchanges, the contract and the assumptions."""
