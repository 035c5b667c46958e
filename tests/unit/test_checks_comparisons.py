"""The checks that compare or search (suite/checks.py): the webhook URL read back, the template list, the shapes of
two responses, two exchanges; for each, a passing input, a failing input and its message."""

from __future__ import annotations

from typing import Any

import pytest

from mmlite_conformance.suite.checks import shape_of
from mmlite_conformance.suite.evidence import Exchange
from tests.unit.checks_kit import CHECK, KEY, RECIPIENT, REDACTING, REDACTOR, WAMID, Answer, fails, sent

pytestmark = pytest.mark.unit


# --- the webhook URL and templates: reported_url, template_listed ----------------------------------------------

URL = "https://hooks.example.com/whatsapp"


@pytest.mark.parametrize("body", [{"url": URL}, {"webhook": {"url": URL}}, {"url": None, "data": {"url": URL}}])
def test_reported_url_is_found_at_the_top_or_one_level_down(body: Any) -> None:
    CHECK.reported_url(Answer(200, body), URL)


@pytest.mark.parametrize(
    "body", [{"url": "https://hooks.example.com/other"}, {"a": {"b": {"url": URL}}}, {"urls": [URL]}, None, [URL]]
)
def test_reported_url_fails_when_the_url_is_not_there(body: Any) -> None:
    fails(
        lambda: CHECK.reported_url(Answer(200, body, URL[:8]), URL), f"expected the webhook URL {URL!r} in the response"
    )


TEMPLATES = [{"name": "order_update", "category": "UTILITY"}, {"name": "spring_sale", "category": "marketing"}]


@pytest.mark.parametrize("key", ["waba_templates", "data"])
def test_template_listed_returns_the_named_template_whatever_the_case_of_its_category(key: str) -> None:
    assert CHECK.template_listed(Answer(200, {key: TEMPLATES}), "spring_sale", "MARKETING") == TEMPLATES[1]


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (Answer(200, {"waba_templates": TEMPLATES}), "expected template 'spring_sale' with category 'UTILITY'"),
        (Answer(200, {"waba_templates": TEMPLATES[:1]}), "expected template 'spring_sale' in the template list"),
        (Answer(200, {"waba_templates": "spring_sale"}), "expected template 'spring_sale' in the template list"),
        (Answer(200, None, "[]"), "expected template 'spring_sale' in the template list"),
        (Answer(401, {"waba_templates": TEMPLATES}), "expected the request to succeed (HTTP 2xx), got HTTP 401"),
    ],
)
def test_template_listed_fails(answer: Answer, fragment: str) -> None:
    fails(lambda: CHECK.template_listed(answer, "spring_sale", "UTILITY"), fragment)


# --- shapes: shape_of, same_shape ------------------------------------------------------------------------------


def test_shape_of_keeps_keys_and_types_and_reads_a_list_by_its_first_item() -> None:
    value = {"b": [{"id": "x", "n": 1}, {"other": True}], "a": None, "c": [], "d": 1.5}
    assert shape_of(value) == {"a": "NoneType", "b": [{"id": "str", "n": "int"}], "c": [], "d": "float"}


def test_same_shape_passes_on_other_values_and_returns_the_optional_fields_only_one_has() -> None:
    mm_lite = sent(messages=[{"id": WAMID, "message_status": "accepted"}]).body
    assert CHECK.same_shape(sent().body, sent("wamid.other").body) == []
    assert CHECK.same_shape(mm_lite, sent().body) == ["$.messages[].message_status"]
    assert CHECK.same_shape({"group_id": "g"}, {}) == ["$.group_id"]


def test_same_shape_returns_undocumented_fields_only_one_has_instead_of_failing() -> None:
    newer = sent(messages=[{"id": WAMID, "pacing_hint": "x"}]).body | {"rollout": True}
    assert CHECK.same_shape(newer, sent().body) == ["$.messages[].pacing_hint", "$.rollout"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"id": "x"}, {"id": 1}),
        ({"id": "x"}, {"id": "x", "messages": []}),
        ({"messages": [{"id": "x"}]}, {"messages": []}),
        ({"contacts": [{"wa_id": "1"}]}, {"contacts": [{"user_id": "1"}]}),
    ],
)
def test_same_shape_fails_showing_both_shapes(first: Any, second: Any) -> None:
    message = fails(lambda: CHECK.same_shape(first, second), "expected both responses to have the same shape")
    assert '"first":' in message and '"second":' in message


# --- exchanges: differ_only_in_url, path_ends_with -------------------------------------------------------------

BASE = "https://waba-v2.360dialog.io"
BODY = {"messaging_product": "whatsapp", "to": RECIPIENT, "type": "template", "template": {"name": "spring_sale"}}


def exchange(
    path: str = "/messages", method: str = "POST", body: Any = None, headers: dict[str, str] | None = None
) -> Exchange:
    headers = {"D360-API-KEY": KEY, "Content-Type": "application/json"} if headers is None else headers
    return Exchange.capture(
        REDACTOR,
        label="send",
        method=method,
        url=f"{BASE}{path}",
        request_headers=headers,
        request_body=BODY if body is None else body,
        status=200,
        response_headers={},
        response_body={},
        elapsed_ms=1.0,
    )


def test_differ_only_in_url_passes_when_only_the_url_differs() -> None:
    CHECK.differ_only_in_url(exchange("/messages"), exchange("/marketing_messages"))
    other_headers = {"d360-api-key": KEY, "content-type": "application/json", "User-Agent": "x"}
    CHECK.differ_only_in_url(exchange("/messages"), exchange("/marketing_messages", headers=other_headers))


@pytest.mark.parametrize(
    ("second", "fragment"),
    [
        (exchange("/messages"), f"expected two different URLs, both were {BASE}/messages"),
        (exchange("/marketing_messages", "PUT"), "expected the same method, got POST and PUT"),
        (exchange("/marketing_messages", body={**BODY, "type": "text"}), "expected the same request body"),
        (
            exchange("/marketing_messages", headers={"D360-API-KEY": "other", "Content-Type": "application/json"}),
            "expected the same D360-API-KEY and Content-Type headers",
        ),
        (
            exchange("/marketing_messages", headers={"D360-API-KEY": KEY, "Content-Type": "text/plain"}),
            "expected the same D360-API-KEY and Content-Type headers",
        ),
        (exchange("/marketing_messages", headers={"D360-API-KEY": KEY}), "expected the same D360-API-KEY"),
    ],
)
def test_differ_only_in_url_fails_naming_what_else_differs(second: Exchange, fragment: str) -> None:
    fails(lambda: CHECK.differ_only_in_url(exchange("/messages"), second), fragment)


def test_differ_only_in_url_shows_bodies_redacted() -> None:
    message = fails(
        lambda: REDACTING.differ_only_in_url(exchange(body={"to": RECIPIENT}), exchange("/m", body={"to": "1"})),
        "expected the same request body",
    )
    assert "<user-1>" in message and RECIPIENT not in message


@pytest.mark.parametrize("path", ["/marketing_messages", "/v1/marketing_messages", "/marketing_messages?x=/messages"])
def test_path_ends_with_passes_on_the_suffix_of_the_path(path: str) -> None:
    CHECK.path_ends_with(exchange(path), "/marketing_messages")


@pytest.mark.parametrize(
    ("path", "shown"), [("/messages", "/messages"), ("/messages?next=/marketing_messages", "/messages")]
)
def test_path_ends_with_fails_naming_the_path(path: str, shown: str) -> None:
    fails(
        lambda: CHECK.path_ends_with(exchange(path), "/marketing_messages"),
        f"expected the request path to end in '/marketing_messages', it was {shown!r}",
    )
