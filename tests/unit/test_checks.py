"""The checks of one answer (suite/checks.py): for each, a passing input, a failing input and its message.

The checks that compare or search (webhook URL, template list, shapes, exchanges) are in test_checks_comparisons.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.checks_kit import CHECK, KEY, RECIPIENT, REDACTING, WAMID, Answer, fails, graph, sent, wrapped

pytestmark = pytest.mark.unit


# --- fail, rendered, observed_error_code: wording through the redaction layer ----------------------------------


def test_fail_redacts_the_reason_and_what_it_shows() -> None:
    error = REDACTING.fail(f"expected {RECIPIENT}", {"to": RECIPIENT, "key": KEY})
    assert str(error).startswith("expected <user-1>\n{")
    assert '"key": "<D360-API-KEY>"' in str(error) and RECIPIENT not in str(error) and KEY not in str(error)


def test_fail_cuts_a_long_body_at_2000_characters() -> None:
    assert str(CHECK.fail("r", {"x": "y" * 3000})).endswith(" …")
    assert len(str(CHECK.fail("r", {"x": "y" * 3000}))) == len("r\n") + 2000 + 2
    assert str(CHECK.fail("short")) == "short"


def test_rendered_shows_the_body_redacted_and_sorted() -> None:
    assert REDACTING.rendered(Answer(400, {"b": RECIPIENT, "a": 1})) == '{"a": 1, "b": "<user-1>"}'


def test_rendered_shows_a_non_json_answer_as_its_text() -> None:
    assert REDACTING.rendered(Answer(502, None, f"Bad gateway for {RECIPIENT}")) == "Bad gateway for <user-1>"


def test_rendered_cuts_at_600_characters() -> None:
    text = CHECK.rendered(Answer(400, {"x": "y" * 1000}))
    assert len(text) == 602 and text.endswith(" …")


def test_observed_error_code_reads_either_envelope() -> None:
    assert CHECK.observed_error_code(wrapped(code=134100)) == "code 134100"
    assert CHECK.observed_error_code(Answer(400, {"error": graph(code=100)})) == "code 100"


def test_observed_error_code_names_an_answer_without_a_graph_error_and_never_raises() -> None:
    observed = REDACTING.observed_error_code(Answer(401, {"error": f"Invalid api token {RECIPIENT}"}))
    assert observed == 'no Graph error object (body {"error": "Invalid api token <user-1>"})'


# --- status: ok_status, rejected, error_body --------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_ok_status_passes_on_2xx(status: int) -> None:
    CHECK.ok_status(Answer(status, {}))


@pytest.mark.parametrize("status", [199, 300, 400, 500])
def test_ok_status_fails_naming_the_status_and_showing_the_body(status: int) -> None:
    message = fails(lambda: CHECK.ok_status(Answer(status, {"error": "x"})), f"(HTTP 2xx), got HTTP {status}")
    assert '"error": "x"' in message


def test_ok_status_shows_the_text_of_a_non_json_answer() -> None:
    fails(lambda: CHECK.ok_status(Answer(502, None, "Bad gateway")), 'got HTTP 502\n"Bad gateway"')


@pytest.mark.parametrize("status", [400, 401, 404, 499])
def test_rejected_passes_on_4xx(status: int) -> None:
    CHECK.rejected(Answer(status))


@pytest.mark.parametrize("status", [200, 302, 399, 500, 503])
def test_rejected_fails_on_anything_else(status: int) -> None:
    fails(
        lambda: CHECK.rejected(Answer(status, {})), f"expected the request to be rejected (HTTP 4xx), got HTTP {status}"
    )


@pytest.mark.parametrize("body", [{"error": "Invalid api token."}, {"detail": {"error": graph()}}, {"error": graph()}])
def test_error_body_passes_on_a_4xx_with_error_or_detail(body: dict[str, Any]) -> None:
    CHECK.error_body(Answer(400, body))


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (Answer(200, {"error": "x"}), "expected the request to be rejected (HTTP 4xx), got HTTP 200"),
        (Answer(500, {"error": "x"}), "got HTTP 500"),
        (Answer(400, {"message": "bad"}), "expected a JSON error body with `error` or `detail`"),
        (Answer(400, ["error"]), "expected a JSON error body with `error` or `detail`"),
        (Answer(400, None, "Bad Request"), 'expected a JSON error body with `error` or `detail`\n"Bad Request"'),
    ],
)
def test_error_body_fails(answer: Answer, fragment: str) -> None:
    fails(lambda: CHECK.error_body(answer), fragment)


# --- the Graph error: graph_error, error_code, error_message_starts, error_details, wrapped_in, body_equals -----


def test_graph_error_is_found_under_detail_or_at_the_top() -> None:
    assert CHECK.graph_error(wrapped(code=100)) == graph(code=100)
    assert CHECK.graph_error(Answer(400, {"error": graph(code=131009)})) == graph(code=131009)


@pytest.mark.parametrize(
    "body", [{"error": "Invalid api token."}, {"detail": "Not Found"}, {"detail": {"error": "x"}}, [graph()], None]
)
def test_graph_error_fails_without_a_graph_error_object(body: Any) -> None:
    fails(lambda: CHECK.graph_error(Answer(400, body)), "expected a Graph error object under `detail.error` or `error`")


def test_error_code_passes_on_the_code() -> None:
    CHECK.error_code(wrapped(code=131055), 131055)
    CHECK.error_code(Answer(400, {"error": graph(code=100)}), 100)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (wrapped(code=134100), "expected error code 131055, got 134100"),
        (Answer(400, {"detail": {"error": {"message": "m"}}}), "expected error code 131055, got None"),
        (wrapped(code="131055"), "expected error code 131055, got '131055'"),
        (Answer(401, {"error": "Invalid api token."}), "expected a Graph error object"),
    ],
)
def test_error_code_fails_naming_the_code_found(answer: Answer, fragment: str) -> None:
    fails(lambda: CHECK.error_code(answer, 131055), fragment)


def test_error_message_starts_passes_on_the_prefix() -> None:
    CHECK.error_message_starts(wrapped(message="(#131055) Method not allowed"), "(#131055)")


@pytest.mark.parametrize("message", ["(#100) Invalid parameter", " (#131055) Method not allowed", None, 131055, ""])
def test_error_message_starts_fails_on_another_message(message: Any) -> None:
    fails(
        lambda: CHECK.error_message_starts(wrapped(message=message), "(#131055)"),
        "expected the error message to start with '(#131055)'",
    )


def test_error_details_passes_on_equal_details() -> None:
    CHECK.error_details(wrapped(), "Only marketing template messages are supported")


@pytest.mark.parametrize(
    ("error_data", "got"),
    [
        (
            {"details": "Only marketing template messages are supported."},
            "'Only marketing template messages are supported.'",
        ),
        ({"messaging_product": "whatsapp"}, "None"),
        ("Only marketing template messages are supported", "None"),
    ],
)
def test_error_details_fails_naming_the_details_found(error_data: Any, got: str) -> None:
    fails(
        lambda: CHECK.error_details(wrapped(error_data=error_data), "Only marketing template messages are supported"),
        f"expected error details 'Only marketing template messages are supported', got {got}",
    )


def test_wrapped_in_passes_on_the_wrapper() -> None:
    CHECK.wrapped_in(wrapped(), "detail")


@pytest.mark.parametrize(
    "body", [{"error": graph()}, {"detail": graph()}, {"detail": {"error": "x"}}, {"detail": "x"}, None]
)
def test_wrapped_in_fails_without_the_wrapper(body: Any) -> None:
    fails(
        lambda: CHECK.wrapped_in(Answer(400, body), "detail"),
        "expected the error object to be wrapped as {'detail': {'error': …}}",
    )


def test_body_equals_passes_on_an_equal_body() -> None:
    CHECK.body_equals(Answer(401, {"error": "Invalid api token."}), {"error": "Invalid api token."})


@pytest.mark.parametrize("body", [{"error": "Invalid API token."}, {"error": graph(code=190)}, None])
def test_body_equals_fails_quoting_the_expected_body(body: Any) -> None:
    fails(
        lambda: CHECK.body_equals(Answer(401, body, "text"), {"error": "Invalid api token."}),
        'expected the body {"error": "Invalid api token."}',
    )


# --- sends: successful_send, message_id, message_id_prefix -----------------------------------------------------


def test_successful_send_returns_the_message_id() -> None:
    assert CHECK.successful_send(sent()) == WAMID


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (Answer(400, sent().body), "expected the request to succeed (HTTP 2xx), got HTTP 400"),
        (Answer(200, ["not", "an", "object"]), "expected a JSON object body"),
        (Answer(200, None, "ok"), "expected a JSON object body"),
        (sent(messaging_product="sms"), "expected messaging_product 'whatsapp' in the send response"),
        (Answer(200, {**sent().body, "contacts": []}), "expected `contacts[0]` in the send response"),
        (Answer(200, {**sent().body, "contacts": ["5521912345678"]}), "expected `contacts[0]` in the send response"),
        (Answer(200, {**sent().body, "messages": []}), "expected `messages[0]` in the send response"),
        (sent("HBgNNTUyMTkx"), "expected a message id starting with 'wamid.', got 'HBgNNTUyMTkx'"),
    ],
)
def test_successful_send_fails(answer: Answer, fragment: str) -> None:
    fails(lambda: CHECK.successful_send(answer), fragment)


def test_message_id_returns_the_first_message_id() -> None:
    assert CHECK.message_id(Answer(200, {"messages": [{"id": "wamid.A"}, {"id": "wamid.B"}]})) == "wamid.A"


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([{"id": "HBgNNTUy"}], "expected a message id starting with 'wamid.', got 'HBgNNTUy'"),
        ([{"id": 42}], "got 42"),
        ([{}], "got None"),
        ([], "expected `messages[0]` in the send response"),
        (None, "expected `messages[0]` in the send response"),
    ],
)
def test_message_id_fails(messages: Any, fragment: str) -> None:
    fails(lambda: CHECK.message_id(Answer(200, {"messages": messages})), fragment)


def test_message_id_prefix_passes_on_the_prefix() -> None:
    CHECK.message_id_prefix(sent(), "wamid.HBgN")


def test_message_id_prefix_fails_naming_the_id() -> None:
    fails(
        lambda: CHECK.message_id_prefix(sent(), "wamid.ABC"),
        f"expected the message id to start with 'wamid.ABC', got {WAMID!r}",
    )
    fails(lambda: CHECK.message_id_prefix(sent("id-1"), "wamid."), "expected a message id starting with 'wamid.'")


# --- statuses: some_priced, not_failed, pricing_category -------------------------------------------------------


def status(name: str = "sent", category: str | None = "marketing_lite", **extra: Any) -> dict[str, Any]:
    pricing = {"billable": True, "pricing_model": "PMP", "category": category} if category else None
    return {
        "id": WAMID,
        "status": name,
        "recipient_id": RECIPIENT,
        **({"pricing": pricing} if pricing else {}),
        **extra,
    }


def test_some_priced_passes_when_one_status_carries_pricing() -> None:
    CHECK.some_priced([status("sent", None), status("delivered")])


@pytest.mark.parametrize("statuses", [[], [status("sent", None)], [status("sent", None, pricing="marketing_lite")]])
def test_some_priced_fails_without_a_pricing_object(statuses: list[dict[str, Any]]) -> None:
    fails(lambda: CHECK.some_priced(statuses), "expected at least one status with a `pricing` object (CONTRACT §7.1)")


def test_not_failed_passes_without_a_failed_status() -> None:
    CHECK.not_failed([status("sent"), status("delivered"), status("read")])
    CHECK.not_failed([])


def test_not_failed_fails_showing_the_errors_redacted() -> None:
    errors = [{"code": 131049, "title": f"not delivered to {RECIPIENT}"}]
    message = fails(
        lambda: REDACTING.not_failed([status("sent"), status("failed", errors=errors)]), "the message failed\n"
    )
    assert '"code": 131049' in message and "<user-1>" in message and RECIPIENT not in message


def test_pricing_category_counts_the_priced_statuses() -> None:
    assert CHECK.pricing_category([status("sent"), status("delivered"), status("read", None)], "marketing_lite") == 2
    assert CHECK.pricing_category([status("read", None)], "marketing_lite") == 0


def test_pricing_category_fails_listing_the_other_categories() -> None:
    statuses = [status("sent", "marketing"), status("delivered", "marketing_lite"), status("read", "utility")]
    fails(
        lambda: CHECK.pricing_category(statuses, "marketing_lite"),
        "expected pricing.category 'marketing_lite' on every priced status, got ['marketing', 'utility']",
    )
