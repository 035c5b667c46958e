"""Unit tests of the cassette and tape file checks: each problem is one redacted CassetteError naming the file."""

from __future__ import annotations

import pytest

from mmlite_conformance.suite.recording import CassetteError, tape_name
from tests.unit.recording_kit import NAME, PROVENANCE, Studio, assert_clean

pytestmark = pytest.mark.unit


def _replay_error(studio: Studio) -> CassetteError:
    with pytest.raises(CassetteError) as caught, studio.session("replay"):
        pytest.fail("the session must not open")
    return caught.value


def test_missing_cassette_names_the_relative_path_and_how_to_record(studio: Studio) -> None:
    error = _replay_error(studio)
    assert error.path == f"cassettes/{NAME}"
    assert str(error) == (
        f"no cassette for scenario Send a template at cassettes/{NAME}; record one with --target emulator --record"
    )
    assert str(studio.root) not in str(error)
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
def test_corrupt_cassette(studio: Studio, content: str, expected: str) -> None:
    studio.cassette.parent.mkdir(parents=True)
    studio.cassette.write_text(content, encoding="utf-8")
    error = _replay_error(studio)
    assert f"corrupt cassette cassettes/{NAME}" in str(error)
    assert expected in str(error)
    assert_clean(error)


def test_missing_and_corrupt_tape(studio: Studio) -> None:
    studio.record()
    studio.tape.unlink()
    error = _replay_error(studio)
    assert f"no webhook tape for scenario Send a template at cassettes/{tape_name(NAME)}" in str(error)
    studio.tape.write_text('{"provenance": {}, "events": [', encoding="utf-8")
    error = _replay_error(studio)
    assert f"corrupt webhook tape cassettes/{tape_name(NAME)}: not valid JSON" in str(error)
    assert_clean(error)
    studio.tape.write_text('{"events": "nope"}', encoding="utf-8")
    assert "expected" in str(_replay_error(studio))


def test_a_tape_problem_leaves_no_cassette_playing(studio: Studio) -> None:
    studio.record()
    studio.tape.unlink()
    replaying = studio.recorder("replay")
    with pytest.raises(CassetteError), replaying.session(NAME, PROVENANCE):
        pytest.fail("the session must not open")
    assert replaying.deck.player is None
