"""Unit tests of the canonical form: what a cassette holds is canonical, redacted, and the same on every recording."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml
from vcr.request import Request as VcrRequest

from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL as PLACEHOLDER_URL
from mmlite_conformance.suite.recording import CanonicalForm
from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
from tests.unit.recording_kit import API_KEY, LOOPBACK, PHONE, PROVENANCE, RECEIVER, FakeRedactor, Studio, pseudonym

pytestmark = pytest.mark.unit


def test_recorded_cassette_is_canonical_and_redacted(studio: Studio) -> None:
    studio.record()
    text = studio.cassette.read_text(encoding="utf-8")
    assert API_KEY not in text and PHONE not in text and "127.0.0.1" not in text
    data = yaml.safe_load(text)
    requests = [i["request"] for i in data["interactions"]]
    assert [r["uri"] for r in requests] == [
        "https://waba-v2.360dialog.io/messages",
        "https://alpha-beta-onboarding-hub-production.360dialog.io/mmlite/v1/settings",
    ]  # the control call is not recorded
    first, second = requests
    assert first["headers"]["d360-api-key"] == [API_KEY_PLACEHOLDER]
    for banned in ("host", "user-agent", "accept-encoding", "connection"):
        assert banned not in first["headers"]
    assert json.loads(first["body"]) == {"messaging_product": "whatsapp", "to": pseudonym(PHONE), "type": "template"}
    assert first["headers"]["content-length"] == [str(len(first["body"].encode()))]
    assert json.loads(second["body"]) == {"phone": pseudonym(PHONE), "webhook_url": PLACEHOLDER_URL}
    response = data["interactions"][0]["response"]
    assert set(response["headers"]) == {"content-length", "content-type"}  # date, server, x-request-id dropped
    assert json.loads(response["body"]["string"])["contacts"] == [
        {"input": pseudonym(PHONE), "wa_id": pseudonym(PHONE)}
    ]
    assert response["headers"]["content-length"] == [str(len(response["body"]["string"].encode()))]
    tape = json.loads(studio.tape.read_text(encoding="utf-8"))
    assert tape == {"provenance": PROVENANCE, "events": [{"type": "status", "recipient_id": pseudonym(PHONE)}]}


def test_canonical_url_per_path() -> None:
    canonical = CanonicalForm(FakeRedactor([API_KEY], [PHONE]), replacements={RECEIVER: PLACEHOLDER_URL})
    assert canonical.canonical_url("http://localhost:1/v1/x?a=1") == "https://waba-v2.360dialog.io/v1/x?a=1"
    assert canonical.canonical_url("https://10.0.0.1/mmlite/a") == (
        "https://alpha-beta-onboarding-hub-production.360dialog.io/mmlite/a"
    )
    assert canonical.canonical_url(f"{LOOPBACK}/_emulator/inbound") is None
    url = str(httpx.URL(f"{LOOPBACK}/x", params={"url": RECEIVER, "to": f"+{PHONE}"}))
    assert canonical.canonical_url(url) == (
        f"https://waba-v2.360dialog.io/x?url=https%3A%2F%2Fwebhook.receiver.invalid%2Fwebhook&to=%2B{pseudonym(PHONE)}"
    )
    assert canonical.canonical_url(f"{LOOPBACK}/contacts/{PHONE}") == (
        "https://waba-v2.360dialog.io/contacts/" + pseudonym(PHONE)
    )


def test_a_number_first_met_in_the_body_is_hidden_in_the_url_too() -> None:
    redactor = Redactor(secrets=[API_KEY], phone_numbers=[], pseudonym_key=OFFLINE_PSEUDONYM_KEY)
    body = json.dumps({"to": PHONE}).encode()
    request = VcrRequest("POST", f"{LOOPBACK}/contacts/{PHONE}", body, {"content-type": "application/json"})
    recorded = CanonicalForm(redactor).before_record_request(request)
    assert PHONE not in recorded.uri and PHONE not in recorded.body.decode()
    assert recorded.uri == f"https://waba-v2.360dialog.io/contacts/{redactor.pseudonym(PHONE)}"


def test_ignored_origins_are_neither_recorded_nor_matched(studio: Studio) -> None:
    calls: list[str] = []
    with studio.session("record-new", ignored_origins=("127.0.0.1:47001",)), studio.client(calls) as api:
        api.post(RECEIVER, json={"entry": []})
        api.post("/messages", json={"to": PHONE})
    interactions = yaml.safe_load(studio.cassette.read_text(encoding="utf-8"))["interactions"]
    assert [i["request"]["uri"] for i in interactions] == ["https://waba-v2.360dialog.io/messages"]


def test_rerecording_the_same_exchanges_is_byte_identical(studio: Studio) -> None:
    studio.record()
    first = studio.files()
    studio.record("record-overwrite")
    assert studio.files() == first


def test_a_scenario_without_requests_still_gets_a_cassette(studio: Studio) -> None:
    with studio.session("record-new"):
        pass
    assert yaml.safe_load(studio.cassette.read_text(encoding="utf-8")) == {"interactions": [], "version": 1}
    with studio.session("replay") as session:
        assert session.tape_events == []
