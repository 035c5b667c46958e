"""Registers the suite's plugin, its reporting and the step modules; nothing else."""

pytest_plugins = [
    "mmlite_conformance.suite.report.plugin",
    "mmlite_conformance.suite.plugin",
    "steps.common_steps",
    "steps.webhook_steps",
    "steps.template_steps",
]
