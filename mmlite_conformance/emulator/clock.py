"""Controllable emulator time: a start epoch, optionally frozen, moved forward by `advance`."""

from __future__ import annotations

import time


class Clock:
    def __init__(self, start: float, frozen: bool) -> None:
        self.start = start
        self.frozen = frozen
        self._offset = 0.0
        self._anchor = time.monotonic()

    def reset(self) -> None:
        self._offset = 0.0
        self._anchor = time.monotonic()

    def now(self) -> float:
        if self.frozen:
            return self.start + self._offset
        return self.start + self._offset + (time.monotonic() - self._anchor)

    def advance(self, seconds: float) -> float:
        self._offset += seconds
        return self.now()

    def real_seconds_until(self, moment: float) -> float | None:
        """Real time to wait until `moment`; None when only `advance` can get there."""
        remaining = moment - self.now()
        if remaining <= 0:
            return 0.0
        return None if self.frozen else remaining
