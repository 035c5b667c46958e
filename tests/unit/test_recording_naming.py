"""Unit tests of cassette and tape names and of the provenance block."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from mmlite_conformance.suite.recording import EMULATOR_NOTE, LIVE_NOTE, cassette_name, make_provenance, tape_name
from tests.unit.recording_kit import NAME, OTHER_PHONE, PHONE, PROVENANCE

pytestmark = pytest.mark.unit


def test_cassette_name_uses_the_example_index_not_the_example_values() -> None:
    name = cassette_name("features/messages.feature", f"test_send_a_template[{PHONE}-hello world]", 7)
    assert name == "messages/test_send_a_template[ex007].yaml"
    assert name == cassette_name("features/messages.feature", f"test_send_a_template[{OTHER_PHONE}-x]", 7)
    assert PHONE not in name


def test_cassette_name_without_example_and_with_unsafe_characters() -> None:
    assert cassette_name("features/bulk/bulk outline.feature", "test_x") == "bulk_outline/test_x.yaml"
    name = cassette_name("a.feature", "test_call " + PHONE + " / now: ok?")
    assert PHONE not in name
    assert "/" not in name.split("/", 1)[1] and ":" not in name and "?" not in name and " " not in name


def test_cassette_name_long_names_are_shortened_stably() -> None:
    long = "test_" + "x" * 300
    first = cassette_name("f.feature", long, 1)
    assert first == cassette_name("f.feature", long, 1)
    assert len(first.split("/")[1]) < 140
    assert first != cassette_name("f.feature", long + "y", 1)


@pytest.mark.parametrize("index", [-1, True, "3"])
def test_cassette_name_rejects_a_bad_index(index: Any) -> None:
    with pytest.raises(ValueError, match="example_index"):
        cassette_name("f.feature", "test_x", index)


def test_tape_name_sits_beside_the_cassette() -> None:
    assert tape_name(NAME) == "messages/test_send_a_template[ex003].webhooks.json"


def test_provenance_block_keys_order_and_values() -> None:
    assert PROVENANCE == {
        "target": "emulator",
        "recorded_at": "2025-01-02",
        "suite_version": "1.2.3",
        "emulator_seed": 7,
        "scenario": "Send a template",
        "requirement_ids": ["REQ-1"],
        "note": EMULATOR_NOTE,
    }
    # the tape is written with sorted keys, but the block's own order is kept stable too
    assert list(PROVENANCE) == [
        "target",
        "recorded_at",
        "suite_version",
        "emulator_seed",
        "scenario",
        "requirement_ids",
        "note",
    ]


def test_provenance_needs_a_date_and_takes_a_datetime_as_its_utc_date() -> None:
    undated: dict[str, Any] = {"target": "emulator", "note": EMULATOR_NOTE, "scenario": "s", "requirement_ids": ()}
    with pytest.raises(TypeError, match="recorded_at"):
        make_provenance(**undated, emulator_seed=7)
    evening_in_rio = datetime.datetime(2025, 3, 4, 22, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-3)))
    live = make_provenance(
        target="live", note=LIVE_NOTE, recorded_at=evening_in_rio, scenario="s", requirement_ids=(), emulator_seed=None
    )
    assert live["recorded_at"] == "2025-03-05" and live["emulator_seed"] is None
    assert "live sandbox" in live["note"] and len(live["recorded_at"]) == 10
    assert live["suite_version"]  # the installed version when no label is given
