"""Record real loopback HTTP (uvicorn and ASGI) through the Recorder, replay it offline, re-record byte-identically."""

from __future__ import annotations

import asyncio
import datetime
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL as PLACEHOLDER_URL
from mmlite_conformance.suite.netguard import NetworkBlocked, block_network
from mmlite_conformance.suite.recording import (
    EMULATOR_NOTE,
    CassetteError,
    Recorder,
    RecordingMode,
    cassette_name,
    make_provenance,
    tape_name,
)
from mmlite_conformance.suite.recording.provenance import comparable_tape
from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor

pytestmark = pytest.mark.integration

API_KEY = "live-looking-key-0123456789abcdef"
PHONE = "5521912345678"
RECEIVER = "http://127.0.0.1:48123/webhook"
NAME = cassette_name("features/sending.feature", f"test_send_template[{PHONE}-hello]", 2)
PROVENANCE = make_provenance(
    target="emulator",
    note=EMULATOR_NOTE,
    recorded_at=datetime.date(2025, 1, 2),
    scenario="Send a template",
    requirement_ids=(),
    emulator_seed=42,
    recorded_on=datetime.date(2025, 1, 3),
)


async def messages(request: Request) -> JSONResponse:
    if request.headers.get("d360-api-key") != API_KEY:
        return JSONResponse({"error": "Invalid api token."}, status_code=401)
    to = (await request.json())["to"]
    return JSONResponse({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                         "messages": [{"id": "wamid.HBgNNTUyMTkxMjM0NTY3OBUCABEYEjAB"}]})  # fmt: skip


async def settings(request: Request) -> JSONResponse:
    return JSONResponse({"webhook": (await request.json())["url"], "status": "active"})


async def control(request: Request) -> JSONResponse:
    return JSONResponse({"reset": True})


APP = Starlette(
    routes=[
        Route("/messages", messages, methods=["POST"]),
        Route("/mmlite/v1/settings", settings, methods=["POST"]),
        Route("/_emulator/reset", control, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(APP, lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _recorder(cassette_dir: Path, mode: RecordingMode) -> Recorder:
    redactor = Redactor(secrets=[API_KEY], phone_numbers=[PHONE], pseudonym_key=OFFLINE_PSEUDONYM_KEY)
    return Recorder(cassette_dir, redactor, mode, canonical_replacements={RECEIVER: PLACEHOLDER_URL})


def _replaying_client(recorder: Recorder, api_key: str) -> httpx.Client:
    """A client whose transport plays the recorder's cassettes, as the replay target's client does."""
    transport = recorder.deck.transport(httpx.HTTPTransport())
    return httpx.Client(base_url="http://127.0.0.1:9", headers={"D360-API-KEY": api_key}, transport=transport)


def _scenario(client: httpx.Client) -> list[Any]:
    client.post("/_emulator/reset")
    return [
        client.post("/messages", json={"messaging_product": "whatsapp", "to": PHONE, "type": "template"}).json(),
        client.post("/mmlite/v1/settings", json={"url": RECEIVER}).json(),
    ]


async def _scenario_async(client: httpx.AsyncClient) -> list[Any]:
    await client.post("/_emulator/reset")
    first = await client.post("/messages", json={"messaging_product": "whatsapp", "to": PHONE, "type": "template"})
    second = await client.post("/mmlite/v1/settings", json={"url": RECEIVER})
    return [first.json(), second.json()]


def _record_uvicorn(cassette_dir: Path, server_url: str, mode: RecordingMode = "record-new") -> list[Any]:
    recorder = _recorder(cassette_dir, mode)
    with (
        recorder.session(NAME, PROVENANCE) as session,
        httpx.Client(base_url=server_url, headers={"D360-API-KEY": API_KEY}) as client,
    ):
        bodies = _scenario(client)
        session.save_tape([{"statuses": [{"recipient_id": PHONE, "status": "delivered"}]}])
    return bodies


def _record_asgi(cassette_dir: Path) -> list[Any]:
    async def run() -> list[Any]:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://waba-v2.360dialog.io", headers={"D360-API-KEY": API_KEY}
        ) as client:
            return await _scenario_async(client)

    with _recorder(cassette_dir, "record-new").session(NAME, PROVENANCE) as session:
        bodies = asyncio.run(run())
        session.save_tape([{"statuses": [{"recipient_id": PHONE, "status": "delivered"}]}])
    return bodies


def _files(cassette_dir: Path) -> tuple[bytes, bytes]:
    return (cassette_dir / NAME).read_bytes(), (cassette_dir / tape_name(NAME)).read_bytes()


def test_record_then_replay_offline(tmp_path: Path, server_url: str) -> None:
    cassette_dir = tmp_path / "cassettes"
    recorded = _record_uvicorn(cassette_dir, server_url)
    assert recorded[0]["contacts"][0]["wa_id"] == PHONE  # the test saw real values while recording

    cassette_text, tape_text = (data.decode() for data in _files(cassette_dir))
    for text in (cassette_text, tape_text):
        assert API_KEY not in text
        assert PHONE not in text
        assert "127.0.0.1" not in text
    assert API_KEY_PLACEHOLDER in cassette_text and PLACEHOLDER_URL in cassette_text

    replaying = _recorder(cassette_dir, "replay")
    redactor = replaying.redactor
    with block_network(), replaying.session(NAME, {}) as session, _replaying_client(replaying, "another-key") as client:
        assert session.provenance["note"].startswith("recorded from the embedded emulator")
        assert session.tape_events == [
            {"statuses": [{"recipient_id": redactor.pseudonym(PHONE), "status": "delivered"}]}
        ]
        replayed = [
            client.post("/messages", json={"messaging_product": "whatsapp", "to": PHONE, "type": "template"}).json(),
            client.post("/mmlite/v1/settings", json={"url": RECEIVER}).json(),
        ]
        with pytest.raises(NetworkBlocked):  # nothing can leave the machine, even outside the replay's transport
            socket.create_connection(("example.com", 443), timeout=1)
    assert replayed[0] == redactor.redact_json(recorded[0])
    assert replayed[0]["contacts"][0]["wa_id"] == redactor.pseudonym(PHONE)
    # canonical replacements apply to response bodies too: the receiver's loopback URL never reaches a cassette
    assert recorded[1] == {"webhook": RECEIVER, "status": "active"}
    assert replayed[1] == {"webhook": PLACEHOLDER_URL, "status": "active"}


def _comparable(files: tuple[bytes, bytes]) -> tuple[bytes, Any]:
    """The cassette's bytes and the tape without the provenance fields that differ between recordings."""
    return files[0], comparable_tape(files[1])


def test_rerecording_is_byte_identical_and_asgi_matches_uvicorn(
    tmp_path: Path, server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_dir, asgi_dir = tmp_path / "uvicorn" / "cassettes", tmp_path / "asgi" / "cassettes"
    _record_uvicorn(first_dir, server_url)
    first = _files(first_dir)
    # recorded again on another day: the real day differs, and only it
    monkeypatch.setitem(globals(), "PROVENANCE", PROVENANCE | {"recorded_on": "2025-03-04"})
    _record_uvicorn(first_dir, server_url, "record-overwrite")
    assert _files(first_dir)[1] != first[1]
    assert _comparable(_files(first_dir)) == _comparable(first)
    _record_asgi(asgi_dir)
    assert _comparable(_files(asgi_dir)) == _comparable(first)


def test_replay_of_a_changed_request_is_refused_without_raw_data(tmp_path: Path, server_url: str) -> None:
    cassette_dir = tmp_path / "cassettes"
    _record_uvicorn(cassette_dir, server_url)
    other = "5511998765432"
    replaying = _recorder(cassette_dir, "replay")
    with (
        block_network(),
        pytest.raises(CassetteError) as caught,
        replaying.session(NAME, {}) as _session,
        _replaying_client(replaying, API_KEY) as client,
    ):
        client.post("/messages", json={"messaging_product": "whatsapp", "to": other, "type": "template"})
    message = str(caught.value)
    assert "POST /messages" in message and "$.to" in message
    assert PHONE not in message and other not in message and API_KEY not in message
    assert json.dumps(caught.value.path) == json.dumps(f"cassettes/{NAME}")
