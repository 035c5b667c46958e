"""Bursts: copies of one notification released evenly over a span, over a bounded number of concurrent connections."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import httpx

MAX_COUNT = 500
MAX_CONCURRENCY = 64
MAX_WITHIN = 60.0
LATE_LIMIT = 120.0  # a copy still waiting for a connection this long after its span is not sent at all


@dataclass(slots=True, frozen=True)
class BurstPlan:
    """How a burst posts its copies: how many, how many at once, over how long, each waiting how long."""

    count: int
    concurrency: int
    within: float  # seconds over which the copies are released, evenly (copy i at i * within / count)
    timeout: float  # seconds each copy may wait for its answer


class Copy(NamedTuple):
    status: int | None
    latency_ms: float | None  # from sending the request to its answer (None: no answer)
    outcome: str  # delivered (2xx), failed, not_sent, no_webhook, skipped_non_loopback
    sent_at: float | None = None  # perf_counter when the request was sent (None: never sent)

    def report(self) -> dict[str, Any]:
        return {"status": self.status, "latency_ms": self.latency_ms, "outcome": self.outcome}


class BurstResult(NamedTuple):
    url: str | None
    signature: str
    copies: list[Copy]

    @classmethod
    def unsent(cls, plan: BurstPlan, url: str | None, outcome: str) -> BurstResult:
        return cls(url, "none", [Copy(None, None, outcome)] * plan.count)

    def report(self, plan: BurstPlan) -> dict[str, Any]:
        sent = [c.sent_at for c in self.copies if c.sent_at is not None]
        latencies = sorted(c.latency_ms for c in self.copies if c.latency_ms is not None)
        return {
            "count": plan.count,
            "concurrency": plan.concurrency,
            "within": plan.within,
            "timeout": plan.timeout,
            "url": self.url,
            "signature": self.signature,
            "released_within_s": round(max(sent) - min(sent), 6) if sent else None,
            "deliveries": [c.report() for c in self.copies],
            "delivered_2xx": sum(c.outcome == "delivered" for c in self.copies),
            "max_latency_ms": latencies[-1] if latencies else None,
            "p99_latency_ms": latencies[math.ceil(0.99 * len(latencies)) - 1] if latencies else None,  # nearest rank
        }


async def post_burst(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes, plan: BurstPlan
) -> list[Copy]:
    """Post every copy, one attempt each; a copy whose release finds every connection busy waits for one."""
    gate = asyncio.Semaphore(plan.concurrency)
    start = time.perf_counter()
    step = plan.within / plan.count
    give_up = start + plan.within + LATE_LIMIT

    async def one(index: int) -> Copy:
        await asyncio.sleep(max(0.0, start + index * step - time.perf_counter()))
        async with gate:
            sent = time.perf_counter()
            if sent > give_up:
                return Copy(None, None, "not_sent")
            try:
                response = await client.post(url, content=body, headers=headers, timeout=plan.timeout)
            except Exception:  # no answer (refused, reset, timed out): a failed copy, like a failed attempt
                return Copy(None, None, "failed", sent)
            latency = (time.perf_counter() - sent) * 1000
            outcome = "delivered" if 200 <= response.status_code < 300 else "failed"
            return Copy(response.status_code, latency, outcome, sent)

    return list(await asyncio.gather(*(one(i) for i in range(plan.count))))
