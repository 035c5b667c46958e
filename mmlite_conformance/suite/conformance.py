"""What a Then-step judges with: the checks, schema validation, observations and evidence, in one object."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mmlite_conformance.suite.checks import Checker, ConformanceError
from mmlite_conformance.suite.evidence import Observation, ScenarioEvidence
from mmlite_conformance.suite.schemas import SchemaRegistry
from mmlite_conformance.suite.webhooks import WebhookEvent


@dataclass(slots=True, frozen=True)
class Conformance(Checker):
    """Every check of `Checker`, plus schema verdicts and observations written into the scenario's evidence."""

    schemas: SchemaRegistry
    evidence: ScenarioEvidence

    def validate(self, kind: str, body: Any) -> None:
        """Validates what the target sent; the verdict's messages quote values, so they are redacted as captured."""
        verdict = self.schemas.validate(kind, body)
        verdict = dataclasses.replace(verdict, errors=tuple(self.redact_text(e) for e in verdict.errors))
        self.evidence.add_verdict(verdict)
        if not verdict.valid:
            raise ConformanceError(verdict.summary())

    def observe(self, observation: Observation) -> None:
        self.evidence.add_observation(observation)

    def note(self, text: str) -> None:
        self.evidence.add_note(self.redact_text(text))

    def show_webhooks(self, events: Iterable[WebhookEvent]) -> None:
        """The webhook events a step relied on, redacted as they enter the evidence, shown under that step."""
        for event in events:
            self.evidence.add_webhook(self.redact_json({"path": event.path, "body": event.body}))
