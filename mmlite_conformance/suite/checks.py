"""Conformance checks: each one inspects a response or webhook events and fails with a redacted, readable reason."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from mmlite_conformance.suite.evidence import Exchange
from mmlite_conformance.suite.numbers import Match, compare, same_person
from mmlite_conformance.suite.webhooks.progression import RANK, progression


class ConformanceError(AssertionError):
    """The target deviated from the contract; the message is already redacted."""


class _Response(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def body(self) -> Any: ...

    @property
    def text(self) -> str: ...


Redact = Callable[[Any], Any]


@dataclass(slots=True, frozen=True)
class Checker:
    """Runs checks and words failures through the single redaction layer."""

    redact_json: Redact
    redact_text: Callable[[str], str]

    def fail(self, reason: str, shown: Any = None) -> ConformanceError:
        if shown is not None:
            rendered = json.dumps(self.redact_json(shown), indent=1, sort_keys=True, ensure_ascii=False)
            if len(rendered) > 2000:
                rendered = rendered[:2000] + " …"
            reason = f"{reason}\n{rendered}"
        return ConformanceError(self.redact_text(reason))

    def _shown(self, response: _Response) -> Any:
        return response.body if response.body is not None else response.text[:500]

    # --- responses -------------------------------------------------------------------------------------------

    def ok_status(self, response: _Response) -> None:
        if not 200 <= response.status < 300:
            raise self.fail(
                f"expected the request to succeed (HTTP 2xx), got HTTP {response.status}", self._shown(response)
            )

    def successful_send(self, response: _Response) -> str:
        """HTTP 2xx, `messaging_product` whatsapp, a contact and a message id; returns the message id."""
        self.ok_status(response)
        if not isinstance(response.body, Mapping):
            raise self.fail("expected a JSON object body", self._shown(response))
        if response.body.get("messaging_product") != "whatsapp":
            raise self.fail("expected messaging_product 'whatsapp' in the send response", response.body)
        self._first(response, "contacts")
        return self.message_id(response)

    def _first(self, response: _Response, key: str) -> Mapping[str, Any]:
        """`body[key][0]` of a send response, which must be an object."""
        items = response.body.get(key) if isinstance(response.body, Mapping) else None
        if not (isinstance(items, list) and items and isinstance(items[0], Mapping)):
            raise self.fail(f"expected `{key}[0]` in the send response", self._shown(response))
        return items[0]

    def error_body(self, response: _Response) -> None:
        """A JSON object that carries `error` or `detail`: an error answer, whatever its envelope."""
        self.rejected(response)
        if not (isinstance(response.body, Mapping) and ({"error", "detail"} & set(response.body))):
            raise self.fail("expected a JSON error body with `error` or `detail`", self._shown(response))

    def rejected(self, response: _Response) -> None:
        """An error must be an HTTP client error: every source gives 4xx for these errors (CONTRACT §2, §6)."""
        if not 400 <= response.status < 500:
            raise self.fail(
                f"expected the request to be rejected (HTTP 4xx), got HTTP {response.status}", self._shown(response)
            )

    def graph_error(self, response: _Response) -> Mapping[str, Any]:
        """The Graph error object, wherever the envelope puts it (`detail.error` or `error`)."""
        body = response.body
        if isinstance(body, Mapping):
            detail = body.get("detail")
            if isinstance(detail, Mapping) and isinstance(detail.get("error"), Mapping):
                return detail["error"]  # type: ignore[no-any-return]
            if isinstance(body.get("error"), Mapping):
                return body["error"]  # type: ignore[no-any-return]
        raise self.fail("expected a Graph error object under `detail.error` or `error`", self._shown(response))

    def error_code(self, response: _Response, code: int) -> None:
        error = self.graph_error(response)
        if error.get("code") != code:
            raise self.fail(f"expected error code {code}, got {error.get('code')!r}", response.body)

    def error_message_starts(self, response: _Response, prefix: str) -> None:
        message = self.graph_error(response).get("message")
        if not isinstance(message, str) or not message.startswith(prefix):
            raise self.fail(f"expected the error message to start with {prefix!r}", response.body)

    def error_details(self, response: _Response, details: str) -> None:
        error = self.graph_error(response)
        error_data = error.get("error_data")
        actual = error_data.get("details") if isinstance(error_data, Mapping) else None
        if actual != details:
            raise self.fail(f"expected error details {details!r}, got {actual!r}", response.body)

    def wrapped_in(self, response: _Response, wrapper: str) -> None:
        body = response.body
        if not (
            isinstance(body, Mapping)
            and isinstance(body.get(wrapper), Mapping)
            and isinstance(body[wrapper].get("error"), Mapping)
        ):
            raise self.fail(f"expected the error object to be wrapped as {{{wrapper!r}: {{'error': …}}}}", body)

    def body_equals(self, response: _Response, expected: Any) -> None:
        if response.body != expected:
            raise self.fail(f"expected the body {json.dumps(expected)}", self._shown(response))

    def message_id(self, response: _Response) -> str:
        message_id = self._first(response, "messages").get("id")
        if not isinstance(message_id, str) or not message_id.startswith("wamid."):
            raise self.fail(f"expected a message id starting with 'wamid.', got {message_id!r}", response.body)
        return message_id

    def recipient_echoed(self, response: _Response, sent_to: str) -> list[Match]:
        """`contacts[0].input` echoes the number sent and a phone recipient gets its `wa_id`, both compared as
        WhatsApp compares numbers (CONTRACT §5, §8: `wa_id` may differ for Brazil and Mexico); returns the matches."""
        contact = self._first(response, "contacts")
        echoed = self._number_match(contact.get("input"), sent_to)
        if echoed is None:
            raise self.fail("expected `contacts[0].input` to echo the recipient as sent", response.body)
        wa_id = contact.get("wa_id")
        if not isinstance(wa_id, str) or not wa_id:
            raise self.fail("expected `contacts[0].wa_id` for a phone-number recipient", response.body)
        identified = self._number_match(wa_id, sent_to)
        if identified is None:
            raise self.fail("expected `contacts[0].wa_id` to be the recipient's WhatsApp id", response.body)
        return [echoed, identified]

    def message_id_prefix(self, response: _Response, prefix: str) -> None:
        message_id = self.message_id(response)
        if not message_id.startswith(prefix):
            raise self.fail(f"expected the message id to start with {prefix!r}, got {message_id!r}")

    def same_number(
        self,
        actual: Any,
        expected: str,
        what: str,
        *,
        user_id: Any = None,
        contacts: Iterable[Mapping[str, Any]] = (),
    ) -> Match:
        """`actual` is the test recipient as WhatsApp compares numbers ("+", punctuation, Brazil's ninth digit,
        Mexico's mobile 1); with no number, `user_id` is matched through the notification's `contacts`."""
        match, compared = same_person(actual, user_id, expected, contacts)
        if match is None and isinstance(actual, str) and actual:
            match = self._number_match(actual, expected)
        if match is None:
            shown = actual if isinstance(actual, str) and actual else user_id
            raise self.fail(f"expected {what} to be the test recipient ({compared}), got {shown!r}")
        return match

    def _number_match(self, actual: Any, expected: str) -> Match | None:
        """Compared as sent, else through the redaction layer, so a replayed pseudonym equals the live number."""
        direct = compare(actual, expected)
        if direct is not None or not isinstance(actual, str):
            return direct
        return compare(self.redact_json({"wa_id": actual})["wa_id"], self.redact_json({"wa_id": expected})["wa_id"])

    def reported_url(self, response: _Response, expected: str) -> None:
        """The webhook URL read back is the one set: under `url`, at the top level or one level down."""
        body = response.body
        candidates = []
        if isinstance(body, Mapping):
            candidates.append(body.get("url"))
            candidates += [value.get("url") for value in body.values() if isinstance(value, Mapping)]
        if expected not in candidates:
            raise self.fail(f"expected the webhook URL {expected!r} in the response", self._shown(response))

    def template_listed(self, response: _Response, name: str, category: str) -> Mapping[str, Any]:
        self.ok_status(response)
        body = response.body if isinstance(response.body, Mapping) else {}
        templates = body.get("waba_templates", body.get("data", []))
        for template in templates if isinstance(templates, list) else []:
            if isinstance(template, Mapping) and template.get("name") == name:
                if str(template.get("category", "")).upper() != category.upper():
                    raise self.fail(f"expected template {name!r} with category {category!r}", template)
                return template
        raise self.fail(f"expected template {name!r} in the template list", self._shown(response))

    def same_shape(self, first: Any, second: Any) -> list[str]:
        """Same keys at every level and values of the same JSON type, apart from fields the contract documents as
        optional in a send response (CONTRACT §5: `message_status`, `group_id`) and fields it does not document
        at all (new fields roll out unannounced); returns the paths only one response has, for an observation."""
        if _only_documented(shape_of(first)) != _only_documented(shape_of(second)):
            raise self.fail(
                "expected both responses to have the same shape", {"first": shape_of(first), "second": shape_of(second)}
            )
        return sorted(_loose_paths(shape_of(first)) ^ _loose_paths(shape_of(second)))

    def differ_only_in_url(self, first: Exchange, second: Exchange) -> None:
        """Same method, body, key and content type; another URL (the guide: "only the URL must be changed")."""
        if first.url == second.url:
            raise self.fail(f"expected two different URLs, both were {first.url}")
        if first.method != second.method:
            raise self.fail(f"expected the same method, got {first.method} and {second.method}")
        if first.request_body != second.request_body:
            raise self.fail(
                "expected the same request body", {"first": first.request_body, "second": second.request_body}
            )
        if _auth_headers(first.request_headers) != _auth_headers(second.request_headers):
            raise self.fail("expected the same D360-API-KEY and Content-Type headers")

    def path_ends_with(self, exchange: Exchange, suffix: str) -> None:
        path = urlsplit(exchange.url).path
        if not path.endswith(suffix):
            raise self.fail(f"expected the request path to end in {suffix!r}, it was {path!r}")

    def observed_error_code(self, response: _Response) -> str:
        """The error code as found, for an observation (never raises)."""
        try:
            return f"code {self.graph_error(response).get('code')!r}"
        except ConformanceError:
            return f"no Graph error object (body {self.rendered(response)})"

    def rendered(self, response: _Response) -> str:
        shown = self.redact_json(self._shown(response))
        text = json.dumps(shown, sort_keys=True, ensure_ascii=False) if not isinstance(shown, str) else shown
        return text if len(text) <= 600 else text[:600] + " …"

    # --- webhooks --------------------------------------------------------------------------------------------

    def status_progression(self, statuses: Sequence[Mapping[str, Any]], expected: Sequence[str]) -> list[str]:
        """Each expected status arrived (`delivered` may be skipped when `read` stands for it, CONTRACT §7.1) and no
        timestamp contradicts the progression; arrival order and duplicates are not judged (webhooks are retried
        and not ordered). Returns the remarks worth recording."""
        found = progression(statuses, expected)
        if found.missing:
            arrived = ", ".join(found.arrived) or "none"
            raise self.fail(
                f"expected statuses {', '.join(expected)}; missing {', '.join(found.missing)} (arrived: {arrived})"
            )
        if found.contradictions:
            raise self.fail(
                f"the status timestamps contradict the progression {' -> '.join(RANK)}: "
                + "; ".join(str(c) for c in found.contradictions)
            )
        return found.remarks()

    def some_priced(self, statuses: Iterable[Mapping[str, Any]]) -> None:
        if not any(isinstance(s.get("pricing"), Mapping) for s in statuses):
            raise self.fail("expected at least one status with a `pricing` object (CONTRACT §7.1)")

    def not_failed(self, statuses: Iterable[Mapping[str, Any]]) -> None:
        failed = [s for s in statuses if s.get("status") == "failed"]
        if failed:
            raise self.fail("the message failed", failed[0].get("errors"))

    def pricing_category(self, statuses: Iterable[Mapping[str, Any]], category: str) -> int:
        """Every status that carries pricing names `category`; returns how many carried it."""
        priced = [s for s in statuses if isinstance(s.get("pricing"), Mapping)]
        wrong = [s["pricing"].get("category") for s in priced if s["pricing"].get("category") != category]
        if wrong:
            raise self.fail(f"expected pricing.category {category!r} on every priced status, got {wrong!r}")
        return len(priced)


def _auth_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() in {"d360-api-key", "content-type"}}


#: every field CONTRACT §5 documents as always present in a send response; the optional ones (`message_status`,
#: `group_id`) and undocumented new ones are judged by no shape comparison
DOCUMENTED_SEND_FIELDS = frozenset({"messaging_product", "contacts", "messages", "input", "wa_id", "user_id", "id"})


def _only_documented(shape: Any) -> Any:
    """The shape without optional or undocumented fields: what two send responses must share."""
    if isinstance(shape, dict):
        return {k: _only_documented(v) for k, v in shape.items() if k in DOCUMENTED_SEND_FIELDS}
    if isinstance(shape, list):
        return [_only_documented(v) for v in shape]
    return shape


def _loose_paths(shape: Any, path: str = "$") -> set[str]:
    """The paths of optional and undocumented fields, which one response may have and the other not."""
    found: set[str] = set()
    if isinstance(shape, dict):
        for key, value in shape.items():
            here = f"{path}.{key}"
            found |= {here} if key not in DOCUMENTED_SEND_FIELDS else _loose_paths(value, here)
    elif isinstance(shape, list):
        for value in shape:
            found |= _loose_paths(value, f"{path}[]")
    return found


def shape_of(value: Any) -> Any:
    """The structure of a JSON value: object keys with their shapes, the shape of list items, the type name else."""
    if isinstance(value, Mapping):
        return {key: shape_of(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape_of(value[0])] if value else []
    return type(value).__name__
