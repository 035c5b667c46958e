"""Targets: where a run sends its requests, where its webhooks come from, and who plays the user."""

from __future__ import annotations

import dataclasses
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import httpx

from mmlite_conformance.suite.config import TARGET_PROFILES, Secret, Settings
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL
from mmlite_conformance.suite.webhooks import WebhookReceiver, WebhookStore, from_tape

#: the emulator's control endpoint; never part of the contract, never recorded
CONTROL_PREFIX = "/_emulator"
#: fixed values that make emulator recordings byte-reproducible
EMULATOR_SEED = 20260101
EMULATOR_START_TIME = 1767225600  # 2026-01-01T00:00:00Z


class TargetUnavailableError(Exception):
    """The target cannot do what a step needs (e.g. nobody can answer a prompt); the scenario is skipped."""


Prompt = Callable[[str], None]


class Target(ABC):
    """One way of running the suite; `settings` are the effective ones (URLs rewritten for the emulator)."""

    name: ClassVar[str]
    has_real_receiver: ClassVar[bool] = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.receiver: WebhookReceiver | None = None

    def start(self) -> None:
        if self.has_real_receiver:
            host, port = self.settings.webhook_listen
            self.receiver = WebhookReceiver()
            self.receiver.start(host=host, port=port)

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()

    def http_client(self) -> httpx.Client:
        # only an https-only target speaks TLS: replay never opens a socket, the emulator is plain http on loopback
        https = TARGET_PROFILES[self.name].https_only
        verify: ssl.SSLContext | bool = True if https else _trusting_no_certificate()
        return httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=False, verify=verify)

    def webhook_url(self) -> str:
        """The URL the sandbox must post to: what a scenario registers with `POST /waba_webhook`."""
        assert self.receiver is not None
        return self.receiver.url

    def scenario_receiver(self, tape_events: Iterable[dict[str, Any]] | None) -> WebhookStore:
        """The store a scenario waits on; real targets start each scenario from an empty store."""
        assert self.receiver is not None
        self.receiver.store.clear()
        return self.receiver.store

    def post_test_notification(self, nonce: str) -> str:
        """POST a sample notification to the webhook URL (guide 1.a.ii); returns the text the receiver must see."""
        marker = f"mmlite-conformance test notification {nonce}"
        with httpx.Client(timeout=10.0) as client:
            client.post(self.webhook_url(), json={"object": "mmlite_conformance_test", "text": marker})
        return marker

    def begin_scenario(self) -> None:
        """Bring the target to a known state before a scenario; replay and live have nothing to reset."""
        return None

    def end_scenario(self) -> None:
        """Let the target finish what a scenario started (pending webhook deliveries)."""
        return None

    @abstractmethod
    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        """Make the user send `text` to the sandbox number."""

    @abstractmethod
    def read_message(self, message_id: str, prompt: Prompt) -> None:
        """Make the user read a message the business sent."""

    @abstractmethod
    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        """Let the template↔ad-account sync delay pass."""


def _trusting_no_certificate() -> ssl.SSLContext:
    """A TLS context with certificate checks on and no trusted CA: building it skips loading the CA bundle (a few
    hundredths of a second per run), and an https request made with it by mistake fails at the first certificate."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class ReplayTarget(Target):
    name = "replay"
    has_real_receiver = False

    def webhook_url(self) -> str:
        return RECEIVER_PLACEHOLDER_URL

    def scenario_receiver(self, tape_events: Iterable[dict[str, Any]] | None) -> WebhookStore:
        return from_tape(list(tape_events or []))

    # what the scenario posted and what the user did are already on the recorded tape
    def post_test_notification(self, nonce: str) -> str:
        return f"mmlite-conformance test notification {nonce}"

    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        return None

    def read_message(self, message_id: str, prompt: Prompt) -> None:
        return None

    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        return None


class EmulatorTarget(Target):
    """The embedded emulator over real loopback HTTP, with a frozen clock so recordings are reproducible."""

    name = "emulator"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._server: Any = None
        self._control: httpx.Client | None = None

    def start(self) -> None:
        from mmlite_conformance.emulator.server import EmulatorServer  # the suite imports the emulator only here

        super().start()
        self._server = EmulatorServer(self._emulator_config())
        self._server.start()
        base = self._server.base_url.rstrip("/")
        self.settings = dataclasses.replace(
            self.settings, cloud_base_url=base, mm_lite_url=f"{base}/mmlite/marketing_messages"
        )
        self._control = httpx.Client(base_url=base + CONTROL_PREFIX, timeout=10.0)

    def _emulator_config(self) -> Any:
        from mmlite_conformance.emulator.config import DeliveryDelays, EmulatorConfig, RateLimits, default_accounts

        onboarded, not_onboarded = default_accounts(self.settings.api_key.reveal())
        accounts = [onboarded]
        if self.settings.not_onboarded_api_key is not None:
            accounts.append(dataclasses.replace(not_onboarded, api_key=self.settings.not_onboarded_api_key.reveal()))
        return EmulatorConfig(
            accounts=tuple(accounts),
            seed=EMULATOR_SEED,
            start_time=EMULATOR_START_TIME,
            frozen_clock=True,
            delays=DeliveryDelays(sent=0.0, delivered=0.0, read=0.0),
            auto_read=True,
            rate_limits=RateLimits(enabled=False),
            faults=frozenset(self.settings.emulator_faults),
        )

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
        if self._server is not None:
            self._server.stop()
        super().stop()

    def _call(self, method: str, path: str, json: Any = None, key: Secret | None = None) -> httpx.Response:
        assert self._control is not None
        headers = {"D360-API-KEY": (key or self.settings.api_key).reveal()}
        response = self._control.request(method, path, json=json, headers=headers)
        if response.status_code >= 400:
            raise TargetUnavailableError(f"emulator control {method} {path} answered HTTP {response.status_code}")
        return response

    def begin_scenario(self) -> None:
        self._call("POST", "/reset")

    def end_scenario(self) -> None:
        self._call("POST", "/deliveries/drain", json={"timeout": 5})

    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        self._call("POST", "/inbound", json={"from": self.settings.recipient, "text": text})

    def read_message(self, message_id: str, prompt: Prompt) -> None:
        """Nothing to do: the embedded emulator's user reads every message at once (auto_read)."""

    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        self._call("POST", "/clock/advance", json={"seconds": seconds})

    def set_onboarded(self, key: Secret, onboarded: bool) -> None:
        self._call("PUT", "/account", json={"mm_lite_onboarded": onboarded}, key=key)


class LiveTarget(Target):
    """360dialog's sandbox; user actions need a person at the terminal."""

    name = "live"

    def _require_person(self, what: str) -> None:
        if not self.settings.interactive:
            raise TargetUnavailableError(f"needs a person to {what}, and nobody can answer here (no TTY or CI is set)")

    def webhook_url(self) -> str:
        assert self.settings.webhook_public_url is not None  # validated by config for live runs
        return self.settings.webhook_public_url

    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        self._require_person("send a WhatsApp message")
        prompt(f'From your own WhatsApp, send exactly this text to the sandbox number: "{text}"')

    def read_message(self, message_id: str, prompt: Prompt) -> None:
        self._require_person("read a message on the phone")
        prompt("Open the chat with the sandbox number on your phone so the message is read.")

    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        prompt(f"Waiting {seconds:.0f} s for the template to sync with the ad account (guide step 2c) …")
        time.sleep(seconds)


TARGETS: dict[str, type[Target]] = {cls.name: cls for cls in (ReplayTarget, EmulatorTarget, LiveTarget)}


def create_target(settings: Settings) -> Target:
    return TARGETS[settings.target](settings)
