"""The embedded emulator over real loopback HTTP, with a frozen clock so that recordings are reproducible."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from mmlite_conformance.contract import ALPHA_MARKETING_MESSAGES_PATH, API_KEY_HEADER, MARKETING_MESSAGES_PATH
from mmlite_conformance.emulator.faults import FAULTS
from mmlite_conformance.emulator.realism import EXACT, PROFILES
from mmlite_conformance.suite.client import Endpoints, pooled_limits
from mmlite_conformance.suite.config import GA, Secret, TargetProfile
from mmlite_conformance.suite.constants import EMULATOR_CONTROL_PREFIX
from mmlite_conformance.suite.recording import EMULATOR_NOTE, make_provenance
from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.targets.base import Prompt, RunWords, Target, TargetUnavailableError

#: fixed values that make emulator recordings byte-reproducible
EMULATOR_SEED = 20260101
EMULATOR_START_TIME = 1767225600  # 2026-01-01T00:00:00Z
#: the shipped cassettes say this date, so that re-recording them from the emulator changes no byte
EMULATOR_RECORDING_DATE: date = datetime.fromtimestamp(EMULATOR_START_TIME, UTC).date()
#: what a run with a varying profile leaves beside the reports: the profile, its seed, each variation's count
PROFILE_FILE = "emulator-profile.json"


class EmulatorTarget(Target):
    name = "emulator"
    # the emulator may take a key and recipient from the environment (a rehearsal, or the leak canary test)
    profile = TargetProfile(
        account_env_optional=True,
        can_record=True,
        injects_faults=True,
        known_faults=tuple(FAULTS),
        emulator_profiles=tuple(PROFILES),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._server: Any = None
        self._control: httpx.Client | None = None

    def run_words(self, cassette_dir: Path) -> RunWords:
        words = "recording new cassettes from" if self.settings.record else "run directly against"
        banner = "Run against the embedded emulator"
        if self._profile_name() != EXACT:
            banner += f" ({self._profile_name()} profile, seed {self._emulator_config().profile_seed})"
        return RunWords(f"{words} the {self.name} target", simulation_banner=banner)

    def _profile_name(self) -> str:
        return self.settings.emulator_profile or EXACT

    def known_numbers(self) -> tuple[str, ...]:
        """The sandbox numbers of the emulator's accounts: its template texts name them."""
        return tuple(account.display_phone_number for account in self._emulator_config().accounts)

    def start(self, redactor: Redactor) -> None:
        from mmlite_conformance.emulator.server import EmulatorServer  # the suite imports the emulator only here

        super().start(redactor)
        self._server = EmulatorServer(self._emulator_config())
        self._server.start()
        base = self._server.base_url.rstrip("/")
        # the MM Lite URL follows the contract profile: the guide's alpha route, or today's /marketing_messages
        mm_lite_path = MARKETING_MESSAGES_PATH if self._ga else ALPHA_MARKETING_MESSAGES_PATH
        self._endpoints = Endpoints(cloud_base_url=base, mm_lite_url=base + mm_lite_path)
        self._control = httpx.Client(base_url=base + EMULATOR_CONTROL_PREFIX, timeout=10.0, limits=pooled_limits())

    @property
    def _ga(self) -> bool:
        return self.settings.contract == GA

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
            profile=self._profile_name(),
            profile_seed=EMULATOR_SEED if self.settings.emulator_seed is None else self.settings.emulator_seed,
            smart_routing=self._ga,  # today's /messages routes marketing templates via MM Lite (A84-A86)
            mm_lite_fallback=self._ga,  # and MM Lite falls back to the Cloud API for a number not onboarded (A87)
        )

    def save_artefacts(self, folder: Path | None, redactor: Redactor) -> list[str]:
        """With a varying profile, `emulator-profile.json`: what the emulator injected, read back from it."""
        if folder is None or self._profile_name() == EXACT or self._control is None:
            return []
        described = self._call("GET", "/profile").json()  # names and counts only: nothing to redact
        folder.mkdir(parents=True, exist_ok=True)
        (folder / PROFILE_FILE).write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")
        return [PROFILE_FILE]

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
        if self._server is not None:
            self._server.stop()
        super().stop()

    def scenario_provenance(self, nodeid: str, requirement_ids: Iterable[str], recipient: str) -> dict[str, Any]:
        provenance = make_provenance(
            target=self.name,
            note=EMULATOR_NOTE,
            recorded_at=EMULATOR_RECORDING_DATE,
            scenario=nodeid.split("::")[-1],
            requirement_ids=tuple(requirement_ids),
            emulator_seed=EMULATOR_SEED,
            recorded_on=datetime.now(UTC).date(),  # the real day, beside the frozen clock's (ignored by comparisons)
            emulator_faults=tuple(self.settings.emulator_faults),
            emulator_profile=None if self._profile_name() == EXACT else self._profile_name(),
        )
        # replay needs both to rebuild the very requests that were recorded; the same scenario gets the same nonce
        provenance["nonce"] = hashlib.sha256(nodeid.encode()).hexdigest()[:8]
        provenance["recipient"] = recipient
        return provenance

    def is_simulated(self, provenance: Mapping[str, Any]) -> bool:
        return True

    def _call(self, method: str, path: str, json: Any = None, key: Secret | None = None) -> httpx.Response:
        assert self._control is not None
        headers = {API_KEY_HEADER: (key or self.settings.api_key).reveal()}
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
