"""Newman for the project's tests: the pinned binary (installed by .ci/run), a loopback listener, the JSON report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parent
NEWMAN = FOLDER / "node_modules" / ".bin" / "newman"
#: set to 1 (as .ci/run does) to fail instead of skipping when newman or node is missing
REQUIRE_NODE_ENV = "MMLITE_REQUIRE_NODE"
RUN_TIMEOUT = 180.0


def newman_binary() -> Path:
    """The pinned newman, or a skip with the reason (a failure under MMLITE_REQUIRE_NODE=1)."""
    reason = None
    if shutil.which("node") is None:
        reason = "node is needed to run newman and is not on PATH"
    elif not NEWMAN.is_file():
        reason = f"newman is not installed: run `npm ci --prefix {FOLDER.relative_to(FOLDER.parents[1])}`"
    if reason is not None:
        if os.environ.get(REQUIRE_NODE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_NODE_ENV}=1)", pytrace=False)
        pytest.skip(reason)
    return NEWMAN


@dataclass(slots=True)
class Listener:
    """A webhook listener on loopback that answers 200 and keeps every body it got."""

    url: str
    bodies: list[Any] = field(default_factory=list)


@contextmanager
def listener() -> Iterator[Listener]:
    got = Listener("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.bodies.append(json.loads(raw or b"null"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What newman reported: per request item id, its assertions and which of them failed."""

    assertions: dict[str, list[str]]
    failed: dict[str, list[str]]
    total: int
    failures: int


def run_newman(collection: Path, environment: dict[str, str], workdir: Path) -> Outcome:
    env_file, report = workdir / "environment.json", workdir / "newman-report.json"
    values = [{"key": key, "value": value, "enabled": True} for key, value in environment.items()]
    env_file.write_text(json.dumps({"name": "emulator", "values": values}), encoding="utf-8")
    command = [str(newman_binary()), "run", str(collection), "--environment", str(env_file)]
    command += ["--reporters", "json", "--reporter-json-export", str(report), "--timeout-request", "15000"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, cwd=workdir)
    if not report.is_file():
        raise AssertionError(f"newman wrote no report (exit {done.returncode}): {done.stderr[-2000:]}")
    run = json.loads(report.read_text(encoding="utf-8"))["run"]
    assertions: dict[str, list[str]] = {}
    failed: dict[str, list[str]] = {}
    for execution in run["executions"]:
        item = execution["item"]["id"]
        for assertion in execution.get("assertions", []):
            assertions.setdefault(item, []).append(assertion["assertion"])
            if assertion.get("error"):
                failed.setdefault(item, []).append(assertion["assertion"])
        if execution.get("requestError"):
            failed.setdefault(item, []).append(f"request error: {execution['requestError'].get('message')}")
    stats = run["stats"]["assertions"]
    return Outcome(assertions, failed, int(stats["total"]), int(stats["failed"]))
