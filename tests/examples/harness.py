"""Drives the reference platform exactly as the driver protocol says, and records what reaches the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_PLATFORM = ROOT / "examples" / "reference_platform"
DRIVER = REFERENCE_PLATFORM / "driver"
SHELL_DRIVER = REFERENCE_PLATFORM / "driver.sh"
SERVICE = REFERENCE_PLATFORM / "service.py"
SEND_PATHS = ("/messages", "/marketing_messages")
RECIPIENT = "5521912345678"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
T = TypeVar("T")


@dataclass(slots=True)
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    started: float  # time.monotonic() when the request arrived
    response_headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Recorder:
    """ASGI middleware: appends every HTTP exchange (request headers and body, response status) to a list."""

    def __init__(self, app: ASGIApp, exchanges: list[Exchange]) -> None:
        self.app = app
        self.exchanges = exchanges

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        chunks: list[bytes] = []
        status = [0]
        response_headers: dict[str, str] = {}

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                response_headers.update(
                    (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in message["headers"]
                )
            await send(message)

        await self.app(scope, recording_receive, recording_send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        self.exchanges.append(
            Exchange(scope["method"], scope["path"], headers, b"".join(chunks), status[0], started, response_headers)
        )


def wait_for(condition: Callable[[], T | None], timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def clean_environment() -> dict[str, str]:
    """The test process's environment without variables that would change the platform or the driver."""
    prefixes = ("MMLITE_", "D360_", "REFERENCE_PLATFORM_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def template(name: str, to: str = RECIPIENT, language: str = "en") -> dict[str, Any]:
    return {"action": "send_template", "to": to, "template": {"name": name, "language": language}}


def text(body: str = "hello", to: str = RECIPIENT) -> dict[str, Any]:
    return {"action": "send_text", "to": to, "text": body}


class PlatformUnderTest:
    """One reference platform, driven by running its driver once per action (protocol version 1)."""

    def __init__(self, server: EmulatorServer, exchanges: list[Exchange], state_dir: Path, env: dict[str, str]) -> None:
        self.server = server
        self.exchanges = exchanges
        self.state_dir = state_dir
        self.api_key = DEFAULT_API_KEY
        self.env = {
            **clean_environment(),
            "MMLITE_EMULATOR_URL": server.base_url,
            "D360_API_KEY": DEFAULT_API_KEY,
            "MMLITE_PLATFORM_PROTOCOL": "1",
            "REFERENCE_PLATFORM_STATE_DIR": str(state_dir),
            **env,
        }
        self.pids: set[int] = set()

    # --- the protocol ------------------------------------------------------------------------------------------
    def run(self, action: dict[str, Any] | str, driver: Path = DRIVER, **env: str) -> subprocess.CompletedProcess[str]:
        stdin = action if isinstance(action, str) else json.dumps(action) + "\n"
        result = subprocess.run(
            [str(driver)],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **env},
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        pid = self.service_pid()
        if pid is not None:
            self.pids.add(pid)
        return result

    def act(self, action: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        """Run an action that must be accepted."""
        result = self.run(action)
        assert result.returncode == 0, f"{action['action']}: exit {result.returncode}, stderr {result.stderr!r}"
        return result

    def connect(self, api_key: str | None = None) -> None:
        self.api_key = api_key or DEFAULT_API_KEY
        self.env["D360_API_KEY"] = self.api_key
        self.act({"action": "connect", "base_url": self.server.base_url, "api_key": self.api_key})

    # --- observation -------------------------------------------------------------------------------------------
    def service_pid(self) -> int | None:
        try:
            pid = json.loads((self.state_dir / "service.json").read_text())["pid"]
        except (OSError, ValueError, KeyError):
            return None
        return pid if isinstance(pid, int) else None

    def status(self) -> dict[str, Any]:
        url = json.loads((self.state_dir / "service.json").read_text())["control_url"]
        with NO_PROXY.open(f"{url}/status", timeout=5) as response:
            body: dict[str, Any] = json.loads(response.read())
        return body

    def wait_idle(self, timeout: float = 15.0) -> dict[str, Any]:
        """The platform's status once every accepted send has been dealt with."""
        return wait_for(lambda: (s := self.status())["pending"] == 0 and s, timeout, "the send queue to empty")

    def sends(self) -> list[Exchange]:
        return [e for e in list(self.exchanges) if e.method == "POST" and e.path in SEND_PATHS]

    def paths(self) -> list[str]:
        return [e.path for e in self.sends()]

    def webhook_url(self) -> str:
        url = self.status()["webhook_url"]
        assert isinstance(url, str)
        return url

    def post_webhook(self, payload: Any, headers: dict[str, str] | None = None, timeout: float = 10.0) -> int:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.webhook_url(), data=data, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with NO_PROXY.open(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            error.close()
            return int(error.code)

    # --- teardown ----------------------------------------------------------------------------------------------
    def close(self) -> None:
        try:
            self.run({"action": "disconnect"})
        except (OSError, subprocess.SubprocessError) as error:
            print(f"disconnect failed: {error}", file=sys.stderr)
        for pid in self.pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def defect_env(defect: str | None) -> dict[str, str]:
    """The environment that starts the platform with a deliberate defect (none: the correct platform)."""
    return {"REFERENCE_PLATFORM_DEFECT": defect} if defect else {}
