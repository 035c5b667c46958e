"""Unit tests of recording: cassette names, provenance, CassetteError cases, canonical form, replay and the guard."""

from __future__ import annotations

import datetime
import hashlib
import json
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request as VcrRequest
from vcr.serializers import yamlserializer

from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL as PLACEHOLDER_URL
from mmlite_conformance.suite.recording import (
    EMULATOR_NOTE,
    CassetteError,
    NetworkBlocked,
    Recorder,
    RecordingMode,
    block_network,
    cassette_name,
    make_provenance,
    tape_name,
)

pytestmark = pytest.mark.unit

API_KEY = "sk-test-9f8e7d6c5b4a"
PHONE = "5521912345678"
OTHER_PHONE = "5521987654321"
LOOPBACK = "http://127.0.0.1:8123"
RECEIVER = "http://127.0.0.1:47001/webhook"
NAME = "messages/test_send_a_template[ex003].yaml"
PROVENANCE = make_provenance(
    target="emulator",
    scenario="Send a template",
    requirement_ids=("REQ-1",),
    recorded_at=datetime.date(2025, 1, 2),
    emulator_seed=7,
    version_label="1.2.3",
)


class FakeRedactor:
    """A stand-in for redaction.Redactor with the same API: key -> placeholder, numbers -> pseudonyms."""

    def __init__(self, secrets: list[str], phone_numbers: list[str]) -> None:
        self.secrets = secrets
        self.phone_numbers = phone_numbers

    def pseudonym(self, number: str) -> str:
        if number.startswith("pn-"):
            return number
        return "pn-" + hashlib.sha256(number.encode()).hexdigest()[:8]

    def redact_text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, API_KEY_PLACEHOLDER)
        for number in self.phone_numbers:
            text = text.replace(number, self.pseudonym(number))
        return text

    def redact_json(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, Mapping):
            return {key: self.redact_json(value) for key, value in obj.items()}
        if isinstance(obj, list):
            return [self.redact_json(value) for value in obj]
        return obj

    def redact_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
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


def _recorder(tmp_path: Path, mode: RecordingMode) -> Recorder:
    return Recorder(
        cassette_dir=tmp_path / "cassettes",
        redactor=FakeRedactor([API_KEY], [PHONE, OTHER_PHONE]),
        mode=mode,
        canonical_replacements={RECEIVER: PLACEHOLDER_URL},
    )


def _client(calls: list[str], base_url: str = LOOPBACK) -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=_handler(calls), headers={"D360-API-KEY": API_KEY})


def _exchanges(client: httpx.Client, to: str = PHONE, with_mmlite: bool = True) -> list[Any]:
    client.post("/_emulator/reset", json={"seed": 7})
    bodies = [client.post("/messages", json={"to": to, "type": "template", "messaging_product": "whatsapp"}).json()]
    if with_mmlite:
        response = client.post("/mmlite/v1/settings", json={"webhook_url": RECEIVER, "phone": to})
        bodies.append(response.json())
    return bodies


def _record(tmp_path: Path, mode: RecordingMode = "record-new", events: list[dict[str, Any]] | None = None) -> None:
    calls: list[str] = []
    with _recorder(tmp_path, mode).session(NAME, PROVENANCE) as session, _client(calls) as client:
        _exchanges(client)
        session.save_tape(events or [{"type": "status", "recipient_id": PHONE}])
    assert calls == ["POST /_emulator/reset", "POST /messages", "POST /mmlite/v1/settings"]


def _cassette(tmp_path: Path) -> Path:
    return tmp_path / "cassettes" / NAME


def _tape(tmp_path: Path) -> Path:
    return tmp_path / "cassettes" / tape_name(NAME)


# ---- names and provenance ----------------------------------------------------------------------------------


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


def test_provenance_from_the_emulator_needs_a_fixed_date() -> None:
    with pytest.raises(ValueError, match="recorded_at"):
        make_provenance(target="emulator", scenario="s")
    assert PROVENANCE == {
        "target": "emulator",
        "recorded_at": "2025-01-02",
        "suite_version": "1.2.3",
        "emulator_seed": 7,
        "scenario": "Send a template",
        "requirement_ids": ["REQ-1"],
        "note": EMULATOR_NOTE,
    }
    live = make_provenance(target="live", scenario="s", emulator_seed=3)
    assert live["emulator_seed"] is None and "live sandbox" in live["note"] and len(live["recorded_at"]) == 10


# ---- CassetteError ------------------------------------------------------------------------------------------


def _replay_error(tmp_path: Path) -> CassetteError:
    with pytest.raises(CassetteError) as caught, _recorder(tmp_path, "replay").session(NAME, PROVENANCE):
        pytest.fail("the session must not open")
    return caught.value


def _assert_clean(error: CassetteError) -> None:
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
    _assert_clean(error)


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
    _cassette(tmp_path).parent.mkdir(parents=True)
    _cassette(tmp_path).write_text(content, encoding="utf-8")
    error = _replay_error(tmp_path)
    assert f"corrupt cassette cassettes/{NAME}" in str(error)
    assert expected in str(error)
    _assert_clean(error)


def test_missing_and_corrupt_tape(tmp_path: Path) -> None:
    _record(tmp_path)
    _tape(tmp_path).unlink()
    error = _replay_error(tmp_path)
    assert f"no webhook tape for scenario Send a template at cassettes/{tape_name(NAME)}" in str(error)
    _tape(tmp_path).write_text('{"provenance": {}, "events": [', encoding="utf-8")
    error = _replay_error(tmp_path)
    assert f"corrupt webhook tape cassettes/{tape_name(NAME)}: not valid JSON" in str(error)
    _assert_clean(error)
    _tape(tmp_path).write_text('{"events": "nope"}', encoding="utf-8")
    assert "expected" in str(_replay_error(tmp_path))


def test_record_new_refuses_to_overwrite_and_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    _record(tmp_path)
    before = _cassette(tmp_path).read_bytes(), _tape(tmp_path).read_bytes()
    calls: list[str] = []
    with pytest.raises(CassetteError) as caught, _recorder(tmp_path, "record-new").session(NAME, PROVENANCE):
        _exchanges(_client(calls))
    assert calls == []  # refused before any request
    assert str(caught.value).startswith(f"refusing to overwrite the existing cassette cassettes/{NAME}")
    assert "--record=overwrite" in str(caught.value)
    assert (_cassette(tmp_path).read_bytes(), _tape(tmp_path).read_bytes()) == before


def test_a_failing_body_leaves_the_old_recording_untouched(tmp_path: Path) -> None:
    _record(tmp_path)
    before = _cassette(tmp_path).read_bytes(), _tape(tmp_path).read_bytes()
    calls: list[str] = []
    with (
        pytest.raises(RuntimeError, match="step failed"),
        _recorder(tmp_path, "record-overwrite").session(NAME, PROVENANCE) as session,
        _client(calls) as client,
    ):
        _exchanges(client, to=OTHER_PHONE)
        session.save_tape([])
        raise RuntimeError("step failed")
    assert (_cassette(tmp_path).read_bytes(), _tape(tmp_path).read_bytes()) == before
    assert sorted(p.name for p in (tmp_path / "cassettes").iterdir()) == ["messages"]  # no temp dir left


def test_a_failing_first_recording_writes_nothing(tmp_path: Path) -> None:
    calls: list[str] = []
    with (
        pytest.raises(RuntimeError),
        _recorder(tmp_path, "record-new").session(NAME, PROVENANCE),
        _client(calls) as client,
    ):
        _exchanges(client)
        raise RuntimeError("boom")
    assert list((tmp_path / "cassettes").iterdir()) == []


def test_abandoned_recording_keeps_nothing(tmp_path: Path) -> None:
    calls: list[str] = []
    with _recorder(tmp_path, "record-new").session(NAME, PROVENANCE) as session, _client(calls) as client:
        _exchanges(client)
        session.abandon()
    assert not _cassette(tmp_path).exists() and not _tape(tmp_path).exists()


# ---- canonical form -------------------------------------------------------------------------------------------


def test_recorded_cassette_is_canonical_and_redacted(tmp_path: Path) -> None:
    _record(tmp_path)
    text = _cassette(tmp_path).read_text(encoding="utf-8")
    assert API_KEY not in text and PHONE not in text and "127.0.0.1" not in text
    data = yaml.safe_load(text)
    requests = [i["request"] for i in data["interactions"]]
    assert [r["uri"] for r in requests] == [
        "https://waba-v2.360dialog.io/messages",
        "https://alpha-beta-onboarding-hub-production.360dialog.io/mmlite/v1/settings",
    ]  # the control call is not recorded
    pseudonym = FakeRedactor([], []).pseudonym(PHONE)
    first, second = requests
    assert first["headers"]["d360-api-key"] == [API_KEY_PLACEHOLDER]
    for banned in ("host", "user-agent", "accept-encoding", "connection"):
        assert banned not in first["headers"]
    assert json.loads(first["body"]) == {"messaging_product": "whatsapp", "to": pseudonym, "type": "template"}
    assert first["headers"]["content-length"] == [str(len(first["body"].encode()))]
    assert json.loads(second["body"]) == {"phone": pseudonym, "webhook_url": PLACEHOLDER_URL}
    response = data["interactions"][0]["response"]
    assert set(response["headers"]) == {"content-length", "content-type"}  # date, server, x-request-id dropped
    assert json.loads(response["body"]["string"])["contacts"] == [{"input": pseudonym, "wa_id": pseudonym}]
    assert response["headers"]["content-length"] == [str(len(response["body"]["string"].encode()))]
    tape = json.loads(_tape(tmp_path).read_text(encoding="utf-8"))
    assert tape == {"provenance": PROVENANCE, "events": [{"type": "status", "recipient_id": pseudonym}]}


def test_canonical_url_per_path(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, "off")
    assert recorder.canonical_url("http://localhost:1/v1/x?a=1") == "https://waba-v2.360dialog.io/v1/x?a=1"
    assert recorder.canonical_url("https://10.0.0.1/mmlite/a") == (
        "https://alpha-beta-onboarding-hub-production.360dialog.io/mmlite/a"
    )
    assert recorder.canonical_url(f"{LOOPBACK}/_emulator/inbound") is None
    url = str(httpx.URL(f"{LOOPBACK}/x", params={"url": RECEIVER, "to": f"+{PHONE}"}))
    assert recorder.canonical_url(url) == (
        "https://waba-v2.360dialog.io/x?url=https%3A%2F%2Fwebhook.receiver.invalid%2Fwebhook"
        f"&to=%2B{FakeRedactor([], []).pseudonym(PHONE)}"
    )
    assert recorder.canonical_url(f"{LOOPBACK}/contacts/{PHONE}") == (
        "https://waba-v2.360dialog.io/contacts/" + FakeRedactor([], []).pseudonym(PHONE)
    )


def test_ignored_origins_are_neither_recorded_nor_matched(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, "record-new")
    recorder.ignored_origins = ("127.0.0.1:47001",)
    calls: list[str] = []
    with recorder.session(NAME, PROVENANCE), _client(calls) as client:
        client.post(RECEIVER, json={"entry": []})
        client.post("/messages", json={"to": PHONE})
    interactions = yaml.safe_load(_cassette(tmp_path).read_text(encoding="utf-8"))["interactions"]
    assert [i["request"]["uri"] for i in interactions] == ["https://waba-v2.360dialog.io/messages"]


def test_rerecording_the_same_exchanges_is_byte_identical(tmp_path: Path) -> None:
    _record(tmp_path)
    first = _cassette(tmp_path).read_bytes(), _tape(tmp_path).read_bytes()
    _record(tmp_path, "record-overwrite")
    assert (_cassette(tmp_path).read_bytes(), _tape(tmp_path).read_bytes()) == first


def test_a_scenario_without_requests_still_gets_a_cassette(tmp_path: Path) -> None:
    with _recorder(tmp_path, "record-new").session(NAME, PROVENANCE):
        pass
    assert yaml.safe_load(_cassette(tmp_path).read_text(encoding="utf-8")) == {"interactions": [], "version": 1}
    with _recorder(tmp_path, "replay").session(NAME, PROVENANCE) as session:
        assert session.tape_events == []


# ---- replay ---------------------------------------------------------------------------------------------------


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[Path]:
    _record(tmp_path)
    yield tmp_path


def test_replay_serves_the_recording_whatever_the_base_url(recorded: Path) -> None:
    before = _cassette(recorded).read_bytes()
    calls: list[str] = []
    recorder = _recorder(recorded, "replay")
    with recorder.session(NAME, {"scenario": "Send a template"}) as session, _client(calls, "http://10.9.9.9:1") as c:
        assert session.is_replaying and not session.is_recording
        assert session.provenance == PROVENANCE
        assert session.tape_events == [{"type": "status", "recipient_id": FakeRedactor([], []).pseudonym(PHONE)}]
        c.post("/messages", json={"type": "template", "to": PHONE, "messaging_product": "whatsapp"})  # other order
        c.post("/mmlite/v1/settings", json={"webhook_url": "http://127.0.0.1:47001/webhook", "phone": PHONE})
    assert calls == []  # nothing reached the transport
    assert _cassette(recorded).read_bytes() == before


def test_replay_parses_each_cassette_once(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[int] = []
    real_deserialize = yamlserializer.deserialize
    monkeypatch.setattr(yamlserializer, "deserialize", lambda text: parsed.append(len(text)) or real_deserialize(text))
    recorder = _recorder(recorded, "replay")
    with recorder.session(NAME, PROVENANCE), _client([]) as client:
        _exchanges(client)
    assert len(parsed) == 1  # the suite's check parses it, vcrpy plays what the check parsed
    assert recorder._persister.checked == {}  # nothing kept once played


def test_changed_request_in_replay_is_a_redacted_cassette_error(recorded: Path) -> None:
    calls: list[str] = []
    with (
        pytest.raises(CassetteError) as caught,
        _recorder(recorded, "replay").session(NAME, PROVENANCE),
        _client(calls) as client,
    ):
        _exchanges(client, to=OTHER_PHONE)
    assert calls == ["POST /_emulator/reset"]  # control calls pass through; the API call never did
    message = str(caught.value)
    _assert_clean(caught.value)
    assert caught.value.__context__ is None  # raised before vcrpy builds its message quoting the raw body
    redactor = FakeRedactor([], [])
    assert message.startswith(f"scenario Send a template makes a request that is not recorded in cassettes/{NAME}")
    assert "POST /messages" in message and "differs in body" in message
    assert f'$.to: recorded "{redactor.pseudonym(PHONE)}", now "{redactor.pseudonym(OTHER_PHONE)}"' in message


def test_vcrpy_own_refusal_is_translated_without_its_raw_message(recorded: Path) -> None:
    raw = f'{{"to": "{OTHER_PHONE}", "type": "template", "messaging_product": "whatsapp"}}'
    with (
        pytest.raises(CassetteError) as caught,
        _recorder(recorded, "replay").session(NAME, PROVENANCE) as session,
    ):
        request = VcrRequest("POST", f"{LOOPBACK}/messages", raw, {"content-type": "application/json"})
        raise CannotOverwriteExistingCassetteException(cassette=session.cassette, failed_request=request)
    _assert_clean(caught.value)
    assert caught.value.__suppress_context__  # vcrpy's message (raw body) is not shown as the cause
    assert "POST /messages" in str(caught.value) and "$.to" in str(caught.value)


def test_request_made_more_often_than_recorded(recorded: Path) -> None:
    calls: list[str] = []
    with (
        pytest.raises(CassetteError, match="more often than recorded"),
        _recorder(recorded, "replay").session(NAME, PROVENANCE),
        _client(calls) as client,
    ):
        _exchanges(client)
        _exchanges(client)


def test_unplayed_interactions_fail_the_replay(recorded: Path) -> None:
    calls: list[str] = []
    with (
        pytest.raises(CassetteError) as caught,
        _recorder(recorded, "replay").session(NAME, PROVENANCE),
        _client(calls) as client,
    ):
        _exchanges(client, with_mmlite=False)
    assert "no longer makes these recorded requests" in str(caught.value)
    assert "POST /mmlite/v1/settings" in str(caught.value)
    assert "POST /messages" not in str(caught.value)


def test_unplayed_check_is_skipped_when_the_body_failed_or_was_abandoned(recorded: Path) -> None:
    with pytest.raises(RuntimeError), _recorder(recorded, "replay").session(NAME, PROVENANCE):
        raise RuntimeError("assertion in a step")
    with _recorder(recorded, "replay").session(NAME, PROVENANCE) as session:
        session.abandon()


def test_mode_off_passes_everything_through_and_writes_nothing(tmp_path: Path) -> None:
    calls: list[str] = []
    with _recorder(tmp_path, "off").session(NAME, PROVENANCE) as session, _client(calls) as client:
        assert session.cassette is None
        _exchanges(client)
        session.save_tape([{"x": 1}])
    assert len(calls) == 3
    assert not (tmp_path / "cassettes").exists()


def test_session_rejects_names_outside_the_cassette_dir(tmp_path: Path) -> None:
    for bad in ("../x.yaml", "/abs.yaml", "x.json"):
        with pytest.raises(ValueError), _recorder(tmp_path, "replay").session(bad, PROVENANCE):
            pass


# ---- network guard --------------------------------------------------------------------------------------------


def test_block_network_refuses_non_loopback() -> None:
    original_connect = socket.socket.connect
    with block_network():
        with pytest.raises(NetworkBlocked, match=r"name lookup of example\.com:443 is not loopback"):
            socket.getaddrinfo("example.com", 443)
        with pytest.raises(NetworkBlocked):
            socket.create_connection(("203.0.113.5", 80), timeout=0.1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            with pytest.raises(NetworkBlocked):
                sock.connect(("192.0.2.1", 443))
            with pytest.raises(NetworkBlocked):
                sock.connect_ex(("192.0.2.1", 443))
        with pytest.raises(NetworkBlocked):
            httpx.get("http://example.invalid/")
        assert socket.getaddrinfo("localhost", 80)  # loopback still allowed
    assert socket.socket.connect is original_connect
    assert "connect" not in vars(socket.socket)


def test_block_network_allows_loopback_connections_and_nests() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with block_network(), block_network():
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
                assert client.connect_ex(("127.0.0.1", port)) == 0
        with block_network(), pytest.raises(NetworkBlocked):
            socket.getaddrinfo("192.0.2.1", 1)
    assert socket.getaddrinfo.__module__ == "socket"
