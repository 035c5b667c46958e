"""Steps of the platform's reactions to errors: arm the error, act, judge what the platform did next."""

from __future__ import annotations

from pytest_bdd import given, then, when

from mmlite_conformance.suite import (
    CLOUD_API_PATH,
    INVALID_TOKEN_BODY,
    MM_LITE_PATH,
    TERMS_MESSAGE,
    US_PREFIX,
    Conformance,
    Observation,
    PlatformSession,
    error_code,
    error_message,
    json_from_docstring,
)
from steps.common_steps import step
from steps.platform_steps import TEMPLATE_LANGUAGE, PlatformScenario

#: how long a +1 recipient's failed status may take to reach the platform and be answered
FAILED_STATUS_WAIT_S = 10.0


def _marketing_path(platform: PlatformSession) -> str:
    return MM_LITE_PATH if platform.routing == "explicit" else CLOUD_API_PATH


# --- Given ------------------------------------------------------------------------------------------------------


@given(step("the emulator answers the platform's next {which} with HTTP {status:d} and code {code:d}:"))
def _(
    which: str,
    status: int,
    code: int,
    docstring: str,
    platform: PlatformSession,
    platform_scenario: PlatformScenario,
    conformance: Conformance,
) -> None:
    """`which`: "MM Lite request", or "request for the template" (the path its routing mode sends marketing to)."""
    path = MM_LITE_PATH if which == "MM Lite request" else _marketing_path(platform)
    armed = platform.control.arm(path, status, json_from_docstring(docstring))
    platform_scenario.armed = (armed, f"the answer {code}" + (" from MM Lite" if path == MM_LITE_PATH else ""))
    conformance.note(f"arranged: the next POST {path} is answered HTTP {status} with code {code}")


@given(
    step(
        "the emulator answers the platform's next {times:d} marketing sends {scope} with HTTP 429, "
        "Retry-After {seconds:d} s and code {code:d}:"
    )
)
def _(
    times: int,
    scope: str,
    seconds: int,
    code: int,
    docstring: str,
    platform: PlatformSession,
    platform_scenario: PlatformScenario,
    conformance: Conformance,
) -> None:
    platform_scenario.recipient = platform.new_recipient()
    armed = platform.control.arm(
        _marketing_path(platform),
        429,
        json_from_docstring(docstring),
        times=times,
        to=platform_scenario.recipient if "recipient" in scope else None,
        headers={"Retry-After": str(seconds)},
    )
    platform_scenario.armed = (armed, f"the 429 with code {code}")
    conformance.note(
        f"arranged: the next {times} marketing sends {scope} are answered HTTP 429, code {code}, "
        f"Retry-After {seconds} s"
    )


@given("the account has not accepted the MM Lite terms")
def _(platform: PlatformSession, platform_scenario: PlatformScenario) -> None:
    platform.control.set_account(mm_lite_onboarded=False)
    platform_scenario.restore += [
        lambda: platform.control.set_account(mm_lite_onboarded=True),
        lambda: platform.control.notify("account_update", {"event": "MM_LITE_TERMS_SIGNED"}),
    ]


@given("the account's API key is rejected")
def _(platform: PlatformSession, platform_scenario: PlatformScenario) -> None:
    platform.control.set_account(api_key_valid=False)
    platform_scenario.restore.append(lambda: platform.control.set_account(api_key_valid=True))


@given("a MARKETING template created just now, still syncing with the ad account")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, nonce: str, conformance: Conformance) -> None:
    name = f"cert_syncing_{nonce}"
    platform.control.put_template(name, TEMPLATE_LANGUAGE, "MARKETING", synced=False)
    conformance.webhook_accepted(
        platform.control.notify("message_template_status_update", {"name": name, "language": TEMPLATE_LANGUAGE})
    )
    platform_scenario.templates["MARKETING"] = platform_scenario.last_template = name


@given("a new recipient in the United States")
def _(platform: PlatformSession, platform_scenario: PlatformScenario) -> None:
    platform_scenario.recipient = platform.new_recipient(US_PREFIX)


# --- When -------------------------------------------------------------------------------------------------------


def _send_again(
    platform: PlatformSession,
    platform_scenario: PlatformScenario,
    conformance: Conformance,
    *,
    refusal_allowed: bool = False,
) -> None:
    result = platform.send_template(platform_scenario.recipient, platform_scenario.last_template, TEMPLATE_LANGUAGE)
    platform_scenario.results.append(conformance.accepted(result, refusal_allowed=refusal_allowed))


@when("the platform is asked to send the template to the prepared recipient")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    _send_again(platform, platform_scenario, conformance)


@when("the platform is asked to send the template to that recipient")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    platform_scenario.deliveries_seen = len(platform.control.deliveries())
    _send_again(platform, platform_scenario, conformance)


@when("the platform is asked to send the template to that recipient again")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    _send_again(platform, platform_scenario, conformance, refusal_allowed=True)


@when("the platform has answered the failed status of that message")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    platform.control.drain(FAILED_STATUS_WAIT_S)
    answered = [a for a in platform.control.deliveries()[platform_scenario.deliveries_seen :] if a["kind"] == "status"]
    if not answered:
        raise conformance.fail("the emulator posted no status for the message to the platform's webhook")
    for attempt in answered:
        conformance.note(f"status webhook answered HTTP {attempt['status']} ({attempt['outcome']})")
        if attempt["outcome"] != "delivered":
            raise conformance.fail(f"the platform's webhook did not accept a status webhook: {attempt['outcome']}")


# --- Then -------------------------------------------------------------------------------------------------------


@then("the platform met the arranged answer")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    armed, what = platform_scenario.armed
    conformance.met(platform_scenario.last.window, what, lambda r: r.raw.get("armed") == armed)


@then("the platform met the terms error")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.met(
        platform_scenario.last.window, "the terms error", lambda r: error_message(r.answer).startswith(TERMS_MESSAGE)
    )


@then("the platform met the invalid-token answer")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.met(platform_scenario.last.window, "the invalid-token answer", lambda r: r.answer == INVALID_TOKEN_BODY)


@then("it sent no further MM Lite request for that recipient")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    window = platform_scenario.last.window
    assert window is not None
    first = next(r for r in window.requests if r.path == MM_LITE_PATH and r.status >= 400)
    conformance.none_after(window, first, MM_LITE_PATH, f"the error {error_code(first.answer) or first.status}")


@then("it sent at most one request for that recipient to /messages, recorded as its fallback")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    fallbacks = [r for r in platform_scenario.last.requests if r.path == CLOUD_API_PATH]
    conformance.at_most(fallbacks, 1, "fallback to /messages")
    conformance.observe(
        Observation(
            topic="fallback after an MM Lite refusal",
            observed=f"{len(fallbacks)} request(s) to /messages"
            + (f", answered {fallbacks[0].status}" if fallbacks else ""),
            contract="one fallback to the Cloud API is allowed; none is required",
            source="CURRENT-API §1.8, §2.2 R3",
        )
    )


@then("it sent exactly one request for that recipient to /messages")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.exactly(
        [r for r in platform_scenario.last.requests if r.path == CLOUD_API_PATH], 1, "request to /messages"
    )


@then("it sent at most one MM Lite request for that recipient before the sync delay ended")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.at_most([r for r in platform_scenario.last.requests if r.path == MM_LITE_PATH], 1, "MM Lite request")


@then("that request, if any, met 131009")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    for request in (r for r in platform_scenario.last.requests if r.path == MM_LITE_PATH):
        if error_code(request.answer) != 131009:
            raise conformance.fail(f"expected 131009 for a template still syncing; MM Lite answered {request.status}")


@then("it sent at most one further request for that recipient")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.at_most(list(platform_scenario.last.requests), 2, "requests after an invalid-token answer")


@then(step("it sent at most {count:d} requests for that recipient"))
def _(count: int, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.at_most(list(platform_scenario.last.requests), count, "requests for the message")


@then("every retry came at least Retry-After after the 429 before it, and the second wait was no shorter")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    for rule in conformance.waited_retry_after(platform_scenario.last.requests):
        conformance.note(rule)


@then("the message was accepted before the observation ended")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.finally_accepted(platform_scenario.last.requests)


@then("it sent nothing for that recipient the second time, or refused the action")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    second = platform_scenario.last
    if second.outcome.verdict != "refused":
        conformance.at_most(list(second.requests), 0, "requests to a recipient that failed with 131049")
