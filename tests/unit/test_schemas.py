"""Unit tests of schemas/*.schema.json and of the schema registry that loads them."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from mmlite_conformance.suite.evidence import SchemaVerdict
from mmlite_conformance.suite.schemas import MAX_ERRORS, SchemaLoadError, SchemaRegistry, UnknownKindError
from tests.payloads import webhook
from tests.shared import EXAMPLES, META_OPENAPI, require_shared

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "schemas"
ID_PREFIX = "https://schemas.mmlite-conformance.dev/"

REQUIRED_KINDS = {
    "send-response",
    "error-graph",
    "error-wrapped",
    "error-api-key",
    "webhook-notification",
    "webhook-account-update",
    "send-request",
    "marketing-send-request",
    "webhook-config-request",
    "webhook-config-response",
    "template-create-request",
    "template",
    "template-create-response",
    "template-list",
}


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry.from_directory(SCHEMA_DIR)


def _assert_valid(registry: SchemaRegistry, kind: str, payload: Any) -> None:
    verdict = registry.validate(kind, payload)
    assert verdict.valid, verdict.summary()


def _assert_rejected(registry: SchemaRegistry, kind: str, payload: Any, path: str, fragment: str) -> None:
    """Rejected, with an error line that starts with the JSON path and explains the failure."""
    verdict = registry.validate(kind, payload)
    assert not verdict.valid, f"{kind} accepted {json.dumps(payload)[:300]}"
    assert any(line.startswith(f"{path}: ") and fragment in line for line in verdict.errors), verdict.errors


# --------------------------------------------------------------------------------------------------------------
# Placeholders in published examples
#
# Published examples write placeholders where a real value of a fixed form belongs ("<<waba id>", "WHATSAPP_ID",
# "{{Recipient-Phone-Number}}", Meta's masked "48XXXXXXXXX " with a trailing space, "http(s)://image-url").
# The schemas keep the real form (a wa_id is digits, a link is a URI, a template name is lowercase snake case),
# so the tests substitute a realistic value of that form, per field, instead of weakening the patterns.
# Only values that *look like* placeholders are replaced: every real value is still checked as published.
# --------------------------------------------------------------------------------------------------------------

#: placeholders written without brackets (360: "PHONE_NUMBER", "WHATSAPP_ID"; Meta: "template-name",
#: "language-and-locale-code", which are not a template name nor a language code as written)
_BARE_PLACEHOLDERS = {"PHONE_NUMBER", "WHATSAPP_ID", "template-name", "language-and-locale-code"}

#: field name -> realistic value of the form the schemas require for it
_REALISTIC: dict[str, Any] = {
    # a phone number / WhatsApp ID as a send request gives it
    "to": "16505551234",
    # a user's WhatsApp ID is digits; example 05 labels it "<<waba id>" (CONTRACT §10.16), Meta masks it as
    # "48XXXXXXXXX " or writes "<WHATSAPP_ID>"
    "wa_id": "16505551234",
    # Graph ids (entry.id, waba_info.*) are digit strings; examples 28-30 write "<BUSINESS_ID>", "<WABA_ID>", ...
    "id": "102290129340398",
    "waba_id": "102290129340398",
    "owner_business_id": "100000000000001",
    "ad_account_id": "200000000000002",
    # entry.time is epoch seconds; examples 28-30 write "<WEBHOOK_TIMESTAMP>"
    "time": 1757000000,
    # a template name is lowercase snake case; Meta writes "<TEMPLATE_NAME>", 360 "<template_name>"
    "name": "sample_template",
    # a language code; example 03 writes "<template_language_code>"
    "code": "en",
    # the message replied or reacted to is a wamid; Meta writes "<MSGID_OF_PREV_MSG>"
    "message_id": "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMAA=",
    # Meta writes "http(s)://image-url" (or "<http(s)://...>") for a media link: not a URI as written
    "link": "https://media.example.com/file.bin",
}


def _is_placeholder(value: object) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(
        re.fullmatch(r"<.*>|\{\{.*\}\}", text) or text in _BARE_PLACEHOLDERS or "XXX" in text or "http(s)://" in text
    )


def _fill_placeholders(payload: Any) -> Any:
    """A copy with every placeholder under a known field replaced by a realistic value (see _REALISTIC)."""
    if isinstance(payload, dict):
        return {
            key: _REALISTIC[key] if key in _REALISTIC and _is_placeholder(value) else _fill_placeholders(value)
            for key, value in payload.items()
        }
    if isinstance(payload, list):
        return [_fill_placeholders(item) for item in payload]
    return payload


# --------------------------------------------------------------------------------------------------------------
# The schema files themselves
# --------------------------------------------------------------------------------------------------------------

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.schema.json"))


def test_required_kinds_are_present(registry: SchemaRegistry) -> None:
    assert set(registry.kinds) >= REQUIRED_KINDS
    assert "common" not in registry.kinds, "common.schema.json only holds shared $defs: it is not a payload kind"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_file_is_valid_draft_2020_12_with_absolute_id(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == ID_PREFIX + path.name
    assert schema.get("title") and schema.get("description"), "every schema says what payload it describes"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for key, value in node.items():
            if key not in {"const", "enum"}:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_ref_resolves(registry: SchemaRegistry, path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    resolver = registry.registry.resolver(base_uri=schema["$id"])
    for ref in _refs(schema):
        assert not ref.startswith(("http://", "https://")) or ref.startswith(ID_PREFIX), ref
        resolver.lookup(ref)  # raises referencing.exceptions.Unresolvable


# --------------------------------------------------------------------------------------------------------------
# The shared contract examples
# --------------------------------------------------------------------------------------------------------------

#: example file -> the kinds it must validate against
EXAMPLE_KINDS: dict[str, tuple[str, ...]] = {
    "01_360_mmlite_send_request_beta.json": ("marketing-send-request", "send-request"),
    "02_360_mmlite_send_request_client_docs.json": ("marketing-send-request", "send-request"),
    "03_360_cloudapi_marketing_template_request.json": ("send-request",),
    "04_360_cloudapi_text_request.json": ("send-request",),
    "05_360_mmlite_send_success_response.json": ("send-response",),
    "06_360_template_send_success_response.json": ("send-response",),
    "07_360_mm_error_100_non_template.json": ("error-wrapped",),
    "08_360_mm_error_131055_non_marketing_template.json": ("error-wrapped",),
    "09_360_mmlite_error_terms_not_accepted_alpha.json": ("error-wrapped",),
    "10_360_error_invalid_api_token.json": ("error-api-key",),
    "11_meta_mm_error_100_non_template.json": ("error-graph",),
    "12_meta_cloud_error_130429_rate_limit.json": ("error-graph",),
    "13_meta_mm_error_131062_bsuid_not_supported.json": ("error-graph",),
    "14_meta_cloud_error_131063_marketing_disabled_on_cloud.json": ("error-graph",),
    "15_meta_mm_error_100_to_required.json": ("error-graph",),
    "16_meta_mm_send_request_reference.json": ("marketing-send-request", "send-request"),
    "17_meta_mm_send_response_reference_example.json": ("send-response",),
    "18_meta_mm_send_response_phone.json": ("send-response",),
    "19_meta_mm_send_response_bsuid.json": ("send-response",),
    "20_meta_text_send_request.json": ("send-request",),
    "21_meta_text_send_response.json": ("send-response",),
    "22_meta_webhook_inbound_text.json": ("webhook-notification",),
    "23_meta_webhook_status_sent_marketing.json": ("webhook-notification",),
    "24_meta_webhook_status_v24_without_conversation_pricing.json": ("webhook-notification",),
    "25_meta_webhook_status_failed_131049.json": ("webhook-notification",),
    "27_meta_webhook_errors_130429.json": ("webhook-notification",),
    "28_360_webhook_account_update_mm_lite_terms_signed.json": ("webhook-account-update", "webhook-notification"),
    "29_meta_webhook_account_update_mm_lite_terms_signed.json": ("webhook-account-update", "webhook-notification"),
    "30_meta_webhook_account_update_ad_account_linked_legacy.json": ("webhook-account-update", "webhook-notification"),
    "31_meta_template_create_marketing_with_ttl_request.json": ("template-create-request",),
    "32_meta_template_create_response.json": ("template-create-response",),
    "39_360_sandbox_set_webhook_request.json": ("webhook-config-request",),
}

#: example file -> why it is not validated as a whole payload
SKIPPED_EXAMPLES: dict[str, str] = {
    "26_meta_webhook_status_mm_pricing_fragment.json": (
        "a fragment of a statuses[] item (conversation + pricing only), not a payload; "
        "test_mm_pricing_fragment_fits_a_status checks it inside a status"
    ),
    "33_meta_waba_mm_onboarding_status_response.json": "Graph GET /<WABA_ID>?fields=...: not on 360dialog's surface",
    "34_meta_business_mm_onboarding_status_response.json": "Graph business onboarding status: not on 360's surface",
    "35_meta_client_wabas_eligible_response.json": "Graph client_whatsapp_business_accounts: not on 360's surface",
    "36_meta_disable_mm_on_cloud_request.json": "Graph POST /<WABA_ID> setting: not on 360dialog's surface",
    "37_meta_disable_mm_on_cloud_response.json": "Graph POST /<WABA_ID> answer: not on 360dialog's surface",
    "38_meta_disable_mm_on_cloud_get_response.json": "Graph GET /<WABA_ID>?fields=...: not on 360dialog's surface",
}

#: fixes that are not placeholders: documented contradictions in an example, with the reason
EXAMPLE_FIXUPS: dict[str, tuple[str, Any, str]] = {
    "31_meta_template_create_marketing_with_ttl_request.json": (
        "message_send_ttl_seconds",
        43200,
        # Meta's own TTL example sets 120 s on a MARKETING template, below the 43200 s minimum the same page
        # states (CONTRACT §4.4): the schema follows the stated range; test_marketing_ttl_120_is_rejected
        # checks that the published value is rejected.
        "published 120 contradicts the documented marketing range",
    ),
}


def _example(name: str) -> Any:
    return json.loads((require_shared(EXAMPLES) / name).read_text(encoding="utf-8"))


def test_every_shared_example_is_classified() -> None:
    present = {path.name for path in require_shared(EXAMPLES).glob("*.json")}
    assert not set(EXAMPLE_KINDS) & set(SKIPPED_EXAMPLES)
    assert present == set(EXAMPLE_KINDS) | set(SKIPPED_EXAMPLES), "a new or renamed example needs a kind or a reason"


@pytest.mark.parametrize(
    ("name", "kind"),
    [(name, kind) for name, kinds in EXAMPLE_KINDS.items() for kind in kinds],
    ids=lambda value: str(value)[:40],
)
def test_shared_example_validates(registry: SchemaRegistry, name: str, kind: str) -> None:
    payload = _fill_placeholders(_example(name))
    if name in EXAMPLE_FIXUPS:
        key, value, _reason = EXAMPLE_FIXUPS[name]
        payload[key] = value
    _assert_valid(registry, kind, payload)


@pytest.mark.parametrize("name", sorted(SKIPPED_EXAMPLES))
def test_shared_example_skipped(name: str) -> None:
    pytest.skip(SKIPPED_EXAMPLES[name])


def test_placeholders_are_not_accepted_as_published(registry: SchemaRegistry) -> None:
    """The substitution is needed: as published, example 05's wa_id "<<waba id>" is not a WhatsApp ID."""
    _assert_rejected(
        registry, "send-response", _example("05_360_mmlite_send_success_response.json"), "$.contacts[0].wa_id", "match"
    )


def test_marketing_ttl_120_is_rejected(registry: SchemaRegistry) -> None:
    payload = _example("31_meta_template_create_marketing_with_ttl_request.json")
    _assert_rejected(registry, "template-create-request", payload, "$.message_send_ttl_seconds", "43200")


def test_mm_pricing_fragment_fits_a_status(registry: SchemaRegistry) -> None:
    fragment = _example("26_meta_webhook_status_mm_pricing_fragment.json")
    status = {**_status("sent"), **fragment}
    _assert_valid(registry, "webhook-notification", webhook({"statuses": [status]}))
    assert status["pricing"]["category"] == "marketing_lite"


def test_error_envelopes_do_not_cross(registry: SchemaRegistry) -> None:
    wrapped = _example("07_360_mm_error_100_non_template.json")
    graph = _example("11_meta_mm_error_100_non_template.json")
    flat = _example("10_360_error_invalid_api_token.json")
    _assert_rejected(registry, "error-graph", wrapped, "$", "'error' is a required property")
    _assert_rejected(registry, "error-graph", flat, "$.error", "is not of type 'object'")
    _assert_rejected(registry, "error-wrapped", graph, "$", "'detail' is a required property")
    _assert_rejected(registry, "error-api-key", graph, "$.error", "is not of type 'string'")


# --------------------------------------------------------------------------------------------------------------
# Examples of Meta's OpenAPI description (loaded once: 1 MB of YAML)
# --------------------------------------------------------------------------------------------------------------

_MESSAGES = "/{Version}/{Phone-Number-ID}/messages"
_MARKETING = "/{Version}/{Phone-Number-ID}/marketing_messages"
_TEMPLATES = "/{Version}/{WABA-ID}/message_templates"
_TEMPLATE = "/{Version}/{TEMPLATE_ID}"
_WEBHOOKS = "/whatsapp/webhooks"
#: the mark-as-read / typing-indicator call shares the /messages path but is another payload (and answers
#: {"success": true}): not a send
_NOT_A_SEND = "Send typing indicator and read receipt"


def _type_omitted_with_interactive(payload: dict[str, Any]) -> None:
    # Meta's "Send Reply to List Message" carries an interactive object but no type; an omitted type means text
    # (Meta: "If omitted, defaults to text"), so as published it is a text message without text. The schema keeps
    # that rule; the example gets the type its object says.
    payload["type"] = "interactive"


#: (path, example name) -> a documented repair, applied after placeholder substitution
_META_FIXUPS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    (_MESSAGES, "Send Reply to List Message"): _type_omitted_with_interactive,
}


@cache
def _openapi() -> dict[str, Any]:
    with META_OPENAPI.open(encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return document


def _named_examples(content: dict[str, Any] | None) -> Iterator[tuple[str, Any]]:
    media = (content or {}).get("application/json") or {}
    for name, example in (media.get("examples") or {}).items():
        if isinstance(example, dict) and "value" in example:
            yield name, example["value"]


def _meta_cases() -> list[Any]:
    if not META_OPENAPI.is_file():
        # one test that skips, or fails under MMLITE_REQUIRE_SHARED=1, when it runs
        return [pytest.param("", "", "", None, id="meta-openapi-absent")]
    paths = _openapi()["paths"]
    cases: list[tuple[str, str, str, Any]] = []

    def add(path: str, name: str, kind: str, value: Any) -> None:
        value = _fill_placeholders(copy.deepcopy(value))
        if (path, name) in _META_FIXUPS:
            _META_FIXUPS[(path, name)](value)
        cases.append((kind, path, name, value))

    operation = paths[_MARKETING]["post"]
    for name, value in _named_examples(operation["requestBody"]["content"]):
        add(_MARKETING, name, "marketing-send-request", value)
    for name, value in _named_examples(operation["responses"]["200"]["content"]):
        add(_MARKETING, name, "send-response", value)
    operation = paths[_MESSAGES]["post"]
    for name, value in _named_examples(operation["requestBody"]["content"]):
        if name != _NOT_A_SEND:
            add(_MESSAGES, name, "send-request", value)
    for name, value in _named_examples(operation["responses"]["200"]["content"]):
        if name != _NOT_A_SEND:
            add(_MESSAGES, name, "send-response", value)
    for name, value in _named_examples(paths[_WEBHOOKS]["post"]["requestBody"]["content"]):
        add(_WEBHOOKS, name, "webhook-notification", value)
    operation = paths[_TEMPLATES]["post"]
    for name, value in _named_examples(operation["requestBody"]["content"]):
        add(_TEMPLATES, name, "template-create-request", value)
    for name, value in _named_examples(operation["responses"]["200"]["content"]):
        add(_TEMPLATES, name, "template-create-response", value)
    # Meta lists templates under data[] (360dialog under waba_templates[]): each item is one template
    for name, value in _named_examples(paths[_TEMPLATES]["get"]["responses"]["200"]["content"]):
        for index, item in enumerate(value["data"]):
            add(_TEMPLATES, f"{name} data[{index}]", "template", item)
    for name, value in _named_examples(paths[_TEMPLATE]["get"]["responses"]["200"]["content"]):
        add(_TEMPLATE, name, "template", value)
    # every Graph error example of every operation (and of the shared responses), once per distinct body
    seen: set[str] = set()
    responses = [("components", code, response) for code, response in _openapi()["components"]["responses"].items()]
    for path, item in paths.items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                for code, response in (operation.get("responses") or {}).items():
                    responses.append((f"{method.upper()} {path}", code, response))
    for where, code, response in responses:
        for name, value in _named_examples(response.get("content")):
            key = json.dumps(value, sort_keys=True)
            if isinstance(value, dict) and isinstance(value.get("error"), dict) and key not in seen:
                seen.add(key)
                add(where, f"{code} {name}", "error-graph", value)
    return [
        pytest.param(kind, path, name, value, id=f"{index:03d}-{kind}:{name}"[:70])
        for index, (kind, path, name, value) in enumerate(cases)
    ]


@pytest.mark.parametrize(("kind", "path", "name", "value"), _meta_cases())
def test_meta_openapi_example_validates(registry: SchemaRegistry, kind: str, path: str, name: str, value: Any) -> None:
    require_shared(META_OPENAPI)
    _assert_valid(registry, kind, value)


def test_meta_openapi_examples_cover_every_kind_they_can() -> None:
    require_shared(META_OPENAPI)
    kinds = {param.values[0] for param in _meta_cases()}
    assert kinds >= {
        "marketing-send-request",
        "send-request",
        "send-response",
        "webhook-notification",
        "template-create-request",
        "template-create-response",
        "template",
        "error-graph",
    }


# --------------------------------------------------------------------------------------------------------------
# Our own payloads: builders
# --------------------------------------------------------------------------------------------------------------

_WAMID = "wamid.HBgLMTU1NTAxMjM0NTYVAgARGBI5QjZGMDAwMDAwMDAwMDAwMDAA"


def _builder(base: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """A builder of a valid payload: each call returns a fresh copy of `base` with some top-level fields replaced."""

    def build(**overrides: Any) -> dict[str, Any]:
        return {**copy.deepcopy(base), **overrides}

    return build


_send_response = _builder(
    {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+55 11 90000-0001", "wa_id": "5511900000001"}],
        "messages": [{"id": _WAMID}],
    }
)

_graph_error = _builder(
    {
        "message": "(#131009) Parameter value is not valid",
        "type": "OAuthException",
        "code": 131009,
        "error_data": {"messaging_product": "whatsapp", "details": "Template is still syncing."},
        "fbtrace_id": "AbCdEf0123456789",
    }
)


def _status(status: str, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": _WAMID, "status": status, "timestamp": "1760000000", "recipient_id": "5511900000001"}
    item.update(overrides)
    return item


def _inbound(kind: str, **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"from": "5511900000001", "id": _WAMID, "timestamp": "1760000000", "type": kind}
    message.update(fields)
    return message


#: business-scoped user ids (BSUIDs): a two-letter country code, a dot and an alphanumeric id; a parent BSUID has an
#: ENT segment (examples from third-party summaries of Meta's "Business-scoped user IDs" page, Mar 2026)
_BSUID = "BR.1502576394655843"
_PARENT_BSUID = "US.ENT.11815799212886844830"


def _without(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A copy without the given keys (a BSUID-only webhook omits the phone-number fields from/recipient_id/wa_id)."""
    return {k: v for k, v in payload.items() if k not in keys}


def _terms_signed(**value_overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "event": "MM_LITE_TERMS_SIGNED",
        "waba_info": {"owner_business_id": "111111111111111", "waba_id": "987654321098765"},
    }
    value.update(value_overrides)
    body = webhook(value, field="account_update")
    body["entry"][0]["time"] = 1760000000
    return body


_send_request = _builder(
    {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511900000001",
        "type": "text",
        "text": {"body": "Olá!"},
    }
)

_mm_request = _builder(
    {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511900000001",
        "type": "template",
        "template": {"name": "spring_offer", "language": {"code": "pt_BR", "policy": "deterministic"}},
    }
)

_template = _builder(
    {
        "id": "1234567890",
        "name": "spring_offer",
        "language": "pt_BR",
        "category": "MARKETING",
        "status": "APPROVED",
        "components": [{"type": "BODY", "text": "Oferta de primavera!"}],
    }
)

_template_create = _builder(
    {
        "name": "spring_offer",
        "category": "MARKETING",
        "language": "pt_BR",
        "components": [{"type": "BODY", "text": "Oferta de primavera!"}],
    }
)


# --------------------------------------------------------------------------------------------------------------
# Negative cases: what the contract rules out is rejected, with a readable path
# --------------------------------------------------------------------------------------------------------------

#: the JSON path of the value of the first change of a webhook
V = "$.entry[0].changes[0].value"


def _webhook_case(name: str, value: dict[str, Any], path: str, fragment: str) -> tuple[str, Any, str, str]:
    """A negative case of a `messages` webhook whose first change holds `value`; `path` is below that value."""
    return name, webhook(value), V + path, fragment


#: kind -> (id, payload, path of the error line, fragment of its message)
NEGATIVE_CASES: dict[str, list[tuple[str, Any, str, str]]] = {
    "send-response": [
        (
            "no messaging_product",
            _without(_send_response(), "messaging_product"),
            "$",
            "'messaging_product' is a required",
        ),
        ("product not whatsapp", _send_response(messaging_product="sms"), "$.messaging_product", "was expected"),
        ("id not a wamid", _send_response(messages=[{"id": "gBGGSFcCNEOPAgkO"}]), "$.messages[0].id", "does not match"),
        ("no messages", _send_response(messages=[]), "$.messages", "should be non-empty"),
        (
            "contact without wa_id/user_id",
            _send_response(contacts=[{"input": "1"}]),
            "$.contacts[0]",
            "'wa_id' is a required",
        ),
        (
            "wa_id with plus",
            _send_response(contacts=[{"input": "1", "wa_id": "+5511900000001"}]),
            "$.contacts[0].wa_id",
            "does not match",
        ),
        (
            "message_status unknown",
            _send_response(messages=[{"id": _WAMID, "message_status": "queued"}]),
            "$.messages[0].message_status",
            "is not one of",
        ),
    ],
    "error-graph": [
        ("error code as string", {"error": _graph_error(code="131009")}, "$.error.code", "is not of type 'integer'"),
        ("error without message", {"error": _without(_graph_error(), "message")}, "$.error", "'message' is a required"),
        (
            "error_data product",
            {"error": _graph_error(error_data={"messaging_product": "sms"})},
            "$.error.error_data.messaging_product",
            "was expected",
        ),
    ],
    "error-wrapped": [
        ("wrapped without detail", {"error": _graph_error()}, "$", "'detail' is a required property"),
        ("wrapped detail without error", {"detail": _graph_error()}, "$.detail", "'error' is a required"),
        (
            "wrapped code as string",
            {"detail": {"error": _graph_error(code="100")}},
            "$.detail.error.code",
            "is not of type 'integer'",
        ),
    ],
    "error-api-key": [
        ("api-key error as object", {"error": {"message": "Invalid api token."}}, "$.error", "is not of type 'string'"),
    ],
    "webhook-notification": [
        _webhook_case("status unknown", {"statuses": [_status("queued")]}, ".statuses[0].status", "is not one of"),
        _webhook_case(
            "failed without errors", {"statuses": [_status("failed")]}, ".statuses[0]", "'errors' is a required"
        ),
        _webhook_case(
            "failed with no error",
            {"statuses": [_status("failed", errors=[])]},
            ".statuses[0].errors",
            "should be non-empty",
        ),
        _webhook_case(
            "status error code string",
            {"statuses": [_status("failed", errors=[{"code": "131049", "title": "x"}])]},
            ".statuses[0].errors[0].code",
            "is not of type",
        ),
        _webhook_case(
            "status timestamp int",
            {"statuses": [_status("sent", timestamp=1760000000)]},
            ".statuses[0].timestamp",
            "is not of type 'string'",
        ),
        _webhook_case(
            "status id not wamid",
            {"statuses": [_status("read", id="ABGGFlA5FpafAgo")]},
            ".statuses[0].id",
            "does not match",
        ),
        _webhook_case(
            "pricing without category",
            {"statuses": [_status("sent", pricing={"billable": True})]},
            ".statuses[0].pricing",
            "'category' is a required",
        ),
        _webhook_case(
            "conversation without origin",
            {"statuses": [_status("sent", conversation={"id": "c1"})]},
            ".statuses[0].conversation",
            "'origin' is a required",
        ),
        ("other object", {**webhook({}), "object": "page"}, "$.object", "was expected"),
        (
            "no metadata",
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp"}}]}],
            },
            V,
            "'metadata' is a required",
        ),
        _webhook_case(
            "text without body", {"messages": [_inbound("text", text={})]}, ".messages[0].text", "'body' is a required"
        ),
        _webhook_case("text without text", {"messages": [_inbound("text")]}, ".messages[0]", "'text' is a required"),
        _webhook_case(
            "image without image", {"messages": [_inbound("image")]}, ".messages[0]", "'image' is a required"
        ),
        _webhook_case(
            "inbound without from",
            {"messages": [{k: v for k, v in _inbound("text", text={"body": "hi"}).items() if k != "from"}]},
            ".messages[0]",
            "'from' is a required",
        ),
        _webhook_case(
            "inbound without from or from_user_id",
            {"messages": [_without(_inbound("text", text={"body": "hi"}), "from")]},
            ".messages[0]",
            "'from_user_id' is a required",
        ),
        _webhook_case(
            "from_user_id digits only",
            {"messages": [_without(_inbound("text", text={"body": "hi"}, from_user_id="12345"), "from")]},
            ".messages[0].from_user_id",
            "does not match",
        ),
        _webhook_case(
            "from_user_id three-letter country",
            {"messages": [_inbound("text", text={"body": "hi"}, from_user_id="BRA.123")]},
            ".messages[0].from_user_id",
            "does not match",
        ),
        _webhook_case(
            "from with plus beside from_user_id",
            {"messages": [{**_inbound("text", text={"body": "hi"}, from_user_id=_BSUID), "from": "+5511900000001"}]},
            ".messages[0].from",
            "does not match",
        ),
        _webhook_case(
            "from_parent_user_id not a BSUID",
            {"messages": [_inbound("text", text={"body": "hi"}, from_parent_user_id="ENT.1")]},
            ".messages[0].from_parent_user_id",
            "does not match",
        ),
        _webhook_case(
            "BSUID sender without profile name",
            {
                "contacts": [{"profile": {"username": "ana.silva"}, "user_id": _BSUID}],
                "messages": [_without(_inbound("text", text={"body": "hi"}, from_user_id=_BSUID), "from")],
            },
            ".contacts[0].profile",
            "'name' is a required",
        ),
        _webhook_case(
            "contact parent_user_id not a BSUID",
            {
                "contacts": [{"profile": {"name": "Ana"}, "user_id": _BSUID, "parent_user_id": "11815799212886844830"}],
                "messages": [_inbound("text", text={"body": "hi"})],
            },
            ".contacts[0].parent_user_id",
            "does not match",
        ),
        _webhook_case(
            "status without recipient_id or recipient_user_id",
            {"statuses": [_without(_status("delivered"), "recipient_id")]},
            ".statuses[0]",
            "'recipient_user_id' is a required",
        ),
        _webhook_case(
            "recipient_user_id digits only",
            {"statuses": [_without(_status("sent", recipient_user_id="12345"), "recipient_id")]},
            ".statuses[0].recipient_user_id",
            "does not match",
        ),
        _webhook_case(
            "recipient_user_id three-letter country",
            {"statuses": [_status("read", recipient_user_id="BRA.123")]},
            ".statuses[0].recipient_user_id",
            "does not match",
        ),
        _webhook_case(
            "recipient_parent_user_id not a BSUID",
            {"statuses": [_status("read", recipient_user_id=_BSUID, recipient_parent_user_id="us.ENT.1")]},
            ".statuses[0].recipient_parent_user_id",
            "does not match",
        ),
        _webhook_case(
            "status contact without wa_id/user_id",
            {"statuses": [_status("delivered", recipient_user_id=_BSUID)], "contacts": [{"profile": {}}]},
            ".contacts[0]",
            "'user_id' is a required",
        ),
        _webhook_case(
            "status contact username not a string",
            {"statuses": [_status("read")], "contacts": [{"profile": {"username": 7}, "user_id": _BSUID}]},
            ".contacts[0].profile.username",
            "is not of type 'string'",
        ),
        (
            "terms signed without waba_info",
            webhook({"event": "MM_LITE_TERMS_SIGNED"}, field="account_update"),
            V,
            "'waba_info' is a required",
        ),
    ],
    "webhook-account-update": [
        (
            "terms signed without waba_info (own kind)",
            webhook({"event": "MM_LITE_TERMS_SIGNED"}, field="account_update"),
            V,
            "'waba_info' is a required",
        ),
        (
            "ad account linked without ad_account_id",
            _terms_signed(event="AD_ACCOUNT_LINKED"),
            V + ".waba_info",
            "'ad_account_id' is a required",
        ),
        ("account update of other field", webhook({"statuses": []}), "$.entry[0].changes[0].field", "was expected"),
        (
            "entry time not digits",
            {**_terms_signed(), "entry": [{**_terms_signed()["entry"][0], "time": "yesterday"}]},
            "$.entry[0].time",
            "does not match",
        ),
    ],
    "send-request": [
        ("text body > 4096", _send_request(text={"body": "x" * 4097}), "$.text.body", "is too long"),
        ("empty text body", _send_request(text={"body": ""}), "$.text.body", "should be non-empty"),
        (
            "request without messaging_product",
            _without(_send_request(), "messaging_product"),
            "$",
            "'messaging_product' is a required",
        ),
        ("request without to or recipient", _without(_send_request(), "to"), "$", "'to' is a required"),
        (
            "type omitted without text",
            _without(_send_request(image={"id": "1"}), "type", "text"),
            "$",
            "'text' is a required",
        ),
        (
            "template type without template",
            _without(_send_request(type="template"), "text"),
            "$",
            "'template' is a required",
        ),
        (
            "template without language code",
            _send_request(type="template", template={"name": "a", "language": {}}),
            "$.template.language",
            "'code' is a required",
        ),
        (
            "language policy unknown",
            _send_request(type="template", template={"name": "a", "language": {"code": "en", "policy": "fallback"}}),
            "$.template.language.policy",
            "was expected",
        ),
        ("recipient_type unknown", _send_request(recipient_type="broadcast"), "$.recipient_type", "is not one of"),
        ("to not a phone number", _send_request(to="alice"), "$.to", "does not match"),
        (
            "media without id or link",
            _send_request(type="image", image={"caption": "x"}),
            "$.image",
            "'id' is a required",
        ),
        (
            "media link not a URI",
            _send_request(type="image", image={"link": "not a uri"}),
            "$.image.link",
            "is not a 'uri'",
        ),
    ],
    "marketing-send-request": [
        ("MM request of type text", _mm_request(type="text", text={"body": "hi"}), "$.type", "was expected"),
        (
            "MM request to a group",
            _mm_request(recipient_type="group", to="Y2FwaV9ncm91cA"),
            "$.recipient_type",
            "was expected",
        ),
        (
            "MM request without recipient_type",
            _without(_mm_request(), "recipient_type"),
            "$",
            "'recipient_type' is a required",
        ),
        (
            "MM TTL below range",
            _mm_request(message_send_ttl_seconds=43199),
            "$.message_send_ttl_seconds",
            "less than the minimum",
        ),
        (
            "MM TTL above range",
            _mm_request(message_send_ttl_seconds=2592001),
            "$.message_send_ttl_seconds",
            "greater than the maximum",
        ),
        (
            "MM TTL as string",
            _mm_request(message_send_ttl_seconds="86400"),
            "$.message_send_ttl_seconds",
            "is not of type 'integer'",
        ),
        ("MM product_policy unknown", _mm_request(product_policy="LENIENT"), "$.product_policy", "is not one of"),
        (
            "MM activity sharing not bool",
            _mm_request(message_activity_sharing="yes"),
            "$.message_activity_sharing",
            "is not of type 'boolean'",
        ),
        (
            "MM template name with spaces",
            _mm_request(template={"name": "Spring Offer", "language": {"code": "en"}}),
            "$.template.name",
            "does not match",
        ),
    ],
    "webhook-config-request": [
        ("webhook url missing", {"headers": {"Authorization": "s"}}, "$", "'url' is a required"),
        ("webhook url not a URI", {"url": "https://bad host.example/hook"}, "$.url", "is not a 'uri'"),
        ("webhook url not http", {"url": "ftp://files.example.com/hook"}, "$.url", "does not match"),
        (
            "webhook header not string",
            {"url": "https://hooks.example.com/wa", "headers": {"X-Retry": 3}},
            "$.headers['X-Retry']",
            "is not of type 'string'",
        ),
    ],
    "webhook-config-response": [
        ("webhook config url not string", {"url": 42}, "$.url", "is not of type 'string'"),
        ("webhook config without url", {"headers": {}}, "$", "'url' is a required"),
    ],
    "template-create-request": [
        ("template name uppercase", _template_create(name="Spring_Offer"), "$.name", "does not match"),
        ("template name > 512", _template_create(name="a" * 513), "$.name", "is too long"),
        ("template category unknown", _template_create(category="PROMOTION"), "$.category", "is not one of"),
        ("template language not a code", _template_create(language="Portuguese"), "$.language", "does not match"),
        ("template without components", _without(_template_create(), "components"), "$", "'components' is a required"),
        (
            "marketing template TTL below range",
            _template_create(message_send_ttl_seconds=3600),
            "$.message_send_ttl_seconds",
            "less than the minimum",
        ),
        (
            "component without type",
            _template_create(components=[{"text": "x"}]),
            "$.components[0]",
            "'type' is a required",
        ),
    ],
    "template": [
        ("template without status", _without(_template(), "status"), "$", "'status' is a required"),
        (
            "template components not array",
            _template(components={"type": "BODY"}),
            "$.components",
            "is not of type 'array'",
        ),
    ],
    "template-create-response": [
        ("create response without id", {"status": "PENDING", "category": "MARKETING"}, "$", "'id' is a required"),
    ],
    "template-list": [
        ("list without waba_templates", {"count": 0}, "$", "'waba_templates' is a required"),
        ("list count as string", {"waba_templates": [], "count": "3"}, "$.count", "is not of type 'integer'"),
        (
            "list item without name",
            {"waba_templates": [{k: v for k, v in _template().items() if k != "name"}]},
            "$.waba_templates[0]",
            "'name' is a required",
        ),
    ],
}


@pytest.mark.parametrize(
    ("kind", "payload", "path", "fragment"),
    [
        pytest.param(kind, payload, path, fragment, id=name)
        for kind, cases in NEGATIVE_CASES.items()
        for name, payload, path, fragment in cases
    ],
)
def test_contract_violation_is_rejected(
    registry: SchemaRegistry, kind: str, payload: Any, path: str, fragment: str
) -> None:
    _assert_rejected(registry, kind, payload, path, fragment)


def test_negative_cases_cover_every_kind() -> None:
    assert set(NEGATIVE_CASES) >= REQUIRED_KINDS


# --------------------------------------------------------------------------------------------------------------
# Forward compatibility: valid variants the platform may send are accepted
# --------------------------------------------------------------------------------------------------------------

POSITIVE_CASES: list[tuple[str, str, Any]] = [
    ("extra top-level field", "send-response", _send_response(success=True, new_field={"x": 1})),
    (
        "BSUID contact",
        "send-response",
        _send_response(contacts=[{"input": "BR.1234567890123456789", "user_id": "BR.1234567890123456789"}]),
    ),
    (
        "paced message",
        "send-response",
        _send_response(messages=[{"id": _WAMID, "message_status": "held_for_quality_assessment"}]),
    ),
    ("group send", "send-response", _send_response(messages=[{"id": _WAMID, "group_id": "Y2FwaV9ncm91cA"}])),
    (
        "error with extra fields",
        "error-graph",
        {"error": _graph_error(error_subcode=2494055, is_transient=True, new_hint="x")},
    ),
    (
        "error without fbtrace_id",
        "error-graph",
        {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}},
    ),
    ("wrapped error", "error-wrapped", {"detail": {"error": _graph_error()}}),
    (
        "inbound image",
        "webhook-notification",
        webhook(
            {
                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "5511900000001"}],
                "messages": [_inbound("image", image={"id": "1", "mime_type": "image/jpeg", "sha256": "x"})],
            }
        ),
    ),
    (
        "inbound interactive",
        "webhook-notification",
        webhook(
            {
                "messages": [
                    _inbound(
                        "interactive",
                        interactive={"type": "button_reply", "button_reply": {"id": "b1", "title": "Yes"}},
                        context={"from": "5511900000999", "id": _WAMID},
                    )
                ]
            }
        ),
    ),
    (
        "inbound reaction",
        "webhook-notification",
        webhook({"messages": [_inbound("reaction", reaction={"message_id": _WAMID, "emoji": "👍"})]}),
    ),
    (
        "inbound button",
        "webhook-notification",
        webhook({"messages": [_inbound("button", button={"payload": "STOP", "text": "Stop promotions"})]}),
    ),
    (
        "inbound location",
        "webhook-notification",
        webhook({"messages": [_inbound("location", location={"latitude": -23.5, "longitude": -46.6})]}),
    ),
    (
        "inbound contacts",
        "webhook-notification",
        webhook({"messages": [_inbound("contacts", contacts=[{"name": {"formatted_name": "Ana"}}])]}),
    ),
    (
        "inbound unsupported",
        "webhook-notification",
        webhook({"messages": [_inbound("unsupported", errors=[{"code": 131051, "title": "Message type unknown"}])]}),
    ),
    (
        "inbound future type",
        "webhook-notification",
        webhook({"messages": [_inbound("poll_vote", poll_vote={"option": 2}, new_field=True)]}),
    ),
    (
        "BSUID sender contact",
        "webhook-notification",
        webhook(
            {
                "contacts": [{"profile": {"name": "Ana"}, "user_id": "BR.1234567890123456789"}],
                "messages": [_inbound("text", text={"body": "Oi"})],
            }
        ),
    ),
    (
        "BSUID-only inbound",
        "webhook-notification",
        webhook(
            {
                "contacts": [{"profile": {"name": "Ana", "username": "ana.silva"}, "user_id": _BSUID}],
                "messages": [_without(_inbound("text", text={"body": "Oi"}, from_user_id=_BSUID), "from")],
            }
        ),
    ),
    (
        "inbound with phone and BSUID",
        "webhook-notification",
        webhook(
            {
                "contacts": [
                    {
                        "profile": {"name": "Ana", "username": "ana.silva"},
                        "wa_id": "5511900000001",
                        "user_id": _BSUID,
                        "parent_user_id": _PARENT_BSUID,
                    }
                ],
                "messages": [
                    _inbound("text", text={"body": "Oi"}, from_user_id=_BSUID, from_parent_user_id=_PARENT_BSUID)
                ],
            }
        ),
    ),
    (
        "BSUID-only sent status",
        "webhook-notification",
        webhook(
            {
                "contacts": [{"user_id": _BSUID}],
                "statuses": [_without(_status("sent", recipient_user_id=_BSUID), "recipient_id")],
            }
        ),
    ),
    (
        "BSUID-only delivered status with parent and username",
        "webhook-notification",
        webhook(
            {
                "contacts": [
                    {"profile": {"username": "ana.silva"}, "user_id": _BSUID, "parent_user_id": _PARENT_BSUID}
                ],
                "statuses": [
                    _without(
                        _status(
                            "delivered",
                            recipient_user_id=_BSUID,
                            recipient_parent_user_id=_PARENT_BSUID,
                            pricing={"billable": True, "pricing_model": "PMP", "category": "marketing_lite"},
                        ),
                        "recipient_id",
                    )
                ],
            }
        ),
    ),
    (
        "read status with phone and BSUID",
        "webhook-notification",
        webhook(
            {
                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "5511900000001", "user_id": _BSUID}],
                "statuses": [_status("read", recipient_user_id=_BSUID)],
            }
        ),
    ),
    (
        "failed status sent to a phone number",
        "webhook-notification",
        webhook(
            {"statuses": [_status("failed", errors=[{"code": 131049, "title": "Not delivered to maintain ecosystem"}])]}
        ),
    ),
    ("status played", "webhook-notification", webhook({"statuses": [_status("played")]})),
    (
        "MM status with pricing",
        "webhook-notification",
        webhook(
            {
                "statuses": [
                    _status(
                        "delivered",
                        biz_opaque_callback_data="c-1",
                        pricing={
                            "billable": True,
                            "pricing_model": "PMP",
                            "category": "marketing_lite",
                            "type": "regular",
                        },
                    )
                ]
            }
        ),
    ),
    (
        "status with new fields",
        "webhook-notification",
        webhook({"statuses": [_status("read", new_field={"a": 1}, pricing={"category": "future_category", "new": 1})]}),
    ),
    (
        "group status",
        "webhook-notification",
        webhook({"statuses": [_status("sent", recipient_type="group", recipient_id="Y2FwaV9ncm91cA")]}),
    ),
    ("value errors", "webhook-notification", webhook({"errors": [{"code": 130429, "title": "Rate limit hit"}]})),
    ("unknown field", "webhook-notification", webhook({"anything": ["goes"]}, field="message_template_status_update")),
    ("account_update via notification", "webhook-notification", _terms_signed()),
    (
        "account_update other event",
        "webhook-account-update",
        webhook({"event": "VERIFIED_ACCOUNT"}, field="account_update"),
    ),
    ("terms signed", "webhook-account-update", _terms_signed()),
    (
        "entry time as digits",
        "webhook-notification",
        {**_terms_signed(), "entry": [{**_terms_signed()["entry"][0], "time": "1760000000"}]},
    ),
    ("type omitted means text", "send-request", {k: v for k, v in _send_request().items() if k != "type"}),
    (
        "BSUID recipient",
        "send-request",
        {**{k: v for k, v in _send_request().items() if k != "to"}, "recipient": "BR.1234567890123456789"},
    ),
    ("formatted phone number", "send-request", _send_request(to="+55 (11) 90000-0001")),
    ("group recipient", "send-request", _send_request(recipient_type="group", to="Y2FwaV9ncm91cDoxODA1NTU1MDE3Mg")),
    ("text at 4096", "send-request", _send_request(text={"body": "x" * 4096, "preview_url": True})),
    ("unknown extra request field", "send-request", _send_request(biz_opaque_callback_data="c-1", future_option=True)),
    ("MM minimal", "marketing-send-request", _mm_request()),
    (
        "MM all options",
        "marketing-send-request",
        _mm_request(message_activity_sharing=False, product_policy="STRICT", message_send_ttl_seconds=43200),
    ),
    ("MM TTL max", "marketing-send-request", _mm_request(message_send_ttl_seconds=2592000)),
    (
        "MM BSUID recipient",
        "marketing-send-request",
        {**{k: v for k, v in _mm_request().items() if k != "to"}, "recipient": "BR.1234567890123456789"},
    ),
    ("loopback webhook", "webhook-config-request", {"url": "http://127.0.0.1:8765/webhook"}),
    (
        "webhook with headers",
        "webhook-config-request",
        {"url": "https://hooks.example.com/wa", "headers": {"Authorization": "s"}, "override_all": False},
    ),
    (
        "webhook config",
        "webhook-config-response",
        {"url": "https://hooks.example.com/wa", "headers": {"Authorization": "s"}},
    ),
    ("webhook config unset", "webhook-config-response", {"url": ""}),
    (
        "library template",
        "template-create-request",
        {
            "name": "order_update",
            "category": "UTILITY",
            "language": "en_US",
            "library_template_name": "delivery_update_1",
        },
    ),
    (
        "utility without TTL",
        "template-create-request",
        _template_create(category="UTILITY", message_send_ttl_seconds=-1),
    ),
    (
        "template from 360 older API",
        "template",
        _template(status="submitted", namespace="ns", rejected_reason=None, previous_category="UTILITY"),
    ),
    (
        "create response",
        "template-create-response",
        {"id": "572279198452421", "status": "PENDING", "category": "MARKETING"},
    ),
    (
        "template list",
        "template-list",
        {
            "count": 1,
            "total": 1,
            "offset": 0,
            "limit": 1000,
            "filters": {},
            "sort": ["id"],
            "waba_templates": [_template()],
        },
    ),
]


@pytest.mark.parametrize(
    ("kind", "payload"), [pytest.param(kind, payload, id=name) for name, kind, payload in POSITIVE_CASES]
)
def test_valid_variant_is_accepted(registry: SchemaRegistry, kind: str, payload: Any) -> None:
    _assert_valid(registry, kind, payload)


# --------------------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------------------


def test_verdict_names_kind_and_schema(registry: SchemaRegistry) -> None:
    verdict = registry.validate("send-response", _send_response())
    assert verdict == SchemaVerdict(
        kind="send-response", schema_id=ID_PREFIX + "send-response.schema.json", valid=True, errors=()
    )
    assert registry.schema_id("send-response") == verdict.schema_id


def test_errors_are_readable_best_match_first(registry: SchemaRegistry) -> None:
    payload = _send_response(contacts=[{"input": "x", "wa_id": "x"}])
    verdict = registry.validate("send-response", payload)
    assert verdict.errors == ("$.contacts[0].wa_id: 'x' does not match '^[0-9]*$'",)  # empty only beside user_id
    assert "send-response: INVALID" in verdict.summary()


def test_all_errors_are_listed_and_bounded(registry: SchemaRegistry) -> None:
    two = _send_response(messaging_product="sms", messages=[{"id": "nope"}])
    assert len(registry.validate("send-response", two).errors) == 2
    many = webhook({"statuses": [_status("queued", id=f"bad{i}") for i in range(20)]})
    errors = registry.validate("webhook-notification", many).errors
    assert len(errors) == MAX_ERRORS
    assert errors[-1].startswith("... and ") and errors[-1].endswith("more error(s)")
    assert all(line.startswith("$") for line in errors[:-1])


def test_long_instances_are_not_echoed_whole(registry: SchemaRegistry) -> None:
    verdict = registry.validate("send-request", _send_request(text={"body": "x" * 5000}))
    assert all(len(line) < 400 for line in verdict.errors)


def test_formats_are_asserted(registry: SchemaRegistry) -> None:
    # the pattern ^https?://[^\s/]+ accepts this prefix; only the uri format checker rejects the space
    assert not registry.is_valid("webhook-config-request", {"url": "https://bad host.example/hook"})
    assert registry.is_valid("webhook-config-request", {"url": "https://hooks.example.com/hook"})


def test_unknown_kind_names_the_known_ones(registry: SchemaRegistry) -> None:
    with pytest.raises(KeyError) as caught:
        registry.validate("send-reponse", {})
    assert isinstance(caught.value, UnknownKindError)
    assert "send-reponse" in str(caught.value) and "send-response" in str(caught.value)


def test_validation_is_on_the_hot_path(registry: SchemaRegistry) -> None:
    """Validators are compiled once at load: a validation costs well under a millisecond (bound kept generous)."""
    assert "send-response" in registry and "common" not in registry
    payload = webhook({"statuses": [_status("delivered", pricing={"category": "marketing_lite"})]})
    started = time.perf_counter()
    for _ in range(200):
        registry.validate("webhook-notification", payload)
    assert time.perf_counter() - started < 2.0


def test_default_directory_is_found_from_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "tests")
    assert SchemaRegistry().directory.resolve() == SCHEMA_DIR.resolve()


def _write(directory: Path, name: str, schema: dict[str, Any]) -> None:
    body = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ID_PREFIX + name, **schema}
    (directory / name).write_text(json.dumps(body), encoding="utf-8")


def test_broken_schema_fails_at_load_naming_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "common.schema.json", {"$defs": {}})
    _write(tmp_path, "broken.schema.json", {"type": 12})
    with pytest.raises(SchemaLoadError, match=r"broken\.schema\.json.*not a valid Draft 2020-12 schema"):
        SchemaRegistry.from_directory(tmp_path)


def test_metaschema_check_can_be_skipped_but_id_and_refs_are_still_checked(tmp_path: Path) -> None:
    _write(tmp_path, "common.schema.json", {"$defs": {}})
    _write(tmp_path, "broken.schema.json", {"type": 12})
    assert "broken" in SchemaRegistry.from_directory(tmp_path, check_metaschema=False).kinds
    _write(tmp_path, "dangling.schema.json", {"properties": {"x": {"$ref": "common.schema.json#/$defs/missing"}}})
    with pytest.raises(SchemaLoadError, match=r"dangling\.schema\.json"):
        SchemaRegistry.from_directory(tmp_path, check_metaschema=False)


def test_unresolvable_ref_fails_at_load_naming_file_and_ref(tmp_path: Path) -> None:
    _write(tmp_path, "common.schema.json", {"$defs": {"a": {"type": "string"}}})
    _write(tmp_path, "dangling.schema.json", {"properties": {"x": {"$ref": "common.schema.json#/$defs/missing"}}})
    with pytest.raises(SchemaLoadError, match=r"dangling\.schema\.json.*common\.schema\.json#/\$defs/missing"):
        SchemaRegistry.from_directory(tmp_path)


def test_missing_id_and_invalid_json_fail_at_load(tmp_path: Path) -> None:
    (tmp_path / "anonymous.schema.json").write_text('{"type": "object"}', encoding="utf-8")
    with pytest.raises(SchemaLoadError, match=r"anonymous\.schema\.json.*\$id"):
        SchemaRegistry.from_directory(tmp_path)
    (tmp_path / "anonymous.schema.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaLoadError, match=r"anonymous\.schema\.json.*unreadable JSON"):
        SchemaRegistry.from_directory(tmp_path)


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        SchemaRegistry.from_directory(tmp_path)


def test_cross_file_refs_work_in_a_fresh_directory(tmp_path: Path) -> None:
    _write(tmp_path, "common.schema.json", {"$defs": {"digits": {"type": "string", "pattern": "^[0-9]+$"}}})
    _write(tmp_path, "thing.schema.json", {"properties": {"id": {"$ref": "common.schema.json#/$defs/digits"}}})
    registry = SchemaRegistry.from_directory(tmp_path)
    assert registry.kinds == ("thing",)
    assert registry.validate("thing", {"id": "x"}).errors == ("$.id: 'x' does not match '^[0-9]+$'",)
