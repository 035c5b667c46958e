"""Steps about creating marketing templates and the ad-account sync delay (guide 2.c)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_bdd import given, then, when

from mmlite_conformance.suite import (
    ApiClient,
    ApiResponse,
    Conformance,
    Settings,
    User,
    marketing_template_definition,
    new_template_name,
    template_message,
    wait_until_approved,
)
from steps.common_steps import step


@dataclass(slots=True)
class NewTemplate:
    """The template this scenario created: its name and when (monotonic seconds) it was created."""

    name: str = ""
    created_at: float = 0.0


@pytest.fixture
def new_template() -> NewTemplate:
    return NewTemplate()


def _create(api: ApiClient, settings: Settings, nonce: str, new_template: NewTemplate) -> ApiResponse:
    new_template.name = new_template_name(nonce)
    new_template.created_at = time.monotonic()
    return api.create_template(marketing_template_definition(new_template.name, settings.template_language))


@when("the partner creates a new marketing template with a unique name", target_fixture="response")
def _(api: ApiClient, settings: Settings, nonce: str, new_template: NewTemplate) -> ApiResponse:
    return _create(api, settings, nonce, new_template)


@given("the partner has created a new marketing template that is approved")
def _(api: ApiClient, settings: Settings, nonce: str, new_template: NewTemplate, conformance: Conformance) -> None:
    conformance.ok_status(_create(api, settings, nonce, new_template))
    wait_until_approved(api, new_template.name, conformance, timeout=settings.wait_timeout)


@given("the template was created within the sync window")
def _(new_template: NewTemplate, settings: Settings) -> None:
    window = settings.template_sync_wait
    if time.monotonic() - new_template.created_at >= window:
        pytest.skip(
            f"environment: approval took longer than the sync window ({window:g} s, MMLITE_TEMPLATE_SYNC_WAIT), "
            "so a send before the sync delay cannot be tested"
        )


@given(
    step('a template message with the new template in "{language}" for the test recipient'), target_fixture="message"
)
def _(language: str, new_template: NewTemplate, recipient: str) -> dict[str, Any]:
    return template_message(recipient, new_template.name, language)


@when("the sync window has passed since the template was created")
def _(new_template: NewTemplate, settings: Settings, user: User) -> None:
    user.waits_for_template_sync(max(0.0, settings.template_sync_wait - (time.monotonic() - new_template.created_at)))


@then(step('the template list shows the new template with category "{category}"'))
def _(category: str, api: ApiClient, new_template: NewTemplate, conformance: Conformance) -> None:
    conformance.template_listed(api.list_templates(), new_template.name, category)
