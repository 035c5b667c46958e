"""The target registry imports a shipped target's module on first use, and behaves as the plain dict it was."""

from __future__ import annotations

import pytest

from mmlite_conformance.suite import targets
from mmlite_conformance.suite.targets.emulator import EmulatorTarget
from mmlite_conformance.suite.targets.replay import EMULATOR_TARGET, ReplayTarget

pytestmark = pytest.mark.unit


def test_replay_names_the_emulator_target_as_the_emulator_target_does() -> None:
    assert EmulatorTarget.name == EMULATOR_TARGET


def test_the_shipped_classes_are_found_by_name_and_attribute() -> None:
    assert targets.TARGETS["emulator"] is EmulatorTarget
    assert targets.EmulatorTarget is EmulatorTarget
    assert targets.TARGETS[targets.DEFAULT_TARGET] is ReplayTarget
    assert targets.profiles()["replay"] is ReplayTarget.profile
    assert "platform" in targets.profiles() and "nonexistent" not in targets.profiles()


def test_an_unknown_name_is_neither_a_target_nor_an_attribute() -> None:
    with pytest.raises(KeyError):
        targets.TARGETS["nonexistent"]
    with pytest.raises(AttributeError, match="has no attribute 'NonexistentTarget'"):
        _ = targets.NonexistentTarget
