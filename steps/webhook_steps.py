"""Steps about webhooks: the suite's receiver, the sandbox's webhook URL, inbound messages and statuses."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, then, when

from mmlite_conformance.suite import (
    ApiClient,
    ApiResponse,
    Conformance,
    Credentials,
    Settings,
    Target,
    User,
    WebhookStore,
    contacts_of,
    first_inbound_message,
    is_inbound_text,
    recipients_of,
    status_trail,
    statuses_of,
)
from steps.common_steps import step


@given("the webhook URL points to the suite's receiver")
def _(api: ApiClient, target: Target, conformance: Conformance) -> None:
    conformance.ok_status(api.set_webhook(target.webhook_url()))


@given("that number's webhook URL points to the suite's receiver")
def _(credentials: Credentials, api: ApiClient, target: Target, conformance: Conformance) -> None:
    label = "set webhook URL of that number"
    conformance.ok_status(api.set_webhook(target.webhook_url(), api_key=credentials.api_key, label=label))


@given("the user has written to the sandbox number within the last 24 hours")
def _(user: User, nonce: str, webhooks: WebhookStore, settings: Settings) -> None:
    text = f"Hello {nonce}"
    user.sends_text(text)
    webhooks.wait_for(is_inbound_text(text), timeout=settings.wait_timeout)


@when("a test notification is posted to the suite's receiver URL", target_fixture="test_notification")
def _(target: Target, nonce: str) -> str:
    return target.post_test_notification(nonce)


@when("the partner sets the webhook URL to the suite's receiver", target_fixture="response")
def _(api: ApiClient, target: Target) -> ApiResponse:
    return api.set_webhook(target.webhook_url())


@when("the partner reads the webhook URL", target_fixture="response")
def _(api: ApiClient) -> ApiResponse:
    return api.get_webhook()


@when(step('the user sends "{text}" followed by a fresh nonce from their phone'), target_fixture="inbound_text")
def _(text: str, user: User, nonce: str) -> str:
    sent = f"{text} {nonce}"
    user.sends_text(sent)
    return sent


@then("the receiver gets the test notification")
def _(test_notification: str, webhooks: WebhookStore, settings: Settings, conformance: Conformance) -> None:
    arrived = webhooks.wait_for(
        lambda event: test_notification in event.raw,
        timeout=settings.wait_timeout,
        description=f"the test notification {test_notification}",
    )
    conformance.show_webhooks([arrived])


@then("the reported webhook URL is the suite's receiver")
def _(response: ApiResponse, target: Target, conformance: Conformance) -> None:
    conformance.reported_url(response, target.webhook_url())


@then("an inbound text webhook containing the nonce arrives", target_fixture="inbound_webhook")
def _(inbound_text: str, webhooks: WebhookStore, settings: Settings, conformance: Conformance) -> Any:
    event = webhooks.wait_for(is_inbound_text(inbound_text), timeout=settings.wait_timeout)
    conformance.show_webhooks([event])
    return event


@then(step('the inbound webhook matches the "{schema}" schema'))
def _(schema: str, inbound_webhook: Any, conformance: Conformance) -> None:
    conformance.validate(schema, inbound_webhook.body)


@then("the inbound message was sent by the test recipient")
def _(inbound_webhook: Any, recipient: str, conformance: Conformance) -> None:
    message = first_inbound_message(inbound_webhook)
    conformance.is_test_recipient(
        message.get("from"),
        recipient,
        "`messages[0].from`",
        user_id=message.get("from_user_id"),
        contacts=contacts_of(inbound_webhook),
    )


@then(step("status webhooks for the message report {statuses:StatusList}"), target_fixture="status_webhooks")
def _(
    statuses: tuple[str, ...],
    response: ApiResponse,
    user: User,
    webhooks: WebhookStore,
    settings: Settings,
    conformance: Conformance,
) -> list[Any]:
    message_id = conformance.successful_send(response)
    if "read" in statuses:
        user.reads(message_id)
    events = status_trail(webhooks, message_id, statuses, timeout=settings.wait_timeout)
    conformance.show_webhooks(events)
    conformance.not_failed(statuses_of(events, message_id))
    conformance.statuses_progress(statuses_of(events, message_id), statuses)
    return events


@then("every status webhook for the message is addressed to the test recipient")
def _(status_webhooks: list[Any], response: ApiResponse, recipient: str, conformance: Conformance) -> None:
    for status, notified in recipients_of(status_webhooks, conformance.message_id(response)):
        conformance.is_test_recipient(
            status.get("recipient_id"),
            recipient,
            "`statuses[].recipient_id`",
            user_id=status.get("recipient_user_id"),
            contacts=notified,
        )


@then(step('every status webhook for the message matches the "{schema}" schema'))
def _(schema: str, status_webhooks: list[Any], conformance: Conformance) -> None:
    for event in status_webhooks:
        conformance.validate(schema, event.body)


@then("at least one status webhook for the message carries pricing")
def _(status_webhooks: list[Any], response: ApiResponse, conformance: Conformance) -> None:
    conformance.some_priced(statuses_of(status_webhooks, conformance.message_id(response)))


@then(step('every status webhook with pricing says category "{category}"'))
def _(category: str, status_webhooks: list[Any], response: ApiResponse, conformance: Conformance) -> None:
    conformance.pricing_category(statuses_of(status_webhooks, conformance.message_id(response)), category)


@then(step('a fallback is priced as the Cloud API prices a marketing template: category "{category}"'))
def _(
    category: str,
    refused: bool,
    response: ApiResponse,
    webhooks: WebhookStore,
    settings: Settings,
    conformance: Conformance,
) -> None:
    if refused:
        conformance.note("not applicable: the send was refused, so nothing fell back")
        return
    message_id = conformance.successful_send(response)
    statuses = statuses_of(status_trail(webhooks, message_id, ("sent",), timeout=settings.wait_timeout), message_id)
    conformance.some_priced(statuses)  # a served send with no priced status would leave the route unproven
    conformance.pricing_category(statuses, category)


@then(step("every status webhook with pricing says the contract profile's category: {choice:ContractChoice}"))
def _(
    choice: Any, status_webhooks: list[Any], response: ApiResponse, settings: Settings, conformance: Conformance
) -> None:
    statuses = statuses_of(status_webhooks, conformance.message_id(response))
    conformance.pricing_category_of_profile(
        statuses, choice.accepted(settings.contract), settings.contract, choice.described()
    )
