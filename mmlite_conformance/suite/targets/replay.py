"""Replay: the shipped (or given) cassettes answer, the recorded tape holds the webhooks, the network is blocked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx

from mmlite_conformance.suite.config import Settings, TargetProfile
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL
from mmlite_conformance.suite.netguard import NetworkBlocked, block_network
from mmlite_conformance.suite.recording import CassetteDeck, RecordingMode
from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.targets.base import Prompt, RunWords, Target, notification_marker
from mmlite_conformance.suite.webhooks import WebhookStore, from_tape

#: the name cassettes recorded from the embedded emulator carry in their provenance
EMULATOR_TARGET = "emulator"


class ReplayTarget(Target):
    name = "replay"
    # a tape never brings a missing event, so waiting long only slows the failure
    profile = TargetProfile(wait_timeout=2.0)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.deck = CassetteDeck()

    def network_guard(self) -> AbstractContextManager[None]:
        return block_network()

    def recording_mode(self) -> RecordingMode:
        return "replay"

    def run_words(self, cassette_dir: Path) -> RunWords:
        return RunWords(
            provenance=f"replayed from cassettes in {cassette_dir.name}/ (each scenario shows where it was recorded)",
            simulation_banner="Cassettes recorded from the embedded emulator",
        )

    def receiver_listen(self) -> tuple[str, int] | None:
        return None

    def cassette_deck(self) -> CassetteDeck:
        return self.deck

    def http_client(self) -> httpx.Client:
        """The scenario's cassette answers from the client's transport, which opens nothing: no connection pool is
        built, which spares importing httpcore (about 0.02 s per run); a request outside a cassette is refused."""
        return httpx.Client(transport=self.deck.transport(httpx.MockTransport(_no_connection)), follow_redirects=False)

    def start(self, redactor: Redactor) -> None:
        """No server: the recorded tape stands in for the receiver."""

    def scenario_provenance(self, nodeid: str, requirement_ids: Iterable[str], recipient: str) -> dict[str, Any]:
        return {"target": self.name}  # replaced by the provenance on the tape

    def scenario_recipient(self, provenance: Mapping[str, Any]) -> str:
        """A live recording holds the pseudonym of the partner's own number, which an offline run cannot know."""
        return str(provenance.get("recipient") or self.settings.recipient)

    def is_simulated(self, provenance: Mapping[str, Any]) -> bool:
        return provenance.get("target") == EMULATOR_TARGET  # EmulatorTarget.name, without importing the emulator

    def webhook_url(self) -> str:
        return RECEIVER_PLACEHOLDER_URL

    def receiver_origins(self) -> tuple[str, ...]:
        return ()

    def scenario_webhooks(self, tape_events: Iterable[Mapping[str, Any]]) -> WebhookStore:
        return from_tape(list(tape_events))

    # what the scenario posted and what the user did are already on the recorded tape
    def post_test_notification(self, nonce: str) -> str:
        return notification_marker(nonce)

    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        return None

    def read_message(self, message_id: str, prompt: Prompt) -> None:
        return None

    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        return None

    def pause(self, seconds: float) -> None:
        return None


def _no_connection(request: httpx.Request) -> httpx.Response:
    """What a request outside any cassette meets in a replay run (the network guard's refusal, without a socket)."""
    raise NetworkBlocked(
        f"network access blocked: {request.method} {request.url.host} outside a cassette. Replay never touches the "
        "network; run with --target emulator (loopback) to talk to a server"
    )
