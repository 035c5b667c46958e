"""ApiClient over httpx.MockTransport: headers, URLs, redacted evidence, raw answers, network errors, builders."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from mmlite_conformance.contract import ALPHA_MM_LITE_URL
from mmlite_conformance.suite.client import (
    ApiClient,
    Endpoints,
    TargetUnreachableError,
    template_definition,
    template_message,
    text_message,
)
from mmlite_conformance.suite.config import PRODUCTION_BASE_URL, Secret
from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER, UNKNOWN_CREDENTIAL_PLACEHOLDER
from mmlite_conformance.suite.evidence import Exchange
from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor

pytestmark = pytest.mark.unit

KEY = "Live_key_0123456789abcdef"
RECIPIENT = "5521998765432"
ENDPOINTS = Endpoints(cloud_base_url=PRODUCTION_BASE_URL, mm_lite_url=ALPHA_MM_LITE_URL)
REDACTOR = Redactor([KEY], [RECIPIENT], OFFLINE_PSEUDONYM_KEY)
PSEUDONYM = REDACTOR.pseudonym(RECIPIENT)

Handler = Callable[[httpx.Request], httpx.Response]


def ok_send(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content or b"{}")
    return httpx.Response(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.get("to"), "wa_id": RECIPIENT}],
            "messages": [{"id": "wamid.XYZ"}],
        },
        headers={"Set-Cookie": f"session={KEY}", "X-Request-Id": "r-1"},
    )


class Harness:
    def __init__(self, handler: Handler) -> None:
        self.seen: list[httpx.Request] = []
        self.recorded: list[Exchange] = []
        self.ticks = itertools.count(10.0, 0.25)  # every request takes 250 ms

        def capture(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            return handler(request)

        self.http = httpx.Client(transport=httpx.MockTransport(capture))
        self.api = ApiClient(
            self.http, ENDPOINTS, Secret(KEY), REDACTOR, self.recorded.append, clock=lambda: next(self.ticks)
        )


@pytest.fixture
def harness() -> Iterator[Harness]:
    h = Harness(ok_send)
    yield h
    h.http.close()


def test_send_message_uses_the_bare_key_and_json(harness: Harness) -> None:
    response = harness.api.request(
        "send message (/messages)", "POST", "/messages", json=text_message(RECIPIENT, "Hello")
    )
    (request,) = harness.seen
    assert str(request.url) == f"{PRODUCTION_BASE_URL}/messages"
    assert request.method == "POST"
    assert request.headers["D360-API-KEY"] == KEY
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == text_message(RECIPIENT, "Hello")
    assert response.status == 200 and response.ok


def test_caller_gets_the_raw_answer_and_the_sink_the_redacted_one(harness: Harness) -> None:
    response = harness.api.request(
        "send message (/messages)", "POST", "/messages", json=text_message(RECIPIENT, f"Hello {RECIPIENT}")
    )
    assert response.body["contacts"][0]["wa_id"] == RECIPIENT
    assert response.headers["x-request-id"] == "r-1"
    (exchange,) = harness.recorded
    assert exchange is response.exchange
    assert exchange.label == "send message (/messages)"
    assert exchange.request_headers["D360-API-KEY"] == API_KEY_PLACEHOLDER
    assert exchange.request_body["to"] == PSEUDONYM
    assert exchange.request_body["text"]["body"] == f"Hello {PSEUDONYM}"
    assert exchange.response_body["contacts"][0] == {"input": PSEUDONYM, "wa_id": PSEUDONYM}
    assert exchange.response_headers["set-cookie"] == UNKNOWN_CREDENTIAL_PLACEHOLDER  # holds the key: hidden whole
    assert exchange.elapsed_ms == pytest.approx(250.0)
    everything = json.dumps(exchange.as_dict())
    assert KEY not in everything and RECIPIENT not in everything
    assert '"D360-API-KEY: $D360_API_KEY"' in exchange.to_curl()


def test_volatile_request_headers_are_not_recorded(harness: Harness) -> None:
    harness.api.get_webhook()
    names = {name.lower() for name in harness.recorded[0].request_headers}
    assert names.isdisjoint({"host", "user-agent", "content-length", "accept-encoding", "connection"})
    assert "d360-api-key" in names


def test_record_is_called_before_the_caller_gets_the_answer() -> None:
    order: list[str] = []
    http = httpx.Client(transport=httpx.MockTransport(ok_send))
    api = ApiClient(http, ENDPOINTS, Secret(KEY), REDACTOR, lambda exchange: order.append(exchange.label))
    api.request("first", "POST", "/messages", json=text_message(RECIPIENT, "x"))
    order.append("returned")
    assert order == ["first", "returned"]


def test_non_json_answer_is_not_an_exception() -> None:
    h = Harness(lambda request: httpx.Response(502, text=f"<html>Bad gateway for {RECIPIENT}</html>"))
    response = h.api.request("send message (/messages)", "POST", "/messages", json=text_message(RECIPIENT, "x"))
    assert response.status == 502 and not response.ok
    assert response.body is None
    assert response.text == f"<html>Bad gateway for {RECIPIENT}</html>"
    assert response.exchange.response_body == f"<html>Bad gateway for {PSEUDONYM}</html>"


def test_empty_answer_has_no_body() -> None:
    h = Harness(lambda request: httpx.Response(204))
    response = h.api.get_webhook()
    assert response.body is None and response.text == "" and response.exchange.response_body is None


@pytest.mark.parametrize(
    ("api_key", "bearer", "expected", "shown"),
    [
        (None, False, KEY, API_KEY_PLACEHOLDER),
        (Secret("wrong-key"), False, "wrong-key", UNKNOWN_CREDENTIAL_PLACEHOLDER),  # not registered as public
        (None, True, f"Bearer {KEY}", f"Bearer {API_KEY_PLACEHOLDER}"),
        ("omit", False, None, None),
    ],
)
def test_api_key_choices(
    harness: Harness, api_key: Secret | None, bearer: bool, expected: str | None, shown: str | None
) -> None:
    harness.api.request("probe", "GET", "/waba_webhook", api_key=api_key, bearer=bearer)
    assert harness.seen[0].headers.get("D360-API-KEY") == expected
    assert harness.recorded[0].request_headers.get("D360-API-KEY") == shown


def test_extra_headers_override_and_none_removes(harness: Harness) -> None:
    harness.api.request(
        "no content type", "POST", "/messages", content=b"{}", headers={"content-type": None, "X-Trace": "1"}
    )
    request = harness.seen[0]
    assert "content-type" not in request.headers
    assert request.headers["x-trace"] == "1"


def test_raw_content_is_sent_verbatim_and_recorded_as_text(harness: Harness) -> None:
    h = Harness(lambda request: httpx.Response(400, json={"error": "bad"}))
    h.api.request("malformed", "POST", "/messages", content=f'{{"to": "{RECIPIENT}",'.encode())
    assert h.seen[0].content == f'{{"to": "{RECIPIENT}",'.encode()
    assert h.recorded[0].request_body == f'{{"to": "{PSEUDONYM}",'


def test_json_and_content_together_is_a_programming_error(harness: Harness) -> None:
    with pytest.raises(ValueError, match="json or content"):
        harness.api.request("x", "POST", "/messages", json={}, content=b"{}")


def test_marketing_endpoint_defaults_to_the_settings_url(harness: Harness) -> None:
    body = template_message(RECIPIENT, "marketing_text_no_param", "en")
    harness.api.request("mm", "POST", harness.api.endpoints.mm_lite_url, json=body)
    harness.api.request("mm", "POST", f"{PRODUCTION_BASE_URL}/marketing_messages", json=body)
    assert [str(r.url) for r in harness.seen] == [ALPHA_MM_LITE_URL, f"{PRODUCTION_BASE_URL}/marketing_messages"]


def test_configuration_endpoints(harness: Harness) -> None:
    h = Harness(lambda request: httpx.Response(200, json={}))
    h.api.set_webhook("https://hooks.example.org/webhook")
    h.api.get_webhook()
    h.api.set_webhook("https://hooks.example.org/webhook", path="/v1/configs/webhook")
    h.api.create_template(template_definition("promo_1", "MARKETING", "en", "Hi"))
    h.api.list_templates()
    assert [(r.method, r.url.path) for r in h.seen] == [
        ("POST", "/waba_webhook"),
        ("GET", "/waba_webhook"),
        ("POST", "/v1/configs/webhook"),
        ("POST", "/v1/configs/templates"),
        ("GET", "/v1/configs/templates"),
    ]
    assert json.loads(h.seen[0].content) == {"url": "https://hooks.example.org/webhook"}
    assert h.seen[1].content == b""
    assert h.recorded[1].request_body is None


def test_network_error_is_recorded_and_raised_redacted() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"connection refused for {KEY} to {RECIPIENT}", request=request)

    h = Harness(refuse)
    with pytest.raises(TargetUnreachableError) as caught:
        h.api.request("send message (/messages)", "POST", "/messages", json=text_message(RECIPIENT, "x"))
    message = str(caught.value)
    assert "send message" in message and "ConnectError" in message
    assert KEY not in message and RECIPIENT not in message
    assert caught.value.__suppress_context__ and caught.value.__cause__ is None
    (exchange,) = h.recorded
    assert exchange.status is None and exchange.error is not None
    assert KEY not in exchange.error and PSEUDONYM in exchange.error
    assert exchange.elapsed_ms == pytest.approx(250.0)


def test_factory_is_called_lazily_and_closed() -> None:
    made: list[httpx.Client] = []

    def factory() -> httpx.Client:
        made.append(httpx.Client(transport=httpx.MockTransport(ok_send)))
        return made[-1]

    with ApiClient(factory, ENDPOINTS, Secret(KEY), REDACTOR) as api:
        assert made == []
        api.request("send message (/messages)", "POST", "/messages", json=text_message(RECIPIENT, "x"))
        assert len(made) == 1
    assert made[0].is_closed


def test_injected_client_is_not_closed_by_the_api_client(harness: Harness) -> None:
    harness.api.close()
    assert not harness.http.is_closed


def test_no_plain_copy_of_the_key_is_kept_in_request_headers(harness: Harness) -> None:
    headers = harness.api._headers(None, None, False)
    assert isinstance(headers["D360-API-KEY"], Secret)
    assert KEY not in repr(headers)


def test_text_message_builder() -> None:
    assert text_message("447700900123", "Hi") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "447700900123",
        "type": "text",
        "text": {"body": "Hi"},
    }


def test_template_message_builder() -> None:
    body = template_message(
        "447700900123", "marketing_text_no_param", "en", message_activity_sharing=True, message_send_ttl_seconds=43200
    )
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "447700900123",
        "type": "template",
        "template": {"name": "marketing_text_no_param", "language": {"code": "en", "policy": "deterministic"}},
        "message_activity_sharing": True,
        "message_send_ttl_seconds": 43200,
    }
    bare = template_message("1", "t", "pt_BR", policy=None, components=[{"type": "body", "parameters": []}])
    assert bare["template"] == {
        "name": "t",
        "language": {"code": "pt_BR"},
        "components": [{"type": "body", "parameters": []}],
    }


def test_template_definition_builder() -> None:
    assert template_definition("promo_1", "MARKETING", "en", "Hello") == {
        "name": "promo_1",
        "category": "MARKETING",
        "language": "en",
        "components": [{"type": "BODY", "text": "Hello"}],
    }
