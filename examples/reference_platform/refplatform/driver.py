"""The driver: the command the conformance suite runs once per action (driver protocol version 1).

Reads one JSON action on stdin and forwards it to the long-running service's control API, starting the service
on ``connect``. Exit status: 0 accepted, 3 not supported, 2 refused by the platform, 1 any other failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from refplatform import statefile
from refplatform.defects import ENV_VAR as DEFECT_ENV
from refplatform.service import ROUTING_ENV, SECRET_ENV

EXIT_ACCEPTED, EXIT_FAILED, EXIT_REFUSED, EXIT_NOT_SUPPORTED = 0, 1, 2, 3
ACTIONS = frozenset({"connect", "register_webhook", "send_template", "send_text", "disconnect"})
URL_ENV = "REFERENCE_PLATFORM_URL"  # talk to an already running service instead of the recorded one
SERVICE_SCRIPT = Path(__file__).resolve().parent.parent / "service.py"
START_TIMEOUT = 15.0
CONNECT_TIMEOUT = 100.0  # the suite allows 120 s for connect
ACTION_TIMEOUT = 25.0  # and 30 s for the rest
STOP_TIMEOUT = 10.0
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fail(code: int, message: str) -> int:
    print(message, file=sys.stderr)
    return code


def call(url: str, action: dict[str, Any] | None, timeout: float) -> tuple[int, Any]:
    """(HTTP status, JSON body) of a control API call: POST /actions with `action`, or GET when it is None."""
    data = None if action is None else json.dumps(action).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="GET" if data is None else "POST"
    )
    try:
        with NO_PROXY.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def running_service(directory: Path) -> str | None:
    """The control URL of the live service recorded in `directory`, if there is one."""
    override = os.environ.get(URL_ENV)
    if override:
        return override.rstrip("/")
    recorded = statefile.read(directory)
    if recorded is None or not statefile.pid_alive(recorded["pid"]):
        return None
    url = str(recorded.get("control_url", ""))
    try:
        status, body = call(f"{url}/health", None, 2.0)
    except OSError:
        return None
    return url if status == 200 and isinstance(body, dict) and body.get("pid") == recorded["pid"] else None


def start_service(directory: Path) -> str:
    """Start the service in its own session (it outlives this process) and wait until it has recorded itself."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / statefile.LOG_NAME).open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, str(SERVICE_SCRIPT), "--port", "0", "--state-dir", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not killed with the suite's process group, holds none of its pipes
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        recorded = statefile.read(directory)
        if recorded is not None and recorded["pid"] == process.pid:
            return str(recorded["control_url"])
        if process.poll() is not None:
            raise RuntimeError(
                f"the service exited with status {process.returncode}; see {directory / statefile.LOG_NAME}"
            )
        time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"the service did not start within {START_TIMEOUT:g} s")


def stop_service(directory: Path, url: str) -> None:
    recorded = statefile.read(directory)
    with contextlib.suppress(OSError):  # already gone, or hung: the signals below take care of it
        call(f"{url}/actions", {"action": "disconnect"}, ACTION_TIMEOUT)
    if recorded is None or os.environ.get(URL_ENV):
        return
    pid = recorded["pid"]
    deadline = time.monotonic() + STOP_TIMEOUT
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None and statefile.pid_alive(pid):
            os.kill(pid, sig)
            deadline = time.monotonic() + STOP_TIMEOUT / 2
        while statefile.pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not statefile.pid_alive(pid):
            break
    statefile.remove(directory, pid)


def run(action: dict[str, Any]) -> int:
    name = action.get("action")
    if name not in ACTIONS:
        return fail(EXIT_NOT_SUPPORTED, f"action {name!r} is not supported")
    directory = statefile.state_dir()
    url = running_service(directory)
    if name == "disconnect":
        if url is not None:
            stop_service(directory, url)
        return EXIT_ACCEPTED
    if name == "connect":
        if url is None:
            url = start_service(directory)
        # the service may have been started by an earlier run: give it this run's settings
        forwarded = {k: os.environ[k] for k in (DEFECT_ENV, ROUTING_ENV, SECRET_ENV) if k in os.environ}
        action = {**action, "platform_settings": forwarded}
    elif url is None:
        return fail(EXIT_FAILED, "the platform is not running: send a connect action first")
    status, body = call(f"{url}/actions", action, CONNECT_TIMEOUT if name == "connect" else ACTION_TIMEOUT)
    print(json.dumps(body))
    if status == 200:
        return EXIT_ACCEPTED
    message = body.get("error") if isinstance(body, dict) else body
    if status == 501:
        return fail(EXIT_NOT_SUPPORTED, str(message))
    return fail(EXIT_REFUSED if status == 409 else EXIT_FAILED, f"refused (HTTP {status}): {message}")


def main() -> int:
    try:
        action = json.loads(sys.stdin.buffer.read())
    except ValueError as error:
        return fail(EXIT_FAILED, f"stdin is not one JSON object: {error}")
    if not isinstance(action, dict):
        return fail(EXIT_FAILED, "stdin is not one JSON object")
    try:
        return run(action)
    except (OSError, RuntimeError, ValueError) as error:
        return fail(EXIT_FAILED, f"driver error: {error}")
