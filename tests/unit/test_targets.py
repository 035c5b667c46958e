"""Targets without the network: what replay and live do when a step needs the user or the clock."""

from __future__ import annotations

import ssl

import pytest

from mmlite_conformance.suite.config import Secret, Settings
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL as PLACEHOLDER_URL
from mmlite_conformance.suite.targets import (
    TARGETS,
    LiveTarget,
    ReplayTarget,
    TargetUnavailableError,
    _trusting_no_certificate,
    create_target,
)

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


def test_only_live_loads_the_system_trust_store() -> None:
    """Replay and emulator never speak TLS: their client trusts no certificate at all, so a stray https request
    fails at the first certificate, and no run pays for loading the CA bundle."""
    context = _trusting_no_certificate()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0 and context.get_ca_certs() == []
    for name, target in TARGETS.items():
        with target(_settings(name)).http_client() as client:
            # the context the client's connection pool holds (httpx/httpcore internals: no public accessor)
            trusted = client._transport._pool._ssl_context.cert_store_stats()["x509_ca"]  # type: ignore[attr-defined]
            assert (trusted > 0) == (name == "live"), (name, trusted)
