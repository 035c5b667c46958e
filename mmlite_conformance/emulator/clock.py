"""Controllable emulator time: a start epoch (or the wall clock's), optionally frozen, moved forward by `advance`."""

from __future__ import annotations

import time


class Clock:
    def __init__(self, start: float | None, frozen: bool) -> None:
        """`start` None: the wall clock's time now, and again at every `reset` (A32)."""
        self.origin = start
        self.frozen = frozen
        self.reset()

    def reset(self) -> None:
        self.start = time.time() if self.origin is None else self.origin
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
