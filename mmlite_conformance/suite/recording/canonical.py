"""The canonical form of recorded requests and responses: a capture point, where recorded data is redacted once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

from mmlite_conformance.contract import (
    ALPHA_MARKETING_MESSAGES_PATH,
    ALPHA_MM_LITE_HOST,
    CLOUD_API_BASE_URL,
    DEFAULT_PORTS,
)
from mmlite_conformance.suite.constants import EMULATOR_CONTROL_PREFIX

__all__ = ["FILTER_HEADERS", "MM_LITE_PATH_PREFIX", "CanonicalForm", "CanonicalRequest", "RedactorLike", "body_bytes"]

#: paths under this prefix belong to the MM Lite onboarding host, everything else to the Cloud API host
MM_LITE_PATH_PREFIX = ALPHA_MARKETING_MESSAGES_PATH.rsplit("/", 1)[0] + "/"

#: request headers vcrpy drops (they differ per client and transport); the key header is left to the redactor, which
#: shows each key's own placeholder, a `Bearer ` prefix and a public wrong key as they were sent
FILTER_HEADERS: tuple[tuple[str, str | None], ...] = (
    ("authorization", None),
    ("host", None),
    ("user-agent", None),
    ("accept-encoding", None),
    ("connection", None),
    ("date", None),
    ("server", None),
)

#: response headers that change from run to run or between transports (uvicorn vs ASGI) or carry session state
_VOLATILE_RESPONSE_HEADERS = frozenset({
    "age", "alt-svc", "cf-cache-status", "cf-ray", "connection", "date", "etag", "expires", "keep-alive",
    "last-modified", "report-to", "server", "set-cookie", "transfer-encoding", "via", "x-amz-cf-id", "x-amz-cf-pop",
    "x-amzn-requestid", "x-amzn-trace-id", "x-cache", "x-request-id", "x-runtime",
})  # fmt: skip


class RedactorLike(Protocol):
    """The part of `redaction.Redactor` recording uses; every method is idempotent."""

    def redact_text(self, text: str, /) -> str: ...

    def redact_json(self, obj: Any, /) -> Any: ...

    def redact_headers(self, headers: Mapping[str, str], /) -> dict[str, str]: ...

    def redact_bytes(self, body: bytes, content_type: str | None, /) -> bytes: ...

    def pseudonym(self, number: str, /) -> str: ...


def body_bytes(body: Any) -> bytes:
    """A request or response body as vcrpy may hold it (bytes, text, a file, chunks), as bytes."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(part.encode("utf-8") if isinstance(part, str) else bytes(part) for part in body)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


@dataclass(slots=True)
class CanonicalRequest:
    """A request as a cassette holds it: canonical URL, lower-case redacted headers (sorted), canonical body."""

    method: str
    uri: str
    body: bytes
    headers: dict[str, str]


@dataclass(slots=True)
class CanonicalForm:
    """Rewrites requests and responses into what cassettes hold: canonical hosts, replacements, redacted.

    vcrpy runs `before_record_request` when recording and before matching in replay, `before_record_response` on
    every recorded response: what leaves them is redacted once and is what a cassette holds.
    """

    redactor: RedactorLike
    cloud_url: str = CLOUD_API_BASE_URL
    mm_lite_url: str = f"https://{ALPHA_MM_LITE_HOST}"
    #: literal strings replaced in request URIs/bodies (and response bodies) before recording and before matching
    replacements: Mapping[str, str] = field(default_factory=dict)
    #: "host:port" of servers whose traffic is never recorded nor matched (the suite's own webhook receiver)
    ignored_origins: tuple[str, ...] = ()
    _ordered: list[tuple[str, str]] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        # longest first, so that a replacement never cuts into a longer one
        self._ordered = sorted(((old, new) for old, new in self.replacements.items() if old), key=lambda p: -len(p[0]))

    def _replace_text(self, text: str) -> str:
        for old, new in self._ordered:
            text = text.replace(old, new)
        return text

    def _replace_bytes(self, body: bytes) -> bytes:
        for old, new in self._ordered:
            body = body.replace(old.encode("utf-8"), new.encode("utf-8"))
        return body

    def is_recorded(self, url: str) -> bool:
        """False for the emulator's control endpoint and the ignored origins: never recorded, never matched."""
        return self._is_recorded(urlsplit(url))

    def _is_recorded(self, parts: SplitResult) -> bool:
        return not ((parts.path or "/").startswith(EMULATOR_CONTROL_PREFIX + "/") or self._ignored_origin(parts))

    def _ignored_origin(self, parts: SplitResult) -> bool:
        if not self.ignored_origins:
            return False
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            port = None
        candidates = {parts.netloc.lower(), f"{host}:{port}", f"[{host}]:{port}"}
        return any(origin.lower() in candidates for origin in self.ignored_origins)

    def _canonical_query(self, query: str) -> str:
        """Decoded, replaced, redacted and re-encoded, so that encoded URLs and numbers in parameters are caught."""
        if not query:
            return ""
        redact = self.redactor.redact_text
        pairs = [
            (redact(self._replace_text(key)), redact(self._replace_text(value)))
            for key, value in parse_qsl(query, keep_blank_values=True)
        ]
        return urlencode(pairs, quote_via=quote)

    def canonical_url(self, url: str) -> str | None:
        """The URL as stored in cassettes: canonical host for its path, replacements applied, redacted;
        None for a URL that is never recorded (`is_recorded`)."""
        parts = urlsplit(url)
        return self._canonical_url(parts) if self._is_recorded(parts) else None

    def _canonical_url(self, parts: SplitResult) -> str:
        path = parts.path or "/"
        base = urlsplit(self.mm_lite_url if path.startswith(MM_LITE_PATH_PREFIX) else self.cloud_url)
        path = self.redactor.redact_text(self._replace_text(path))
        return urlunsplit((base.scheme, base.netloc, path, self._canonical_query(parts.query), ""))

    def canonical_body(self, body: bytes, content_type: str | None) -> bytes:
        """A request body as stored and matched: replacements applied, redacted, JSON with sorted keys."""
        if not body:
            return b""
        body = self.redactor.redact_bytes(self._replace_bytes(body), content_type)
        if _is_json(content_type):
            try:
                parsed = json.loads(body)
            except ValueError:
                return body
            return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return body

    def canonical_request(
        self, method: str, uri: str, headers: Mapping[str, str], body: bytes
    ) -> CanonicalRequest | None:
        """The request as recorded and matched; None for one never recorded (`is_recorded`). The body is redacted
        first, so the numbers it teaches are hidden in the URL too."""
        parts = urlsplit(uri)
        if not self._is_recorded(parts):
            return None
        raw_headers = {str(name).lower(): str(value) for name, value in headers.items()}
        redacted = {name.lower(): value for name, value in self.redactor.redact_headers(raw_headers).items()}
        canonical_body = self.canonical_body(body, redacted.get("content-type"))
        if canonical_body or "content-length" in redacted:
            redacted["content-length"] = str(len(canonical_body))
        return CanonicalRequest(method, self._canonical_url(parts), canonical_body, dict(sorted(redacted.items())))

    def before_record_request(self, request: Any) -> Any:
        """vcrpy's request hook (recording): `canonical_request` written into vcrpy's request."""
        canonical = self.canonical_request(request.method, request.uri, request.headers, body_bytes(request.body))
        if canonical is None:
            return None
        request.uri, request.body, request.headers = canonical.uri, canonical.body, canonical.headers
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy's response hook: volatile headers dropped, the body redacted before the headers it may teach."""
        raw_headers: list[tuple[str, str]] = [
            (lowered, str(value))
            for name, values in (response.get("headers") or {}).items()
            if (lowered := str(name).lower()) not in _VOLATILE_RESPONSE_HEADERS
            for value in (values if isinstance(values, list | tuple) else [values])
        ]
        body_holder = response.get("body") or {}
        body = body_bytes(body_holder.get("string"))
        if body:
            content_type = next((value for name, value in raw_headers if name == "content-type"), None)
            body = self.redactor.redact_bytes(self._replace_bytes(body), content_type)
        headers: dict[str, list[str]] = {}
        for name, value in raw_headers:
            headers.setdefault(name, []).extend(self.redactor.redact_headers({name: value}).values())
        headers["content-length"] = [str(len(body))]
        response["headers"] = dict(sorted(headers.items()))
        response["body"] = {**body_holder, "string": body}
        return response
