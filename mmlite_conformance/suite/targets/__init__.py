"""Targets: one module per kind of run, each owning every decision that varies by target; a registry names them."""

from __future__ import annotations

from collections.abc import Mapping

from mmlite_conformance.suite.config import Settings, TargetProfile
from mmlite_conformance.suite.targets.base import Prompt, RunWords, Target, TargetUnavailableError
from mmlite_conformance.suite.targets.emulator import EmulatorTarget
from mmlite_conformance.suite.targets.live import LiveTarget
from mmlite_conformance.suite.targets.platform import PlatformTarget, PlatformUnavailableError
from mmlite_conformance.suite.targets.replay import ReplayTarget

__all__ = [
    "DEFAULT_TARGET",
    "TARGETS",
    "EmulatorTarget",
    "LiveTarget",
    "PlatformTarget",
    "PlatformUnavailableError",
    "Prompt",
    "ReplayTarget",
    "RunWords",
    "Target",
    "TargetUnavailableError",
    "create_target",
    "profiles",
    "register",
]

#: name -> class; a new kind of run is one module with a Target subclass, registered here (or by a plugin)
TARGETS: dict[str, type[Target]] = {}
#: what a bare `pytest` runs: offline, from the shipped cassettes
DEFAULT_TARGET = ReplayTarget.name


def register(target: type[Target]) -> type[Target]:
    """Make `--target <target.name>` run `target`; usable as a class decorator, also from a pytest plugin module."""
    TARGETS[target.name] = target
    return target


for _target in (ReplayTarget, EmulatorTarget, LiveTarget, PlatformTarget):
    register(_target)


def profiles() -> Mapping[str, TargetProfile]:
    """What each target takes from the configuration, for `config.load_settings`."""
    return {name: target.profile for name, target in TARGETS.items()}


def create_target(settings: Settings) -> Target:
    return TARGETS[settings.target](settings)
