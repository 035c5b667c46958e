"""The send path's shortcuts answer exactly what Starlette's and json's general paths answer."""

from __future__ import annotations

import json
import random
import struct
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


# the fast parser (orjson) reads exactly what the standard parser reads ------------------------------------------------
PARSED = [
    b'{"a":01}', b'{"a":+1}', b'{"a":1.}', b'{"a":.5}', b'{"a":1e}', b'{"a":1e-400}', b'{"a":1E+2}', b'{"a":\x0c1}',
    b'{"a":\xc2\xa01}', b'{"a":"\\/\\b\\f"}', b'{"a":"\\x"}', b'{"a":1}x', b'{"a":1} ', b'{"a":1}\x00',
    b'{"a":"\xed\xa0\x80"}', b'{"a":"\xff"}', b'{"a":tru}', b'{"a":true,}', b'{,}', b'{"a"}', b'{"\\ud800":1}',
    b'{"a":"\\uDFFF"}', b'{"a":"\\ud83d\\ude00"}', b'{"a":-}', b'{"a":1.5e308}', b'{"a":2e308}', b'{"a":NaN}',
    b'{"a":-Infinity}', b'{"a":123456789012345678}', b'{"a":-0.0}', b'{"a":-0}', b'{"a":0e0}', b'{"a":[1,[2,[3]]]}',
    b'{"a":"\t"}', b'{"a":\t1}', b'{"a":\r\n1}', b'{ }', b'{"a":null,"b":2,"a":1}', b'{"a":"\x7f"}',
    b'{"a":"\\u0041\\u0000"}', b'{"\xc3\xa9":1}', b'{"a":1.7976931348623157e308}', b'{"a":4.9e-324}', b'{"a":1e-320}',
    b'{"a":9007199254740993}', b'{"a":0.1000000000000000055511151231257827}', b'{"a":1' + b"0" * 400 + b"}",
    b'{"a":18446744073709551615}', b'{"a":18446744073709551616}', b'{"a":-9223372036854775808}',
    b'{"a":-9223372036854775809}', b'{"a":"x' + b"1" * 30 + b'"}', b'{"a":' + b"[" * 70 + b"]" * 70 + b"}",
    b'{"a":' + b"[" * 2000 + b"]" * 2000 + b"}",
]  # fmt: skip


def _verdict(parse: Any, raw: bytes) -> str:
    """The parse as repr (1 and 1.0, 0.0 and -0.0 differ) or the refusal with its message."""
    try:
        return "read " + repr(parse(raw))
    except ValueError as exc:
        return f"refused {type(exc).__name__}: {exc}"


@pytest.mark.parametrize("raw", PARSED, ids=range(len(PARSED)))
def test_the_fast_parser_reads_and_refuses_what_the_standard_parser_does(raw: bytes) -> None:
    assert _verdict(loads, raw) == _verdict(jsonio.standard_loads, raw)


def _number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:  # integers around the edges of 53, 63 and 64 bits, on both sides
        edge = rng.choice([2**53, 2**63, 2**64, 10**18])
        return str(rng.choice([1, -1]) * (edge + rng.randrange(-3, 4)))
    if kind == 1:
        return repr(rng.uniform(-1e6, 1e6))
    if kind == 2:  # any double, by its bits
        return repr(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
    if kind == 3:  # long mantissas and exponents at the ends of the range
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 25)))
        return f"{rng.choice(['', '-'])}0.{digits}e{rng.randrange(-330, 310)}"
    if kind == 4:
        return str(rng.randrange(-(10**17), 10**17))
    return rng.choice(["0", "-0", "0.0", "-0.0", "1E2", "1e-2", "true", "false", "null"])


def _string(rng: random.Random) -> str:
    pieces = [chr(rng.randrange(0x20, 0x7F)), "é", "😀", "\\n", "\\u00e9", "\\ud83d\\ude00", '\\"', "\\\\", "\\u2028"]
    return '"' + "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 8))) + '"'


def _document(rng: random.Random, depth: int = 0) -> str:
    if depth > 3 or rng.random() < 0.3:
        return _number(rng) if rng.random() < 0.6 else _string(rng)
    if rng.random() < 0.5:
        return "[" + ",".join(_document(rng, depth + 1) for _ in range(rng.randrange(0, 4))) + "]"
    return "{" + ",".join(f"{_string(rng)}:{_document(rng, depth + 1)}" for _ in range(rng.randrange(0, 4))) + "}"


def test_generated_bodies_read_alike_and_most_take_the_fast_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = jsonio._ORJSON
    if fast is None:
        pytest.skip("orjson is not installed")
    parse = fast.loads
    taken: list[bytes] = []

    class Counting:
        @staticmethod
        def loads(raw: bytes) -> Any:
            taken.append(raw)
            return parse(raw)

    monkeypatch.setattr(jsonio, "_ORJSON", Counting)
    rng = random.Random(13)
    bodies = [f'{{"v":{_document(rng)}}}'.encode() for _ in range(3000)]
    for raw in bodies:
        assert _verdict(loads, raw) == _verdict(jsonio.standard_loads, raw), raw
    assert len(taken) > len(bodies) // 2  # the comparison is of the fast parser, not of the standard one twice


def test_integers_beyond_64_bits_are_read_exactly() -> None:
    for number in (2**64, -(2**63) - 1, 10**30):
        assert loads(f'{{"n":{number}}}'.encode()) == {"n": number}


def test_without_orjson_the_standard_parser_reads_every_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonio, "_ORJSON", None)
    assert loads(json.dumps(BODY).encode()) == BODY
    with pytest.raises(jsonio.UnsafeJsonError, match="lone surrogate"):
        loads(b'{"a":"\\ud800"}')


# a send's answer, written by orjson, is json's bytes ------------------------------------------------------------------
def _floatless(rng: random.Random, depth: int = 0) -> Any:
    """Values with no float: strings with escapes and control characters, integers at the 64-bit edges, booleans."""
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        kind = rng.randrange(4)
        if kind == 0:
            return "".join(
                chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0x3000), 0x1F600])) for _ in range(5)
            )
        if kind == 1:
            return rng.choice([1, -1]) * (rng.choice([0, 2**53, 2**63 - 1, 2**64 - 1]) - rng.randrange(0, 3))
        return rng.choice([True, False, None, "", "\u2028", '"\\/', "\x7f"])
    if roll < 0.7:
        return [_floatless(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {str(_floatless(rng, 9)): _floatless(rng, depth + 1) for _ in range(3)}


def test_orjson_writes_jsons_bytes_for_bodies_without_floats() -> None:
    if jsonio._ORJSON is None:
        pytest.skip("orjson is not installed")
    rng = random.Random(7)
    compared = 0
    for _ in range(3000):
        body = {"v": _floatless(rng)}
        try:
            written = jsonio._ORJSON.dumps(body)
        except TypeError:  # an integer beyond 64 bits: written by json, below
            continue
        assert written == jsonio.dumps(body), body
        compared += 1
    assert compared > 2000


@pytest.mark.parametrize("body", [{"n": 2**64}, {"n": -(2**63) - 1}, {1: "int key"}, {None: 1}], ids=range(4))
def test_what_orjson_refuses_is_written_by_json(body: Any) -> None:
    assert jsonio.dumps_without_floats(body) == jsonio.dumps(body)


def test_a_lone_surrogate_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        jsonio.dumps_without_floats({"s": "\ud800"})


def test_a_send_answer_is_jsons_encoding_of_itself(serve: ServerFactory) -> None:
    _server, client = serve()
    for send in (template_send(), template_send(to="+55 (21) 91234-5678")):
        response = client.post("/marketing_messages", json=send, headers=KEY)
        assert response.status_code == 200
        assert response.content == json.dumps(response.json(), ensure_ascii=False, separators=(",", ":")).encode()
