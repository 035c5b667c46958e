"""Emulator throughput, p99 latency and cold start, beside a bare Starlette app that parses JSON, in the same run.

Run: python benchmarks/emulator_bench.py [--seconds 2] [--connections 32]
Both servers run in their own process pinned to CPU 0 on uvicorn with httptools + uvloop (the bare app asks for
them explicitly; the emulator picks them when installed); the load generator (raw keep-alive sockets, asyncio) is
pinned to CPU 1. In each round both servers are up and take the load in turns of a quarter second, so a change in
the machine's speed falls on both alike (latencies are kept from 50 ms into each turn on). Rate limits are off in the
emulator. The servers run without PYTHONDONTWRITEBYTECODE (set in some sandboxes): with it, every launch compiles
the project's own modules from source while the bare app's dependencies in site-packages are precompiled, which no
installed copy of the emulator pays.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GOAL_RATIO = 0.70
GOAL_P99_MS = 5.0
GOAL_COLD_RATIO = 1.10
TURN = 0.25  # seconds of load on one server before the other's turn
# the start of a turn finds the server's caches filled by the other one: its throughput counts, its latency is not the
# steady state's
SETTLE = 0.05
PATH = "/marketing_messages"
PAYLOAD = json.dumps(
    {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5521912345678",
        "type": "template",
        "template": {"name": "marketing_text_no_param", "language": {"code": "en", "policy": "deterministic"}},
        "message_activity_sharing": True,
    }
).encode()
REQUEST = (
    f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nD360-API-KEY: emulator-sandbox-key\r\n"
    f"Content-Type: application/json\r\nContent-Length: {len(PAYLOAD)}\r\n\r\n"
).encode() + PAYLOAD


@dataclass(slots=True)
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# server side ---------------------------------------------------------------------------------------------------
def serve_bare(cpu: int) -> None:
    """The reference: a bare Starlette endpoint that parses the JSON body and returns a constant JSON, on uvicorn with
    httptools + uvloop."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    import gc

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    constant = {"messaging_product": "whatsapp", "messages": [{"id": "wamid.constant"}]}

    async def bare(request: Request) -> Response:
        await request.json()
        return JSONResponse(constant)

    app = Starlette(routes=[Route(PATH, bare, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", http="httptools", loop="uvloop", ws="none"
    )
    server = uvicorn.Server(config)
    gc.freeze()
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


# load side -----------------------------------------------------------------------------------------------------
async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(REQUEST)
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {head[:60]!r}")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    await reader.readexactly(length)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open(port: int, count: int) -> list[Connection]:
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(count)]
    for _, writer in connections:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connections


async def _drive(
    connections: list[Connection], seconds: float, latencies: list[float] | None, settle: float = 0.0
) -> tuple[int, float]:
    """Requests on every connection, each sent when its previous answer is read, for `seconds`; (count, elapsed).
    Latencies are kept of the requests sent after the first `settle` s."""
    begin = time.perf_counter()
    stop_at, settled = begin + seconds, begin + settle

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        done = 0
        while (start := time.perf_counter()) < stop_at:
            await _exchange(reader, writer)
            if latencies is not None and start >= settled:
                latencies.append(time.perf_counter() - start)
            done += 1
        return done

    counts = await asyncio.gather(*(one(reader, writer) for reader, writer in connections))
    return sum(counts), time.perf_counter() - begin


async def _load(port: int, seconds: float, connections: int, warmup: float) -> tuple[int, float, list[float]]:
    latencies: list[float] = []
    opened = await _open(port, connections)
    if warmup > 0:
        await _drive(opened, warmup, None)
    count, elapsed = await _drive(opened, seconds, latencies)
    for _, writer in opened:
        writer.close()
    return count, elapsed, latencies


async def _in_turns(ports: dict[str, int], seconds: float, connections: int) -> dict[str, Result]:
    """Both servers warmed up, then loaded in turns of TURN s (the order reversed every other turn) until each had
    `seconds` of load; latencies from the SETTLE s after each turn's start on."""
    opened = {kind: await _open(port, connections) for kind, port in ports.items()}
    for pool in opened.values():
        await _drive(pool, 0.5, None)
    totals = {kind: Result(kind, 0, 0.0, []) for kind in ports}
    order = list(ports)
    for turn in range(max(1, round(seconds / TURN))):
        for kind in order if turn % 2 == 0 else order[::-1]:
            count, elapsed = await _drive(opened[kind], TURN, totals[kind].latencies, SETTLE)
            totals[kind].requests += count
            totals[kind].seconds += elapsed
    for pool in opened.values():
        for _, writer in pool:
            writer.close()
    return totals


def _command(kind: str, server_cpu: int) -> list[str]:
    if kind == "emulator":  # exactly what users run, so the figures include the CLI's process set-up
        return [_cli(), "emulator", "--port", "0", "--no-rate-limits"]
    return [sys.executable, __file__, "--serve-bare", "--cpu", str(server_cpu)]


def _server_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _cli() -> str:
    return shutil.which("mmlite-conformance", path=str(Path(sys.executable).parent)) or "mmlite-conformance"


def _launch(kind: str, server_cpu: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(_command(kind, server_cpu), stdout=subprocess.PIPE, text=True, env=_server_env())
    assert proc.stdout is not None
    port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(proc.pid, {server_cpu})
    return proc, port


def measure_round(
    order: tuple[str, str], seconds: float, connections: int, server_cpu: int
) -> dict[str, tuple[Result, Result]]:
    """Throughput with `connections` concurrent clients, the two servers in turns; then latency with one sequential
    client, one server after the other."""
    launched = {kind: _launch(kind, server_cpu) for kind in order}
    try:
        loaded = asyncio.run(_in_turns({kind: port for kind, (_, port) in launched.items()}, seconds, connections))
        return {
            kind: (loaded[kind], Result(kind, *asyncio.run(_load(port, seconds, 1, warmup=0.2))))
            for kind, (_, port) in launched.items()
        }
    finally:
        for proc, _ in launched.values():
            proc.terminate()
            proc.wait(timeout=10)


def _first_answer(kind: str, server_cpu: int) -> float:
    """Seconds from launching the server to its first 200."""
    start = time.perf_counter()
    proc = subprocess.Popen(_command(kind, server_cpu), stdout=subprocess.PIPE, text=True, env=_server_env())
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        port = int(line.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(REQUEST)
            answer = conn.recv(65536)
        if not answer.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"first request failed: {answer[:60]!r}")
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cold_start(runs: int, server_cpu: int) -> list[tuple[float, float]]:
    """(bare, emulator) launch-to-first-200 pairs, launched one after the other, every other pair in reverse."""
    pairs = []
    for number in range(runs):
        kinds = ("bare", "emulator") if number % 2 == 0 else ("emulator", "bare")
        times = {kind: _first_answer(kind, server_cpu) for kind in kinds}
        pairs.append((times["bare"], times["emulator"]))
    return pairs


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sustained_memory(phases: int, seconds: float, connections: int, server_cpu: int) -> list[tuple[int, float]]:
    """(requests so far, server RSS in MiB) after each phase of sustained load on one emulator process."""
    proc, port = _launch("emulator", server_cpu)
    samples: list[tuple[int, float]] = []
    try:
        total = 0
        for _ in range(phases):
            total += asyncio.run(_load(port, seconds, connections, warmup=0.0))[0]
            samples.append((total, _rss_mib(proc.pid)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return samples


def _median_run(runs: list[tuple[Result, Result]]) -> tuple[Result, Result]:
    by_rps = sorted(runs, key=lambda run: run[0].rps)
    by_p99 = sorted(runs, key=lambda run: run[1].percentile(0.99))
    return by_rps[len(runs) // 2][0], by_p99[len(runs) // 2][1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=2.0, help="measured seconds per phase (default 2)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds, median reported (default 7)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (default 32)")
    parser.add_argument("--cold-runs", type=int, default=9, help="cold-start pairs (default 9)")
    parser.add_argument("--memory-phases", type=int, default=6, help="sustained-load phases for RSS (default 6)")
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.cpu)
        return 0
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    server_cpu, load_cpus = cpus[0], cpus[1:2] or cpus
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(load_cpus))  # the load generator stays off the server's core
    print(
        f"server pinned to CPU {server_cpu}; load generator on CPU {load_cpus[0]}; "
        f"{args.connections} connections, {args.seconds:g} s of load on each server per round in turns of {TURN:g} s, "
        f"median of {args.rounds} rounds"
    )
    # the goals are judged on each round's own pair: on a shared machine the speed changes within seconds (single runs
    # swung by +-15 %, rounds of whole phases by up to 40 %), and turns of a quarter second put both servers in it
    rounds: dict[str, list[tuple[Result, Result]]] = {"bare": [], "emulator": []}
    for number in range(args.rounds):
        order = ("bare", "emulator") if number % 2 == 0 else ("emulator", "bare")
        for kind, measured in measure_round(order, args.seconds, args.connections, server_cpu).items():
            rounds[kind].append(measured)
    bare, bare_seq = _median_run(rounds["bare"])
    emulator, emulator_seq = _median_run(rounds["emulator"])
    head = f"{'':9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}   | sequential (1 connection):"
    print(f"{head} {'req/s':>6} {'p50':>6} {'p99':>6}   (the median round of each)")
    for loaded, seq in ((bare, bare_seq), (emulator, emulator_seq)):
        print(
            f"{loaded.name:9} {loaded.rps:8.0f} {loaded.percentile(0.5):7.2f} {loaded.percentile(0.99):7.2f}   |"
            f"{'':27}{seq.rps:6.0f} {seq.percentile(0.5):6.2f} {seq.percentile(0.99):6.2f}"
        )
    paired = [e[0].rps / b[0].rps for b, e in zip(rounds["bare"], rounds["emulator"], strict=True)]
    ratio = statistics.median(paired)
    p99s = [run[0].percentile(0.99) for run in rounds["emulator"]]
    p99 = statistics.median(p99s)
    verdict = {True: "OK", False: "MISSED"}
    print("throughput ratio round by round: " + " ".join(f"{r:.0%}" for r in paired))
    print(
        f"throughput ratio emulator/bare ({args.connections} connections, median of the rounds): {ratio:.0%}   "
        f"goal >= {GOAL_RATIO:.0%}   {verdict[ratio >= GOAL_RATIO]}"
    )
    print(
        f"emulator p99 latency ({args.connections} connections, median of the rounds' p99): {p99:.2f} ms   "
        f"goal <= {GOAL_P99_MS:g} ms   {verdict[p99 <= GOAL_P99_MS]}   (rounds: {' '.join(f'{v:.2f}' for v in p99s)}; "
        f"bare: {statistics.median(run[0].percentile(0.99) for run in rounds['bare']):.2f} ms)"
    )
    pairs = cold_start(args.cold_runs, server_cpu)
    cold_ratio = statistics.median(e / b for b, e in pairs)
    print(
        f"cold start (launch -> first 200), {args.cold_runs} pairs: emulator "
        f"{statistics.median(e for _, e in pairs):.3f} s, bare {statistics.median(b for b, _ in pairs):.3f} s "
        f"(medians); median of the pairs' ratios {cold_ratio:.2f}x   goal <= {GOAL_COLD_RATIO:.2f}x   "
        f"{verdict[cold_ratio <= GOAL_COLD_RATIO]}"
    )
    if Path("/proc/self/status").exists() and args.memory_phases > 0:
        samples = sustained_memory(args.memory_phases, args.seconds, args.connections, server_cpu)
        shown = ", ".join(f"{count // 1000}k: {rss:.1f}" for count, rss in samples)
        # the stores are bounded at 10 000 messages per account: compare once they are full
        full = [rss for count, rss in samples if count > 20_000]
        growth = f"{full[-1] - full[0]:+.1f} MiB over the last {len(full)} phases" if len(full) > 1 else "n/a"
        print(f"server RSS (MiB) after requests: {shown}; after the stores filled: {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
