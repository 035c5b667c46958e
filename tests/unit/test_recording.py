"""Unit tests of recording sessions: record never overwrites unasked nor keeps a failed run, replay plays or refuses."""

from __future__ import annotations

from typing import Any

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request as VcrRequest
from vcr.serializers import yamlserializer

from mmlite_conformance.suite.recording import CassetteError
from mmlite_conformance.suite.recording.canonical import CanonicalForm
from mmlite_conformance.suite.recording.cassette import _recent_ones_remembered
from tests.unit.recording_kit import (
    LOOPBACK,
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
    real_deserialize = yamlserializer.deserialize

    def counting_deserialize(text: str) -> Any:
        parsed.append(len(text))
        return real_deserialize(text)

    monkeypatch.setattr(yamlserializer, "deserialize", counting_deserialize)
    replaying = recorded.recorder("replay")
    with replaying.session(NAME, PROVENANCE), recorded.client([]) as api:
        exchanges(api)
    assert len(parsed) == 1  # the suite's check parses it, vcrpy plays what the check parsed
    assert replaying._persister.checked == {}  # nothing kept once played


def test_replay_filters_each_request_once_per_object(recorded: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    filtered: list[str] = []
    real_filter = CanonicalForm.before_record_request

    def counting_filter(self: CanonicalForm, request: Any) -> Any:
        filtered.append(request.uri)
        return real_filter(self, request)

    with recorded.recorder("replay").session(NAME, PROVENANCE), recorded.client([]) as api:
        played_before = exchanges(api)
    monkeypatch.setattr(CanonicalForm, "before_record_request", counting_filter)
    with recorded.recorder("replay").session(NAME, PROVENANCE), recorded.client([]) as api:
        assert exchanges(api) == played_before
    # loading files the 2 recorded requests; the reset is filtered once (never recorded); each API request twice:
    # as sent, then vcrpy's "is it in" filters what the first filter made (vcrpy alone: 4 times each)
    assert len(filtered) == 2 + 1 + 2 * 2


def test_recent_filter_results_are_reused_for_the_same_object_only() -> None:
    calls: list[object] = []

    def filter_request(request: object) -> object:
        calls.append(request)
        return ("filtered", request)

    remembered = _recent_ones_remembered(filter_request)
    first, second = object(), object()
    assert remembered(first) == ("filtered", first) and remembered(first) is remembered(first)
    assert remembered(second) == ("filtered", second)
    assert calls == [first, second]
    for _ in range(4):  # four newer requests push the first one out
        remembered(object())
    remembered(first)
    assert calls[-1] is first and len(calls) == 7


def test_changed_request_in_replay_is_a_redacted_cassette_error(recorded: Studio) -> None:
    calls: list[str] = []
    with pytest.raises(CassetteError) as caught, recorded.session("replay"), recorded.client(calls) as api:
        exchanges(api, to=OTHER_PHONE)
    assert calls == ["POST /_emulator/reset"]  # control calls pass through; the API call never did
    message = str(caught.value)
    assert_clean(caught.value)
    assert caught.value.__context__ is None  # raised before vcrpy builds its message quoting the raw body
    assert message.startswith(f"scenario Send a template makes a request that is not recorded in cassettes/{NAME}")
    assert "POST /messages" in message and "differs in body" in message
    assert f'$.to: recorded "{pseudonym(PHONE)}", now "{pseudonym(OTHER_PHONE)}"' in message


def test_vcrpy_own_refusal_is_translated_without_its_raw_message(recorded: Studio) -> None:
    raw = f'{{"to": "{OTHER_PHONE}", "type": "template", "messaging_product": "whatsapp"}}'
    with pytest.raises(CassetteError) as caught, recorded.session("replay") as session:
        request = VcrRequest("POST", f"{LOOPBACK}/messages", raw, {"content-type": "application/json"})
        raise CannotOverwriteExistingCassetteException(cassette=session.cassette, failed_request=request)
    assert_clean(caught.value)
    assert caught.value.__suppress_context__  # vcrpy's message (raw body) is not shown as the cause
    assert "POST /messages" in str(caught.value) and "$.to" in str(caught.value)


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
