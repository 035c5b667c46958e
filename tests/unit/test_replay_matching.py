"""Replay without vcrpy: requests match as vcrpy matches them, responses come back as recorded, the deck's slot."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from vcr import matchers as vcr_matchers
from vcr.request import Request as VcrRequest

from mmlite_conformance.suite.recording.canonical import CanonicalForm, CanonicalRequest
from mmlite_conformance.suite.recording.diff import unmatched_lines
from mmlite_conformance.suite.recording.replay import (
    MATCH_ON,
    MATCHERS,
    CassetteDeck,
    CassettePlayer,
    RecordedExchange,
    exchanges_from,
)
from tests.unit.recording_kit import FakeRedactor

pytestmark = pytest.mark.unit

JSON = {"content-type": "application/json"}
TEXT = {"content-type": "text/plain"}
BASE = "https://waba.example/messages"

W = "https://waba.example"


def _req(method: str, uri: str, body: bytes = b"", headers: dict[str, str] | None = None) -> CanonicalRequest:
    return CanonicalRequest(method, uri, body, headers or {})


#: (what was sent, what was recorded): each pair differs from the first in one way vcrpy's matchers may or may not
#: forgive; the replay must give vcrpy's verdict for every matcher
PAIRS: list[tuple[str, CanonicalRequest, CanonicalRequest]] = [
    ("same", _req("POST", BASE, b'{"a":1}', JSON), _req("POST", BASE, b'{"a":1}', JSON)),
    ("method", _req("GET", BASE), _req("POST", BASE)),
    ("method case", _req("post", BASE), _req("POST", BASE)),
    ("scheme", _req("GET", "http://waba.example/messages"), _req("GET", BASE)),
    ("host case", _req("GET", "https://WABA.example/messages"), _req("GET", BASE)),
    ("host", _req("GET", "https://other.example/messages"), _req("GET", BASE)),
    ("default port", _req("GET", f"{W}:443/messages"), _req("GET", BASE)),
    ("port", _req("GET", f"{W}:8443/messages"), _req("GET", BASE)),
    ("empty path", _req("GET", W), _req("GET", f"{W}/")),
    ("path", _req("GET", f"{W}/templates"), _req("GET", BASE)),
    ("query order", _req("GET", f"{BASE}?b=2&a=1"), _req("GET", f"{BASE}?a=1&b=2")),
    ("blank query value", _req("GET", f"{BASE}?a=&b=2"), _req("GET", f"{BASE}?b=2")),
    ("query value", _req("GET", f"{BASE}?a=1"), _req("GET", f"{BASE}?a=2")),
    ("json key order", _req("POST", BASE, b'{"b":2,"a":1}', JSON), _req("POST", BASE, b'{"a":1,"b":2}', JSON)),
    ("json spacing", _req("POST", BASE, b'{"a": [1, 2]}', JSON), _req("POST", BASE, b'{"a":[1,2]}', JSON)),
    ("json value", _req("POST", BASE, b'{"a":1}', JSON), _req("POST", BASE, b'{"a":2}', JSON)),
    ("json one side", _req("POST", BASE, b'{"b":2,"a":1}', JSON), _req("POST", BASE, b'{"a":1,"b":2}', TEXT)),
    ("text key order", _req("POST", BASE, b'{"b":2,"a":1}', TEXT), _req("POST", BASE, b'{"a":1,"b":2}', TEXT)),
    ("not json", _req("POST", BASE, b"{oops", JSON), _req("POST", BASE, b"{oops ", JSON)),
    ("same not json", _req("POST", BASE, b"{oops", JSON), _req("POST", BASE, b"{oops", JSON)),
    ("empty bodies", _req("POST", BASE, b"", JSON), _req("POST", BASE)),
    ("headers only", _req("GET", BASE, headers={"x-a": "1"}), _req("GET", BASE, headers={"x-a": "2"})),
]


def _vcr(request: CanonicalRequest) -> Any:
    return VcrRequest(request.method, request.uri, request.body, request.headers)


@pytest.mark.parametrize(("sent", "recorded"), [pair[1:] for pair in PAIRS], ids=[pair[0] for pair in PAIRS])
def test_each_matcher_gives_vcrpys_verdict(sent: CanonicalRequest, recorded: CanonicalRequest) -> None:
    for name in MATCH_ON:
        vcr_matcher = getattr(vcr_matchers, name)
        try:
            vcr_matcher(_vcr(sent), _vcr(recorded))
            expected = True
        except AssertionError:
            expected = False
        assert MATCHERS[name](sent, recorded) is expected, name


def test_the_pairs_make_every_matcher_both_match_and_miss() -> None:
    """The table above is no proof unless each matcher says yes to some pair and no to another."""
    for name, match in MATCHERS.items():
        verdicts = {match(sent, recorded) for _, sent, recorded in PAIRS}
        assert verdicts == {True, False}, name


class _RefusedError(Exception):
    pass


def _player(*recorded: tuple[CanonicalRequest, dict[str, Any]]) -> CassettePlayer:
    redactor = FakeRedactor([], [])
    exchanges = [RecordedExchange(request, response) for request, response in recorded]
    return CassettePlayer(exchanges, CanonicalForm(redactor), lambda player, sent: _RefusedError(player, sent))


def _answer(status: int = 200, body: bytes = b'{"ok":true}', message: str = "OK") -> dict[str, Any]:
    return {
        "status": {"code": status, "message": message},
        "headers": {"content-type": ["application/json"], "x-multi": ["a", "b"]},
        "body": {"string": body},
    }


CLOUD = "https://waba-v2.360dialog.io"


def test_a_recorded_response_comes_back_as_recorded_once() -> None:
    recorded = CanonicalRequest("POST", f"{CLOUD}/messages", b'{"to":"pn-1"}', JSON)
    player = _player((recorded, _answer(201, message="Created")))
    deck = CassetteDeck()
    outside: list[str] = []

    def elsewhere(request: httpx.Request) -> httpx.Response:
        outside.append(request.url.path)
        return httpx.Response(599)

    transport = deck.transport(httpx.MockTransport(elsewhere))
    with httpx.Client(transport=transport, base_url="http://127.0.0.1:1") as client:
        with deck.playing(player):
            response = client.post("/messages", json={"to": "pn-1"})
            assert response.status_code == 201 and response.reason_phrase == "Created"
            assert response.json() == {"ok": True}
            assert response.headers.get_list("x-multi") == ["a", "b"]
            assert response.request.url.path == "/messages"
            with pytest.raises(_RefusedError):  # played once: the second one is refused, not sent on
                client.post("/messages", json={"to": "pn-1"})
            assert client.post("/_emulator/reset").status_code == 599  # never recorded: on to the transport
        assert deck.player is None
        assert client.post("/messages", json={"to": "pn-1"}).status_code == 599  # between scenarios
    assert outside == ["/_emulator/reset", "/messages"]
    assert player.unplayed() == []


def test_the_deck_is_emptied_when_the_scenario_fails() -> None:
    deck = CassetteDeck()
    with pytest.raises(RuntimeError), deck.playing(_player()):
        raise RuntimeError("a step failed")
    assert deck.player is None


def test_a_request_unlike_any_recording_lists_what_was_recorded() -> None:
    player = _player(
        (CanonicalRequest("GET", f"{CLOUD}/templates", b"", {}), _answer()),
        (CanonicalRequest("POST", f"{CLOUD}/messages", b'{"a":1}', JSON), _answer()),
    )
    sent = CanonicalRequest("DELETE", "http://elsewhere.example:9/x?y=1", b"z", TEXT)
    assert player.closest(sent) is None
    lines = unmatched_lines(player, sent, scenario="S", where="cassettes/s.yaml")
    assert lines[1] == "recorded requests: GET /templates, POST /messages"


def test_the_closest_recording_is_the_first_with_fewest_differences() -> None:
    first = CanonicalRequest("POST", f"{CLOUD}/messages", b'{"to":"pn-1"}', JSON)
    second = CanonicalRequest("POST", f"{CLOUD}/messages", b'{"to":"pn-2"}', JSON)
    player = _player((first, _answer()), (second, _answer()))
    found = player.closest(CanonicalRequest("POST", f"{CLOUD}/messages", b'{"to":"pn-3"}', JSON))
    assert found is not None and found[0].request is first and found[1] == ["body"]


def test_cassette_interactions_become_exchanges_or_one_error() -> None:
    request = {
        "method": "POST",
        "uri": f"{CLOUD}/messages",
        "body": '{"a":1}',
        "headers": {"Content-Type": ["application/json"]},
    }
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}}
    interaction = {"request": request, "response": response}
    [exchange] = exchanges_from([interaction])
    assert exchange.request == CanonicalRequest("POST", f"{CLOUD}/messages", b'{"a":1}', JSON)
    assert exchange.response["body"]["string"] == b"{}" and exchange.plays == 0
    broken_ones: list[dict[str, Any]] = [
        {},
        {"request": {}, "response": {}},
        {**interaction, "response": {"status": {"code": "200"}}},
    ]
    for broken in broken_ones:
        with pytest.raises(ValueError, match="not a request/response pair"):
            exchanges_from([json.loads(json.dumps(broken))])
