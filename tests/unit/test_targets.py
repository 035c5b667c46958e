"""Targets without the network: what replay and live do when a step needs the user or the clock."""

from __future__ import annotations

import pytest

from mmlite_conformance.config import Secret, Settings
from mmlite_conformance.receiver import PLACEHOLDER_URL
from mmlite_conformance.targets import TARGETS, LiveTarget, ReplayTarget, TargetUnavailableError, create_target

pytestmark = pytest.mark.unit


def _settings(target: str, *, interactive: bool = False) -> Settings:
    return Settings(
        target=target,
        record=None,
        api_key=Secret("k" * 24),
        not_onboarded_api_key=None,
        recipient="5511987650001",
        webhook_public_url="https://hooks.example.org/in",
        interactive=interactive,
    )


def test_the_registry_knows_every_configurable_target() -> None:
    assert set(TARGETS) == {"replay", "emulator", "live"}
    assert isinstance(create_target(_settings("replay")), ReplayTarget)


@pytest.mark.parametrize("action", ["send_inbound_text", "read_message"])
def test_live_without_a_person_refuses_with_the_reason(action: str) -> None:
    prompts: list[str] = []
    with pytest.raises(TargetUnavailableError, match="needs a person"):
        getattr(LiveTarget(_settings("live")), action)("Hello abc", prompts.append)
    assert prompts == []  # nobody was asked


def test_live_with_a_person_prompts_with_the_nonce() -> None:
    prompts: list[str] = []
    LiveTarget(_settings("live", interactive=True)).send_inbound_text("Hello abc123", prompts.append)
    assert len(prompts) == 1 and "Hello abc123" in prompts[0]


def test_live_registers_the_public_webhook_url() -> None:
    assert LiveTarget(_settings("live")).webhook_url() == "https://hooks.example.org/in"


def test_replay_plays_the_user_from_the_tape() -> None:
    target = ReplayTarget(_settings("replay"))
    prompts: list[str] = []
    target.send_inbound_text("Hello", prompts.append)
    target.read_message("wamid.x", prompts.append)
    target.wait_for_template_sync(660, prompts.append)
    assert prompts == []
    assert target.webhook_url() == PLACEHOLDER_URL
    tape = [{"method": "POST", "path": "/webhook", "headers": {}, "body": {"object": "whatsapp_business_account"}}]
    assert len(target.scenario_receiver(tape).events()) == 1
