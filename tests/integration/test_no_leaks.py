"""Canary scan: with a recognisable key and phone number, no artefact or log of a run contains either."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from vcr.request import Request as VcrRequest

from mmlite_conformance.bundle import pack
from mmlite_conformance.suite.client import ApiClient, ApiResponse, Endpoints
from mmlite_conformance.suite.config import Secret, Settings
from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.plugin import build_redactor
from mmlite_conformance.suite.recording.canonical import CanonicalForm
from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.report import evidence_as_dict, render_scenario_html
from mmlite_conformance.suite.schemas import SchemaRegistry, default_schema_dir
from mmlite_conformance.suite.targets import EmulatorTarget
from mmlite_conformance.suite.webhooks import WebhookEvent, to_tape
from tests.integration.conftest import SuiteRun
from tests.payloads import webhook

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RunSuite = Callable[..., SuiteRun]

CANARY_KEY = "CanaryKey7f3a9cD360xYz0123456789"
CANARY_NOT_ONBOARDED_KEY = "CanaryNotOnboarded55aa66bb77cc"
CANARY_PHONE = "5521987654321"
CANARY_ENV = {
    "D360_API_KEY": CANARY_KEY,
    "D360_NOT_ONBOARDED_API_KEY": CANARY_NOT_ONBOARDED_KEY,
    "MMLITE_RECIPIENT": f"+{CANARY_PHONE}",
}
#: faults that make scenarios fail with bodies, statuses and numbers in their messages
FAILING_FAULTS = (
    "missing_wa_id",
    "wrong_error_code",
    "invalid_token_body_changed",
    "statuses_out_of_order",
    "inbound_not_delivered",
)
#: business-scoped user ids in today's form and in the form an earlier revision of Meta's page showed
CANARY_BSUID = "BR.1502576394655843"
CANARY_HEX_BSUID = "user.c4a7e1d09b3f5a2e8d6c0b9f7e3a1d5c2b8f4e6a0d9c7b3e1f5a2d8c6b0e4f7a"
WAMID = re.compile(r"wamid\.([A-Za-z0-9+/_=-]{8,})")


def _decoded_wamids(text: str) -> Iterator[str]:
    """WhatsApp message ids carry the recipient's number base64-encoded: look inside them too."""
    for token in WAMID.findall(text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                yield decode(token + "=" * (-len(token) % 4)).decode("latin-1")
            except (binascii.Error, ValueError):
                continue


def _leaks(text: str) -> list[str]:
    found = [c for c in (CANARY_KEY, CANARY_NOT_ONBOARDED_KEY, CANARY_PHONE, CANARY_BSUID) if c in text]
    if CANARY_HEX_BSUID.removeprefix("user.") in text:  # the id's hex part, with or without its prefix
        found.append(CANARY_HEX_BSUID)
    if any(CANARY_PHONE in inside for inside in _decoded_wamids(text)):
        found.append(f"{CANARY_PHONE} inside a wamid")
    return found


def _scan(run: SuiteRun, *folders: Path) -> dict[str, list[str]]:
    leaks: dict[str, list[str]] = {}
    if found := _leaks(run.output):
        leaks["terminal output"] = found
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and (found := _leaks(path.read_text(errors="replace"))):
                leaks[str(path.relative_to(folder.parent))] = found
    return leaks


def _scan_bundle(run: SuiteRun) -> dict[str, list[str]]:
    """The run's certification bundle: every file inside the zip, the manifest included."""
    bundle = pack(run.reports)
    with zipfile.ZipFile(bundle) as archive:
        texts = {name: archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()}
    assert "manifest.json" in texts and "reports/run.json" in texts
    assert any(name.startswith("reports/evidence/") for name in texts), "the bundle holds no evidence file"
    return {f"{bundle.name}:{name}": found for name, text in texts.items() if (found := _leaks(text))}


def test_recording_run_leaks_neither_key_nor_number(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    run = run_suite("--target", "emulator", "--record", f"--cassette-dir={cassettes}", "-v", "-rA", env=CANARY_ENV)
    assert run.returncode == 0, run.output[-3000:]
    assert any(cassettes.rglob("*.yaml")), "nothing was recorded, so nothing was scanned"
    assert any((run.reports / "evidence").rglob("*.json")), "no evidence file, so none was scanned"
    assert _scan(run, run.reports, cassettes) == {}
    assert _scan_bundle(run) == {}
    assert "the final scrub had to redact" not in run.output  # the captures redacted everything themselves
    # the number did travel, as its pseudonym: redaction happened, the data was not simply absent
    assert "5500" in (run.reports / "junit.xml").read_text() + "".join(p.read_text() for p in cassettes.rglob("*.yaml"))
    # so did both keys, in every form the suite sends them, each hidden behind its own placeholder
    recorded = "".join(p.read_text() for p in cassettes.rglob("*.yaml"))
    assert "Bearer <D360-API-KEY>" in recorded and "<D360-NOT-ONBOARDED-API-KEY>" in recorded


def test_failing_run_leaks_neither_key_nor_number(run_suite: RunSuite) -> None:
    faults = [arg for fault in FAILING_FAULTS for arg in ("--emulator-fault", fault)]
    run = run_suite(
        "--target",
        "emulator",
        *faults,
        "-v",
        "-rA",
        "--showlocals",
        "--tb=long",
        env={**CANARY_ENV, "MMLITE_WEBHOOK_TIMEOUT": "1"},
    )
    assert run.failed(), "the faults should have made scenarios fail"
    assert any((run.reports / "evidence").rglob("*.json")), "no evidence file, so none was scanned"
    assert _scan(run, run.reports) == {}
    assert _scan_bundle(run) == {}
    assert "the final scrub had to redact" not in run.output  # every capture redacted what it held


def _sending_step(requirement: str) -> ScenarioEvidence:
    evidence = ScenarioEvidence(requirement_ids=(requirement,), feature="f", scenario="s")
    evidence.begin_step("When", "the partner sends the message")
    return evidence


def _send(redactor: Redactor, evidence: ScenarioEvidence, status: int, answer: Any, body: Any) -> ApiResponse:
    """POST `body` to /messages through the suite's client, answered `status` and `answer`, captured into `evidence`."""
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=answer))
    with httpx.Client(transport=transport) as http:
        api = ApiClient(
            http,
            Endpoints("https://waba-v2.360dialog.io", "https://x/mm"),
            Secret(CANARY_KEY),
            redactor,
            record=evidence.add_exchange,
        )
        return api.request("send", "POST", "/messages", json=body)


@pytest.mark.parametrize("canary", [CANARY_BSUID, CANARY_HEX_BSUID], ids=["today's form", "user.<hex> form"])
def test_a_bsuid_first_met_in_free_text_reaches_no_artefact(canary: str) -> None:
    """A user id the redactor has never seen in a user-id field, first in an error message, then in a webhook text."""
    settings = Settings("emulator", None, Secret(CANARY_KEY), None, CANARY_PHONE)
    redactor = build_redactor(settings, EmulatorTarget(settings))
    error = {"error": {"code": 131062, "message": f"(#131062) {canary} cannot receive this template"}}
    evidence = _sending_step("S3a")
    answer = _send(redactor, evidence, 400, error, {"to": CANARY_PHONE, "type": "text"})
    assert canary in answer.text  # the raw answer, for the checks, keeps it
    event = WebhookEvent(1, "POST", "/webhook", {}, {"text": f"hi from {canary}"}, "", 0.0)
    artefacts = {
        "html": render_scenario_html(evidence),
        "json": json.dumps(evidence_as_dict(evidence)),
        "curl": evidence.exchanges[0].to_curl(),
        "tape": json.dumps(to_tape([event], redactor)),
    }
    leaks = {name: found for name, text in artefacts.items() if (found := _leaks(text))}
    assert leaks == {}
    assert redactor.bsuid_pseudonym(canary) in artefacts["html"]  # replaced, not dropped


def test_a_user_hex_id_in_json_fields_reaches_no_artefact() -> None:
    """The earlier revision's shapes: a send answered with the id and an empty wa_id, a status addressed to the id
    with an empty recipient_id; through evidence, reproducer, tape, cassette and the observation the suite adds."""
    settings = Settings("emulator", None, Secret(CANARY_KEY), None, CANARY_PHONE)
    redactor = build_redactor(settings, EmulatorTarget(settings))
    message_id = "wamid.HBgLMTU1NTAxMjM0NTYVAgARGBI5QjZGMDAwMDAwMDAwMDAwMDAA"
    answer = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": CANARY_HEX_BSUID, "wa_id": "", "user_id": CANARY_HEX_BSUID}],
        "messages": [{"id": message_id}],
    }
    evidence = _sending_step("S1a")
    judge = Conformance(
        redact_json=redactor.redact_json,
        redact_text=redactor.redact_text,
        schemas=SchemaRegistry.from_directory(default_schema_dir()),
        evidence=evidence,
        redactor=redactor,
    )
    sent = _send(redactor, evidence, 200, answer, {"recipient": CANARY_HEX_BSUID, "type": "text"})
    judge.validate("send-response", sent.body)
    status = {"id": message_id, "status": "sent", "timestamp": "1760000000", "recipient_id": ""}
    body = webhook({"statuses": [{**status, "recipient_user_id": CANARY_HEX_BSUID}]})
    event = WebhookEvent(1, "POST", "/webhook", {}, body, json.dumps(body), 0.0)
    judge.validate("webhook-notification", event.body)
    judge.show_webhooks([event])
    assert len(evidence.observations) == 5  # input, empty wa_id, user_id; empty recipient_id, recipient_user_id
    cassette = CanonicalForm(redactor).before_record_response(
        {"status": {"code": 200}, "headers": {"content-type": ["application/json"]}, "body": {"string": sent.text}}
    )
    request = VcrRequest(
        "POST", "https://waba-v2.360dialog.io/messages", sent.text, {"content-type": "application/json"}
    )
    artefacts = {
        "html": render_scenario_html(evidence),
        "json": json.dumps(evidence_as_dict(evidence)),
        "curl": evidence.exchanges[0].to_curl(),
        "tape": json.dumps(to_tape([event], redactor)),
        "cassette response": str(cassette["body"]["string"]),
        "cassette request": str(CanonicalForm(redactor).before_record_request(request).body),
    }
    leaks = {name: found for name, text in artefacts.items() if (found := _leaks(text))}
    assert leaks == {}
    assert redactor.bsuid_pseudonym(CANARY_HEX_BSUID) in artefacts["cassette response"]  # replaced, not dropped


def test_the_scan_itself_sees_each_form_of_leak() -> None:
    inside_a_wamid = "wamid." + base64.b64encode(b"\x18\r" + CANARY_PHONE.encode() + b"\x15\x02").decode()
    assert _leaks(f"to: +{CANARY_PHONE}") == [CANARY_PHONE]
    assert _leaks(f"D360-API-KEY: {CANARY_KEY}") == [CANARY_KEY]
    assert _leaks(f"D360-API-KEY: Bearer {CANARY_NOT_ONBOARDED_KEY}") == [CANARY_NOT_ONBOARDED_KEY]
    assert _leaks(f"id {inside_a_wamid}") == [f"{CANARY_PHONE} inside a wamid"]
    assert _leaks(f"recipient_user_id: {CANARY_BSUID}") == [CANARY_BSUID]
    assert _leaks(f"user_id: {CANARY_HEX_BSUID}") == _leaks(CANARY_HEX_BSUID[5:]) == [CANARY_HEX_BSUID]
    assert _leaks("to: 5500000000001, wamid.HBgNNTUwMDA2NTM0NDc0OBUCABEYEkI4M0U4MzJCQkQwNjJBREJCOAA=") == []


@pytest.mark.parametrize("bearer", [False, True], ids=["bare", "Bearer"])
@pytest.mark.parametrize("key", [CANARY_KEY, CANARY_NOT_ONBOARDED_KEY], ids=["run's key", "not-onboarded key"])
def test_each_form_of_a_key_reaches_no_artefact(key: str, bearer: bool) -> None:
    """Each key, bare or after `Bearer `, sent to a server that echoes it back in a header and in its error."""
    settings = Settings("emulator", None, Secret(CANARY_KEY), Secret(CANARY_NOT_ONBOARDED_KEY), CANARY_PHONE)
    redactor = build_redactor(settings, EmulatorTarget(settings))

    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers["D360-API-KEY"]
        return httpx.Response(401, json={"error": f"Invalid api token: {sent}"}, headers={"X-Echo": sent})

    evidence = ScenarioEvidence(requirement_ids=("S3d",), feature="f", scenario="s")
    evidence.begin_step("When", "the partner sends the message")
    with httpx.Client(transport=httpx.MockTransport(echo)) as http:
        endpoints = Endpoints("https://waba-v2.360dialog.io", "https://x/mm")
        api = ApiClient(http, endpoints, Secret(CANARY_KEY), redactor, record=evidence.add_exchange)
        answer = api.request("send", "POST", "/messages", json={"type": "text"}, api_key=Secret(key), bearer=bearer)
    assert key in answer.text  # the raw answer holds it: there was something to hide
    canonical = CanonicalForm(redactor)
    request = VcrRequest(
        "POST", "https://waba-v2.360dialog.io/messages", b"{}", {"D360-API-KEY": ("Bearer " if bearer else "") + key}
    )
    response = {
        "status": {"code": 401},
        "headers": {"content-type": ["application/json"], "x-echo": [answer.headers["x-echo"]]},
        "body": {"string": answer.text.encode()},
    }
    artefacts = {
        "html": render_scenario_html(evidence),
        "json": json.dumps(evidence_as_dict(evidence)),
        "curl": evidence.exchanges[0].to_curl(),
        "cassette request": str(canonical.before_record_request(request).headers),
        "cassette response": str(canonical.before_record_response(response)),
    }
    assert {name: found for name, text in artefacts.items() if (found := _leaks(text))} == {}
    shown = evidence.exchanges[0].request_headers["D360-API-KEY"]
    assert shown.startswith("Bearer <" if bearer else "<")  # the form stays readable, the key does not
