"""Webhook dispatcher: per-account ordered queues on emulator time, retries with backoff, signing, bursts; and the
arrival plan of a message's statuses (where the realistic profile jitters, reorders, batches and duplicates them)."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator import realism as rx
from mmlite_conformance.emulator.burst import BurstPlan, BurstResult, post_burst
from mmlite_conformance.emulator.clock import Clock
from mmlite_conformance.emulator.config import WebhookSettings
from mmlite_conformance.emulator.signing import signature_headers
from mmlite_conformance.emulator.urls import delivery_allowed

if TYPE_CHECKING:
    import ssl

    import httpx

# resolves the account's current webhook (url, headers) at delivery time, so a later change still applies
TargetResolver = Callable[[], "tuple[str, dict[str, str]] | None"]


@dataclass(slots=True, order=True)
class Delivery:
    """A queued webhook post, ordered by when it is due and then by when it was queued."""

    due_at: float
    seq: int
    account: str = field(compare=False)
    body: bytes = field(compare=False)
    resolve: TargetResolver = field(compare=False)
    kind: str = field(compare=False, default="status")
    done: asyncio.Future[Attempt] | None = field(compare=False, default=None)  # set once the delivery is over
    max_attempts: int | None = field(compare=False, default=None)  # None: the configured number
    timeout: float | None = field(compare=False, default=None)  # None: the configured timeout
    signature: str = field(compare=False, default="valid")  # valid, wrong or none (signing.SIGNATURES)


@dataclass(slots=True)
class Attempt:
    """What became of one webhook delivery: its attempts, the last status or error, and when."""

    account: str
    kind: str
    url: str | None
    outcome: str  # delivered, failed, no_webhook, skipped_non_loopback (dropped: cleared by a reset)
    attempts: int
    status: int | None
    latency_ms: float | None = None  # last attempt: from sending the request to its answer (None: no answer)
    signature: str = "none"  # the signature sent: valid, wrong or none (not in the deliveries log)


#: the fields of an attempt in GET /_emulator/deliveries (its shape before signatures were reported)
LOGGED = ("account", "kind", "url", "outcome", "attempts", "status", "latency_ms")


def logged(attempt: Attempt) -> dict[str, object]:
    return {name: getattr(attempt, name) for name in LOGGED}


class Planned(NamedTuple):
    """One status of a message: the moment it happened (its timestamp) and when it is posted (emulator time)."""

    status: str
    stamp: float
    due: float


@dataclass(slots=True)
class Post:
    """One notification of a message's statuses: when it is due and the statuses it carries, in order."""

    due: float
    statuses: list[Planned]


def arrival_plan(planned: Sequence[Planned], realism: rx.Realism, running: bool) -> list[Post]:
    """How a message's statuses reach the webhook: one post each, in order, unless the profile varies it. `running`:
    the clock moves by itself, so a jittered delivery also waits; on a frozen clock only the timestamps move."""
    statuses = list(planned)
    if statuses and realism.chance(rx.DELAY_JITTER):
        statuses = _jittered(statuses, realism, running)
    posts = [Post(s.due, [s]) for s in statuses]
    if len(posts) > 1 and realism.chance(rx.OUT_OF_ORDER):
        dues = sorted(s.due for s in statuses)  # the k-th arrival keeps the k-th moment: only the order changes
        posts = [Post(due, [statuses[i]]) for due, i in zip(dues, _reordered(len(statuses), realism), strict=True)]
    if len(posts) > 1 and realism.chance(rx.BATCHED):
        start = realism.randrange(0, len(posts) - 1)
        end = realism.randrange(start + 2, len(posts) + 1)
        merged = [s for post in posts[start:end] for s in post.statuses]
        posts[start:end] = [Post(max(post.due for post in posts[start:end]), merged)]
    if posts and realism.chance(rx.DUPLICATE):  # the same status, stamp and all, once more after the others
        posts.append(Post(max(post.due for post in posts), [realism.choice(statuses)]))
    return posts


def _jittered(statuses: list[Planned], realism: rx.Realism, running: bool) -> list[Planned]:
    extra, out = 0.0, []
    for s in statuses:
        extra += realism.uniform(realism.profile.jitter_max)  # cumulative: the timestamps keep the progression
        out.append(Planned(s.status, s.stamp + extra, s.due + extra if running else s.due))
    return out


def _reordered(count: int, realism: rx.Realism) -> list[int]:
    """Another order of `count` statuses: all reversed, or two neighbours swapped."""
    order = list(range(count))
    if count == 2 or realism.choice(("reverse", "swap")) == "reverse":
        return order[::-1]
    i = realism.randrange(0, count - 1)
    order[i], order[i + 1] = order[i + 1], order[i]
    return order


class Dispatcher:
    def __init__(
        self, clock: Clock, settings: WebhookSettings, max_pending: int, faults: frozenset[str], any_host: bool = False
    ) -> None:
        self._clock = clock
        self._any_host = any_host
        self._settings = settings
        self._max_pending = max_pending
        self._faults = faults
        self._queues: dict[str, list[Delivery]] = {}
        self._inflight: dict[str, Delivery] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._seq = 0
        self.dropped = 0
        self.log: deque[Attempt] = deque(maxlen=1000)

    # scheduling -------------------------------------------------------------------------------------------------
    def schedule(
        self,
        account: str,
        due_at: float,
        payload: bytes,
        resolve: TargetResolver,
        kind: str,
        *,
        max_attempts: int | None = None,
        timeout: float | None = None,
        wait: bool = False,
        signature: str = "valid",
    ) -> asyncio.Future[Attempt] | None:
        """Queue a delivery; with `wait`, return a future resolved with its final Attempt."""
        queue = self._queues.setdefault(account, [])
        if len(queue) >= self._max_pending:
            self.dropped += 1
            return None
        self._seq += 1
        done = self._bind_loop().create_future() if wait else None
        item = Delivery(due_at, self._seq, account, payload, resolve, kind, done, max_attempts, timeout, signature)
        heapq.heappush(queue, item)
        self._kick(account)
        return done

    def _bind_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (e.g. a fresh test client): old tasks and events are dead
            self._loop = loop
            self._workers.clear()
            self._wakeups.clear()
            self._inflight.clear()
            self._client = None
        return loop

    def _kick(self, account: str) -> None:
        loop = self._bind_loop()
        event = self._wakeups.setdefault(account, asyncio.Event())
        event.set()
        worker = self._workers.get(account)
        if worker is None or worker.done():
            self._workers[account] = loop.create_task(self._run(account))

    def wake_all(self) -> None:
        """Called after the clock moved: every queue may have due items now."""
        for account, queue in self._queues.items():
            if queue:
                self._kick(account)

    def reset(self) -> None:
        for queue in self._queues.values():
            for item in queue:
                _finish(item, Attempt(item.account, item.kind, None, "dropped", 0, None))
            queue.clear()
        for event in self._wakeups.values():
            event.set()
        self.dropped = 0
        self.log.clear()

    # introspection ---------------------------------------------------------------------------------------------
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values()) + len(self._inflight)

    def _busy(self) -> bool:
        if self._inflight:
            return True
        now = self._clock.now()
        return any(q and q[0].due_at <= now for q in self._queues.values())

    async def drain(self, timeout: float) -> int:
        self._bind_loop()
        self.wake_all()
        deadline = time.monotonic() + timeout
        while self._busy() and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        return self.pending()

    # worker -----------------------------------------------------------------------------------------------------
    async def _run(self, account: str) -> None:
        queue = self._queues[account]
        event = self._wakeups[account]
        while queue:
            head = queue[0]
            wait = self._clock.real_seconds_until(head.due_at)
            if wait != 0.0:
                event.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait)
                continue
            heapq.heappop(queue)
            self._inflight[account] = head
            try:
                await self._deliver(head)
            finally:
                self._inflight.pop(account, None)

    async def _deliver(self, item: Delivery) -> None:
        outcome = await self._attempts(item)
        self.log.append(outcome)
        _finish(item, outcome)

    async def _attempts(self, item: Delivery) -> Attempt:
        target = item.resolve()
        if target is None:
            return Attempt(item.account, item.kind, None, "no_webhook", 0, None)
        url, custom_headers = target
        if not delivery_allowed(url, self._any_host):
            return Attempt(item.account, item.kind, url, "skipped_non_loopback", 0, None)
        headers, signature = self._headers(custom_headers, item.body, item.signature)
        client = self._http()
        status: int | None = None
        latency: float | None = None
        attempts = item.max_attempts or self._settings.max_attempts
        timeout = self._settings.timeout if item.timeout is None else item.timeout
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = await client.post(url, content=item.body, headers=headers, timeout=timeout)
                status, latency = response.status_code, (time.perf_counter() - started) * 1000
                if 200 <= status < 300:
                    return Attempt(item.account, item.kind, url, "delivered", attempt, status, latency, signature)
            except Exception:  # any transport problem counts as a failed attempt, like upstream
                status, latency = None, None
            if attempt < attempts:
                delay = min(self._settings.backoff_initial * 2 ** (attempt - 1), self._settings.backoff_max)
                await asyncio.sleep(delay)
        return Attempt(item.account, item.kind, url, "failed", attempts, status, latency, signature)

    def _headers(self, custom: dict[str, str], body: bytes, signature: str) -> tuple[dict[str, str], str]:
        settings = self._settings
        suppressed = fx.SIGNATURE_MISSING in self._faults
        signed, sent = signature_headers(settings.secret, settings.signature_headers, body, signature, suppressed)
        return {**custom, "Content-Type": "application/json", **signed}, sent

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = webhook_client(self._settings)
        return self._client

    # bursts -----------------------------------------------------------------------------------------------------
    async def burst(
        self, body: bytes, resolve: TargetResolver, plan: BurstPlan, signature: str = "valid"
    ) -> BurstResult:
        """`plan.count` copies of `body`, each one attempt, outside the ordered queues (nor in the deliveries log)."""
        target = resolve()
        if target is None:
            return BurstResult.unsent(plan, None, "no_webhook")
        url, custom_headers = target
        if not delivery_allowed(url, self._any_host):
            return BurstResult.unsent(plan, url, "skipped_non_loopback")
        headers, sent = self._headers(custom_headers, body, signature)
        async with webhook_client(self._settings, plan.concurrency) as client:
            return BurstResult(url, sent, await post_burst(client, url, headers, body, plan))

    async def aclose(self) -> None:
        for worker in list(self._workers.values()):
            worker.cancel()
        for worker in list(self._workers.values()):
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await worker
        self._workers.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def webhook_client(settings: WebhookSettings, connections: int | None = None) -> httpx.AsyncClient:
    """The delivery client: no proxy from the environment, the configured CAs, at most `connections` connections."""
    import httpx  # deferred: keeps emulator start-up fast

    verify: ssl.SSLContext | bool = True
    if settings.ca_bundle:
        import ssl

        verify = ssl.create_default_context(cafile=settings.ca_bundle)
    # without `connections`, httpx's own default pool (what deliveries always used)
    limits = httpx.Limits(max_connections=connections or 100, max_keepalive_connections=connections or 20)
    return httpx.AsyncClient(timeout=settings.timeout, trust_env=False, verify=verify, limits=limits)


def _finish(item: Delivery, outcome: Attempt) -> None:
    if item.done is not None and not item.done.done():
        item.done.set_result(outcome)
