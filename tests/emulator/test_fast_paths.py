"""The send path's shortcuts answer exactly what Starlette's and json's general paths answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from mmlite_conformance.emulator import jsonio
from mmlite_conformance.emulator.http import JsonBytesResponse, json_response, read_body
from mmlite_conformance.emulator.jsonio import loads
from tests.emulator.emulator_helpers import KEY, ServerFactory, template_send

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

BODY = {"to": "5521912345678", "text": {"body": "Olá 😀"}, "n": [1, 2.5]}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _request(messages: list[dict[str, Any]]) -> tuple[Request, list[dict[str, Any]]]:
    left = list(messages)

    async def receive() -> dict[str, Any]:
        return left.pop(0)

    return Request({"type": "http", "method": "POST", "headers": []}, receive), left


async def test_a_body_in_several_chunks_is_read_whole_and_a_second_read_answers_the_same() -> None:
    request, left = _request(
        [
            {"type": "http.request", "body": b'{"a":', "more_body": True},
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.request", "body": b"1}", "more_body": False},
        ]
    )
    assert await read_body(request) == b'{"a":1}' and not left
    assert await read_body(request) == b'{"a":1}'
    assert await request.body() == b'{"a":1}'  # Starlette's own read agrees, without receiving again


async def test_a_disconnect_before_the_end_of_the_body_is_starlettes_client_disconnect() -> None:
    request, _ = _request([{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}])
    with pytest.raises(ClientDisconnect):
        await read_body(request)


@pytest.mark.parametrize("status", [200, 400, 404])
def test_the_json_response_has_starlettes_headers_status_and_body(status: int) -> None:
    fast = json_response(BODY, status)
    general = Response(fast.body, status, media_type="application/json")
    assert isinstance(fast, JsonBytesResponse)
    assert (fast.status_code, fast.body, fast.raw_headers) == (general.status_code, general.body, general.raw_headers)
    assert json.loads(bytes(fast.body)) == BODY


def test_a_json_response_with_extra_headers_keeps_them() -> None:
    response = json_response(BODY, 429, {"Retry-After": "1"})
    assert response.headers["retry-after"] == "1" and response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-16", "utf-32"])
def test_bodies_in_every_encoding_json_detects_still_parse(encoding: str) -> None:
    assert loads(json.dumps(BODY, ensure_ascii=False).encode(encoding)) == BODY


def test_sends_through_a_real_server_answer_200_with_the_length_of_their_body(serve: ServerFactory) -> None:
    _server, client = serve()
    for _ in range(2):
        response = client.post("/marketing_messages", json=template_send(), headers=KEY)
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        assert int(response.headers["content-length"]) == len(response.content)


ENCODED = [
    {"a": 1, "b": [1.5, None, True, "é😀", "\u2028"]}, [1, 2], "x", 1, 1.0, None, {1: "int key"}, {"n": 1e300},
    {"t": (1, 2)}, {True: 1, None: 2, 1.5: 3},
]  # fmt: skip


@pytest.mark.parametrize("value", ENCODED, ids=range(len(ENCODED)))
def test_the_prebuilt_encoder_writes_what_the_general_encoder_writes(value: Any) -> None:
    assert jsonio.dumps(value) == jsonio._ENCODER.encode(value).encode()


@pytest.mark.parametrize("value", [float("nan"), {"x": float("inf")}, {"s": "\ud800"}, {"o": object()}, {(1,): 1}])
def test_the_prebuilt_encoder_refuses_what_the_general_encoder_refuses(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as general:
        jsonio._ENCODER.encode(value).encode()
    with pytest.raises(general.type, match=str(general.value)[:30].replace("(", r"\(")):
        jsonio.dumps(value)
