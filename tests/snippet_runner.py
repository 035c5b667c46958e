"""Runs a generated reproducer as a partner would (bash for curl, python3, node) and reads the status it prints."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

#: set to 1 by .ci/run: a missing node fails the Node.js reproducers' tests instead of skipping them
REQUIRE_NODE_ENV = "MMLITE_REQUIRE_NODE"
TIMEOUT = 30.0
#: curl prints no status of its own: this asks it for one on a last line of its own
_CURL_STATUS = " -w '\\n%{http_code}\\n'"
_STATUS_LINE = re.compile(r"^\d{3}$")
#: variables of the developer's shell that would send loopback traffic elsewhere or change an interpreter
_DROPPED = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "PYTHON", "NODE_")


@dataclass(slots=True, frozen=True)
class Ran:
    language: str
    status: int | None
    stdout: str
    stderr: str
    returncode: int


def interpreter(language: str) -> list[str] | None:
    """The command that runs a reproducer of `language` read from standard input; None where it is missing."""
    found = {"curl": shutil.which("bash"), "python": sys.executable, "node": shutil.which("node")}[language]
    if found is None or (language == "curl" and shutil.which("curl") is None):
        return None
    return {"curl": [found, "-s"], "python": [found, "-"], "node": [found, "-"]}[language]


def require(language: str) -> list[str]:
    """The interpreter, else skip (or fail under MMLITE_REQUIRE_NODE=1 for node) with the reason."""
    command = interpreter(language)
    if command is not None:
        return command
    reason = f"no interpreter for the {language} reproducers on PATH"
    if language == "node" and os.environ.get(REQUIRE_NODE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_NODE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def clean_environment(variables: Mapping[str, str]) -> dict[str, str]:
    """The process environment without proxies and interpreter settings, plus `variables` (the keys)."""
    kept = {k: v for k, v in os.environ.items() if not k.lower().startswith(tuple(d.lower() for d in _DROPPED))}
    return kept | dict(variables)


def run_snippet(language: str, snippet: str, variables: Mapping[str, str]) -> Ran:
    """Run one reproducer with `variables` in its environment; the status is the first line it prints (python,
    node) or the last (curl, asked to write it with -w)."""
    command = require(language)
    script = snippet + _CURL_STATUS if language == "curl" else snippet
    done = subprocess.run(
        command,
        input=script,
        env=clean_environment(variables),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    lines = done.stdout.splitlines()
    line = (lines[-1] if language == "curl" else lines[0]) if lines else ""
    status = int(line) if _STATUS_LINE.match(line) else None
    return Ran(language, status, done.stdout, done.stderr, done.returncode)
