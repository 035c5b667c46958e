"""The 360dialog client: send on either endpoint, list templates, set webhooks; and what an error answer means.

360dialog answers errors in three shapes, and the platform must read all of them (keyed on the code, never on the
title):

* MM Lite endpoints wrap Graph errors: ``{"detail": {"error": {"code": 131055, "message": ..., ...}}}``
* ``/messages`` and the configuration endpoints answer plain Graph: ``{"error": {"code": ..., ...}}``
* a wrong or missing key gets ``{"error": "Invalid api token."}`` (HTTP 401)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol
from urllib.parse import urlsplit

CLOUD_PATH = "/messages"
MM_LITE_PATH = "/marketing_messages"
TEMPLATES_PATH = "/v1/configs/templates"
WABA_WEBHOOK_PATH = "/waba_webhook"
PHONE_WEBHOOK_PATH = "/v1/configs/webhook"
TIMEOUT = 15.0


class Route(Enum):
    CLOUD = CLOUD_PATH
    MM_LITE = MM_LITE_PATH


class ErrorKind(Enum):
    NONE = "none"  # success
    INVALID_TOKEN = "invalid_token"  # wrong key: stop, never retry
    TERMS_NOT_ACCEPTED = "terms_not_accepted"  # the number has not accepted the MM Lite terms
    NOT_FOR_MM_LITE = "not_for_mm_lite"  # 100 / 131055 / 134100 on MM Lite: this message does not belong there
    TEMPLATE_SYNCING = "template_syncing"  # 131009 / 134101: the template is not synced to MM Lite yet
    MARKETING_OFF_ON_CLOUD = "marketing_off_on_cloud"  # 131063: marketing refused on /messages
    RATE_LIMITED = "rate_limited"  # 429, 130429, 131056, 80007
    PERMANENT = "permanent"  # a known error that another attempt cannot fix
    NO_ANSWER = "no_answer"  # timed out or cut off: the send may have been accepted, so never repeat it
    UNKNOWN = "unknown"  # anything else (5xx, unknown codes, refused connection): a few retries with backoff


TERMS_TEXT = "marketing messages lite api terms"
RATE_LIMIT_CODES = frozenset({130429, 131056, 80007, 4, 131048})
PERMANENT_CODES = frozenset({100, 131008, 131026, 131047, 131049, 131050, 131051, 131061, 131062, 132001})


@dataclass(frozen=True, slots=True)
class ApiResult:
    status: int  # HTTP status; 0 when the request never reached the server, -1 when no answer came back
    body: Any  # parsed JSON, or the raw text when the answer was not JSON
    retry_after: float | None = None  # the Retry-After header in seconds, when present

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> dict[str, Any]:
        """The Graph error object, whatever the envelope ({} when there is none)."""
        body = self.body
        if isinstance(body, dict):
            detail = body.get("detail")
            error = detail.get("error") if isinstance(detail, dict) else body.get("error")
            if isinstance(error, dict):
                return error
        return {}

    @property
    def code(self) -> int | None:
        code = self.error.get("code")
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    @property
    def text(self) -> str:
        """Message and details of the error, for matching and logging."""
        error = self.error
        details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
        return " ".join(str(part) for part in (error.get("message"), details) if part)

    def _first_message(self, key: str) -> str | None:
        messages = self.body.get("messages") if isinstance(self.body, dict) else None
        first = messages[0] if isinstance(messages, list) and messages else None
        value = first.get(key) if isinstance(first, dict) else None
        return value if isinstance(value, str) else None

    @property
    def message_id(self) -> str | None:
        return self._first_message("id")

    @property
    def message_status(self) -> str | None:
        """accepted, held_for_quality_assessment or paused (MM Lite answers only)."""
        return self._first_message("message_status")


def classify(result: ApiResult, route: Route | None = None) -> ErrorKind:
    """What kind of answer this is (`route`: where the request went); core.Platform decides the reaction."""
    if result.ok:
        return ErrorKind.NONE
    if result.status == -1:
        return ErrorKind.NO_ANSWER
    body = result.body
    flat = body.get("error") if isinstance(body, dict) else None
    if result.status == 401 or (isinstance(flat, str) and "invalid api token" in flat.lower()):
        return ErrorKind.INVALID_TOKEN
    code = result.code
    if TERMS_TEXT in result.text.lower():
        return ErrorKind.TERMS_NOT_ACCEPTED
    if result.status == 429 or code in RATE_LIMIT_CODES:
        return ErrorKind.RATE_LIMITED
    if code in {131055, 134100} or (code == 100 and route is Route.MM_LITE):
        return ErrorKind.NOT_FOR_MM_LITE
    if code in {131009, 134101}:
        return ErrorKind.TEMPLATE_SYNCING
    if code == 131063:
        return ErrorKind.MARKETING_OFF_ON_CLOUD
    if code in PERMANENT_CODES:
        return ErrorKind.PERMANENT
    return ErrorKind.UNKNOWN


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare enough to fall back to our own backoff
    return seconds if seconds is not None and seconds >= 0 else None


def _opener(url: str) -> urllib.request.OpenerDirector:
    host = urlsplit(url).hostname or ""
    if host in {"127.0.0.1", "localhost", "::1"}:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never send loopback via a proxy
    return urllib.request.build_opener()


class SendsRequests(Protocol):
    """What core.Platform needs from the client (tests substitute a scripted one)."""

    def send(self, route: Route, body: dict[str, Any]) -> ApiResult: ...

    def list_templates(self) -> ApiResult | list[dict[str, Any]]: ...


class Api:
    """One 360dialog account (one API key)."""

    def __init__(self, base_url: str, api_key: str, *, bearer: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self._key_header = f"Bearer {api_key}" if bearer else api_key  # bearer: only the bearer_key defect
        self._opener = _opener(self.base_url)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> ApiResult:
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"D360-API-KEY": self._key_header, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                return ApiResult(
                    response.status, _parse(response.read()), _retry_after(response.headers.get("Retry-After"))
                )
        except urllib.error.HTTPError as error:
            with error:
                return ApiResult(error.code, _parse(error.read()), _retry_after(error.headers.get("Retry-After")))
        except urllib.error.URLError as error:  # no connection: nothing was sent
            return ApiResult(0, f"not sent: {error.reason}")
        except (OSError, ValueError) as error:  # reset or timed out mid-request: it may have been accepted
            return ApiResult(-1, f"no answer: {error}")

    def send(self, route: Route, body: dict[str, Any]) -> ApiResult:
        return self.request("POST", route.value, body)

    def list_templates(self) -> ApiResult | list[dict[str, Any]]:
        """Every template of the account (all pages), or the failed answer."""
        templates: list[dict[str, Any]] = []
        offset = 0
        while True:
            result = self.request("GET", f"{TEMPLATES_PATH}?limit=1000&offset={offset}")
            page = result.body.get("waba_templates") if isinstance(result.body, dict) else None
            if not result.ok or not isinstance(page, list):
                return result
            templates += [t for t in page if isinstance(t, dict)]
            total = result.body.get("total")
            offset += len(page)
            if not page or not isinstance(total, int) or offset >= total:
                return templates

    def set_webhook(self, path: str, url: str) -> ApiResult:
        return self.request("POST", path, {"url": url})


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
