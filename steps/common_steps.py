"""Steps every feature uses: the account, the message being built, sending it, and the generic outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from mmlite_conformance.suite import (
    ENDPOINT_TITLES,
    REFUSAL,
    STEP_TYPES,
    ApiClient,
    ApiResponse,
    Conformance,
    Credentials,
    Observation,
    Sent,
    Settings,
    Target,
    WebhookStore,
    json_from_docstring,
    message_from_docstring,
    send_via,
    template_message,
    text_message,
    with_field,
)


def step(text: str) -> Any:
    return parsers.parse(text, extra_types=STEP_TYPES)


@pytest.fixture
def sends() -> list[Sent]:
    """Every send of the scenario, in order: "the response" is the last, "both responses" the last two."""
    return []


@pytest.fixture
def credentials() -> Credentials:
    return Credentials()


# --- Given ------------------------------------------------------------------------------------------------------


@given("the sandbox account is ready")
def _(target: Target, api: ApiClient, webhooks: WebhookStore, conformance: Conformance) -> None:
    conformance.note(
        f"target {target.name}: Cloud API {api.endpoints.cloud_base_url}, MM Lite {api.endpoints.mm_lite_url}"
    )


@given("the message body:", target_fixture="message")
def _(docstring: str, recipient: str) -> dict[str, Any]:
    return message_from_docstring(docstring, recipient)


@given(step('a text message "{text}" for the test recipient'), target_fixture="message")
def _(text: str, recipient: str) -> dict[str, Any]:
    return text_message(recipient, text)


@given(step('a template message "{name}" in "{language}" for the test recipient'), target_fixture="message")
def _(name: str, language: str, recipient: str) -> dict[str, Any]:
    return template_message(recipient, name, language)


@given(
    step("a template message with an approved {category:Category} template for the test recipient"),
    target_fixture="message",
)
def _(category: str, settings: Settings, recipient: str) -> dict[str, Any]:
    name = {
        "AUTHENTICATION": settings.authentication_template,
        "UTILITY": settings.utility_template,
        "MARKETING": settings.marketing_template,
    }[category]
    return template_message(recipient, name, settings.template_language)


@given(step('the message sets "{field}" to {value:JsonValue}'), target_fixture="message")
def _(field: str, value: Any, message: dict[str, Any]) -> dict[str, Any]:
    return with_field(message, field, value)


@given(step("the D360-API-KEY header is {key_header:KeyHeader}"), target_fixture="credentials")
def _(key_header: str) -> Credentials:
    return Credentials.for_header(key_header)


@given("the partner uses the API key of a number not onboarded to MM Lite", target_fixture="credentials")
def _(settings: Settings) -> Credentials:
    if settings.not_onboarded_api_key is None:
        pytest.skip("needs D360_NOT_ONBOARDED_API_KEY: the key of a number that has not accepted the MM Lite terms")
    return Credentials(api_key=settings.not_onboarded_api_key)


# --- When -------------------------------------------------------------------------------------------------------


@when(step("the partner sends the message via {endpoint:Endpoint}"), target_fixture="response")
def _(
    endpoint: str, message: dict[str, Any], credentials: Credentials, api: ApiClient, sends: list[Sent]
) -> ApiResponse:
    response = send_via(api, endpoint, message, credentials)
    sends.append(Sent(endpoint=endpoint, response=response))
    return response


# --- Then -------------------------------------------------------------------------------------------------------


@then("the request succeeds")
def _(response: ApiResponse, conformance: Conformance) -> None:
    conformance.ok_status(response)


@then("the response is a successful send")
def _(response: ApiResponse, conformance: Conformance) -> None:
    conformance.successful_send(response)


@then(step('the response matches the "{schema}" schema'))
def _(schema: str, response: ApiResponse, conformance: Conformance) -> None:
    conformance.validate(schema, response.body)


@then(step('the message id starts with "{prefix}"'))
def _(prefix: str, response: ApiResponse, conformance: Conformance) -> None:
    conformance.message_id_prefix(response, prefix)


@then("the response echoes the test recipient as the contact input")
def _(response: ApiResponse, message: dict[str, Any], conformance: Conformance) -> None:
    conformance.number_forms(conformance.recipient_echoed(response, message["to"]), "`contacts[0]`")


def _observe_response(conformance: Conformance, what: str, observed: str, contract: str, source: str) -> None:
    """An observation about the response this scenario got; its topic names the scenario (several ask the same)."""
    conformance.observe(Observation(f"{what} ({conformance.evidence.scenario})", observed, contract, source))


@then("both responses are successful sends")
def _(sends: list[Sent], conformance: Conformance) -> None:
    for sent in sends[-2:]:
        conformance.successful_send(sent.response)


@then("both responses have the same shape")
def _(sends: list[Sent], conformance: Conformance) -> None:
    first, second = sends[-2:]
    loose_differences = conformance.same_shape(first.response.body, second.response.body)
    if loose_differences:
        conformance.observe(
            Observation(
                topic="optional or undocumented fields of the send response",
                observed=f"only one response has {loose_differences}",
                contract="documented as optional (message_status: 'only when paced' vs 'always'), or not documented "
                "at all (a new field)",
                source="CONTRACT §5, §10.7",
            )
        )


@then("the two requests differ only in their URL")
def _(sends: list[Sent], conformance: Conformance) -> None:
    first, second = (sent.response.exchange for sent in sends[-2:])
    conformance.differ_only_in_url(first, second)


@then(step('the {endpoint:Endpoint} request was sent to a path ending in "{suffix}"'))
def _(endpoint: str, suffix: str, sends: list[Sent], conformance: Conformance) -> None:
    sent = next((s for s in reversed(sends) if s.endpoint == endpoint), None)
    assert sent is not None, f"no request was sent via {ENDPOINT_TITLES[endpoint]}"
    conformance.path_ends_with(sent.response.exchange, suffix)


@then(step("the request is rejected with error code {code:d}"))
def _(code: int, response: ApiResponse, conformance: Conformance) -> None:
    conformance.rejected(response)
    conformance.error_code(response, code)


@then(step("the request is rejected with the contract profile's error code: {choice:ContractChoice}"))
def _(choice: Any, response: ApiResponse, settings: Settings, conformance: Conformance) -> None:
    conformance.error_code_of_profile(
        response, choice.accepted(settings.contract), settings.contract, choice.described()
    )


@then(step("the error message starts with the text of its code: {texts:CodeTexts}"))
def _(texts: dict[int, str], response: ApiResponse, conformance: Conformance) -> None:
    conformance.error_text_of_code(response, texts, details=False)


@then(step("the error details give the text of its code: {texts:CodeTexts}"))
def _(texts: dict[int, str], response: ApiResponse, conformance: Conformance) -> None:
    conformance.error_text_of_code(response, texts, details=True)


@then(step("the answer is the contract profile's: {choice:ContractChoice}"), target_fixture="refused")
def _(choice: Any, response: ApiResponse, settings: Settings, conformance: Conformance) -> bool:
    accepted = choice.accepted(settings.contract)
    return conformance.answer_of_profile(response, accepted, settings.contract, choice.described()) == REFUSAL


@then(step('a refusal\'s error message starts with "{text}"'))
def _(text: str, refused: bool, response: ApiResponse, conformance: Conformance) -> None:
    if _refusal(refused, conformance):
        conformance.error_message_starts(response, text)


@then(step('a refusal is wrapped in "{key}"'))
def _(key: str, refused: bool, response: ApiResponse, conformance: Conformance) -> None:
    if _refusal(refused, conformance):
        conformance.wrapped_in(response, key)


@then(step("a refusal's error code is recorded as an observation (published: {code:d})"))
def _(code: int, refused: bool, response: ApiResponse, conformance: Conformance) -> None:
    if _refusal(refused, conformance):
        _published_code(code, response, conformance)


def _refusal(refused: bool, conformance: Conformance) -> bool:
    """Whether a step about a refusal applies: the send was served instead (which the profile allowed)."""
    if not refused:
        conformance.note("not applicable: the send was served, not refused (allowed by the contract profile)")
    return refused


@then("the request is rejected with an error response")
def _(response: ApiResponse, conformance: Conformance) -> None:
    conformance.error_body(response)


@then(step('the error message starts with "{text}"'))
def _(text: str, response: ApiResponse, conformance: Conformance) -> None:
    conformance.error_message_starts(response, text)


@then(step('the error details say "{text}"'))
def _(text: str, response: ApiResponse, conformance: Conformance) -> None:
    conformance.error_details(response, text)


@then(step('the error is wrapped in "{key}"'))
def _(key: str, response: ApiResponse, conformance: Conformance) -> None:
    conformance.wrapped_in(response, key)


@then("the response body is exactly:")
def _(docstring: str, response: ApiResponse, conformance: Conformance) -> None:
    conformance.body_equals(response, json_from_docstring(docstring))


@then("the error code is recorded as an observation")
def _(response: ApiResponse, conformance: Conformance) -> None:
    _observe_response(
        conformance,
        "error code",
        conformance.observed_error_code(response),
        "not published by 360dialog or Meta",
        "CONTRACT §4.4, §11.6",
    )


@then(step("the error code is recorded as an observation (published: {code:d})"))
def _(code: int, response: ApiResponse, conformance: Conformance) -> None:
    _published_code(code, response, conformance)


def _published_code(code: int, response: ApiResponse, conformance: Conformance) -> None:
    _observe_response(
        conformance,
        "error code",
        conformance.observed_error_code(response),
        f"published as {code}, while the message says (#200): the sources contradict each other",
        "CONTRACT §6.2, §10.2",
    )


@then("the answer is either a valid send or the documented invalid-token error")
def _(response: ApiResponse, conformance: Conformance) -> None:
    if response.ok:
        conformance.successful_send(response)
        conformance.validate("send-response", response.body)
    else:
        conformance.rejected(response)
        conformance.validate("error-api-key", response.body)


@then("the HTTP status is recorded as an observation")
def _(response: ApiResponse, conformance: Conformance) -> None:
    _observe_response(
        conformance,
        "HTTP status",
        f"HTTP {response.status}",
        "not stated by 360dialog's guide; Meta lists 400 for MM Lite errors, 360dialog's API reference "
        "401 for a bad key",
        "CONTRACT §2, §6.2, §11.1",
    )


@then(step('the placement of "{field}" is recorded as an observation'))
def _(field: str, message: dict[str, Any], response: ApiResponse, conformance: Conformance) -> None:
    conformance.observe(
        Observation(
            topic=f"placement of {field}",
            observed=f"sent at the top level of the send payload: HTTP {response.status}"
            if field in message
            else "not in the send payload",
            contract="360dialog: 'in the payload of your Marketing Message Template' (ambiguous); Meta: a template "
            "property set when the template is created",
            source="CONTRACT §4.4, §10.6",
        )
    )


@then("the response body is recorded as an observation")
def _(response: ApiResponse, conformance: Conformance) -> None:
    _observe_response(
        conformance,
        "response body",
        f"HTTP {response.status} {conformance.rendered(response)}",
        "shape not published",
        "CONTRACT §10.1, §11.4",
    )
