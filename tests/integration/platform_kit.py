"""Runs the platform target against the reference platform (or a broken one) and reads what failed, where, and why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.integration.conftest import ROOT

REFERENCE = ROOT / "examples" / "reference_platform"
DRIVER = str(REFERENCE / "driver")
#: a shorter settle than the default 3 s (the catalog runs many times), long enough for its second 429 back-off
FAST = {"MMLITE_PLATFORM_SETTLE": "2"}


#: the secret a partner would share with its platform, here for the signature scenario (P3c)
WEBHOOK_SECRET = "certification-webhook-secret"


@dataclass(slots=True, frozen=True)
class Failure:
    """Where a scenario failed: the Gherkin step and the first line of its error."""

    step: str
    message: str


def failures(reports: Path) -> dict[str, Failure]:
    """scenario test name -> its failing step and message, from the Cucumber report."""
    found: dict[str, Failure] = {}
    for feature in json.loads((reports / "cucumber.json").read_text()):
        for element in feature.get("elements", []):
            for step in element.get("steps", []):
                result = step.get("result", {})
                if result.get("status") == "failed":
                    message = str(result.get("error_message", "")).strip().splitlines()
                    error = next((line for line in message if line.startswith("E ")), message[-1] if message else "")
                    found[str(element["id"]).split("[")[0] + _example(str(element["id"]))] = Failure(
                        f"{step['keyword'].strip()} {step['name']}", error.removeprefix("E").strip()
                    )
                    break
    return found


def _example(element_id: str) -> str:
    return element_id[element_id.find("[") :] if "[" in element_id else ""


def platform_env(state: Path, **extra: str) -> dict[str, str]:
    """The variables of a platform run with the reference platform, its state kept under `state`."""
    return {
        "MMLITE_PLATFORM_DRIVER": DRIVER,
        "REFERENCE_PLATFORM_STATE_DIR": str(state),
        "MMLITE_PLATFORM_WEBHOOK_SECRET": WEBHOOK_SECRET,  # shared by the suite (the emulator signs) and the platform
        **FAST,
        **extra,
    }


@contextmanager
def standalone_service(state: Path) -> Iterator[str]:
    """The reference service started by hand (as a partner whose driver forwards to a running service would)."""
    process = subprocess.Popen(
        [sys.executable, str(REFERENCE / "service.py"), "--port", "0", "--state-dir", str(state)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not (state / "service.json").exists():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the reference service did not start")
            time.sleep(0.05)
        yield str(json.loads((state / "service.json").read_text())["control_url"])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
