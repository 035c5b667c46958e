"""One run's dealings with the partner's platform: actions through the driver, arrangements through the emulator's
control endpoints, and the window of requests each action caused."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mmlite_conformance.suite.platform.checks import WEBHOOK_PATHS
from mmlite_conformance.suite.platform.control import ControlError, Delivery, EmulatorControl
from mmlite_conformance.suite.platform.driver import Driver, DriverOutcome, describe
from mmlite_conformance.suite.platform.journal import Journal, Request, Window
from mmlite_conformance.suite.platform.notifications import NOTIFICATIONS
from mmlite_conformance.suite.platform.settings import PlatformSettings

#: recipients the suite invents for a run: Brazil (a guide geography), "9" for a mobile, then run and counter digits
RECIPIENT_PREFIX = "55119"
#: how long the emulator waits for the platform's answer to a judged notification (the limit is 5 s)
JUDGED_TIMEOUT_S = 5.5
#: a United States number (+1 555 ...): marketing to it fails with 131049 since April 2025
US_PREFIX = "1555"


@dataclass(slots=True, frozen=True)
class ActionResult:
    """An action, the platform's answer to it, and (when it accepted) what it sent."""

    action: Mapping[str, Any]
    outcome: DriverOutcome
    window: Window | None

    @property
    def requests(self) -> tuple[Request, ...]:
        return self.window.requests if self.window is not None else ()

    def describe(self) -> str:
        return describe(self.action)


class PlatformSession:
    """Drives the platform for a run; never resets the emulator (state is arranged and restored per scenario)."""

    def __init__(
        self, settings: PlatformSettings, control: EmulatorControl, driver: Driver, base_url: str, api_key: str
    ) -> None:
        self.settings = settings
        self.control = control
        self.driver = driver
        self.base_url = base_url
        self._api_key = api_key
        self.journal = Journal(control)
        self.connected = False
        self._run_digits = f"{secrets.randbelow(10_000):04d}"
        self._recipients = 0
        #: recipient digits -> the action that named them, for requests that come late
        self._actions: dict[str, str] = {}
        #: requests attributed to an earlier action that arrived in a later action's window (for the run header)
        self.late: list[str] = []

    @property
    def routing(self) -> str:
        return self.settings.routing

    def connect(self) -> DriverOutcome:
        outcome = self.driver.perform(
            {"action": "connect", "base_url": self.base_url, "api_key": self._api_key}, self.settings.connect_timeout
        )
        self.connected = outcome.accepted
        return outcome

    def register_first(self) -> DriverOutcome | None:
        """Before the first scenario, the platform registers its webhook (every notification needs it), unless the
        partner registered it by configuration; P1d judges a registration of its own."""
        if self.settings.webhook_url:
            return None
        return self.register_webhook().outcome

    def disconnect(self) -> DriverOutcome | None:
        if not self.connected:
            return None
        self.connected = False
        return self.driver.perform({"action": "disconnect"}, self.settings.action_timeout)

    def whole_journal(self) -> list[dict[str, Any]]:
        """Every request the emulator journalled (raw: numbers in clear; the caller redacts before writing)."""
        return self.control.journal(after=0)[0]

    def new_recipient(self, country_prefix: str = RECIPIENT_PREFIX) -> str:
        """A number no earlier action of this run used: requests are attributed to an action by it."""
        self._recipients += 1
        return f"{country_prefix}{self._run_digits}{self._recipients:04d}"

    def act(self, action: Mapping[str, Any], belongs: Callable[[Request], bool] | None = None) -> ActionResult:
        """Hand the platform an action; if it accepts, watch the journal for what it sends (see `Journal.window`)."""
        mark = self.journal.mark()
        outcome = self.driver.perform(action, self.settings.action_timeout)
        if not outcome.accepted:
            return ActionResult(action, outcome, None)
        recipient = str(action.get("to", ""))
        window = self.journal.window(
            mark,
            belongs or _to(recipient),
            first_within=self.settings.action_wait,
            settle=self.settings.settle,
            cap=self.settings.observe_max,
        )
        for request in window.others:
            earlier = self._actions.get(request.recipient or "")
            if earlier is not None:
                self.late.append(
                    f"{request.method} {request.path} for the earlier action '{earlier}' came late, "
                    f"during '{action.get('action')}'"
                )
        if recipient:
            self._actions[recipient] = str(action.get("action"))
        return ActionResult(action, outcome, window)

    def send_template(self, to: str, name: str, language: str) -> ActionResult:
        return self.act({"action": "send_template", "to": to, "template": {"name": name, "language": language}})

    def send_text(self, to: str, text: str) -> ActionResult:
        return self.act({"action": "send_text", "to": to, "text": text})

    def register_webhook(self) -> ActionResult:
        return self.act({"action": "register_webhook"}, lambda request: request.path in WEBHOOK_PATHS)

    def approve_template(self, name: str, language: str, category: str) -> Delivery:
        """A template listed as APPROVED and announced as such, before any action uses it."""
        self.control.put_template(name, language, category)
        return self.control.notify(
            "message_template_status_update", {"name": name, "language": language, "event": "APPROVED"}
        )

    def announce_category_change(self, name: str, language: str, phase: str, old: str, new: str) -> Delivery:
        """`template_category_update`: impending leaves the list as it is; completed changes it at that moment."""
        if phase == "impending":
            params = {"name": name, "language": language, "phase": phase, "correct_category": new}
        else:
            self.control.change_category(name, language, new)
            params = {"name": name, "language": language, "phase": phase, "previous_category": old}
        return self.control.notify("template_category_update", params)

    def restore(self, undo: Callable[[], object]) -> None:
        """Put back what a scenario arranged; a restoration that fails is a run warning (the next scenarios may
        inherit the state), never a lost exception."""
        try:
            outcome = undo()
        except ControlError as error:
            self.late.append(f"could not restore the account after a scenario: {error}")
            return
        if isinstance(outcome, Delivery) and not outcome.answered_2xx:
            self.late.append(f"the platform's webhook did not accept the {outcome.kind} announcing a restoration")

    def post(self, name: str, *, signature: str = "valid") -> list[Delivery]:
        """Post the notification a feature names (one or more payloads), each once, judged by its first answer."""
        return [
            self.control.notify(kind, params, timeout=JUDGED_TIMEOUT_S, signature=signature)
            for kind, params in NOTIFICATIONS[name](self.new_recipient())
        ]

    def burst(self, name: str, count: int, concurrency: int, within: float) -> list[Delivery]:
        ((kind, params),) = NOTIFICATIONS[name](self.new_recipient())
        return self.control.burst(
            kind, params, count=count, concurrency=concurrency, within=within, timeout=JUDGED_TIMEOUT_S
        )

    def user_writes(self, sender: str, text: str) -> Delivery:
        """The recipient writes first (the customer-service window opens), as the emulator's inbound webhook."""
        return self.control.inbound_text(sender, text)


def _to(digits: str) -> Callable[[Request], bool]:
    return lambda request: request.recipient == digits
