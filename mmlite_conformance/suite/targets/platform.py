"""The partner's own platform as the client under test: the emulator plays 360dialog, the driver protocol drives the
platform, and the scenarios judge what the platform sent (the emulator's journal) and how its webhook answered."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any

import httpx

from mmlite_conformance.contract import API_KEY_HEADER, MARKETING_MESSAGES_PATH, WABA_WEBHOOK_PATH
from mmlite_conformance.suite.client import Endpoints, pooled_limits
from mmlite_conformance.suite.config import OFFLINE_API_KEY, TargetProfile
from mmlite_conformance.suite.constants import PLATFORM_FEATURES
from mmlite_conformance.suite.platform.control import ControlError, EmulatorControl
from mmlite_conformance.suite.platform.driver import CommandDriver, Driver, OperatorDriver, UrlDriver
from mmlite_conformance.suite.platform.session import PlatformSession
from mmlite_conformance.suite.platform.settings import PlatformSettings, load_platform_settings
from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.targets.base import (
    PlatformUnavailableError,
    Prompt,
    RunWords,
    Target,
    TargetUnavailableError,
)
from mmlite_conformance.suite.webhooks import WebhookStore, from_tape

#: the emulator's journal of a platform run, saved beside the reports
JOURNAL_FILE = "journal.json"
#: the protocol version a driver is told it speaks
PROTOCOL_ENVIRONMENT = {"MMLITE_PLATFORM_PROTOCOL": "1"}


class PlatformTarget(Target):
    name = "platform"
    # the platform acts in real time; nothing here is recorded or replayed
    profile = TargetProfile(
        real_account=False,
        account_env_optional=False,
        can_record=False,
        injects_faults=False,
        https_only=False,
        wait_timeout=10.0,
        template_sync_wait=0.0,
        extra_settings=load_platform_settings,
        contracts=(),  # judges the platform requirements, not where the guide and today's API differ
        default_contract="platform",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extra = self.settings.extra
        self.platform_settings = extra if isinstance(extra, PlatformSettings) else PlatformSettings()
        self.session: PlatformSession | None = None
        self._server: Any = None
        self._control: EmulatorControl | None = None

    def selects(self, feature: PurePath) -> bool:
        return PLATFORM_FEATURES in feature.parts

    def run_words(self, cassette_dir: Path) -> RunWords:
        settings = self.platform_settings
        driver = (
            "its driver command"
            if settings.driver_command
            else "its driver URL"
            if settings.driver_url
            else ("the operator")
        )
        return RunWords(
            f"the partner's platform, driven through {driver}, against the embedded emulator "
            f"({settings.routing} routing)",
            simulation_banner="",
        )

    def receiver_listen(self) -> tuple[str, int] | None:
        return None  # the platform's own webhook receives; the suite opens no receiver

    def start(self, redactor: Redactor) -> None:
        base = self.platform_settings.emulator_url or self._start_emulator()
        self._endpoints = Endpoints(cloud_base_url=base, mm_lite_url=base + MARKETING_MESSAGES_PATH)
        key = self.settings.api_key.reveal()
        self._control = EmulatorControl(base, key, pooled_limits())
        try:
            if self.platform_settings.webhook_url:  # registered by configuration: before the journal's first mark
                self._register(base, key, self.platform_settings.webhook_url)
            self.session = PlatformSession(self.platform_settings, self._control, self._driver(base, key), base, key)
        except httpx.HTTPError as error:
            raise PlatformUnavailableError(f"the emulator at {base} cannot be used: {error}") from None
        for step, act in (("connect", self.session.connect), ("register its webhook", self.session.register_first)):
            outcome = act()
            if outcome is not None and not outcome.accepted:
                said = redactor.redact_text((outcome.stderr or outcome.stdout).strip()[-500:])
                tail = f"\n{said}" if said else ""
                raise PlatformUnavailableError(
                    f"the platform refused to {step} ({outcome.verdict}: {outcome.detail}); nothing was judged.{tail}"
                )

    def _start_emulator(self) -> str:
        from mmlite_conformance.emulator.config import EmulatorConfig, RateLimits, WebhookSettings, default_accounts
        from mmlite_conformance.emulator.server import EmulatorServer  # the suite imports the emulator only here

        config = EmulatorConfig(
            accounts=default_accounts(OFFLINE_API_KEY),
            rate_limits=RateLimits(enabled=False),  # a scenario arms the 429s it judges
            # signed in both header forms (360dialog's and Meta's) when the partner shared a secret with the platform
            # statuses wait for a slow answer too: only P3 judges the platform's speed, with one attempt each
            webhooks=WebhookSettings(
                timeout=10.0,
                ca_bundle=self.platform_settings.ca_bundle,
                secret=self.platform_settings.webhook_secret,
                signature_headers=("360dialog", "meta"),
            ),
            journal=True,
            deliver_to_any_host=True,
            graph_alias=True,  # a platform on Graph paths is answered and journalled as surface "graph" (P1a fails it)
            smart_routing=self.platform_settings.routing == "delegated",  # what a delegating platform relies on
        )
        host, port = self.platform_settings.emulator_listen
        self._server = EmulatorServer(config, host=host, port=port).start()
        return str(self._server.base_url).rstrip("/")

    def _driver(self, base: str, key: str) -> Driver:
        settings = self.platform_settings
        if settings.driver_command:
            environment = {**os.environ, **PROTOCOL_ENVIRONMENT, "MMLITE_EMULATOR_URL": base, "D360_API_KEY": key}
            return CommandDriver(settings.driver_command, environment, Path.cwd())
        if settings.driver_url:
            return UrlDriver(settings.driver_url, settings.ca_bundle or True)
        return OperatorDriver(self.ask)

    @staticmethod
    def _register(base: str, key: str, url: str) -> None:
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            client.post(base + WABA_WEBHOOK_PATH, json={"url": url}, headers={API_KEY_HEADER: key}).raise_for_status()

    def stop(self) -> None:
        """Disconnects the platform (also after failures or Ctrl-C: pytest_unconfigure calls this too)."""
        session, self.session = self.session, None
        if session is not None:
            session.disconnect()
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    def driven_platform(self) -> PlatformSession | None:
        return self.session

    def warnings(self) -> list[str]:
        return self.session.late if self.session is not None else []

    def save_artefacts(self, folder: Path | None, redactor: Redactor) -> list[str]:
        """The emulator's journal of the run as `journal.json`, each entry redacted as it is read."""
        if self.session is None or folder is None:
            return []
        try:
            entries = self.session.whole_journal()
        except (httpx.HTTPError, ControlError) as error:
            self.session.late.append(f"the emulator's journal could not be saved: {error}")
            return []
        for entry in entries:
            redactor.learn(entry)
        journal = {"entries": [redactor.redact_json(entry) for entry in entries]}
        (folder / JOURNAL_FILE).write_text(json.dumps(journal, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return [JOURNAL_FILE]

    def scenario_provenance(self, nodeid: str, requirement_ids: Iterable[str], recipient: str) -> dict[str, Any]:
        # a fresh nonce names what the scenario creates (templates): a platform keeps state from earlier runs
        return {"target": self.name, "nonce": secrets.token_hex(4)}

    def is_simulated(self, provenance: Mapping[str, Any]) -> bool:
        return False  # the verdicts judge the platform, whose requests are real

    def webhook_url(self) -> str:
        return self.platform_settings.webhook_url or "the URL the platform registers"

    def receiver_origins(self) -> tuple[str, ...]:
        return ()

    def scenario_webhooks(self, tape_events: Iterable[Mapping[str, Any]]) -> WebhookStore:
        return from_tape([])  # the suite receives no webhooks here: the platform does

    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        raise TargetUnavailableError("not applicable: in a platform run the emulator plays the user")

    def read_message(self, message_id: str, prompt: Prompt) -> None:
        raise TargetUnavailableError("not applicable: in a platform run the emulator plays the user")

    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        raise TargetUnavailableError("not applicable: in a platform run the emulator's clock is not moved")
