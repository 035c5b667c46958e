"""360dialog's sandbox itself: the partner's key and number, a public webhook URL, a person for the user's part."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mmlite_conformance.suite.config import GA, TargetProfile
from mmlite_conformance.suite.recording import LIVE_NOTE, make_provenance
from mmlite_conformance.suite.redaction import derive_pseudonym_key
from mmlite_conformance.suite.targets.base import Prompt, RunWords, Target, TargetUnavailableError


class LiveTarget(Target):
    name = "live"
    # the guide: "wait a bit more than 10 minutes" after creating a template before sending marketing traffic;
    # a partner's sandbox today answers as 360dialog's GA API (CURRENT-API §1.9), so that is the default contract
    profile = TargetProfile(
        real_account=True,
        can_record=True,
        https_only=True,
        wait_timeout=120.0,
        template_sync_wait=660.0,
        default_contract=GA,
    )

    def pseudonym_key(self) -> bytes:
        """Derived from the partner's key: pseudonyms stay stable across the partner's runs and nobody without the
        key can brute-force the number back."""
        return derive_pseudonym_key(self.settings.api_key.reveal())

    def run_words(self, cassette_dir: Path) -> RunWords:
        words = "recording new cassettes from" if self.settings.record else "run directly against"
        return RunWords(f"{words} the {self.name} target", simulation_banner="")

    def scenario_provenance(self, nodeid: str, requirement_ids: Iterable[str], recipient: str) -> dict[str, Any]:
        provenance = make_provenance(
            target=self.name,
            note=LIVE_NOTE,
            recorded_at=datetime.now(UTC).date(),
            scenario=nodeid.split("::")[-1],
            requirement_ids=tuple(requirement_ids),
            emulator_seed=None,
        )
        # a person types the nonce: a new one each run, so an old message can never pass for this one
        provenance["nonce"] = hashlib.sha256(f"{nodeid}{os.urandom(8).hex()}".encode()).hexdigest()[:8]
        provenance["recipient"] = recipient
        return provenance

    def is_simulated(self, provenance: Mapping[str, Any]) -> bool:
        return False

    def webhook_url(self) -> str:
        assert self.settings.webhook_public_url is not None  # validated by config for live runs
        return self.settings.webhook_public_url

    def _require_person(self, what: str) -> None:
        if not self.settings.interactive:
            raise TargetUnavailableError(f"needs a person to {what}, and nobody can answer here (no TTY or CI is set)")

    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        self._require_person("send a WhatsApp message")
        prompt(f'From your own WhatsApp, send exactly this text to the sandbox number: "{text}"')

    def read_message(self, message_id: str, prompt: Prompt) -> None:
        self._require_person("read a message on the phone")
        prompt(
            "Open the chat with the sandbox number on your phone so the message is read "
            "(read receipts must be on: WhatsApp Settings > Privacy > Read receipts)."
        )

    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        prompt(f"Waiting {seconds:.0f} s for the template to sync with the ad account (guide step 2c) …")
        time.sleep(seconds)
