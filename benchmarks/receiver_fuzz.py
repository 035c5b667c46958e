"""Throws malformed, nested, oversized, slow and concurrent requests at the webhook receiver and prints what came back.

Run: python benchmarks/receiver_fuzz.py [--rounds 3] [--concurrent 200] [--timeout 1] [--seed 11]
The receiver (with a redactor, as in a run) serves in its own process, so its memory is measured alone; the load
is blocking loopback sockets in threads. Every request that is sent whole must be answered (any status) without a
reset; half-sent requests must be answered 408 and idle connections closed, both at the receiver's timeout; every
valid post must be stored; the receiver's peak RSS must level off from round to round (bounded memory).
Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
ANSWER_GRACE = 5.0  # seconds past the receiver's timeout before a request counts as unanswered


@dataclass(slots=True, frozen=True)
class Probe:
    """One connection's worth of bytes and how to send them; `expect` is 'answer' (any status), '200', '408' or
    'close' (closed with no answer); a `valid` one is a notification that must be answered 200 and stored."""

    kind: str
    data: bytes
    expect: str = "answer"
    drip: float = 0.0  # seconds between single bytes
    valid: bool = False


@dataclass(slots=True)
class Tally:
    sent: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    misses: Counter[str] = field(default_factory=Counter)
    slowest_cut: float = 0.0
    valid_sent: int = 0
    valid_stored: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, probe: Probe, outcome: str, seconds: float) -> None:
        with self.lock:
            self._add(probe, outcome, seconds)

    def _add(self, probe: Probe, outcome: str, seconds: float) -> None:
        self.sent[probe.expect] += 1
        self.outcomes[outcome] += 1
        self.by_kind.setdefault(probe.kind, Counter())[outcome] += 1
        self.valid_sent += probe.valid
        if probe.expect in ("408", "close"):
            self.slowest_cut = max(self.slowest_cut, seconds)
        if not _as_expected(probe, outcome):
            self.misses[f"{probe.kind}: {outcome}"] += 1


def _as_expected(probe: Probe, outcome: str) -> bool:
    if probe.expect == "close":
        return outcome == "closed"
    if probe.expect in ("200", "408"):
        return outcome == probe.expect
    return outcome.isdigit() and (outcome == "200" or not probe.valid)


# requests -------------------------------------------------------------------------------------------------------
def post(body: bytes, content_type: str = "application/json", extra: str = "", length: str | None = None) -> bytes:
    declared = str(len(body)) if length is None else length
    head = (
        f"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {declared}\r\n"
    )
    return (head + extra + "\r\n").encode() + body


def notification(n: int, pad: int = 0) -> bytes:
    status = {"id": f"wamid.FUZZ{n}", "status": "delivered", "timestamp": "1750263773", "recipient_id": "5521998765432"}
    if pad:
        status["pad"] = "x" * pad
    value = {"messaging_product": "whatsapp", "statuses": [status]}
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def chunked(body: bytes, size: int = 65536) -> bytes:
    head = b"POST /webhook HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    pieces = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return head + b"".join(pieces) + b"0\r\n\r\n"


def malformed(rng: random.Random, count: int) -> list[Probe]:
    fixed = [
        post(b'{"entry": ['),
        post(b'{"a":}'),
        post(b"\xff\xfe{}"),
        post(b"<html>502 Bad Gateway</html>", "application/json"),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"POST /webhook HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        b"POST /webhook HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n{}",
        b"POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"DELETE /webhook HTTP/1.1\r\n\r\n",
        b"BREW /webhook HTTP/1.1\r\n\r\n",
        b"POST /webhook HTTP/9.9\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\n" + b"X-A: 1\r\n" * 150 + b"\r\n",
    ]
    probes = [Probe("malformed", data) for data in fixed]
    template = post(notification(0))
    for _ in range(count):  # a valid request with a few bytes changed: any answer will do, but an answer
        data = bytearray(template)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        probes.append(Probe("mutated", bytes(data)))
    probes += [Probe("random", bytes(rng.randrange(256) for _ in range(rng.randint(1, 400))) + b"\r\n\r\n")]
    return probes


def nested() -> list[Probe]:
    def lists(depth: int) -> bytes:
        return b"[" * depth + b"]" * depth

    return [
        Probe("nested", post(lists(5000))),
        Probe("nested", post(lists(400_000))),
        Probe("nested", post(b'{"a":' * 5000 + b"1" + b"}" * 5000)),
        Probe("nested", post(lists(65))),
        Probe("nested", post(b'{"entry":' + lists(63) + b"}"), "200"),  # 64 deep in all: within the limit
    ]


def oversized() -> list[Probe]:
    head_only = post(b"", length="1000000000000")
    big = notification(0, pad=2 * MIB)
    return [
        Probe("oversized", head_only),
        Probe("oversized", post(b"", extra="Expect: 100-continue\r\n", length="1000000000000")),
        Probe("oversized", post(b"", length="9" * 40)),
        Probe("oversized", post(big)),
        Probe("oversized", post(b"x" * (10 * MIB), "text/plain")),
        Probe("oversized", chunked(big)),
        Probe("oversized", b"POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n"),
        Probe("oversized", b"POST /webhook HTTP/1.1\r\nX-Pad: " + b"a" * 100_000 + b"\r\n\r\n"),
        Probe("oversized", b"POST /webhook HTTP/1.1\r\n" + b"X-Pad: %s\r\n" % (b"a" * 1000) * 90 + b"\r\n"),
    ]


def slow(timeout: float, count: int) -> list[Probe]:
    half_body = post(notification(0))[:-10]
    return (
        [Probe("half-sent head", b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Le", "408") for _ in range(count)]
        + [Probe("half-sent body", half_body, "408") for _ in range(count)]
        + [Probe("idle", b"", "close") for _ in range(count)]
        + [Probe("drip", post(notification(0)), "408", drip=timeout / 4) for _ in range(max(1, count // 4))]
    )


# one connection -------------------------------------------------------------------------------------------------
def run_probe(address: tuple[str, int], probe: Probe, wait: float, start: threading.Barrier | None = None) -> str:
    """'200', '413', ...: the answer's status; 'reset', 'closed' (ended with no answer) or 'unanswered' (none in
    time)."""
    try:
        conn = socket.create_connection(address, timeout=wait)
    except OSError as error:
        return f"connect failed ({type(error).__name__})"
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if start is not None:
            start.wait(timeout=30)
        sender = threading.Thread(target=_send, args=(conn, probe), daemon=True)
        sender.start()  # a separate writer, so an answer to a body still being sent is read at once
        return _read_status(conn)


def _send(conn: socket.socket, probe: Probe) -> None:
    try:
        if probe.drip:
            for byte in probe.data:
                conn.sendall(bytes([byte]))
                time.sleep(probe.drip)
        elif probe.data:
            conn.sendall(probe.data)
    except OSError:
        pass  # the receiver cut the connection: what it answered is what counts


def _read_status(conn: socket.socket) -> str:
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return "closed" if not data else "partial answer"
            data += chunk
    except TimeoutError:
        return "unanswered"
    except OSError:
        if not data:
            return "reset"
    parts = data.split(b" ", 2)
    return parts[1].decode() if len(parts) > 1 and parts[0].startswith(b"HTTP/") else "not HTTP"


def run_all(address: tuple[str, int], probes: list[Probe], wait: float, tally: Tally, together: bool = False) -> None:
    barrier = threading.Barrier(len(probes)) if together else None

    def one(probe: Probe) -> None:
        started = time.monotonic()
        tally.add(probe, run_probe(address, probe, wait, barrier), time.monotonic() - started)

    with ThreadPoolExecutor(max_workers=min(len(probes), 250) if not together else len(probes)) as pool:
        list(pool.map(one, probes))


# the receiver's process ------------------------------------------------------------------------------------------
def serve(timeout: float) -> None:
    """The child: a receiver with a redactor; answers 'stats' on stdin with a JSON line until stdin closes."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
    from mmlite_conformance.suite.webhooks import WebhookReceiver

    with WebhookReceiver(redactor=Redactor([], [], OFFLINE_PSEUDONYM_KEY), request_timeout=timeout) as receiver:
        print(json.dumps(receiver.address), flush=True)
        for _line in sys.stdin:
            events = receiver.store.events()
            stats = {
                "received": events[-1].sequence if events else 0,
                "held": len(events),
                "held_mib": receiver.store.held_bytes / MIB,
                "refused": receiver.refused,
                "rss_mib": _status_mib("VmRSS"),
                "peak_mib": _status_mib("VmHWM"),
            }
            print(json.dumps(stats), flush=True)


def _status_mib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Child:
    def __init__(self, timeout: float) -> None:
        command = [sys.executable, __file__, "--serve", "--timeout", str(timeout)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        host, port = json.loads(self.proc.stdout.readline())
        self.address = (str(host), int(port))

    def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        result: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return result

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# main -----------------------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=1.0, help="the receiver's request timeout, s (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="times the whole battery is sent (default 3)")
    parser.add_argument("--concurrent", type=int, default=200, help="valid posts released at once (default 200)")
    parser.add_argument("--mutated", type=int, default=300, help="byte-flipped valid requests per round (default 300)")
    parser.add_argument("--slow", type=int, default=20, help="half-sent and idle connections per kind (default 20)")
    parser.add_argument("--large", type=int, default=60, help="valid ~1 MiB notifications per round (default 60)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.serve:
        serve(args.timeout)
        return 0
    rng = random.Random(args.seed)
    wait = args.timeout + ANSWER_GRACE
    child = Child(args.timeout)
    tally = Tally()
    try:
        start = child.stats()
        print(
            f"receiver at {child.address[0]}:{child.address[1]}, request timeout {args.timeout:g} s, seed {args.seed}"
        )
        print(f"receiver RSS at start: {start['rss_mib']:.1f} MiB")
        # (probes, whether every one of them must be stored); the valid ones are counted in the store after the phase
        phases: list[Callable[[], tuple[list[Probe], bool]]] = [
            lambda: (malformed(rng, args.mutated), False),
            lambda: (nested(), False),
            lambda: (oversized() * 4, False),
            lambda: (slow(args.timeout, args.slow), False),
            lambda: ([Probe("concurrent", post(notification(n)), valid=True) for n in range(args.concurrent)], True),
            lambda: ([Probe("large valid", post(notification(0, pad=MIB - 2048)), valid=True)] * args.large, True),
        ]
        peaks = []
        for round_number in range(1, args.rounds + 1):
            began = time.monotonic()
            for phase in phases:
                probes, all_valid = phase()
                before = child.stats()["received"]
                run_all(child.address, probes, wait, tally, together=probes[0].kind == "concurrent")
                if all_valid:
                    tally.valid_stored += child.stats()["received"] - before
            stats = child.stats()
            peaks.append(stats["peak_mib"])
            print(
                f"round {round_number}: {time.monotonic() - began:5.1f} s; receiver RSS {stats['rss_mib']:.1f} MiB, "
                f"peak {stats['peak_mib']:.1f} MiB; store holds {stats['held']} events, {stats['held_mib']:.1f} MiB"
            )
        end = child.stats()
    finally:
        child.close()
    _report(tally, start, end, peaks)
    return 0 if not tally.misses else 1


def _report(tally: Tally, start: dict[str, Any], end: dict[str, Any], peaks: list[float]) -> None:
    requests = sum(tally.sent.values()) - tally.sent["close"]
    answered = sum(n for outcome, n in tally.outcomes.items() if outcome.isdigit())
    dropped = sum(tally.outcomes[k] for k in ("reset", "closed", "partial answer")) - tally.by_kind.get(
        "idle", Counter()
    ).get("closed", 0)
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(tally.outcomes.items()) if status.isdigit())
    print(f"requests sent: {requests} (+ {tally.sent['close']} idle connections)")
    print(f"answered: {answered}   by status: {statuses}")
    print(f"dropped connections (reset or closed with no answer): {dropped}")
    print(f"unanswered requests (nothing within timeout + {ANSWER_GRACE:g} s): {tally.outcomes['unanswered']}")
    for kind, outcomes in tally.by_kind.items():
        print(f"  {kind:15} {dict(sorted(outcomes.items()))}")
    print(f"slow senders and idle connections cut after at most {tally.slowest_cut:.2f} s")
    print(f"valid notifications sent (concurrent and ~1 MiB): {tally.valid_sent}; stored: {tally.valid_stored}")
    print(f"events the receiver stored in all: {end['received']}; it holds {end['held']} ({end['held_mib']:.1f} MiB)")
    print(f"refused by the receiver, by reason: {dict(sorted(end['refused'].items()))}")
    growth = [f"{peak - start['rss_mib']:+.1f}" for peak in peaks]
    print(f"receiver peak RSS growth over the start, after each round (MiB): {', '.join(growth)}")
    lost = tally.valid_sent - tally.valid_stored
    if lost:
        tally.misses[f"valid notifications not stored: {lost}"] += 1
    expected = "every request answered as expected" if not tally.misses else f"NOT as expected: {dict(tally.misses)}"
    print(f"verdict: {expected}")


if __name__ == "__main__":
    sys.exit(main())
