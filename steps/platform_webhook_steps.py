"""Steps of the platform's webhook endpoint: post notifications, judge each first answer; attest the rest."""

from __future__ import annotations

import pytest
from pytest_bdd import given, then, when

from mmlite_conformance.suite import MM_LITE_PATH, Conformance, Delivery, Operator, PlatformSession
from steps.common_steps import step
from steps.platform_steps import PlatformScenario


@given("the partner shared a webhook secret with the platform")
def _(platform: PlatformSession) -> None:
    if not platform.settings.webhook_secret:
        pytest.skip("needs MMLITE_PLATFORM_WEBHOOK_SECRET: the secret the partner shared with the platform")


@given(step("the emulator answers the platform's next marketing send with a message_status of {status}"))
def _(status: str, platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    platform_scenario.recipient = platform.new_recipient()
    answer = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": platform_scenario.recipient, "wa_id": platform_scenario.recipient}],
        "messages": [{"id": "wamid.CERTPLATFORMHELD0001", "message_status": status}],
    }
    path = MM_LITE_PATH if platform.routing == "explicit" else "/messages"
    platform.control.arm(path, 200, answer, to=platform_scenario.recipient)
    conformance.note(f"arranged: the next marketing send to that recipient is accepted with message_status {status}")


@when(step("the emulator posts {notification} to the platform's webhook"), target_fixture="deliveries")
def _(notification: str, platform: PlatformSession) -> list[Delivery]:
    return platform.post(notification)


@when(
    step("the emulator posts {count:d} delivered statuses within {within:d} s over up to {connections:d} connections"),
    target_fixture="deliveries",
)
def _(count: int, within: int, connections: int, platform: PlatformSession) -> list[Delivery]:
    return platform.burst("a delivered status priced marketing", count, connections, float(within))


@when("the emulator posts a delivered status signed with a wrong key in both header forms", target_fixture="deliveries")
def _(platform: PlatformSession) -> list[Delivery]:
    return platform.post("a delivered status priced marketing", signature="wrong")


@then(step("every notification was answered 2xx within {seconds:g} s on its first attempt"))
def _(seconds: float, deliveries: list[Delivery], conformance: Conformance) -> None:
    conformance.answered_in_time(deliveries, seconds * 1000)


@then("the platform refused it with a 4xx")
def _(deliveries: list[Delivery], conformance: Conformance) -> None:
    for delivery in deliveries:
        conformance.refused_4xx(delivery)


@then(step('the operator confirms: "{what}"'))
def _(what: str, operator: Operator, conformance: Conformance) -> None:
    conformance.attest(what, operator.confirms(what))
