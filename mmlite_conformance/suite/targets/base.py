"""What every target provides: its run-level decisions, its webhooks, and who plays the person on the phone."""

from __future__ import annotations

import contextlib
import os
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from mmlite_conformance.contract import DEFAULT_PORTS
from mmlite_conformance.suite.client import Endpoints, pooled_limits
from mmlite_conformance.suite.config import OFFLINE_RECIPIENT, Settings, TargetProfile
from mmlite_conformance.suite.constants import PLATFORM_FEATURES
from mmlite_conformance.suite.recording import CassetteDeck, RecordingMode
from mmlite_conformance.suite.redaction import Redactor, derive_pseudonym_key
from mmlite_conformance.suite.webhooks import WebhookStore

if TYPE_CHECKING:  # imported where used: a replay run needs neither
    from mmlite_conformance.suite.platform.session import PlatformSession
    from mmlite_conformance.suite.webhooks.server import WebhookReceiver

Prompt = Callable[[str], None]


class TargetUnavailableError(Exception):
    """The target cannot do what a step needs (e.g. nobody can answer a prompt); the scenario is skipped."""


class PlatformUnavailableError(Exception):
    """The run cannot start: the emulator, the driver or the platform's connect failed (one message, exit 4)."""


@dataclass(slots=True, frozen=True)
class RunWords:
    """How the run header describes a run of this target."""

    #: where the answers came from, e.g. "replayed from cassettes in cassettes/"
    provenance: str
    #: shown above the results when answers came from the emulator ("" for 360dialog itself)
    simulation_banner: str


class Target(ABC):
    """One kind of run. `settings` are what was configured; `endpoints` are the URLs actually used."""

    name: ClassVar[str]
    profile: ClassVar[TargetProfile]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: asks the person at the terminal (set by the plugin when the run is interactive)
        self.ask: Callable[[str], str] | None = None
        self.receiver: WebhookReceiver | None = None
        self._endpoints = Endpoints(settings.cloud_base_url, settings.mm_lite_url)

    # --- the run ----------------------------------------------------------------------------------------------

    def pseudonym_key(self) -> bytes:
        """Only the offline recipient gets the public key (the shipped cassettes must re-record byte for byte); a
        real number given to an offline target gets a key of this run only, so its pseudonym cannot be reversed."""
        if self.settings.recipient == OFFLINE_RECIPIENT:
            return derive_pseudonym_key(None)
        return os.urandom(32)

    def network_guard(self) -> AbstractContextManager[None]:
        """What guards the network while the target runs (replay blocks everything but loopback)."""
        return contextlib.nullcontext()

    def recording_mode(self) -> RecordingMode:
        modes: dict[str | None, RecordingMode] = {None: "off", "new": "record-new", "overwrite": "record-overwrite"}
        return modes[self.settings.record]

    def selects(self, feature: PurePath) -> bool:
        """Whether a feature file (relative to features/) is run by this target: the guide's, not the platform's."""
        return PLATFORM_FEATURES not in feature.parts

    def warnings(self) -> list[str]:
        """What the run noticed outside any scenario, for the run header (the list grows while the run goes on)."""
        return []

    def driven_platform(self) -> PlatformSession | None:
        """The partner's platform this run drives, if it drives one."""
        return None

    def save_artefacts(self, folder: Path | None, redactor: Redactor) -> list[str]:
        """Files the target leaves beside the reports at the end of the run, redacted (their names)."""
        return []

    @abstractmethod
    def run_words(self, cassette_dir: Path) -> RunWords:
        """How the run header describes this run."""

    @property
    def contract_profile(self) -> str:
        """The contract the run judges against (run.json, the bundle's manifest): the configured one."""
        return self.settings.contract

    @property
    def endpoints(self) -> Endpoints:
        return self._endpoints

    def known_numbers(self) -> tuple[str, ...]:
        """Numbers the target will show besides the test recipient's (learned before anything is captured)."""
        return ()

    def receiver_listen(self) -> tuple[str, int] | None:
        """Where `start` will open the suite's receiver (None: this target opens none)."""
        return self.settings.webhook_listen

    def start(self, redactor: Redactor) -> None:
        """Start what the run needs; the receiver learns every number a webhook carries as it arrives."""
        from mmlite_conformance.suite.webhooks.server import WebhookReceiver

        host, port = self.settings.webhook_listen
        self.receiver = WebhookReceiver(redactor=redactor)
        self.receiver.start(host=host, port=port)

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()

    def cassette_deck(self) -> CassetteDeck | None:
        """Where replayed cassettes play for this target's client; None when its requests are not replayed."""
        return None

    def http_client(self) -> httpx.Client:
        # only an https-only target speaks TLS: replay never opens a socket, the emulator is plain http on loopback
        verify: ssl.SSLContext | bool = True if self.profile.https_only else trusting_no_certificate()
        return httpx.Client(
            timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=False, verify=verify, limits=pooled_limits()
        )

    # --- a scenario -------------------------------------------------------------------------------------------

    @abstractmethod
    def scenario_provenance(self, nodeid: str, requirement_ids: Iterable[str], recipient: str) -> dict[str, Any]:
        """The provenance of a recording made now (for replay: a stand-in, replaced by what the tape says).
        `recipient` is the pseudonym of the test recipient; the block holds it and the scenario's nonce."""

    def scenario_recipient(self, provenance: Mapping[str, Any]) -> str:
        """Who the scenario sends to (replay: the recipient recorded on the tape)."""
        return self.settings.recipient

    @abstractmethod
    def is_simulated(self, provenance: Mapping[str, Any]) -> bool:
        """Whether a scenario's answers came from the embedded emulator rather than 360dialog."""

    def begin_scenario(self) -> None:
        """Bring the target to a known state before a scenario; replay and live have nothing to reset."""
        return None

    def end_scenario(self) -> None:
        """Let the target finish what a scenario started (pending webhook deliveries)."""
        return None

    # --- webhooks ---------------------------------------------------------------------------------------------

    def webhook_url(self) -> str:
        """The URL the sandbox must post to: what a scenario registers with `POST /waba_webhook`."""
        assert self.receiver is not None
        return self.receiver.url

    def receiver_origins(self) -> tuple[str, ...]:
        """`host:port` of the suite's own receiver (also through a live tunnel): posts there are webhook events,
        never API exchanges, so they are never recorded."""
        if self.receiver is None:
            return ()
        origins = set()
        for address in {self.receiver.url, self.webhook_url()}:
            url = httpx.URL(address)
            origins.add(f"{url.host}:{url.port or DEFAULT_PORTS[url.scheme]}")
        return tuple(sorted(origins))

    def scenario_webhooks(self, tape_events: Iterable[Mapping[str, Any]]) -> WebhookStore:
        """The store a scenario waits on; real targets start each scenario from an empty one."""
        assert self.receiver is not None
        self.receiver.store.clear()
        return self.receiver.store

    def post_test_notification(self, nonce: str) -> str:
        """POST a sample notification to the webhook URL (guide 1.a.ii); returns the text the receiver must see."""
        marker = notification_marker(nonce)
        with httpx.Client(timeout=10.0) as client:
            client.post(self.webhook_url(), json={"object": "mmlite_conformance_test", "text": marker})
        return marker

    # --- the person on the other phone ------------------------------------------------------------------------

    @abstractmethod
    def send_inbound_text(self, text: str, prompt: Prompt) -> None:
        """Make the user send `text` to the sandbox number."""

    @abstractmethod
    def read_message(self, message_id: str, prompt: Prompt) -> None:
        """Make the user read a message the business sent."""

    @abstractmethod
    def wait_for_template_sync(self, seconds: float, prompt: Prompt) -> None:
        """Let the template-ad-account sync delay pass."""

    def pause(self, seconds: float) -> None:
        """Wait out a rate limit before sending again (real time; a replay has its recorded answers at once)."""
        time.sleep(seconds)


def notification_marker(nonce: str) -> str:
    return f"mmlite-conformance test notification {nonce}"


def trusting_no_certificate() -> ssl.SSLContext:
    """A TLS context with certificate checks on and no trusted CA: building it skips loading the CA bundle (a few
    hundredths of a second per run), and an https request made with it by mistake fails at the first certificate."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
