"""Replay without vcrpy: a cassette's recorded exchanges answer the client's requests from its transport."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import httpx

from mmlite_conformance.suite.recording.canonical import CanonicalForm, CanonicalRequest, body_bytes

__all__ = [
    "MATCHERS",
    "MATCH_ON",
    "CassetteDeck",
    "CassettePlayer",
    "RecordedExchange",
    "ReplayTransport",
    "exchanges_from",
]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def _parts(request: CanonicalRequest) -> SplitResult:
    return urlsplit(request.uri)


def _port(parts: SplitResult) -> int | None:
    return parts.port if parts.port is not None else _DEFAULT_PORTS.get(parts.scheme)


def _declares_json(request: CanonicalRequest) -> bool:
    """vcrpy's test (a content type containing application/json), not the canonical form's media-type test."""
    return "application/json" in request.headers.get("content-type", "").lower()


def _same_body(sent: CanonicalRequest, recorded: CanonicalRequest) -> bool:
    """Equal bytes, or, when both say they are JSON, equal parsed JSON (key order and spacing aside). vcrpy also
    parses form and XML-RPC bodies; the suite sends neither (and its canonical form sorts JSON keys already)."""
    if sent.body == recorded.body:
        return True
    if not (_declares_json(sent) and _declares_json(recorded)):
        return False
    try:
        return bool(json.loads(sent.body) == json.loads(recorded.body))
    except ValueError:  # not JSON after all: the bytes differed
        return False


Matcher = Callable[[CanonicalRequest, CanonicalRequest], bool]

#: what a request is matched on, in vcrpy's names (recording uses vcrpy with MATCH_ON): everything but headers
MATCHERS: dict[str, Matcher] = {
    "method": lambda sent, recorded: sent.method == recorded.method,
    "scheme": lambda sent, recorded: _parts(sent).scheme == _parts(recorded).scheme,
    "host": lambda sent, recorded: _parts(sent).hostname == _parts(recorded).hostname,
    "port": lambda sent, recorded: _port(_parts(sent)) == _port(_parts(recorded)),
    "path": lambda sent, recorded: (_parts(sent).path or "/") == (_parts(recorded).path or "/"),
    "query": lambda sent, recorded: sorted(parse_qsl(_parts(sent).query)) == sorted(parse_qsl(_parts(recorded).query)),
    "body": _same_body,
}
MATCH_ON = tuple(MATCHERS)


def _matches(sent: CanonicalRequest, recorded: CanonicalRequest) -> bool:
    if sent.method != recorded.method:  # the common miss, decided without parsing a URL
        return False
    if sent.uri == recorded.uri and sent.body == recorded.body:  # canonical forms: the common hit
        return True
    return all(match(sent, recorded) for match in MATCHERS.values())


@dataclass(slots=True)
class RecordedExchange:
    """One interaction of a cassette: the request as recorded (canonical) and its response, and how often played."""

    request: CanonicalRequest
    response: dict[str, Any]
    plays: int = 0


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError("headers are not a mapping")
    return {
        str(name).lower(): ", ".join(map(str, values)) if isinstance(values, list) else str(values)
        for name, values in value.items()
    }


def _exchange(interaction: Any) -> RecordedExchange:
    request, response = interaction["request"], interaction["response"]
    method, uri = request["method"], request["uri"]
    status = response["status"]
    if not (isinstance(method, str) and isinstance(uri, str) and isinstance(status["code"], int)):
        raise TypeError("method, uri or status code of the wrong type")
    body = response["body"]
    if not isinstance(body, Mapping) or not isinstance(response["headers"], Mapping):
        raise TypeError("response body or headers of the wrong shape")
    recorded = CanonicalRequest(method, uri, body_bytes(request.get("body")), _headers(request.get("headers") or {}))
    return RecordedExchange(recorded, {**response, "body": {**body, "string": body_bytes(body.get("string"))}})


def exchanges_from(interactions: list[Any]) -> list[RecordedExchange]:
    """The exchanges of a cassette's `interactions`; ValueError when one is not a request/response pair."""
    try:
        return [_exchange(interaction) for interaction in interactions]
    except (KeyError, TypeError, AttributeError, UnicodeEncodeError) as exc:
        raise ValueError(f"not a request/response pair: {exc}") from None


def _response(recorded: Mapping[str, Any], request: httpx.Request) -> httpx.Response:
    message = recorded["status"].get("message")
    headers = [
        (name, str(value))
        for name, values in recorded["headers"].items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return httpx.Response(
        recorded["status"]["code"],
        headers=headers,
        stream=httpx.ByteStream(recorded["body"]["string"]),
        extensions={"reason_phrase": message.encode("ascii")} if message else None,
        request=request,
    )


#: builds the error for a request the cassette cannot answer (the recorder's words, redacted)
Refusal = Callable[["CassettePlayer", CanonicalRequest], Exception]


class CassettePlayer:
    """One scenario's cassette in replay: each recorded exchange answers one matching request, in recorded order."""

    __slots__ = ("canonical", "exchanges", "refuse")

    def __init__(self, exchanges: list[RecordedExchange], canonical: CanonicalForm, refuse: Refusal) -> None:
        self.exchanges = exchanges
        self.canonical = canonical
        self.refuse = refuse

    @property
    def requests(self) -> list[CanonicalRequest]:
        return [exchange.request for exchange in self.exchanges]

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        """The recorded response to `request`; None for a request never recorded (it goes on to the transport);
        the refusal for a recorded kind of request the cassette does not hold (or holds fewer times)."""
        sent = self.canonical.canonical_request(request.method, str(request.url), request.headers, request.read())
        if sent is None:
            return None
        for exchange in self.exchanges:
            if exchange.plays == 0 and _matches(sent, exchange.request):
                exchange.plays += 1
                return _response(exchange.response, request)
        raise self.refuse(self, sent)

    def closest(self, sent: CanonicalRequest) -> tuple[RecordedExchange, list[str]] | None:
        """The recorded exchange most like `sent` (the first of equals) and the matchers it fails; None when no
        recorded request has anything in common with it."""
        best: tuple[RecordedExchange, list[str]] | None = None
        for exchange in self.exchanges:
            failed = [name for name, match in MATCHERS.items() if not match(sent, exchange.request)]
            if len(failed) < len(MATCHERS) and (best is None or len(failed) < len(best[1])):
                best = (exchange, failed)
        return best

    def unplayed(self) -> list[CanonicalRequest]:
        return [exchange.request for exchange in self.exchanges if exchange.plays == 0]


@dataclass(slots=True)
class CassetteDeck:
    """The cassette playing now (None between scenarios), for the transports of the run's clients."""

    player: CassettePlayer | None = None

    @contextlib.contextmanager
    def playing(self, player: CassettePlayer) -> Iterator[CassettePlayer]:
        self.player = player
        try:
            yield player
        finally:
            self.player = None

    def transport(self, outside: httpx.BaseTransport) -> ReplayTransport:
        """A transport that answers from the playing cassette; what no cassette records goes to `outside`."""
        return ReplayTransport(self, outside)


class ReplayTransport(httpx.BaseTransport):
    """Answers from the deck's playing cassette; a request no cassette records (the emulator's control endpoint,
    the suite's own receiver) or made between scenarios goes on to the `outside` transport."""

    def __init__(self, deck: CassetteDeck, outside: httpx.BaseTransport) -> None:
        self.deck = deck
        self.outside = outside

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        player = self.deck.player
        if player is not None:
            response = player.answer(request)
            if response is not None:
                return response
        return self.outside.handle_request(request)

    def close(self) -> None:
        self.outside.close()
