"""The person on the other phone: simulated by the emulator, prompted in a live run, already on a replayed tape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mmlite_conformance.suite.targets import Prompt, Target, TargetUnavailableError


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
