"""Recorded exchanges as Postman requests: hosts, keys, the recipient and run-specific names become variables."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mmlite_conformance.contract import API_KEY_HEADER, MARKETING_MESSAGES_PATH
from mmlite_conformance.publish.catalog import Exchange
from mmlite_conformance.publish.postman_checks import Check, Note
from mmlite_conformance.suite.constants import SECRET_PLACEHOLDERS

__all__ = ["RequestItem", "Substitutions", "endpoint_of", "recorded_request", "saved_example"]

#: request headers a partner writes; the rest (content-length, accept, user-agent) the client sets itself
KEPT_HEADERS = {API_KEY_HEADER.lower(): API_KEY_HEADER, "content-type": "Content-Type"}


@dataclass(slots=True)
class RequestItem:
    """One Postman request of the collection, with the checks and notes its scenario gives it."""

    id: str
    name: str
    endpoint: str
    request: dict[str, Any]
    description: list[str] = field(default_factory=list)
    prerequest: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def strict_checks(self) -> list[Check]:
        return [check for check in self.checks if check.strict]


@dataclass(slots=True)
class Substitutions:
    """Recorded values -> Postman variables, learned from the requests of one scenario instance as they come."""

    values: dict[str, str] = field(default_factory=lambda: {p: f"{{{{{v}}}}}" for p, v in SECRET_PLACEHOLDERS.items()})

    def learn(self, exchange: Exchange) -> None:
        body = _json(exchange.request_body)
        if not isinstance(body, Mapping):
            return
        for key, variable in (("to", "recipient"), ("url", "webhook_url")):
            if isinstance(body.get(key), str) and body[key]:
                self.values.setdefault(body[key], f"{{{{{variable}}}}}")
        if "category" in body and isinstance(body.get("name"), str):  # a template created by this scenario
            self.values.setdefault(body["name"], "{{template_name}}")

    def apply(self, text: str) -> str:
        for recorded in sorted(self.values, key=len, reverse=True):
            text = text.replace(recorded, self.values[recorded])
        return text


def endpoint_of(exchange: Exchange) -> str:
    path = urlsplit(exchange.url).path
    if path.endswith(MARKETING_MESSAGES_PATH):
        return "MM Lite"
    return "Cloud API" if path == "/messages" else ""


def _url(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    base = "{{mm_lite_url}}" if parts.path.endswith(MARKETING_MESSAGES_PATH) else "{{base_url}}" + parts.path
    raw = base + (f"?{parts.query}" if parts.query else "")
    return raw  # a string: newman reads an object url from its parts, not from "raw"


def recorded_request(exchange: Exchange, substitutions: Substitutions, description: str) -> dict[str, Any]:
    """The exchange's request with variables in place of hosts, secrets, the recipient and run-specific names."""
    substitutions.learn(exchange)
    headers = [
        {"key": KEPT_HEADERS[name], "value": substitutions.apply(value)}
        for name, value in exchange.request_headers
        if name in KEPT_HEADERS
    ]
    request: dict[str, Any] = {
        "method": exchange.method,
        "header": headers,
        "url": _url(exchange),
        "description": description,
    }
    if exchange.request_body:
        body = substitutions.apply(_pretty(exchange.request_body))
        request["body"] = {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}}
    return request


def saved_example(name: str, exchange: Exchange, request: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded answer as a Postman saved example (`response`): already redacted in the cassette."""
    return {
        "name": name,
        "originalRequest": {key: value for key, value in request.items() if key != "description"},
        "code": exchange.status,
        "status": _REASONS.get(exchange.status, ""),
        "header": [{"key": key, "value": value} for key, value in exchange.response_headers],
        "body": _pretty(exchange.response_body),
        "_postman_previewlanguage": "json",
    }


_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _pretty(text: str) -> str:
    parsed = _json(text)
    return text if parsed is None else json.dumps(parsed, indent=2, ensure_ascii=False)
