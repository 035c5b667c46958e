"""Unit tests of the cassette and tape file checks: each problem is one redacted CassetteError naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.suite.recording import CassetteError, tape_name
from tests.unit.recording_kit import (
    API_KEY,
    NAME,
    OTHER_PHONE,
    PHONE,
    PROVENANCE,
    cassette_path,
    record,
    recorder,
    tape_path,
)

pytestmark = pytest.mark.unit


def _replay_error(tmp_path: Path) -> CassetteError:
    with pytest.raises(CassetteError) as caught, recorder(tmp_path, "replay").session(NAME, PROVENANCE):
        pytest.fail("the session must not open")
    return caught.value


def assert_clean(error: CassetteError) -> None:
    text = str(error)
    assert "Traceback" not in text and 'File "' not in text
    assert API_KEY not in text and PHONE not in text and OTHER_PHONE not in text
    assert error.__cause__ is None


def test_missing_cassette_names_the_relative_path_and_how_to_record(tmp_path: Path) -> None:
    error = _replay_error(tmp_path)
    assert error.path == f"cassettes/{NAME}"
    assert str(error) == (
        f"no cassette for scenario Send a template at cassettes/{NAME}; record one with --target emulator --record"
    )
    assert str(tmp_path) not in str(error)
    assert_clean(error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("interactions: [\n  - {request: ", "YAML unparsable at line"),
        ("- just\n- a list\n", "not a vcrpy cassette"),
        ("", "not a vcrpy cassette"),
        ("version: 1\ninteractions:\n- request: {}\n  response: {}\n", "not a vcrpy request/response pair"),
    ],
)
def test_corrupt_cassette(tmp_path: Path, content: str, expected: str) -> None:
    cassette_path(tmp_path).parent.mkdir(parents=True)
    cassette_path(tmp_path).write_text(content, encoding="utf-8")
    error = _replay_error(tmp_path)
    assert f"corrupt cassette cassettes/{NAME}" in str(error)
    assert expected in str(error)
    assert_clean(error)


def test_missing_and_corrupt_tape(tmp_path: Path) -> None:
    record(tmp_path)
    tape_path(tmp_path).unlink()
    error = _replay_error(tmp_path)
    assert f"no webhook tape for scenario Send a template at cassettes/{tape_name(NAME)}" in str(error)
    tape_path(tmp_path).write_text('{"provenance": {}, "events": [', encoding="utf-8")
    error = _replay_error(tmp_path)
    assert f"corrupt webhook tape cassettes/{tape_name(NAME)}: not valid JSON" in str(error)
    assert_clean(error)
    tape_path(tmp_path).write_text('{"events": "nope"}', encoding="utf-8")
    assert "expected" in str(_replay_error(tmp_path))


def test_a_tape_problem_leaves_no_parsed_cassette_behind(tmp_path: Path) -> None:
    record(tmp_path)
    tape_path(tmp_path).unlink()
    replaying = recorder(tmp_path, "replay")
    with pytest.raises(CassetteError), replaying.session(NAME, PROVENANCE):
        pytest.fail("the session must not open")
    assert replaying._persister.checked == {}
