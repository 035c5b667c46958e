"""Fixtures of the unit tests: a studio for the recording tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.recording_kit import Studio


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    """An empty cassette folder for the one scenario of the recording tests."""
    return Studio(tmp_path)


@pytest.fixture
def recorded(studio: Studio) -> Studio:
    """The studio with the scenario recorded (its cassette and tape written)."""
    studio.record()
    return studio
