"""The suite's pytest configuration: its options, its plugins and the step modules; nothing else.

Only a run of the suite loads this file (`pytest`, `pytest steps/...`): the project's own tests under tests/ have an
ini file of their own, so pytest never reads it for them.
"""

pytest_plugins = [
    "mmlite_conformance.suite.options",  # also an installed pytest11 entry point, so `--cassette-dir DIR` parses
    "mmlite_conformance.suite.report.plugin",
    "mmlite_conformance.suite.plugin",
    "steps.common_steps",
    "steps.webhook_steps",
    "steps.template_steps",
    "steps.platform_steps",
    "steps.platform_error_steps",
    "steps.platform_webhook_steps",
]
#: `pytest /path/to/the/checkout` runs the suite, not the project's own tests, examples or benchmarks
collect_ignore = ["tests", "examples", "benchmarks"]
