"""httpx client for the 360dialog surface; every exchange is redacted and handed to the evidence sink."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import httpx

from mmlite_conformance.contract import API_KEY_HEADER, TEMPLATES_PATH, WABA_WEBHOOK_PATH
from mmlite_conformance.suite.config import Secret
from mmlite_conformance.suite.evidence import Exchange
from mmlite_conformance.suite.rate_limits import RateLimitPacer
from mmlite_conformance.suite.redaction import Redactor, dump_json, parse_json

#: how long an idle connection is kept for reuse: well under the keep-alive timeout of the servers the suite talks to
#: (the emulator's and uvicorn's default: 5 s). httpx's own default is those same 5 s, so a request could go out on a
#: connection the server was closing at that instant ("Server disconnected without sending a response")
KEEPALIVE_EXPIRY: Final = 2.0


def pooled_limits() -> httpx.Limits:
    """httpx's default pool sizes, with idle connections let go after KEEPALIVE_EXPIRY."""
    return httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY)


WEBHOOK_PATH = WABA_WEBHOOK_PATH

#: request headers httpx adds that say nothing about the request and differ between targets
VOLATILE_REQUEST_HEADERS = frozenset({"host", "user-agent", "accept-encoding", "connection", "content-length"})

ApiKey = Secret | Literal["omit"] | None
#: how the evidence labels a request sent again after a 429
_SENT_AGAIN = " (sent again after HTTP 429)"
RecordSink = Callable[[Exchange], None]


@dataclass(slots=True, frozen=True)
class Endpoints:
    """The URLs a run really talks to (the emulator's own on loopback, or the configured ones)."""

    cloud_base_url: str
    mm_lite_url: str


class TargetUnreachableError(Exception):
    """The request never got an HTTP answer (connection refused, DNS, timeout, blocked network)."""


@dataclass(slots=True)
class ApiResponse:
    """The raw answer for assertions plus its redacted Exchange; compare the two redaction-invariantly."""

    status: int
    headers: dict[str, str]
    body: Any
    text: str
    exchange: Exchange

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ApiClient:
    """Sends requests to the target and records each one, redacted, before the caller sees the answer.

    Relative paths are joined to `endpoints.cloud_base_url`; the injected httpx client's transport decides where a
    URL really goes (emulator, cassette, sandbox). Requests carry `api_key` unless told otherwise.
    """

    def __init__(
        self,
        http: httpx.Client | Callable[[], httpx.Client],
        endpoints: Endpoints,
        api_key: Secret,
        redactor: Redactor,
        record: RecordSink | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        pacer: RateLimitPacer | None = None,
    ) -> None:
        self._http = http if isinstance(http, httpx.Client) else None
        self._factory = None if isinstance(http, httpx.Client) else http
        self.endpoints = endpoints
        self.api_key = api_key
        self.redactor = redactor
        self._record = record or (lambda _exchange: None)
        self._clock = clock
        #: waits out a 429 and sends again (None: a 429 is an answer like any other)
        self.pacer = pacer

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            assert self._factory is not None
            self._http = self._factory()
        return self._http

    def close(self) -> None:
        """Close the httpx client if this ApiClient created it from a factory."""
        if self._factory is not None and self._http is not None:
            self._http.close()
            self._http = None

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.endpoints.cloud_base_url.rstrip("/") + "/" + path_or_url.lstrip("/")

    def request(
        self,
        label: str,
        method: str,
        path_or_url: str,
        *,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str | None] | None = None,
        api_key: ApiKey = None,
        bearer: bool = False,
    ) -> ApiResponse:
        """Send one request and record it.

        `api_key`: None sends the run's key, "omit" sends no key header, a Secret sends that key. `bearer`
        sends `Bearer <key>` (the form of the guide's header tables). A header mapped to None is not sent.
        """
        if json is not None and content is not None:
            raise ValueError("give json or content, not both")
        sent = self._headers(headers, api_key, bearer)
        body = dump_json(json).encode() if json is not None else content
        request = self.http.build_request(method, self.url(path_or_url), content=body, headers=sent)
        captured_request = _request_data(request, body)
        started = self._clock()
        try:
            response = self.http.send(request)
            response.read()
        except httpx.RequestError as error:
            failed = Exchange.capture(
                self.redactor,
                label=label,
                **captured_request,
                status=None,
                response_headers={},
                response_body=None,
                elapsed_ms=(self._clock() - started) * 1000,
                error=f"{type(error).__name__}: {error}",
            )
            self._record(failed)
            # `from None`: the original exception's message and context may carry unredacted values
            raise TargetUnreachableError(f"{label}: {method} {failed.url} got no answer ({failed.error})") from None
        elapsed = (self._clock() - started) * 1000
        text = response.text
        parsed = parse_json(text)
        exchange = Exchange.capture(
            self.redactor,
            label=label,
            **captured_request,
            status=response.status_code,
            response_headers=dict(response.headers.items()),  # lower-cased, repeated headers merged
            response_body=_body_data(parsed, text),
            elapsed_ms=elapsed,
        )
        self._record(exchange)
        if self.pacer is not None and self.pacer.should_retry(label, response.status_code, response.headers, parsed):
            again = label if label.endswith(_SENT_AGAIN) else label + _SENT_AGAIN
            return self.request(
                again, method, path_or_url, json=json, content=content, headers=headers, api_key=api_key, bearer=bearer
            )
        return ApiResponse(
            status=response.status_code, headers=dict(response.headers), body=parsed, text=text, exchange=exchange
        )

    def set_webhook(
        self, url: str, path: str = WEBHOOK_PATH, *, label: str = "set webhook URL", api_key: ApiKey = None
    ) -> ApiResponse:
        return self.request(label, "POST", path, json={"url": url}, api_key=api_key)

    def get_webhook(self, path: str = WEBHOOK_PATH, *, label: str = "get webhook URL") -> ApiResponse:
        return self.request(label, "GET", path)

    def create_template(self, body: Any, *, label: str = "create template") -> ApiResponse:
        return self.request(label, "POST", TEMPLATES_PATH, json=body)

    def list_templates(self, *, label: str = "list templates") -> ApiResponse:
        return self.request(label, "GET", TEMPLATES_PATH)

    def _headers(self, extra: Mapping[str, str | None] | None, api_key: ApiKey, bearer: bool) -> dict[str, str]:
        # values stay Secret objects until httpx encodes them, so no plain-str copy of the key sits in a local
        key = self.api_key if api_key is None else api_key
        chosen: dict[str, str | None] = {"Content-Type": "application/json"}
        if key != "omit":
            chosen[API_KEY_HEADER] = Secret("Bearer " + key.reveal()) if bearer else key
        for name, value in (extra or {}).items():
            for existing in [n for n in chosen if n.lower() == name.lower()]:
                del chosen[existing]
            chosen[name] = value
        return {name: value for name, value in chosen.items() if value is not None}


def _request_data(request: httpx.Request, body: bytes | str | None) -> dict[str, Any]:
    """The request as the evidence shows it (not yet redacted: `Exchange.capture` does that)."""
    headers = {k: v for k, v in _header_items(request.headers) if k.lower() not in VOLATILE_REQUEST_HEADERS}
    if body is None:
        data = None
    else:
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        data = _body_data(parse_json(text), text)
    return {"method": request.method, "url": str(request.url), "request_headers": headers, "request_body": data}


def _body_data(parsed: Any, text: str) -> Any:
    return parsed if parsed is not None else (text or None)


def _header_items(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Names as sent (not lower-cased); repeated headers joined with ', ' as HTTP allows."""
    merged: dict[str, tuple[str, str]] = {}
    for raw_name, raw_value in headers.raw:
        name, value = raw_name.decode(headers.encoding), raw_value.decode(headers.encoding)
        previous = merged.get(name.lower())
        merged[name.lower()] = (previous[0], previous[1] + ", " + value) if previous else (name, value)
    return list(merged.values())


# -- payload builders: pure functions, Cloud API / MM Lite request shapes (CONTRACT.md §4) --------------------


def text_message(to: str, body: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
    }


def template_message(
    to: str,
    name: str,
    language: str,
    policy: str | None = "deterministic",
    *,
    components: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A template send; `policy=None` leaves `language.policy` out, `extra` adds top-level fields such as
    `message_activity_sharing` or `message_send_ttl_seconds`."""
    language_object: dict[str, Any] = {"code": language}
    if policy is not None:
        language_object["policy"] = policy
    template: dict[str, Any] = {"name": name, "language": language_object}
    if components is not None:
        template["components"] = components
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
        **extra,
    }


def template_definition(name: str, category: str, language: str, body_text: str) -> dict[str, Any]:
    """A template to create through `/v1/configs/templates` with a single BODY component."""
    return {
        "name": name,
        "category": category,
        "language": language,
        "components": [{"type": "BODY", "text": body_text}],
    }
