"""Steps of the platform requirements: arrange through the emulator, act through the driver, judge the journal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, then, when

from mmlite_conformance.suite import (
    CLOUD_API_PATH,
    MM_LITE_PATH,
    ActionResult,
    Conformance,
    Observation,
    PlatformSession,
)
from steps.common_steps import step

TEMPLATE_LANGUAGE = "en"


@dataclass(slots=True)
class PlatformScenario:
    """What a platform scenario arranged and what the platform did, step by step."""

    templates: dict[str, str] = field(default_factory=dict)  # category -> template name
    last_template: str = ""
    recipient: str = ""
    results: list[ActionResult] = field(default_factory=list)
    #: the armed answer a scenario waits for the platform to meet: its id and what it is, in words
    armed: tuple[str, str] = ("", "")
    #: what puts the account back as it was, run after the scenario whatever its outcome
    restore: list[Callable[[], object]] = field(default_factory=list)
    #: how many delivery attempts the emulator had logged before the scenario's send
    deliveries_seen: int = 0

    @property
    def last(self) -> ActionResult:
        return self.results[-1]


@pytest.fixture
def platform_scenario(platform: PlatformSession) -> Iterator[PlatformScenario]:
    scenario = PlatformScenario()
    yield scenario
    for undo in reversed(scenario.restore):
        platform.restore(undo)


# --- Given ------------------------------------------------------------------------------------------------------


@given("the partner's platform is connected to the emulator")
def _(platform: PlatformSession, conformance: Conformance) -> None:
    conformance.note(f"platform driven through {platform.driver.description}, {platform.routing} routing")


@given(step("a {category:Category} template approved on the account"))
def _(
    category: str, platform: PlatformSession, platform_scenario: PlatformScenario, nonce: str, conformance: Conformance
) -> None:
    name = f"cert_{category.lower()}_{nonce}_{len(platform_scenario.templates)}"
    conformance.webhook_accepted(platform.approve_template(name, TEMPLATE_LANGUAGE, category))
    platform_scenario.templates[category] = platform_scenario.last_template = name


@given("the platform routes explicitly")
def _(platform: PlatformSession) -> None:
    if platform.routing != "explicit":
        pytest.skip(f"not applicable: the platform delegates routing to 360dialog ({platform.routing} routing)")


@given("the new recipient has written to the sandbox number")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    platform_scenario.recipient = platform.new_recipient()
    conformance.webhook_accepted(platform.user_writes(platform_scenario.recipient, "Hello"))


@given("the platform registers its webhook itself")
def _(platform: PlatformSession) -> None:
    if platform.settings.webhook_url:
        pytest.skip("not applicable: registered by configuration (MMLITE_PLATFORM_WEBHOOK_URL)")


# --- When -------------------------------------------------------------------------------------------------------


@when("the platform is asked to send the template to a new recipient")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    platform_scenario.recipient = platform.new_recipient()
    result = platform.send_template(platform_scenario.recipient, platform_scenario.last_template, TEMPLATE_LANGUAGE)
    platform_scenario.results.append(conformance.accepted(result))


@when(step("the platform is asked to send the {category:Category} template to a new recipient"))
def _(category: str, platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    name = platform_scenario.templates[category]
    result = platform.send_template(platform.new_recipient(), name, TEMPLATE_LANGUAGE)
    platform_scenario.results.append(conformance.accepted(result))


@when(step('the platform is asked to send the text "{text}" to that recipient'))
def _(text: str, platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    result = platform.send_text(platform_scenario.recipient, text)
    platform_scenario.results.append(conformance.accepted(result))


@when(step("the template's change to {category:Category} is announced as impending"))
def _(category: str, platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    name = platform_scenario.last_template
    old = next(c for c, n in platform_scenario.templates.items() if n == name)
    conformance.webhook_accepted(platform.announce_category_change(name, TEMPLATE_LANGUAGE, "impending", old, category))


@when(step("the template's change to {category:Category} is completed"))
def _(category: str, platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    name = platform_scenario.last_template
    old = next(c for c, n in platform_scenario.templates.items() if n == name)
    conformance.webhook_accepted(platform.announce_category_change(name, TEMPLATE_LANGUAGE, "completed", old, category))
    platform_scenario.templates = {category: name}


@when("the platform is asked to register its webhook")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    platform_scenario.results.append(conformance.accepted(platform.register_webhook()))


# --- Then -------------------------------------------------------------------------------------------------------


@then("the platform sent it to the endpoint its routing mode gives marketing templates")
def _(platform: PlatformSession, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    path = MM_LITE_PATH if platform.routing == "explicit" else CLOUD_API_PATH
    result = platform_scenario.last
    assert result.window is not None  # accepted actions are observed
    conformance.routed_to(result.window, path, result.describe())


@then(step("the platform sent it to {path} only"))
def _(path: str, platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    result = platform_scenario.last
    assert result.window is not None
    conformance.routed_to(result.window, path, result.describe())


@then("every request it sent carried the bare key in D360-API-KEY")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.bare_key(platform_scenario.last.requests)


@then("every request it sent used 360dialog's routes")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.on_360dialog_surface(platform_scenario.last.requests)


@then("no request it sent carried message_activity_sharing")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    conformance.no_mm_lite_field_on_cloud(platform_scenario.last.requests)


@then("the MM Lite body equals the Cloud API body apart from message_activity_sharing")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    sent = [request for result in platform_scenario.results for request in result.requests]
    mm_lite = next((r for r in sent if r.path == MM_LITE_PATH), None)
    cloud = next((r for r in sent if r.path == CLOUD_API_PATH), None)
    if mm_lite is None or cloud is None:
        raise conformance.fail("expected one send on each endpoint to compare; see the requests above")
    conformance.same_body_on_both_endpoints(mm_lite, cloud)


@then("every body it sent matches its endpoint's request schema")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    kinds = {MM_LITE_PATH: "marketing-send-request", CLOUD_API_PATH: "send-request"}
    for result in platform_scenario.results:
        for request in result.requests:
            conformance.validate(kinds[request.path], request.body)


@then("every URL it registered is one 360dialog accepts")
def _(platform_scenario: PlatformScenario, conformance: Conformance) -> None:
    result = platform_scenario.last
    assert result.window is not None
    local = conformance.registered_webhook(result.window)
    paths = sorted({request.path for request in result.requests})
    conformance.observe(
        Observation(
            topic="webhook registration endpoint",
            observed=f"the platform used {', '.join(paths)}",
            contract="either is documented: /waba_webhook (WABA) or /v1/configs/webhook (the number)",
            source="CONTRACT §3.4",
        )
    )
    if local:
        conformance.observe(
            Observation(
                topic="a loopback webhook URL",
                observed="; ".join(local),
                contract="360dialog requires https, no explicit port and no '_' in the host: fine for a rehearsal "
                "on this machine, not for production",
                source="CONTRACT §3.4",
            )
        )
