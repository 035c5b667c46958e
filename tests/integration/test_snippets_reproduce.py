"""Every reproducer the evidence carries (curl, Python, Node.js) reproduces its exchange's status code against a fresh
emulator: the suite runs against the emulator, then each scenario's exchanges are sent again, in order, by the
generated snippets alone (earlier ones seed later ones, as in the scenario)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator.server import EmulatorServer
from mmlite_conformance.suite.config import Secret, Settings
from mmlite_conformance.suite.constants import EMULATOR_CONTROL_PREFIX
from mmlite_conformance.suite.snippets import LANGUAGES
from mmlite_conformance.suite.targets import EmulatorTarget
from tests.integration.conftest import suite_process
from tests.snippet_runner import require, run_snippet

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "Snippet_key_0123456789abcdef"
NOT_ONBOARDED_KEY = "Snippet_not_onboarded_98765"
RECIPIENT = "5521998765432"
#: what the snippets read from the environment, as a partner sets it
VARIABLES = {"D360_API_KEY": KEY, "D360_NOT_ONBOARDED_API_KEY": NOT_ONBOARDED_KEY}
#: the emulator the suite ran against, rebuilt for each scenario: same accounts, seed, frozen clock, routing
SETTINGS = Settings("emulator", None, Secret(KEY), Secret(NOT_ONBOARDED_KEY), RECIPIENT)
#: the run sends about 40 requests to 360dialog's surface; far fewer reproduced means the test lost its subject
MINIMUM_REPRODUCED = 35
WORKERS = 3


def _advance_the_clock(control: httpx.Client) -> None:
    control.post("/clock/advance", json={"seconds": SETTINGS.template_sync_wait}).raise_for_status()


#: a step that acts on the emulator without a request of the contract (emulator time, a person's action) -> the
#: control call that does the same before the step's own exchanges. Only the template sync wait is needed: the other
#: such steps (the user's "Hello", a status read) seed nothing a later request of their scenario depends on.
BETWEEN_SNIPPETS: Mapping[str, Callable[[httpx.Client], None]] = {
    "the sync window has passed since the template was created": _advance_the_clock,
}


@dataclass(slots=True, frozen=True)
class Recorded:
    step: str
    label: str
    status: int
    reproducers: Mapping[str, str]


@dataclass(slots=True)
class Scenario:
    name: str
    #: each step's text and its exchanges sent to 360dialog's surface, in order
    steps: list[tuple[str, list[Recorded]]] = field(default_factory=list)
    #: exchanges left out, each with why
    excluded: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Evidence:
    origin: str
    scenarios: list[Scenario]

    def reproduced(self) -> Iterator[Recorded]:
        return (recorded for s in self.scenarios for _, step in s.steps for recorded in step)


def _why_not_reproducible(exchange: Mapping[str, Any], origin: str) -> str | None:
    url = str(exchange["request"]["url"])
    if not url.startswith(origin):
        return "not 360dialog's surface (the suite's own webhook receiver or another host)"
    if url[len(origin) :].startswith(EMULATOR_CONTROL_PREFIX):
        return "an emulator control endpoint, not part of the contract"
    if exchange["response"]["status"] is None:
        return "no response was recorded"
    return None


def _read_evidence(reports: Path) -> Evidence:
    record = json.loads((reports / "run.json").read_text(encoding="utf-8"))
    origin = str(record["base_urls"]["cloud_api"]).rstrip("/")
    folder = reports / record["evidence"]["folder"]
    scenarios = []
    for name in (n for n in record["evidence"]["files"] if n.endswith(".json")):
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        scenario = Scenario(name)
        for step in ([data["setup"]] if "setup" in data else []) + data["steps"]:
            kept = []
            for exchange in step["exchanges"]:
                why = _why_not_reproducible(exchange, origin)
                if why is None:
                    kept.append(
                        Recorded(
                            step["text"], exchange["label"], exchange["response"]["status"], exchange["reproducers"]
                        )
                    )
                else:
                    scenario.excluded.append(f"{name}: {exchange['label']}: {why}")
            scenario.steps.append((step["text"], kept))
        scenarios.append(scenario)
    return Evidence(origin, scenarios)


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    """The suite's run against the emulator, with the keys and the recipient the snippets will be given."""
    reports = tmp_path_factory.mktemp("snippets") / "reports"
    environment = VARIABLES | {"MMLITE_RECIPIENT": RECIPIENT}
    run = suite_process("--target", "emulator", reports=reports, env=environment)
    assert run.returncode == 0, run.output[-3000:]
    return _read_evidence(reports)


@dataclass(slots=True, frozen=True)
class Outcome:
    scenario: str
    label: str
    expected: int
    got: int | None
    detail: str


def _replay(scenario: Scenario, language: str, origin: str) -> list[Outcome]:
    """The scenario's snippets in `language`, in order, against a fresh emulator built as the suite's was."""
    outcomes = []
    recorded_origin = re.compile(re.escape(origin) + r"(?![0-9])")
    with EmulatorServer(EmulatorTarget(SETTINGS)._emulator_config()) as server:
        fresh = server.base_url.rstrip("/")
        with httpx.Client(base_url=fresh + EMULATOR_CONTROL_PREFIX, timeout=10.0) as control:
            for text, exchanges in scenario.steps:
                if (act := BETWEEN_SNIPPETS.get(text)) is not None:
                    act(control)
                for recorded in exchanges:
                    snippet = recorded_origin.sub(fresh, recorded.reproducers[language])
                    ran = run_snippet(language, snippet, VARIABLES)
                    detail = "" if ran.status == recorded.status else f"{ran.stderr[-800:]}\n{snippet}"
                    outcomes.append(Outcome(scenario.name, recorded.label, recorded.status, ran.status, detail))
    return outcomes


def test_the_run_leaves_out_only_what_is_not_reproducible_by_nature(evidence: Evidence) -> None:
    excluded = [line for s in evidence.scenarios for line in s.excluded]
    allowed = ("not 360dialog's surface", "an emulator control endpoint")
    assert [line for line in excluded if not any(reason in line for reason in allowed)] == []
    assert sum(1 for _ in evidence.reproduced()) >= MINIMUM_REPRODUCED
    assert {"curl", "python", "node"} == set(LANGUAGES)
    for recorded in evidence.reproduced():
        assert set(recorded.reproducers) == set(LANGUAGES)
        assert not any(KEY in s or NOT_ONBOARDED_KEY in s for s in recorded.reproducers.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_snippet_reproduces_its_exchanges_status(evidence: Evidence, language: str) -> None:
    require(language)  # skips (or fails under MMLITE_REQUIRE_NODE=1) where the interpreter is missing
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        runs = pool.map(lambda s: _replay(s, language, evidence.origin), evidence.scenarios)
        outcomes = [outcome for run in runs for outcome in run]
    elapsed = time.perf_counter() - started
    wrong = [
        f"{o.scenario}: {o.label}: expected {o.expected}, got {o.got}\n{o.detail}"
        for o in outcomes
        if o.got != o.expected
    ]
    assert wrong == [], "\n\n".join(wrong[:5])
    assert len(outcomes) >= MINIMUM_REPRODUCED, f"only {len(outcomes)} exchanges reproduced"
    print(f"{language}: {len(outcomes)} exchanges of {len(evidence.scenarios)} scenarios reproduced in {elapsed:.1f} s")


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        ("http://127.0.0.1:1/messages", 200, None),
        ("http://127.0.0.1:2/webhook", 200, "not 360dialog's surface"),
        (f"http://127.0.0.1:1{EMULATOR_CONTROL_PREFIX}/reset", 200, "an emulator control endpoint"),
        ("http://127.0.0.1:1/messages", None, "no response was recorded"),
    ],
)
def test_what_is_left_out_is_said_with_its_reason(url: str, status: int | None, reason: str | None) -> None:
    why = _why_not_reproducible({"request": {"url": url}, "response": {"status": status}}, "http://127.0.0.1:1")
    assert why == reason if reason is None else (why is not None and why.startswith(reason))
