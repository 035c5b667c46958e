"""Targets: one module per kind of run, each owning every decision that varies by target; a registry names them."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from mmlite_conformance.suite.config import Settings, TargetProfile
from mmlite_conformance.suite.targets.base import (
    PlatformUnavailableError,
    Prompt,
    RunWords,
    Target,
    TargetUnavailableError,
)

if TYPE_CHECKING:
    from mmlite_conformance.suite.targets.emulator import EmulatorTarget
    from mmlite_conformance.suite.targets.live import LiveTarget
    from mmlite_conformance.suite.targets.platform import PlatformTarget
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

#: the suite's own targets: name -> (module of this package, class); a module is imported when its target is first
#: asked for, so that a replay run does not import the emulator, the platform's driver or the live prompts
_SHIPPED: dict[str, tuple[str, str]] = {
    "replay": ("replay", "ReplayTarget"),
    "emulator": ("emulator", "EmulatorTarget"),
    "live": ("live", "LiveTarget"),
    "platform": ("platform", "PlatformTarget"),
}
_BY_CLASS = {class_name: module for module, class_name in _SHIPPED.values()}


def _shipped_class(class_name: str) -> type[Target]:
    module = importlib.import_module(f"{__name__}.{_BY_CLASS[class_name]}")
    found: type[Target] = getattr(module, class_name)
    return found


class TargetRegistry(MutableMapping[str, type[Target]]):
    """name -> Target class, in registration order; a shipped target's module is imported on first lookup."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Target] | None] = dict.fromkeys(_SHIPPED)

    def __getitem__(self, name: str) -> type[Target]:
        found = self._classes[name]
        if found is None:
            found = self._classes[name] = _shipped_class(_SHIPPED[name][1])
        return found

    def __setitem__(self, name: str, target: type[Target]) -> None:
        self._classes[name] = target

    def __delitem__(self, name: str) -> None:
        del self._classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._classes  # without importing the target's module

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)


#: name -> class; a new kind of run is one module with a Target subclass, registered here (or by a plugin)
TARGETS = TargetRegistry()
#: what a bare `pytest` runs: offline, from the shipped cassettes
DEFAULT_TARGET = "replay"


def __getattr__(name: str) -> Any:
    """The shipped target classes, imported on first use (`from mmlite_conformance.suite.targets import
    EmulatorTarget` works as before)."""
    if name in _BY_CLASS:
        return _shipped_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register(target: type[Target]) -> type[Target]:
    """Make `--target <target.name>` run `target`; usable as a class decorator, also from a pytest plugin module."""
    TARGETS[target.name] = target
    return target


class _Profiles(Mapping[str, TargetProfile]):
    """Each registered target's profile, by name; only the targets looked up are imported."""

    def __getitem__(self, name: str) -> TargetProfile:
        return TARGETS[name].profile

    def __contains__(self, name: object) -> bool:
        return name in TARGETS

    def __iter__(self) -> Iterator[str]:
        return iter(TARGETS)

    def __len__(self) -> int:
        return len(TARGETS)


def profiles() -> Mapping[str, TargetProfile]:
    """What each target takes from the configuration, for `config.load_settings`."""
    return _Profiles()


def create_target(settings: Settings) -> Target:
    return TARGETS[settings.target](settings)
