"""What a Then-step judges with: the checks, schema validation, observations and evidence, in one object."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from mmlite_conformance.suite.checks import ConformanceError
from mmlite_conformance.suite.evidence import Exchange, Observation, Redacts, ScenarioEvidence
from mmlite_conformance.suite.numbers import Match
from mmlite_conformance.suite.platform.control import Delivery
from mmlite_conformance.suite.platform.reactions import ReactionChecks
from mmlite_conformance.suite.platform.session import ActionResult
from mmlite_conformance.suite.schemas import SchemaRegistry
from mmlite_conformance.suite.user_ids import unusual_form_observation, unusual_user_id_forms
from mmlite_conformance.suite.webhooks import WebhookEvent


@dataclass(slots=True, frozen=True)
class Conformance(ReactionChecks):
    """Every check (of the API's answers and of a platform's requests), plus schema verdicts, observations and
    the platform's actions written into the scenario's evidence, redacted as they enter it."""

    schemas: SchemaRegistry
    evidence: ScenarioEvidence
    redactor: Redacts

    def validate(self, kind: str, body: Any) -> None:
        """Validates what the target sent; the verdict's messages quote values, so they are redacted as captured."""
        verdict = self.schemas.validate(kind, body)
        verdict = dataclasses.replace(verdict, errors=tuple(self.redact_text(e) for e in verdict.errors))
        self.evidence.add_verdict(verdict)
        if not verdict.valid:
            raise ConformanceError(verdict.summary())
        for unusual in unusual_user_id_forms(body):  # accepted, reported (the lines never quote an id)
            self.observe(unusual_form_observation(self.redact_text(unusual)))

    def statuses_progress(self, statuses: Sequence[Mapping[str, Any]], expected: Sequence[str]) -> None:
        """The progression judged by meaning (`status_progression`); what was legitimate but unusual is noted."""
        for remark in self.status_progression(statuses, expected):
            self.note(remark)

    def is_test_recipient(
        self,
        actual: Any,
        expected: str,
        what: str,
        *,
        user_id: Any = None,
        contacts: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """`same_number`, with a number reported in another form than configured recorded as an observation."""
        self.number_forms([self.same_number(actual, expected, what, user_id=user_id, contacts=contacts)], what)

    def number_forms(self, matches: Iterable[Match], what: str) -> None:
        """An observation for each number that matched the test recipient in another form than configured."""
        for match in dict.fromkeys(m for m in matches if m is not Match.IDENTICAL):
            self.observe(
                Observation(
                    topic=f"{what}: the test recipient in another form ({self.evidence.scenario})",
                    observed=str(match),
                    contract="WhatsApp may report a number in another form than sent: Brazil's and Mexico's mobile "
                    "prefixes change, `wa_id` may differ from the input, a user id may stand for the number",
                    source="CONTRACT §8 (phone number format); CURRENT-API §1 (business-scoped user ids)",
                )
            )

    def observe(self, observation: Observation) -> None:
        self.evidence.add_observation(observation)

    def note(self, text: str) -> None:
        self.evidence.add_note(self.redact_text(text))

    def show_webhooks(self, events: Iterable[WebhookEvent]) -> None:
        """The webhook events a step relied on, redacted as they enter the evidence, shown under that step."""
        for event in events:
            self.evidence.add_webhook(self.redact_json({"path": event.path, "body": event.body}))

    def accepted(self, result: ActionResult, *, refusal_allowed: bool = False) -> ActionResult:
        """Records an action and what the platform sent for it; a refusal fails (unless the requirement allows it),
        "not supported" skips."""
        outcome = result.outcome
        self.redactor.learn(dict(result.action))  # the recipient it names, before any text shows it
        for request in result.requests:
            self.redactor.learn(request.body)
        self.note(f"action: {result.describe()} -> {outcome.verdict} ({outcome.detail}, {outcome.elapsed:.2f} s)")
        for name, text in (("driver stdout", outcome.stdout), ("driver stderr", outcome.stderr)):
            if text.strip():
                self.note(f"{name}: {text.strip()}")
        if result.window is not None:
            self.note(
                f"observed {len(result.requests)} request(s) for it; the window ended after {result.window.ended}"
            )
            start = result.requests[0].time_ms if result.requests else 0.0
            for request in result.requests:
                self.note(
                    f"+{(request.time_ms - start) / 1000:.2f} s: {request.method} {request.path} -> {request.status}"
                )
            for request in result.requests:
                self.evidence.add_exchange(
                    Exchange.capture(
                        self.redactor,
                        label=f"sent by the platform ({request.auth_form} key)",
                        method=request.method,
                        url=request.path,
                        request_headers={},
                        request_body=request.body,
                        status=request.status,
                        response_headers={}
                        if request.retry_after is None
                        else {"retry-after": f"{request.retry_after:g}"},
                        response_body=request.answer,
                        elapsed_ms=0.0,
                    )
                )
        if outcome.verdict == "not_supported":
            pytest.skip(f"not supported: the platform's driver cannot {result.describe()} ({outcome.detail})")
        if outcome.verdict == "refused" and not refusal_allowed:
            raise self.fail(f"the platform refused to {result.describe()} ({outcome.detail})")
        return result

    def _record_delivery(self, delivery: Delivery) -> str:
        """Notes a notification posted to the platform: its kind, the answer and its latency (returned)."""
        latency = "no answer" if delivery.latency_ms is None else f"{delivery.latency_ms:.0f} ms"
        self.note(f"notification {delivery.kind}: HTTP {delivery.status} ({delivery.outcome}, {latency})")
        return latency

    def webhook_accepted(self, delivery: Delivery) -> None:
        """The platform's webhook answered a notification the next action depends on with a 2xx."""
        self._record_delivery(delivery)
        if not delivery.answered_2xx:
            raise self.fail(
                f"the platform's webhook did not accept the {delivery.kind} notification the next action depends on: "
                f"{delivery.outcome}, HTTP {delivery.status}"
            )

    def attest(self, what: str, confirmed: bool) -> None:
        """The operator's answer: the verdict becomes "attested" (never "passed"), or the scenario fails."""
        if not confirmed:
            raise self.fail(f"the operator did not confirm that {what}")
        self.evidence.attested = True
        self.note(f"attested by the operator: {what}")

    def answered_in_time(self, deliveries: Iterable[Delivery], limit_ms: float) -> None:
        """Each notification was answered 2xx within `limit_ms` on its one attempt; a 2xx other than 200 is noted."""
        for delivery in deliveries:
            latency = self._record_delivery(delivery)
            if not delivery.answered_2xx:
                raise self.fail(
                    f"the platform's webhook answered a {delivery.kind} notification with {delivery.outcome}, "
                    f"HTTP {delivery.status}"
                )
            if delivery.latency_ms is None or delivery.latency_ms > limit_ms:
                raise self.fail(
                    f"the platform's webhook took {latency} to answer a {delivery.kind} notification "
                    f"(limit {limit_ms / 1000:g} s)"
                    if delivery.latency_ms is not None
                    else f"the platform's webhook gave no timed answer to a {delivery.kind} notification"
                )
            if delivery.status != 200:
                self.observe(
                    Observation(
                        topic="webhook answer other than 200",
                        observed=f"HTTP {delivery.status} to a {delivery.kind} notification",
                        contract="360dialog asks for 200; any 2xx counts as accepted here",
                        source="CURRENT-API §2.1 (the 5-second rule), CONTRACT §7.2",
                    )
                )

    def refused_4xx(self, delivery: Delivery) -> None:
        self.note(f"notification {delivery.kind}: HTTP {delivery.status} ({delivery.outcome})")
        if delivery.status is None or not 400 <= delivery.status < 500:
            raise self.fail(
                f"expected a 4xx for a wrongly signed notification; the platform answered {delivery.status}"
            )
