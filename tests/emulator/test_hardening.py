"""Hardening (issue 13): bodies the emulator cannot echo are refused, limits and deadlines close abusive clients."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from mmlite_conformance.emulator import limits, stack
from mmlite_conformance.emulator.jsonio import MAX_DEPTH, dumps
from tests.emulator.emulator_helpers import KEY, ServerFactory, asgi_client, fast_config, template_send

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

JSON_HEADERS = {**KEY, "content-type": "application/json"}
LONE = '"\\ud800"'  # the JSON text of a string holding a lone surrogate


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _code(response: Any) -> int:
    body = response.json()
    code: int = body.get("detail", body)["error"]["code"]  # MM Lite wraps its errors in "detail"
    return code


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/configs/templates", f'{{"name":"a","category":"MARKETING","language":{LONE},"components":[]}}'),
        ("POST", "/marketing_messages", json.dumps(template_send()).replace('"marketing_text_no_param"', LONE)),
        ("POST", "/messages", f'{{"messaging_product":"whatsapp","to":"5521912345678","type":{LONE}}}'),
        ("POST", "/v1/configs/webhook", '{"url":"http://127.0.0.1/\\ud800"}'),
        ("POST", "/waba_webhook", '{"url":"http://127.0.0.1/hook","headers":{"x":"\\udfff"}}'),
        ("POST", "/_emulator/inbound", f'{{"text":{LONE}}}'),
        ("POST", "/_emulator/templates", f'{{"name":"a","language":{LONE},"category":"MARKETING"}}'),
    ],
)
async def test_a_lone_surrogate_is_refused_and_later_reads_stay_whole(method: str, path: str, body: str) -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        response = await client.request(method, path, content=body.encode(), headers=JSON_HEADERS)
        assert response.status_code == 400 and _code(response) == 100
        assert "lone surrogate" in response.text
        for read in ("/v1/configs/templates", "/v1/configs/webhook", "/waba_webhook", "/_emulator/account"):
            assert (await client.get(read)).status_code == 200, read
        for read in ("/_emulator/deliveries", "/_emulator/journal"):
            assert (await client.get(read)).status_code == 200, read


async def test_an_escaped_surrogate_pair_is_an_ordinary_character() -> None:
    async with asgi_client() as client:
        body = b'{"url":"http://127.0.0.1/\\ud83d\\ude00"}'
        response = await client.post("/v1/configs/webhook", content=body, headers=JSON_HEADERS)
        assert response.status_code == 200 and response.json()["url"] == "http://127.0.0.1/\U0001f600"


async def test_encoded_surrogate_bytes_are_not_utf8() -> None:
    async with asgi_client() as client:
        body = b'{"url":"http://127.0.0.1/\xed\xa0\x80"}'
        response = await client.post("/v1/configs/webhook", content=body, headers=JSON_HEADERS)
        assert response.status_code == 400 and "not valid JSON" in response.text


@pytest.mark.parametrize("name", ["limit", "offset"])
async def test_a_query_integer_of_thousands_of_digits_is_a_400(name: str) -> None:
    async with asgi_client() as client:
        response = await client.get("/v1/configs/templates", params={name: "9" * 5000})
        assert response.status_code == 400 and _code(response) == 100
        padded = await client.get("/v1/configs/templates", params={name: "0" * 40 + "2"})
        assert padded.status_code == 200 and padded.json()[name] == 2


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_non_finite_numbers_are_refused_not_stored(constant: str) -> None:
    async with asgi_client() as client:
        body = f'{{"name":"nan_ttl","language":"en","category":"UTILITY","message_send_ttl_seconds":{constant}}}'
        response = await client.post("/_emulator/templates", content=body.encode(), headers=JSON_HEADERS)
        assert response.status_code == 400 and _code(response) == 100
        armed = f'{{"path":"/messages","body":{{"x":{constant}}}}}'
        response = await client.post("/_emulator/answers", content=armed.encode(), headers=JSON_HEADERS)
        assert response.status_code == 400
        listing = await client.get("/v1/configs/templates")
        assert listing.status_code == 200 and "nan_ttl" not in listing.text
        json.loads(listing.text, parse_constant=lambda name: pytest.fail(f"{name} served"))


async def test_nesting_beyond_the_depth_limit_is_a_400() -> None:
    async with asgi_client() as client:
        deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
        response = await client.post("/messages", content=f'{{"a":{deep}}}'.encode(), headers=JSON_HEADERS)
        assert response.status_code == 400 and "nested deeper" in response.text
        fits = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
        response = await client.post("/messages", content=f'{{"a":{fits}}}'.encode(), headers=JSON_HEADERS)
        assert response.status_code == 400 and "nested" not in response.text  # refused later, for being no message


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/waba_webhook", "GET, HEAD, POST"),
        ("DELETE", "/marketing_messages", "POST"),
        ("TRACE", "/_emulator/account", "GET, HEAD, PUT"),
        ("POST", "/_emulator/answers", None),
    ],
)
async def test_405_answers_carry_every_allowed_method(method: str, path: str, allow: str | None) -> None:
    async with asgi_client() as client:
        response = await client.request(method, path, json={})
        if allow is None:
            assert response.status_code != 405
        else:
            assert response.status_code == 405 and response.headers["allow"] == allow


def test_the_shared_encoder_writes_what_json_dumps_wrote() -> None:
    body = {"a": [1, 2.5, None, True], "b": "ação ✓ \U0001f600", "c": {"d": ""}}
    assert dumps(body) == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def test_the_fast_stack_is_chosen_when_installed() -> None:
    options = stack.stack_options()
    assert options["ws"] == "none" and options["timeout_keep_alive"] == limits.IDLE_TIMEOUT
    assert options["loop"] == ("uvloop" if stack.has("uvloop") else "asyncio")
    if stack.has("httptools"):
        assert isinstance(options["http"], type) and options["http"].__name__ == "GuardedHttpToolsProtocol"


# over a real socket ---------------------------------------------------------------------------------------------
def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _head(path: str, length: int | None = None, chunked: bool = False) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"D360-API-KEY: {KEY['D360-API-KEY']}"]
    lines.append("Content-Type: application/json")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_declared_body_over_the_limit_is_a_413_and_the_connection_closes(serve: ServerFactory) -> None:
    server, _ = serve()
    with _connect(server.port) as sock:
        sock.sendall(_head("/messages", limits.MAX_BODY + 1) + b"{")
        answer = _read_all(sock)  # returns once the server closed the connection
    assert answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower()
    assert b'"code":100' in answer


def test_a_streamed_body_over_the_limit_is_a_413(serve: ServerFactory) -> None:
    server, _ = serve()
    chunk = b"x" * 65536
    with _connect(server.port) as sock:
        sock.sendall(_head("/messages", chunked=True))
        for _ in range(limits.MAX_BODY // len(chunk)):  # exactly the limit, then one byte more (nothing left unread)
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        sock.sendall(b"1\r\nx\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_slow_body_is_refused_after_the_body_deadline(serve: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BODY_TIMEOUT", 0.3)
    server, client = serve()
    with _connect(server.port) as sock:
        start = time.monotonic()
        sock.sendall(_head("/messages", 100) + b'{"messaging_product"')
        answer = _read_all(sock)
        elapsed = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 408") and 0.25 < elapsed < 3
    assert client.get("/_emulator/account").status_code == 200  # the server still answers others


def test_a_slow_header_and_an_idle_connection_are_closed(serve: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    if not stack.has("httptools"):
        pytest.skip("the header deadline is httptools' guard")
    monkeypatch.setattr(stack, "HEADER_TIMEOUT", 0.3)
    server, _ = serve()
    for opening in (b"", b"GET /_emulator/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
        with _connect(server.port) as sock:
            start = time.monotonic()
            sock.sendall(opening)
            assert _read_all(sock) == b"" and time.monotonic() - start < 3


def test_headers_over_the_limit_are_a_400(serve: ServerFactory) -> None:
    if not stack.has("httptools"):
        pytest.skip("h11 bounds the head itself")
    server, client = serve()
    with _connect(server.port) as sock:
        big = b"X-Big: " + b"a" * (limits.MAX_HEADER_BYTES + 1) + b"\r\n"
        sock.sendall(b"GET /_emulator/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n" + big + b"\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 400")
    assert client.get("/_emulator/clock").status_code == 200


def test_the_request_line_counts_toward_the_header_limit(serve: ServerFactory) -> None:
    if not stack.has("httptools"):
        pytest.skip("h11 bounds the head itself")
    server, client = serve()
    half = limits.MAX_HEADER_BYTES // 2 + 10  # a request line and a header each under the limit, over it together
    with _connect(server.port) as sock:
        sock.sendall(b"GET /" + b"a" * half + b" HTTP/1.1\r\nX-Big: " + b"b" * half + b"\r\n\r\n")
        answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 400") and b"Invalid HTTP request received." in answer
    assert client.get("/_emulator/clock").status_code == 200


def test_a_head_over_the_limit_across_chunks_is_a_400_before_it_ends(serve: ServerFactory) -> None:
    if not stack.has("httptools"):
        pytest.skip("h11 bounds the head itself")
    server, client = serve()
    third = limits.MAX_HEADER_BYTES // 3 + 10
    with _connect(server.port) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /_emulator/clock HTTP/1.1\r\n")
        for name in (b"X-A", b"X-B", b"X-C"):  # each in a chunk of its own, the head never completed
            time.sleep(0.1)
            sock.sendall(name + b": " + b"b" * third + b"\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400") and b"Invalid HTTP request received." in answer
    assert time.monotonic() - start < limits.HEADER_TIMEOUT  # refused for its size, not at its deadline
    assert client.get("/_emulator/clock").status_code == 200


def test_a_head_under_the_limit_across_chunks_is_served(serve: ServerFactory) -> None:
    server, _ = serve()
    quarter = limits.MAX_HEADER_BYTES // 4
    with _connect(server.port) as sock:
        sock.sendall(b"GET /_emulator/clock HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * quarter + b"\r\n")
        time.sleep(0.1)
        sock.sendall(b"X-B: " + b"b" * quarter + b"\r\nConnection: close\r\n\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 200")
