"""The suite's command-line options, loaded early (a pytest11 entry point) so that `--cassette-dir DIR` parses.

pytest picks its root folder and ini file from the command line before conftest plugins can define options: an
option unknown at that moment would have its value taken for a test path (pytest-dev/pytest#8846). This module
only declares options; it imports nothing heavy and does nothing else, in any run.
"""

from __future__ import annotations

import itertools

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mmlite", "MM Lite conformance suite")
    group.addoption(
        "--target",
        default=None,
        metavar="NAME",
        help="replay (default: offline, from cassettes) | emulator | live. Env: MMLITE_TARGET",
    )
    group.addoption(
        "--record",
        nargs="?",
        const="new",
        default=None,
        choices=("new", "overwrite"),
        help="with --target emulator|live: write cassettes; 'new' (default) refuses to replace one",
    )
    group.addoption("--cassette-dir", default=None, metavar="DIR", help="where cassettes live (default cassettes/)")
    group.addoption(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="run the embedded emulator with this deviation (proves that scenarios can fail)",
    )
    group.addoption(
        "--emulator-profile",
        default=None,
        metavar="NAME",
        help="exact (default) | realistic: the embedded emulator varies its answers as the real platform does "
        "(seeded). Env: MMLITE_EMULATOR_PROFILE",
    )
    group.addoption(
        "--emulator-seed",
        default=None,
        metavar="N",
        help="seed of the emulator profile's variations (same seed, same run). Env: MMLITE_EMULATOR_SEED",
    )
    group.addoption(
        "--contract",
        default=None,
        metavar="PROFILE",
        help="alpha | ga: judge against the alpha guide or 360dialog's GA API of today where they differ "
        "(default: ga for live runs, alpha for replay and the emulator). Env: MMLITE_CONTRACT",
    )


#: options whose space-separated value pytest may take for a test path
_VALUED = ("--target", "--cassette-dir", "--emulator-fault", "--emulator-profile", "--emulator-seed", "--contract")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Stop, with the form that works, when a space-separated value was read as a test path."""
    argv = [str(arg) for arg in config.invocation_params.args]
    for option, value in itertools.pairwise(argv):
        if option in _VALUED and (config.invocation_params.dir / value).exists():
            raise pytest.UsageError(
                f"write {option}={value} (with '='): pytest reads '{option} {value}' as a test path before the "
                "suite's options are known, so the run would not be the one you asked for (pytest-dev/pytest#8846)."
            )
