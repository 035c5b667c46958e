"""The suite's pytest configuration: its options, its plugins and the step modules; nothing else.

Only a run of the suite loads this file (`pytest`, `pytest steps/...`): the project's own tests under tests/ have an
ini file of their own, so pytest never reads it for them.
"""

import gc
from pathlib import PurePath

import pytest

# pytest and its plugins are loaded and live until the process ends: frozen, the cyclic garbage collector stops
# walking them at each full collection while the suite imports its own modules (the plugin freezes again once the
# scenarios are collected)
gc.freeze()
# A run allocates far more objects that live until it ends (modules, scenarios, evidence) than garbage in cycles:
# at the default threshold (700) the young generation is walked about 150 times in a replay run, 35-45 ms of its
# ~0.8 s, mostly to find nothing. Every 50,000 allocations it still runs, so memory stays bounded in a long run.
gc.set_threshold(50_000, 50, 50)

pytest_plugins = [
    "mmlite_conformance.suite.options",  # also an installed pytest11 entry point, so `--cassette-dir DIR` parses
    "mmlite_conformance.suite.report.plugin",
    "mmlite_conformance.suite.plugin",
    "steps.common_steps",
    "steps.webhook_steps",
    "steps.template_steps",
]
#: the platform requirements' steps, registered only when the target runs those features: pytest-bdd looks through
#: every step definition at every step, and these ~50 made a guide run's step lookup about 40% slower
PLATFORM_STEP_MODULES = ("steps.platform_steps", "steps.platform_error_steps", "steps.platform_webhook_steps")
#: `pytest /path/to/the/checkout` runs the suite, not the project's own tests, examples or benchmarks
collect_ignore = ["tests", "examples", "benchmarks"]


@pytest.hookimpl(trylast=True)  # after the suite's plugin has chosen the target
def pytest_configure(config: pytest.Config) -> None:
    from mmlite_conformance.suite.constants import PLATFORM_FEATURES
    from mmlite_conformance.suite.plugin import TARGET

    target = config.stash.get(TARGET, None)  # None: the suite's plugin was left out (-p no:...), so keep them all
    if target is None or target.selects(PurePath(PLATFORM_FEATURES, "any.feature")):
        for module in PLATFORM_STEP_MODULES:
            config.pluginmanager.import_plugin(module)
