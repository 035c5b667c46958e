"""Guards of the HTTP server: a body-size limit (413), a body deadline (408), a header deadline and size (A42)."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from mmlite_conformance.emulator.errors import ApiError
from mmlite_conformance.emulator.http import error_response

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from mmlite_conformance.emulator.state import EmulatorState

MAX_BODY = 1024 * 1024  # bytes of a request body
BODY_TIMEOUT = 5.0  # seconds from the first read of a body to its last byte
HEADER_TIMEOUT = 5.0  # seconds from a connection (or a request's first byte) to the end of its headers
MAX_HEADER_BYTES = 64 * 1024  # request line and headers
CLOCK_SLACK = 0.001  # uvloop's clock counts milliseconds: a timer may fire that much before its deadline
IDLE_TIMEOUT = 5  # seconds a keep-alive connection may stay idle (uvicorn's timeout_keep_alive)


class BodyLimitError(Exception):
    """The body went over MAX_BODY or BODY_TIMEOUT; `key` names the refusal in errors.TRANSPORT."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def buffered_body_size(receive: Receive) -> int | None:
    """The size of a request body the server already holds whole, None when it may still be arriving or the server
    is not known. uvicorn hands the app its request cycle's own `receive`; both of its HTTP implementations keep the
    bytes not yet read in `body` and set `more_body` false once the last byte is parsed, which for a small request
    is before the app's task first runs."""
    cycle = getattr(receive, "__self__", None)
    if cycle is None or getattr(cycle, "more_body", True) is not False:
        return None
    body = getattr(cycle, "body", None)
    return len(body) if isinstance(body, bytes | bytearray) else None


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else None
    return None


class Deadline:
    """What the Watchdog holds of one body: the instant, the task to cancel, and whether the task waits on a read."""

    __slots__ = ("at", "done", "expired", "task", "waiting")

    def __init__(self, at: float, task: asyncio.Task[Any] | None) -> None:
        self.at = at
        self.task = task
        self.done = False  # the body is complete or the request is over: the watchdog forgets it
        self.waiting = False  # inside a read: only there may the deadline cancel the task
        self.expired = False

    def expire(self) -> None:
        self.expired = True
        if self.waiting and self.task is not None:
            self.task.cancel()

    def end(self) -> None:
        self.done = True
        self.task = None


class BodyGuard:
    """One request's body reads: counts bytes against MAX_BODY and, from the first read to the last byte, holds a
    Deadline on the loop's Watchdog (one timer per loop instead of a timeout context, or a timer, per read)."""

    __slots__ = ("complete", "deadline", "owner", "received", "source", "started")

    def __init__(self, source: Receive, owner: LimitsMiddleware) -> None:
        self.source = source
        self.owner = owner
        self.received = 0
        self.deadline: Deadline | None = None  # set at the first read
        self.complete = False  # the last byte of the body arrived
        self.started = False  # the response has begun: a refusal can no longer be sent

    async def receive(self) -> Message:
        if self.complete:  # after the body only a disconnect can come: no deadline for that
            return await self.source()
        deadline = self.deadline
        if deadline is None:
            watchdog = self.owner.watchdogs.running()
            loop = watchdog.loop
            deadline = self.deadline = Deadline(loop.time() + BODY_TIMEOUT, asyncio.current_task(loop))
            watchdog.watch(deadline)
        elif deadline.expired:
            raise BodyLimitError("body_timeout")
        deadline.waiting = True
        try:
            message = await self.source()
        except asyncio.CancelledError:
            if deadline.expired and deadline.task is not None and not deadline.task.uncancel():
                raise BodyLimitError("body_timeout") from None
            raise
        finally:
            deadline.waiting = False
        self.received += len(message.get("body", b""))
        if self.received > MAX_BODY:
            raise BodyLimitError("body_too_large")
        if not message.get("more_body", False):
            self.complete = True
            deadline.end()
        return message

    def release(self) -> None:
        if self.deadline is not None:
            self.deadline.end()


class Expiring(Protocol):
    """A deadline a Watchdog keeps: when it falls due, and whether it still matters."""

    at: float
    done: bool

    def expire(self) -> None: ...


class Watchdog:
    """The deadlines of one kind on one event loop, queued in the order they were set; with one timeout per kind
    they fall due in that order too, so a single timer, set for the oldest pending one, expires them all (a loop
    timer per request costs ~2.4 us to set and cancel, a queued record ~0.5 us)."""

    __slots__ = ("loop", "queue", "thread", "timer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.thread = threading.get_ident()  # made on the loop's own thread (by its protocol or its app)
        self.queue: deque[Expiring] = deque()
        self.timer: asyncio.TimerHandle | None = None

    def watch(self, deadline: Expiring) -> None:
        queue = self.queue
        while queue and queue[0].done:  # under steady load the queue stays about as long as the requests in flight
            queue.popleft()
        queue.append(deadline)
        if self.timer is None:
            self.timer = self.loop.call_at(deadline.at, self._fire)

    def _fire(self) -> None:
        self.timer = None
        queue, now = self.queue, self.loop.time() + CLOCK_SLACK
        while queue:
            deadline = queue[0]
            if not deadline.done:
                if deadline.at > now:
                    self.timer = self.loop.call_at(deadline.at, self._fire)
                    return
                deadline.expire()
            queue.popleft()


class WatchdogSlot:
    """The Watchdog of the running loop (tests may serve one app on several loops, one after the other)."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current: Watchdog | None = None

    def get(self, loop: asyncio.AbstractEventLoop) -> Watchdog:
        if self.current is None or self.current.loop is not loop:
            self.current = Watchdog(loop)
        return self.current

    def running(self) -> Watchdog:
        """The Watchdog of the loop running the caller. On Python 3.11 `asyncio.get_running_loop()` (and
        `current_task()` without a loop) makes a getpid() system call each time; the slot's loop, running on this
        thread, is the running loop without asking, since a thread runs one loop at a time."""
        current = self.current
        if current is not None and current.thread == threading.get_ident() and current.loop.is_running():
            return current
        return self.get(asyncio.get_running_loop())


class LimitsMiddleware:
    """Outermost: refuses a declared or streamed body over MAX_BODY and one that arrives too slowly, then closes."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state
        self.watchdogs = WatchdogSlot()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        buffered = buffered_body_size(receive)
        if buffered is not None and buffered <= MAX_BODY:  # the whole body is here: no byte to count or wait for
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > MAX_BODY:
            await self._refuse(scope, receive, send, "body_too_large")
            return
        guard = BodyGuard(receive, self)

        async def watched(message: Message) -> None:
            guard.started = guard.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guard.receive, watched)
        except BodyLimitError as exc:
            if guard.started:
                raise
            await self._refuse(scope, receive, send, exc.key)
        finally:
            guard.release()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        response = error_response(ApiError(key), "graph", self.state)
        response.headers["Connection"] = "close"  # the rest of the body is not read: end the connection
        await response(scope, receive, send)
