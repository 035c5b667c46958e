"""Shared pieces of the recording tests: a fake redactor, a mock API, and a studio where one scenario is recorded."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL as PLACEHOLDER_URL
from mmlite_conformance.suite.recording import (
    EMULATOR_NOTE,
    CassetteDeck,
    CassetteError,
    Recorder,
    RecordingMode,
    RecordingSession,
    make_provenance,
    tape_name,
)
from tests.fake_redactor import ReplacingRedactor

API_KEY = "sk-test-9f8e7d6c5b4a"
PHONE = "5521912345678"
OTHER_PHONE = "5521987654321"
LOOPBACK = "http://127.0.0.1:8123"
RECEIVER = "http://127.0.0.1:47001/webhook"
NAME = "messages/test_send_a_template[ex003].yaml"
PROVENANCE = make_provenance(
    target="emulator",
    note=EMULATOR_NOTE,
    recorded_at=datetime.date(2025, 1, 2),
    scenario="Send a template",
    requirement_ids=("REQ-1",),
    emulator_seed=7,
    version_label="1.2.3",
)


def pseudonym(number: str) -> str:
    return number if number.startswith("pn-") else "pn-" + hashlib.sha256(number.encode()).hexdigest()[:8]


class FakeRedactor(ReplacingRedactor):
    """A stand-in for redaction.Redactor with the same API: key -> placeholder, numbers -> pseudonyms."""

    def __init__(self, secrets: list[str], phone_numbers: list[str]) -> None:
        super().__init__({secret: API_KEY_PLACEHOLDER for secret in secrets} | {n: pseudonym(n) for n in phone_numbers})

    def pseudonym(self, number: str) -> str:
        return pseudonym(number)

    def redact_headers(self, headers: Mapping[str, str], /) -> dict[str, str]:
        return {
            name: API_KEY_PLACEHOLDER if name.lower() == "d360-api-key" else self.redact_text(value)
            for name, value in headers.items()
        }

    def redact_bytes(self, body: bytes, content_type: str | None) -> bytes:
        try:
            parsed = json.loads(body)
        except ValueError:
            return self.redact_text(body.decode()).encode()
        return json.dumps(self.redact_json(parsed), separators=(",", ":")).encode()


def _handler(calls: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        headers = {"date": "Mon, 01 Jan 2024 00:00:00 GMT", "server": "mock", "x-request-id": str(len(calls))}
        if request.url.path == "/messages":
            to = json.loads(request.content)["to"]
            body = {"contacts": [{"input": to, "wa_id": to}], "messages": [{"id": "wamid.abc"}]}
            return httpx.Response(200, json=body, headers=headers)
        if request.url.path.startswith("/mmlite/"):
            return httpx.Response(200, json={"status": "ok", "echo": json.loads(request.content)}, headers=headers)
        return httpx.Response(200, json={"control": True}, headers=headers)

    return httpx.MockTransport(handle)


def exchanges(api: httpx.Client, to: str = PHONE, with_mmlite: bool = True) -> list[Any]:
    api.post("/_emulator/reset", json={"seed": 7})
    bodies = [api.post("/messages", json={"to": to, "type": "template", "messaging_product": "whatsapp"}).json()]
    if with_mmlite:
        response = api.post("/mmlite/v1/settings", json={"webhook_url": RECEIVER, "phone": to})
        bodies.append(response.json())
    return bodies


@dataclass(slots=True)
class Studio:
    """A cassette folder in a test's tmp_path and a mock API: where the one scenario (NAME) is recorded and replayed.
    Its recorders play replayed cassettes on `deck`, whose transport its clients use (as the replay target's does)."""

    root: Path
    deck: CassetteDeck = field(default_factory=CassetteDeck)

    @property
    def cassette_dir(self) -> Path:
        return self.root / "cassettes"

    @property
    def cassette(self) -> Path:
        return self.cassette_dir / NAME

    @property
    def tape(self) -> Path:
        return self.cassette_dir / tape_name(NAME)

    def files(self) -> tuple[bytes, bytes]:
        """The recording as it is on disk: the cassette's and the tape's bytes."""
        return self.cassette.read_bytes(), self.tape.read_bytes()

    def client(self, calls: list[str], base_url: str = LOOPBACK) -> httpx.Client:
        """A client of the mock API the scenario is recorded from; `calls` gets each request's method and path."""
        transport = self.deck.transport(_handler(calls))
        return httpx.Client(base_url=base_url, transport=transport, headers={"D360-API-KEY": API_KEY})

    def recorder(self, mode: RecordingMode, ignored_origins: tuple[str, ...] = ()) -> Recorder:
        return Recorder(
            cassette_dir=self.cassette_dir,
            redactor=FakeRedactor([API_KEY], [PHONE, OTHER_PHONE]),
            mode=mode,
            canonical_replacements={RECEIVER: PLACEHOLDER_URL},
            ignored_origins=ignored_origins,
            deck=self.deck,
        )

    def session(self, mode: RecordingMode, **recorder: Any) -> AbstractContextManager[RecordingSession]:
        """The scenario's session in `mode` (the recorder takes `ignored_origins`)."""
        return self.recorder(mode, **recorder).session(NAME, PROVENANCE)

    def record(self, mode: RecordingMode = "record-new", events: list[dict[str, Any]] | None = None) -> None:
        calls: list[str] = []
        with self.session(mode) as session, self.client(calls) as api:
            exchanges(api)
            session.save_tape(events or [{"type": "status", "recipient_id": PHONE}])
        assert calls == ["POST /_emulator/reset", "POST /messages", "POST /mmlite/v1/settings"]


def assert_clean(error: CassetteError) -> None:
    """A cassette error shows no traceback, no key and no number, and hides its cause."""
    text = str(error)
    assert "Traceback" not in text and 'File "' not in text
    assert API_KEY not in text and PHONE not in text and OTHER_PHONE not in text
    assert error.__cause__ is None
