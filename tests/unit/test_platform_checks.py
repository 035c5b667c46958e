"""The checks over a platform's requests: for each, a passing input, a failing input and the message it words."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from mmlite_conformance.suite.checks import ConformanceError
from mmlite_conformance.suite.platform.checks import PlatformChecks
from mmlite_conformance.suite.platform.journal import Request, Window

pytestmark = pytest.mark.unit

CHECKS = PlatformChecks(redact_json=lambda x: x, redact_text=lambda s: s)
RECIPIENT = "5521912345678"


def request(
    path: str = "/marketing_messages",
    body: Any = None,
    *,
    seq: int = 1,
    method: str = "POST",
    auth_form: str = "bare",
    surface: str = "360dialog",
) -> Request:
    """A journal entry as the emulator serves it, read the way the suite reads it."""
    return Request.from_entry(
        {
            "seq": seq,
            "time_ms": 1767225600000.0 + seq,
            "method": method,
            "path": path,
            "surface": surface,
            "auth": {"form": auth_form, "valid": True},
            "body": body,
            "response": {"status": 200, "headers": {}, "body": None},
        }
    )


def window(*requests: Request, ended: str = "3 s without a new request") -> Window:
    return Window(requests, (), 3.5, ended)


def template_body(
    name: str = "spring_sale", to: str = RECIPIENT, language: str = "en_US", **extra: Any
) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"policy": "deterministic", "code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}],
        },
        **extra,
    }


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def edited(body: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    change(copied)
    return copied


def fails(check: Callable[[], object], fragment: str) -> str:
    with pytest.raises(ConformanceError) as caught:
        check()
    message = str(caught.value)
    assert fragment in message
    return message


# --- sent_something --------------------------------------------------------------------------------------------


def test_sent_something_returns_the_windows_requests() -> None:
    sent = request()
    assert list(CHECKS.sent_something(window(sent), "send_template")) == [sent]


def test_sent_something_fails_on_an_empty_window_saying_how_it_ended() -> None:
    fails(
        lambda: CHECKS.sent_something(window(ended="nothing within 10 s"), "send the template 'spring_sale'"),
        "the platform sent nothing for send the template 'spring_sale' (nothing within 10 s)",
    )


# --- routed_to -------------------------------------------------------------------------------------------------


def test_routed_to_passes_when_every_request_went_to_the_path() -> None:
    CHECKS.routed_to(window(request(seq=1), request(seq=2)), "/marketing_messages", "send_template")


@pytest.mark.parametrize(
    ("requests", "fragment"),
    [
        (
            [request("/messages")],
            "expected send_template to go to /marketing_messages only; the platform sent POST /messages",
        ),
        (
            [request(seq=1), request("/messages", seq=2), request("/v1/messages", seq=3)],
            "the platform sent POST /messages, POST /v1/messages",
        ),
        ([], "the platform sent nothing for send_template"),
    ],
)
def test_routed_to_fails_naming_where_the_others_went(requests: list[Request], fragment: str) -> None:
    fails(lambda: CHECKS.routed_to(window(*requests), "/marketing_messages", "send_template"), fragment)


# --- bare_key --------------------------------------------------------------------------------------------------


def test_bare_key_passes_on_the_bare_key_and_on_no_request() -> None:
    CHECKS.bare_key([request(), request("/messages", seq=2)])
    CHECKS.bare_key([])


@pytest.mark.parametrize("form", ["bearer", "other", "missing"])
def test_bare_key_fails_naming_the_form_used(form: str) -> None:
    requests = [request(seq=1), request("/messages", seq=2, auth_form=form)]
    fails(
        lambda: CHECKS.bare_key(requests),
        f"expected the bare key in D360-API-KEY; POST /messages carried it as {form!r}",
    )


# --- on_360dialog_surface --------------------------------------------------------------------------------------


def test_on_360dialog_surface_passes_on_360dialogs_routes() -> None:
    CHECKS.on_360dialog_surface([request(), request("/messages", seq=2)])


@pytest.mark.parametrize("surface", ["unknown", "graph"])
def test_on_360dialog_surface_fails_naming_the_call(surface: str) -> None:
    requests = [request(), request("/v21.0/123456/messages", seq=2, surface=surface)]
    fails(
        lambda: CHECKS.on_360dialog_surface(requests),
        "expected 360dialog's routes; the platform called POST /v21.0/123456/messages",
    )


# --- same_body_on_both_endpoints -------------------------------------------------------------------------------


def same_body(mm_lite: Any, cloud: Any) -> None:
    CHECKS.same_body_on_both_endpoints(request("/marketing_messages", mm_lite), request("/messages", cloud, seq=2))


@pytest.mark.parametrize(
    ("mm_lite", "cloud"),
    [
        pytest.param(template_body(), template_body(), id="equal"),
        pytest.param(template_body(message_activity_sharing=True), template_body(), id="sharing-true"),
        pytest.param(template_body(message_activity_sharing=False), template_body(), id="sharing-false"),
        pytest.param(template_body("spring_sale"), template_body("order_update"), id="other-template-name"),
        pytest.param(template_body(to="+5521912345678"), template_body(to="5521900000001"), id="other-recipient"),
        pytest.param(template_body(language="pt_BR"), template_body(language="en_US"), id="other-language-code"),
    ],
)
def test_same_body_passes(mm_lite: dict[str, Any], cloud: dict[str, Any]) -> None:
    same_body(mm_lite, cloud)


@pytest.mark.parametrize(
    ("mm_lite", "cloud", "fragment"),
    [
        pytest.param(
            template_body(message_activity_sharing="true"),
            template_body(),
            "expected message_activity_sharing to be a boolean, got 'true'",
            id="sharing-a-string",
        ),
        pytest.param(
            template_body(message_activity_sharing=1),
            template_body(),
            "expected message_activity_sharing to be a boolean, got 1",
            id="sharing-a-number",
        ),
        pytest.param(
            template_body(message_activity_sharing=None),
            template_body(),
            "expected message_activity_sharing to be a boolean, got None",
            id="sharing-null",
        ),
        pytest.param(
            template_body(),
            template_body(message_activity_sharing=True),
            "they differ in $.message_activity_sharing (only on the Cloud API)",
            id="sharing-on-cloud",
        ),
        pytest.param(
            template_body(campaign="spring"),
            template_body(),
            "apart from message_activity_sharing; they differ in $.campaign (only on MM Lite)",
            id="extra-field",
        ),
        pytest.param(
            without(template_body(), "recipient_type"),
            template_body(),
            "they differ in $.recipient_type (only on the Cloud API)",
            id="missing-recipient-type",
        ),
        pytest.param(
            edited(template_body(), lambda b: b["template"]["language"].update(policy="fallback")),
            template_body(),
            "they differ in $.template.language.policy ('fallback' vs 'deterministic')",
            id="other-language-policy",
        ),
        pytest.param(
            edited(template_body(), lambda b: b["template"]["components"][0]["parameters"][0].update(text="Bo")),
            template_body(),
            "they differ in $.template.components (",
            id="other-parameters",
        ),
        pytest.param(
            template_body(type="text"),
            template_body(),
            "they differ in $.type ('text' vs 'template')",
            id="other-type",
        ),
    ],
)
def test_same_body_fails(mm_lite: dict[str, Any], cloud: dict[str, Any], fragment: str) -> None:
    fails(lambda: same_body(mm_lite, cloud), fragment)


def test_same_body_names_every_difference() -> None:
    mm_lite = without(template_body(campaign="spring"), "recipient_type")
    message = fails(lambda: same_body(mm_lite, template_body()), "they differ in ")
    assert "$.campaign (only on MM Lite), $.recipient_type (only on the Cloud API)" in message


@pytest.mark.parametrize(
    ("mm_lite", "cloud"), [("not json", template_body()), (None, template_body()), (template_body(), ["a", "list"])]
)
def test_same_body_fails_on_a_body_that_is_not_a_json_object(mm_lite: Any, cloud: Any) -> None:
    fails(lambda: same_body(mm_lite, cloud), "expected JSON object bodies on both endpoints")


# --- no_mm_lite_field_on_cloud ---------------------------------------------------------------------------------


def test_no_mm_lite_field_on_cloud_passes_without_it() -> None:
    CHECKS.no_mm_lite_field_on_cloud([request("/messages", template_body()), request("/messages", None, seq=2)])


@pytest.mark.parametrize("sharing", [True, False])
def test_no_mm_lite_field_on_cloud_fails_when_it_is_sent_to_messages(sharing: bool) -> None:
    sent = [request("/messages", template_body(message_activity_sharing=sharing))]
    fails(
        lambda: CHECKS.no_mm_lite_field_on_cloud(sent),
        "expected message_activity_sharing only on MM Lite; it was sent to /messages",
    )


# --- registered_webhook ----------------------------------------------------------------------------------------


def registration(url: Any, path: str = "/waba_webhook", seq: int = 1) -> Request:
    return request(path, {"url": url}, seq=seq)


@pytest.mark.parametrize("path", ["/waba_webhook", "/v1/configs/webhook"])
@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/whatsapp", "https://a-b.example.org", "https://hooks.example.com/wa?token=x_y"]
)
def test_a_registered_https_url_without_port_or_underscore_passes(path: str, url: str) -> None:
    assert CHECKS.registered_webhook(window(registration(url, path))) == []


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/webhook", "/waba_webhook: http://127.0.0.1:8080/webhook"),
        ("http://localhost/webhook", "/waba_webhook: http://localhost/webhook"),
        ("http://[::1]:9000/", "/waba_webhook: http://[::1]:9000/"),
        ("https://127.0.0.2:8443/webhook", "/waba_webhook: https://127.0.0.2:8443/webhook"),
    ],
)
def test_a_loopback_url_with_http_or_a_port_passes_and_is_returned_as_local(url: str, local: str) -> None:
    assert CHECKS.registered_webhook(window(registration(url))) == [local]


def test_a_loopback_https_url_without_port_is_simply_good() -> None:
    assert CHECKS.registered_webhook(window(registration("https://localhost/webhook"))) == []


def test_a_read_back_and_other_requests_in_the_window_are_ignored() -> None:
    read_back = request("/v1/configs/webhook", None, seq=2, method="GET")
    templates = request("/v1/configs/templates", None, seq=3, method="GET")
    registered = registration("https://hooks.example.com/wa", "/v1/configs/webhook", seq=1)
    assert CHECKS.registered_webhook(window(registered, read_back, templates)) == []


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        (
            "https://my_hooks.example.com/wa",
            "the platform registered 'https://my_hooks.example.com/wa' with POST /waba_webhook: "
            "360dialog refuses a host with '_'",
        ),
        ("https://hooks.example.com:8443/wa", "360dialog refuses a URL with an explicit port"),
        ("https://hooks.example.com:443/wa", "360dialog refuses a URL with an explicit port"),
        (
            "http://hooks.example.com/wa",
            "'http://hooks.example.com/wa' with POST /waba_webhook: 360dialog requires https",
        ),
        ("http://10.0.0.5:8080/wa", "360dialog requires https"),
        ("https://hooks.example.com:http/wa", "its port is not a number"),
    ],
)
def test_a_registered_url_360dialog_would_refuse_fails_with_the_reason(url: str, fragment: str) -> None:
    fails(lambda: CHECKS.registered_webhook(window(registration(url))), fragment)


def test_every_registration_is_judged() -> None:
    good = registration("https://hooks.example.com/wa", seq=1)
    bad = registration("https://hooks.example.com:8443/wa", "/v1/configs/webhook", seq=2)
    fails(lambda: CHECKS.registered_webhook(window(good, bad)), "with POST /v1/configs/webhook: 360dialog refuses")


@pytest.mark.parametrize("body", [{"webhook": "https://hooks.example.com"}, {"url": 42}, None])
def test_a_registration_without_a_url_fails(body: Any) -> None:
    fails(
        lambda: CHECKS.registered_webhook(window(request("/waba_webhook", body))),
        "expected {'url': ...} in the body of POST /waba_webhook",
    )


def test_a_window_with_no_registration_fails() -> None:
    sent = request("/messages", template_body())
    fails(
        lambda: CHECKS.registered_webhook(window(sent)),
        "expected a POST to /waba_webhook or /v1/configs/webhook; the platform did not register",
    )


def test_a_read_back_alone_is_no_registration() -> None:
    read_back = request("/waba_webhook", None, method="GET")
    fails(lambda: CHECKS.registered_webhook(window(read_back)), "the platform did not register")


def test_an_empty_window_fails_as_nothing_sent_for_register_webhook() -> None:
    fails(
        lambda: CHECKS.registered_webhook(window(ended="nothing within 10 s")),
        "the platform sent nothing for register_webhook (nothing within 10 s)",
    )


# --- redaction -------------------------------------------------------------------------------------------------


def test_failures_are_worded_through_the_redaction_functions() -> None:
    redacting = PlatformChecks(
        redact_json=lambda x: {"redacted": True},
        redact_text=lambda s: s.replace(RECIPIENT, "<user-1>"),
    )
    sent = request(f"/messages/{RECIPIENT}")
    message = fails(lambda: redacting.routed_to(window(sent), "/messages", "send_text"), "/messages/<user-1>")
    assert RECIPIENT not in message
    shown = fails(
        lambda: redacting.same_body_on_both_endpoints(request(body="x"), request(body=None)), '"redacted": true'
    )
    assert "'x'" not in shown
