"""Unit tests of recording sessions: record never overwrites unasked nor keeps a failed run, replay plays or refuses."""

from __future__ import annotations

from typing import Any

import pytest

from mmlite_conformance.suite.recording import CassetteError, files
from mmlite_conformance.suite.recording.canonical import CanonicalForm
from tests.unit.recording_kit import (
    NAME,
    OTHER_PHONE,
    PHONE,
    PROVENANCE,
    Studio,
    assert_clean,
    exchanges,
    pseudonym,
)

pytestmark = pytest.mark.unit


# ---- recording ------------------------------------------------------------------------------------------------


def test_record_new_refuses_to_overwrite_and_leaves_the_file_byte_identical(studio: Studio) -> None:
    studio.record()
    before = studio.files()
    calls: list[str] = []
    with pytest.raises(CassetteError) as caught, studio.session("record-new"):
        exchanges(studio.client(calls))
    assert calls == []  # refused before any request
    assert str(caught.value).startswith(f"refusing to overwrite the existing cassette cassettes/{NAME}")
    assert "--record=overwrite" in str(caught.value)
    assert studio.files() == before


def test_a_failing_body_leaves_the_old_recording_untouched(studio: Studio) -> None:
    studio.record()
    before = studio.files()
    calls: list[str] = []
    with (
        pytest.raises(RuntimeError, match="step failed"),
        studio.session("record-overwrite") as session,
        studio.client(calls) as api,
    ):
        exchanges(api, to=OTHER_PHONE)
        session.save_tape([])
        raise RuntimeError("step failed")
    assert studio.files() == before
    assert sorted(p.name for p in studio.cassette_dir.iterdir()) == ["messages"]  # no temp dir left


def test_a_failing_first_recording_writes_nothing(studio: Studio) -> None:
    calls: list[str] = []
    with pytest.raises(RuntimeError), studio.session("record-new"), studio.client(calls) as api:
        exchanges(api)
        raise RuntimeError("boom")
    assert list(studio.cassette_dir.iterdir()) == []


def test_unknown_mode_is_refused(studio: Studio) -> None:
    mode: Any = "rewind"
    with pytest.raises(ValueError, match="unknown recording mode"):
        studio.recorder(mode)


# ---- replay ---------------------------------------------------------------------------------------------------


def test_replay_serves_the_recording_whatever_the_base_url(recorded: Studio) -> None:
    before = recorded.cassette.read_bytes()
    calls: list[str] = []
    replaying = recorded.recorder("replay")
    with (
        replaying.session(NAME, {"scenario": "Send a template"}) as session,
        recorded.client(calls, "http://10.9.9.9:1") as c,
    ):
        assert session.mode == "replay" and not session.is_recording
        assert session.provenance == PROVENANCE
        assert session.tape_events == [{"type": "status", "recipient_id": pseudonym(PHONE)}]
        c.post("/messages", json={"type": "template", "to": PHONE, "messaging_product": "whatsapp"})  # other order
        c.post("/mmlite/v1/settings", json={"webhook_url": "http://127.0.0.1:47001/webhook", "phone": PHONE})
    assert calls == []  # nothing reached the transport
    assert recorded.cassette.read_bytes() == before


def test_replay_parses_each_cassette_once(recorded: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[int] = []
    real_parse = files.parse_cassette

    def counting_parse(text: str) -> Any:
        parsed.append(len(text))
        return real_parse(text)

    monkeypatch.setattr(files, "parse_cassette", counting_parse)
    with recorded.recorder("replay").session(NAME, PROVENANCE), recorded.client([]) as api:
        exchanges(api)
    assert len(parsed) == 1


def test_replay_puts_each_request_in_canonical_form_once(recorded: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    canonicalised: list[str] = []
    real_canonical = CanonicalForm.canonical_request

    def counting(self: CanonicalForm, method: str, uri: str, *args: Any) -> Any:
        canonicalised.append(f"{method} {uri}")
        return real_canonical(self, method, uri, *args)

    with recorded.recorder("replay").session(NAME, PROVENANCE), recorded.client([]) as api:
        played_before = exchanges(api)
    monkeypatch.setattr(CanonicalForm, "canonical_request", counting)
    with recorded.recorder("replay").session(NAME, PROVENANCE), recorded.client([]) as api:
        assert exchanges(api) == played_before
    # the recorded requests are played as the cassette holds them (in canonical form since they were recorded); the
    # reset (never recorded) and each API request are put in canonical form once (vcrpy: 2 + 1 + 2 * 4)
    assert canonicalised == [
        "POST http://127.0.0.1:8123/_emulator/reset",
        "POST http://127.0.0.1:8123/messages",
        "POST http://127.0.0.1:8123/mmlite/v1/settings",
    ]


def test_changed_request_in_replay_is_a_redacted_cassette_error(recorded: Studio) -> None:
    calls: list[str] = []
    with pytest.raises(CassetteError) as caught, recorded.session("replay"), recorded.client(calls) as api:
        exchanges(api, to=OTHER_PHONE)
    assert calls == ["POST /_emulator/reset"]  # control calls pass through; the API call never did
    message = str(caught.value)
    assert_clean(caught.value)
    assert caught.value.__context__ is None  # no exception quoting the raw body is chained to it
    assert message.startswith(f"scenario Send a template makes a request that is not recorded in cassettes/{NAME}")
    assert "POST /messages" in message and "differs in body" in message
    assert f'$.to: recorded "{pseudonym(PHONE)}", now "{pseudonym(OTHER_PHONE)}"' in message


def test_request_made_more_often_than_recorded(recorded: Studio) -> None:
    calls: list[str] = []
    with (
        pytest.raises(CassetteError, match="more often than recorded"),
        recorded.session("replay"),
        recorded.client(calls) as api,
    ):
        exchanges(api)
        exchanges(api)


def test_unplayed_interactions_fail_the_replay(recorded: Studio) -> None:
    calls: list[str] = []
    with pytest.raises(CassetteError) as caught, recorded.session("replay"), recorded.client(calls) as api:
        exchanges(api, with_mmlite=False)
    assert "no longer makes these recorded requests" in str(caught.value)
    assert "POST /mmlite/v1/settings" in str(caught.value)
    assert "POST /messages" not in str(caught.value)


def test_an_unplayed_recording_is_named_by_the_scenario_on_its_tape(recorded: Studio) -> None:
    """The run's stand-in provenance names no scenario; the tape's does, and the message uses it."""
    with (
        pytest.raises(CassetteError) as caught,
        recorded.recorder("replay").session(NAME, {}),
        recorded.client([]) as api,
    ):
        exchanges(api, with_mmlite=False)
    assert str(caught.value).startswith("scenario Send a template no longer makes these recorded requests")


def test_unplayed_check_is_skipped_when_the_body_failed(recorded: Studio) -> None:
    with pytest.raises(RuntimeError), recorded.session("replay"):
        raise RuntimeError("assertion in a step")


def test_mode_off_passes_everything_through_and_writes_nothing(studio: Studio) -> None:
    calls: list[str] = []
    with studio.session("off") as session, studio.client(calls) as api:
        assert session.cassette is None
        exchanges(api)
        session.save_tape([{"x": 1}])
    assert len(calls) == 3
    assert not studio.cassette_dir.exists()


def test_session_rejects_names_outside_the_cassette_dir(studio: Studio) -> None:
    for bad in ("../x.yaml", "/abs.yaml", "x.json"):
        with pytest.raises(ValueError), studio.recorder("replay").session(bad, PROVENANCE):
            pass
