"""The driver protocol (version 1): one action, as JSON, to a command, a URL or the operator; what came back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import httpx

PROTOCOL_VERSION: Final = "1"
#: how much of a driver's stdout and stderr the evidence keeps
OUTPUT_LIMIT: Final = 64 * 1024
#: the exit status (or HTTP status) by which a driver says it cannot do an action
NOT_SUPPORTED_EXIT: Final = 3
NOT_SUPPORTED_HTTP: Final = 501

Verdict = Literal["accepted", "not_supported", "refused"]


@dataclass(slots=True, frozen=True)
class DriverOutcome:
    """What the platform answered to one action; `stdout`/`stderr` are raw (the caller redacts them)."""

    verdict: Verdict
    detail: str
    elapsed: float
    stdout: str = ""
    stderr: str = ""

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"


class Driver(ABC):
    """How actions reach the platform."""

    description: str

    @abstractmethod
    def perform(self, action: Mapping[str, Any], timeout: float) -> DriverOutcome:
        """Hand the platform one action and wait (at most `timeout` s) for its answer."""


class CommandDriver(Driver):
    """`MMLITE_PLATFORM_DRIVER`: a fresh process per action, without a shell, its output into files."""

    def __init__(self, command: tuple[str, ...], environment: Mapping[str, str], cwd: Path) -> None:
        self.command, self.environment, self.cwd = command, dict(environment), cwd
        self.description = f"the command {command[0]}"

    def perform(self, action: Mapping[str, Any], timeout: float) -> DriverOutcome:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="mmlite-driver-") as folder:
            out_path, err_path = Path(folder, "stdout"), Path(folder, "stderr")
            with out_path.open("wb") as out, err_path.open("wb") as err:
                try:
                    process = subprocess.Popen(
                        self.command,
                        stdin=subprocess.PIPE,
                        stdout=out,
                        stderr=err,
                        cwd=self.cwd,
                        env=self.environment,
                        start_new_session=True,  # a process group of its own: a timeout kills all of it
                    )
                except OSError as error:
                    return DriverOutcome("refused", f"could not start: {error.strerror or error}", 0.0)
                verdict, detail = self._run(process, action, timeout)
            return DriverOutcome(verdict, detail, time.monotonic() - started, _head(out_path), _head(err_path))

    @staticmethod
    def _run(process: subprocess.Popen[bytes], action: Mapping[str, Any], timeout: float) -> tuple[Verdict, str]:
        assert process.stdin is not None
        try:
            process.stdin.write((json.dumps(action) + "\n").encode())
            process.stdin.close()
        except BrokenPipeError:
            pass  # the driver did not read its action: its exit status still tells
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return "refused", f"no exit within {timeout:g} s (its process group was killed)"
        if code == 0:
            return "accepted", "exit status 0"
        if code == NOT_SUPPORTED_EXIT:
            return "not_supported", f"exit status {NOT_SUPPORTED_EXIT}"
        return "refused", f"exit status {code}"


class UrlDriver(Driver):
    """`MMLITE_PLATFORM_DRIVER_URL`: the same JSON, POSTed."""

    def __init__(self, url: str, verify: bool | str = True) -> None:
        self.url, self.verify = url, verify
        self.description = f"POST {url}"

    def perform(self, action: Mapping[str, Any], timeout: float) -> DriverOutcome:
        started = time.monotonic()
        try:
            with httpx.Client(timeout=timeout, verify=self.verify, trust_env=False) as client:
                answer = client.post(self.url, json=dict(action))
        except httpx.HTTPError as error:
            return DriverOutcome("refused", f"no answer ({type(error).__name__})", time.monotonic() - started)
        elapsed = time.monotonic() - started
        body = answer.text[:OUTPUT_LIMIT]
        if answer.is_success:
            return DriverOutcome("accepted", f"HTTP {answer.status_code}", elapsed, stdout=body)
        verdict: Verdict = "not_supported" if answer.status_code == NOT_SUPPORTED_HTTP else "refused"
        return DriverOutcome(verdict, f"HTTP {answer.status_code}", elapsed, stderr=body)


class OperatorDriver(Driver):
    """Neither variable: the operator performs each action and confirms it, as in a live run's human steps."""

    description = "the operator"

    def __init__(self, ask: Callable[[str], str] | None) -> None:
        self.ask = ask  # None: nobody can answer here

    def perform(self, action: Mapping[str, Any], timeout: float) -> DriverOutcome:
        if self.ask is None:
            return DriverOutcome("not_supported", "needs a person to act on the platform, and nobody can answer", 0.0)
        started = time.monotonic()
        answer = self.ask(
            f"On your platform: {describe(action)}. Done? [y = done, n = the platform refused, s = cannot]"
        )
        verdicts: dict[str, Verdict] = {"y": "accepted", "s": "not_supported"}
        verdict = verdicts.get(answer.strip().lower()[:1], "refused")
        return DriverOutcome(verdict, f"the operator answered {answer.strip()[:20]!r}", time.monotonic() - started)


def describe(action: Mapping[str, Any]) -> str:
    """An action in words, for prompts and the report."""
    kind = action.get("action")
    if kind == "send_template":
        template = action.get("template") or {}
        return f"send the template {template.get('name')!r} ({template.get('language')}) to {action.get('to')}"
    if kind == "send_text":
        return f"send the text {action.get('text')!r} to {action.get('to')}"
    if kind == "connect":
        return f"connect the platform to {action.get('base_url')} with the key given"
    if kind == "register_webhook":
        return "register the platform's webhook URL with 360dialog"
    return str(kind)


def _head(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(OUTPUT_LIMIT).decode("utf-8", errors="replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()
