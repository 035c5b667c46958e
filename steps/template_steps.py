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


@given(step("the template was created less than {minutes:d} minutes ago"))
def _(minutes: int, new_template: NewTemplate) -> None:
    if time.monotonic() - new_template.created_at >= minutes * 60:
        pytest.skip(f"approval took {minutes} minutes or more: a send before the sync delay cannot be tested")


@given(
    step('a template message with the new template in "{language}" for the test recipient'), target_fixture="message"
)
def _(language: str, new_template: NewTemplate, recipient: str) -> dict[str, Any]:
    return template_message(recipient, new_template.name, language)


@when(step("{minutes:d} minutes have passed since the template was created"))
def _(minutes: int, new_template: NewTemplate, user: User) -> None:
    user.waits_for_template_sync(max(0.0, minutes * 60 - (time.monotonic() - new_template.created_at)))


@then(step('the template list shows the new template with category "{category}"'))
def _(category: str, api: ApiClient, new_template: NewTemplate, conformance: Conformance) -> None:
    conformance.template_listed(api.list_templates(), new_template.name, category)
