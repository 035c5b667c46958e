"""Targets without the network: what each decides for a run, and what replay and live do when a step needs the
user or the clock."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import httpx
import pytest

from mmlite_conformance.emulator.limits import IDLE_TIMEOUT
from mmlite_conformance.suite.client import pooled_limits
from mmlite_conformance.suite.config import OFFLINE_RECIPIENT, Secret, Settings
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL
from mmlite_conformance.suite.netguard import NetworkBlocked
from mmlite_conformance.suite.platform.control import EmulatorControl
from mmlite_conformance.suite.recording.replay import ReplayTransport
from mmlite_conformance.suite.redaction import Redactor, derive_pseudonym_key
from mmlite_conformance.suite.targets import (
    TARGETS,
    EmulatorTarget,
    LiveTarget,
    ReplayTarget,
    TargetUnavailableError,
    create_target,
)
from mmlite_conformance.suite.targets.base import trusting_no_certificate

pytestmark = pytest.mark.unit

REAL_NUMBER = "5521987654321"


def _settings(
    target: str,
    *,
    interactive: bool = False,
    recipient: str = "5511987650001",
    key: str = "k" * 24,
    record: str | None = None,
) -> Settings:
    return Settings(
        target=target,
        record=record,
        api_key=Secret(key),
        not_onboarded_api_key=None,
        recipient=recipient,
        webhook_public_url="https://hooks.example.org/in",
        interactive=interactive,
    )


def test_the_registry_knows_every_configurable_target() -> None:
    assert set(TARGETS) == {"replay", "emulator", "live", "platform"}
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
    assert target.webhook_url() == RECEIVER_PLACEHOLDER_URL
    tape = [{"method": "POST", "path": "/webhook", "headers": {}, "body": {"object": "whatsapp_business_account"}}]
    store = target.scenario_webhooks(tape)
    assert len(store.events()) == 1 and store.closed


def test_only_live_loads_the_system_trust_store() -> None:
    """Replay and emulator never speak TLS: their client trusts no certificate at all, so a stray https request
    fails at the first certificate, and no run pays for loading the CA bundle."""
    context = trusting_no_certificate()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0 and context.get_ca_certs() == []
    for name, target in TARGETS.items():
        if name == "replay":  # its transport opens nothing: test_replay_client_opens_no_connection
            continue
        with target(_settings(name)).http_client() as client:
            # the context the client's connection pool holds (httpx/httpcore internals: no public accessor)
            pool = getattr(getattr(client, "_transport"), "_pool")  # noqa: B009
            trusted = pool._ssl_context.cert_store_stats()["x509_ca"]
            assert (trusted > 0) == (name == "live"), (name, trusted)


def test_replay_client_opens_no_connection() -> None:
    """The cassette answers from the client's transport; a request outside a cassette is refused, without a socket."""
    with ReplayTarget(_settings("replay")).http_client() as client:
        transport = getattr(client, "_transport")  # noqa: B009
        assert isinstance(transport, ReplayTransport) and isinstance(transport.outside, httpx.MockTransport)
        with pytest.raises(NetworkBlocked, match=r"network access blocked: GET 127\.0\.0\.1 outside a cassette"):
            client.get("http://127.0.0.1:9/")


def test_the_offline_recipient_gets_the_public_key_so_shipped_cassettes_reproduce() -> None:
    for target in (ReplayTarget, EmulatorTarget):
        assert target(_settings(target.name, recipient=OFFLINE_RECIPIENT)).pseudonym_key() == derive_pseudonym_key(None)


def test_a_live_number_is_keyed_with_the_partners_secret() -> None:
    key = LiveTarget(_settings("live", recipient=REAL_NUMBER)).pseudonym_key()
    assert key == derive_pseudonym_key("k" * 24) != derive_pseudonym_key(None)
    other = LiveTarget(_settings("live", recipient=REAL_NUMBER, key="another-key-000000000000")).pseudonym_key()
    assert key != other


def test_a_real_number_given_to_the_emulator_gets_a_key_of_this_run_only() -> None:
    first, second = (EmulatorTarget(_settings("emulator", recipient=REAL_NUMBER)).pseudonym_key() for _ in range(2))
    assert first != second
    assert derive_pseudonym_key(None) not in (first, second)


def test_each_target_decides_its_recording_mode_and_network_guard() -> None:
    assert ReplayTarget(_settings("replay")).recording_mode() == "replay"
    assert EmulatorTarget(_settings("emulator")).recording_mode() == "off"
    assert EmulatorTarget(_settings("emulator", record="new")).recording_mode() == "record-new"
    assert LiveTarget(_settings("live", record="overwrite")).recording_mode() == "record-overwrite"
    with ReplayTarget(_settings("replay")).network_guard(), pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.org", 443)
    with LiveTarget(_settings("live")).network_guard():
        pass  # nothing blocked (nothing connects either)


def test_each_target_says_whether_its_answers_were_simulated() -> None:
    assert ReplayTarget(_settings("replay")).is_simulated({"target": "emulator"})
    assert not ReplayTarget(_settings("replay")).is_simulated({"target": "live"})
    assert EmulatorTarget(_settings("emulator")).is_simulated({})
    assert not LiveTarget(_settings("live")).is_simulated({"target": "emulator"})


def test_recording_targets_give_a_provenance_with_nonce_and_recipient() -> None:
    nodeid = "steps/test_features.py::test_x"
    emulator = EmulatorTarget(_settings("emulator")).scenario_provenance(nodeid, ["S1a"], "5500012345678")
    assert (
        emulator["recorded_at"] == "2026-01-01"
        and emulator["nonce"]
        == EmulatorTarget(_settings("emulator")).scenario_provenance(nodeid, ["S1a"], "x")["nonce"]
    )  # the same scenario, the same nonce: byte-identical tapes
    live = [LiveTarget(_settings("live")).scenario_provenance(nodeid, ["S1a"], "5500012345678") for _ in range(2)]
    assert live[0]["nonce"] != live[1]["nonce"]  # a person types it: never one an old message could match
    assert live[0]["recipient"] == emulator["recipient"] == "5500012345678"
    replay = ReplayTarget(_settings("replay"))
    assert replay.scenario_recipient({"recipient": "5500099999999"}) == "5500099999999"


def test_posts_to_the_receiver_are_never_recorded_also_through_a_live_tunnel() -> None:
    target = LiveTarget(_settings("live", recipient=REAL_NUMBER, record="new"))
    target.start(Redactor([], [], derive_pseudonym_key(None)))
    try:
        assert target.receiver is not None and target.receiver.address is not None
        port = target.receiver.address[1]
        assert target.receiver_origins() == tuple(sorted(("hooks.example.org:443", f"127.0.0.1:{port}")))
    finally:
        target.stop()


def test_the_emulator_target_tells_the_redactor_its_sandbox_numbers() -> None:
    assert "5511955550100" in EmulatorTarget(_settings("emulator")).known_numbers()
    assert ReplayTarget(_settings("replay")).known_numbers() == ()


def test_run_words_name_where_the_answers_came_from() -> None:
    replay = ReplayTarget(_settings("replay")).run_words(Path("/x/cassettes-live"))
    assert "cassettes-live/" in replay.provenance and replay.simulation_banner
    assert LiveTarget(_settings("live")).run_words(Path("c")).simulation_banner == ""


def test_the_suites_pooled_clients_let_idle_connections_go_before_the_emulator_closes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[httpx.Limits] = []
    real_client = httpx.Client

    def recording_client(*args: object, **kwargs: object) -> httpx.Client:
        limits = kwargs.get("limits")
        built.append(limits if isinstance(limits, httpx.Limits) else httpx.Limits(keepalive_expiry=5.0))
        return real_client(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "Client", recording_client)
    EmulatorControl("http://127.0.0.1:9", "key", pooled_limits()).close()  # as the platform target builds it
    LiveTarget(_settings("live")).http_client().close()
    emulator = EmulatorTarget(_settings("emulator"))
    emulator.start(Redactor([], [], derive_pseudonym_key(None)))
    try:
        assert len(built) == 3  # the platform's control, the API client, the emulator target's control
    finally:
        emulator.stop()
    for limits in built:
        assert limits.keepalive_expiry is not None and limits.keepalive_expiry <= IDLE_TIMEOUT / 2
        assert (limits.max_connections, limits.max_keepalive_connections) == (100, 20)  # httpx's own pool sizes
