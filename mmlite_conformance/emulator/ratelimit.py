"""Token buckets for per-number throughput and per-recipient pair rate, on emulator time."""

from __future__ import annotations

import math
from collections import OrderedDict


class TokenBucket:
    __slots__ = ("_capacity", "_rate", "_tokens", "_updated")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self._capacity = capacity
        self._rate = rate
        self._tokens = capacity
        self._updated = now

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate

    def take(self) -> None:
        self._tokens -= 1


class RateLimiter:
    """Throughput bucket plus an LRU-bounded bucket per recipient."""

    def __init__(self, per_second: float, pair_burst: int, pair_interval: float, now: float, max_pairs: int) -> None:
        self._pair_burst = pair_burst
        self._pair_rate = 1 / pair_interval
        self._throughput = TokenBucket(per_second, per_second, now)
        self._pairs: OrderedDict[str, TokenBucket] = OrderedDict()
        self._max_pairs = max_pairs

    def check(self, recipient: str, now: float) -> tuple[str, int] | None:
        """Take a token from both buckets, or return (error key, retry-after seconds) without taking any."""
        wait = self._throughput.wait_time(now)
        if wait > 0:
            return "throughput", max(1, math.ceil(wait))
        pair = self._pairs.get(recipient)
        if pair is None:
            pair = TokenBucket(self._pair_burst, self._pair_rate, now)
            self._pairs[recipient] = pair
            if len(self._pairs) > self._max_pairs:
                self._pairs.popitem(last=False)
        else:
            self._pairs.move_to_end(recipient)
        wait = pair.wait_time(now)
        if wait > 0:
            return "pair_rate", max(1, math.ceil(wait))
        self._throughput.take()
        pair.take()
        return None
