"""The person on the other phone: simulated by the emulator, prompted in a live run, already on a replayed tape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mmlite_conformance.suite.targets import Prompt, Target, TargetUnavailableError

#: asks the person at the terminal a question and returns the answer
Ask = Callable[[str], str]


@dataclass(slots=True, frozen=True)
class User:
    """What the user does in a scenario; when nobody can do it here, the scenario is skipped with the reason."""

    target: Target
    prompt: Prompt

    def sends_text(self, text: str) -> None:
        self._do(lambda: self.target.send_inbound_text(text, self.prompt))

    def reads(self, message_id: str) -> None:
        self._do(lambda: self.target.read_message(message_id, self.prompt))

    def waits_for_template_sync(self, seconds: float) -> None:
        self._do(lambda: self.target.wait_for_template_sync(seconds, self.prompt))

    @staticmethod
    def _do(action: Callable[[], None]) -> None:
        try:
            action()
        except TargetUnavailableError as reason:
            pytest.skip(str(reason))


@dataclass(slots=True, frozen=True)
class Operator:
    """The person certifying a platform, who confirms what no request can show (None: nobody can answer here)."""

    ask: Ask | None

    def confirms(self, what: str) -> bool:
        """Whether the operator confirms `what`; skips the scenario when nobody can answer."""
        if self.ask is None:
            pytest.skip(f"needs a person to attest that {what} (no TTY, or CI is set)")
        answer = self.ask(f"Check on your platform that {what}. Confirmed? [y/n]")
        return answer.strip().lower().startswith("y")
