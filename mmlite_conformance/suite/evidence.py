"""Evidence records of one scenario: redacted exchanges, schema verdicts and observations, per Gherkin step."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

StepStatus = Literal["passed", "failed", "skipped", "not run"]

#: the placeholder that stands for the API key in every artefact and in curl reproducers
API_KEY_PLACEHOLDER = "<D360-API-KEY>"


@dataclass(slots=True)
class Exchange:
    """One HTTP request and its response, already redacted: safe to print, store and report."""

    label: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None
    response_headers: dict[str, str]
    response_body: Any
    elapsed_ms: float
    error: str | None = None

    def to_curl(self) -> str:
        """A shell command that repeats the request; the key is read from $D360_API_KEY."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name.lower() in {
                "content-length",
                "host",
                "user-agent",
                "accept",
                "accept-encoding",
                "connection",
            }:
                continue
            if value == API_KEY_PLACEHOLDER:
                parts += ["-H", f'"{name}: $D360_API_KEY"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body is not None:
            body = self.request_body if isinstance(self.request_body, str) else json.dumps(self.request_body)
            parts += ["--data", shlex.quote(body)]
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
                "elapsed_ms": round(self.elapsed_ms, 1),
            },
            "error": self.error,
            "curl": self.to_curl(),
        }


@dataclass(slots=True, frozen=True)
class SchemaVerdict:
    """The result of validating one payload against one schema kind."""

    kind: str
    schema_id: str
    valid: bool
    errors: tuple[str, ...] = ()

    def summary(self) -> str:
        if self.valid:
            return f"{self.kind}: valid ({self.schema_id})"
        return f"{self.kind}: INVALID ({self.schema_id}): " + "; ".join(self.errors)


@dataclass(slots=True, frozen=True)
class Observation:
    """What was seen where the contract is silent or contradicts itself: reported, never passed or failed."""

    topic: str
    observed: str
    contract: str
    source: str

    def summary(self) -> str:
        return f"{self.topic}: observed {self.observed} (contract: {self.contract}; {self.source})"


@dataclass(slots=True)
class StepEvidence:
    keyword: str
    text: str
    status: StepStatus = "not run"
    exchanges: list[Exchange] = field(default_factory=list)
    verdicts: list[SchemaVerdict] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    webhooks: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class ScenarioEvidence:
    """Everything a partner needs to see about one scenario; filled while it runs, rendered by `reporting`."""

    requirement_ids: tuple[str, ...]
    feature: str
    scenario: str
    description: str = ""
    target: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    steps: list[StepEvidence] = field(default_factory=list)

    def begin_step(self, keyword: str, text: str) -> StepEvidence:
        step = StepEvidence(keyword=keyword, text=text)
        self.steps.append(step)
        return step

    @property
    def current(self) -> StepEvidence:
        """The running step; evidence recorded outside a step (fixtures) lands in a setup pseudo-step."""
        if not self.steps:
            self.steps.append(StepEvidence(keyword="", text="(setup)", status="passed"))
        return self.steps[-1]

    def add_exchange(self, exchange: Exchange) -> None:
        self.current.exchanges.append(exchange)

    def add_verdict(self, verdict: SchemaVerdict) -> None:
        self.current.verdicts.append(verdict)

    def add_observation(self, observation: Observation) -> None:
        self.current.observations.append(observation)

    def add_webhook(self, event: Any) -> None:
        self.current.webhooks.append(event)

    def add_note(self, note: str) -> None:
        self.current.notes.append(note)

    @property
    def observations(self) -> list[Observation]:
        return [o for step in self.steps for o in step.observations]

    @property
    def exchanges(self) -> list[Exchange]:
        return [e for step in self.steps for e in step.exchanges]
