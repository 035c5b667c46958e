"""What a Then-step judges with: the checks, schema validation, observations and evidence, in one object."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from mmlite_conformance.suite.checks import ConformanceError
from mmlite_conformance.suite.evidence import Exchange, Observation, Redacts, ScenarioEvidence
from mmlite_conformance.suite.numbers import Match
from mmlite_conformance.suite.platform.reactions import ReactionChecks
from mmlite_conformance.suite.schemas import SchemaRegistry
from mmlite_conformance.suite.user_ids import unusual_form_observation, unusual_user_id_forms
from mmlite_conformance.suite.webhooks import WebhookEvent

if TYPE_CHECKING:  # a platform run's types; a guide run does not import the platform's session and driver
    from mmlite_conformance.suite.platform.control import Delivery
    from mmlite_conformance.suite.platform.session import ActionResult

#: the kinds of answer a feature can require of a contract profile (S3c), the first that holds names an answer
REFUSAL = "a refusal"
ANSWER_KINDS: dict[str, Callable[[Any], bool]] = {
    REFUSAL: lambda response: 400 <= response.status < 500,
    # a send served although MM Lite would not take it; only the statuses' pricing could tell the API (A86)
    "a Cloud API fallback": lambda response: 200 <= response.status < 300,
}


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

    # --- where the contract profiles differ (alpha: the guide; ga: today's API) ---------------------------------

    def _profile_observation(self, what: str, observed: str, profile: str, documented: str, source: str) -> None:
        """What came back, beside every profile's documented answer: the other profile's is never lost."""
        self.observe(
            Observation(
                topic=f"{what} ({self.evidence.scenario})",
                observed=f"{observed}, judged by contract profile {profile}",
                contract=f"documented per profile: {documented}",
                source=source,
            )
        )

    def pricing_category_of_profile(
        self, statuses: Iterable[Mapping[str, Any]], accepted: Sequence[str], profile: str, documented: str
    ) -> None:
        """Every priced status names a category the run's contract profile accepts."""
        priced = [s["pricing"] for s in statuses if isinstance(s.get("pricing"), Mapping)]
        seen = list(dict.fromkeys(str(p.get("category")) for p in priced))
        self._profile_observation(
            "pricing.category",
            ", ".join(map(repr, seen)) or "no priced status",
            profile,
            documented,
            "CONTRACT §7.1; CURRENT-API §1.2, §1.6 (smart routing of /messages)",
        )
        wrong = [p.get("category") for p in priced if p.get("category") not in accepted]
        if wrong:
            expected = " or ".join(map(repr, accepted))
            raise self.fail(
                f"expected pricing.category {expected} on every priced status, got {wrong!r} (contract profile "
                f"{profile}; documented: {documented})"
            )

    def error_code_of_profile(self, response: Any, accepted: Sequence[str], profile: str, documented: str) -> None:
        """A 4xx whose Graph error code is one the run's contract profile accepts."""
        self.rejected(response)
        code = self.graph_error(response).get("code")
        self._profile_observation("error code", repr(code), profile, documented, "CONTRACT §6.2; CURRENT-API §1.5")
        if str(code) not in accepted:
            raise self.fail(
                f"expected error code {' or '.join(accepted)}, got {code!r} (contract profile {profile}; "
                f"documented: {documented})",
                response.body,
            )

    def error_text_of_code(self, response: Any, texts: Mapping[int, str], *, details: bool) -> None:
        """The error message (or details) starts with (or is) the text documented for the code that came back."""
        code = self.graph_error(response).get("code")
        if not isinstance(code, int) or code not in texts:
            raise self.fail(f"no text is documented for error code {code!r}; known: {sorted(texts)}", response.body)
        if details:
            self.error_details(response, texts[code])
        else:
            self.error_message_starts(response, texts[code])

    def answer_of_profile(self, response: Any, accepted: Sequence[str], profile: str, documented: str) -> str:
        """Which kind of answer came back (`ANSWER_KINDS`), required to be one the run's contract profile accepts."""
        kind = next((name for name, holds in ANSWER_KINDS.items() if holds(response)), f"HTTP {response.status}")
        self._profile_observation(
            "answer", f"{kind} (HTTP {response.status})", profile, documented, "CONTRACT §6.2; CURRENT-API §1.8, §1.9"
        )
        if kind not in accepted:
            raise self.fail(
                f"expected {' or '.join(accepted)}, got {kind} (HTTP {response.status}; contract profile {profile}; "
                f"documented: {documented})",
                self._shown(response),
            )
        if kind == REFUSAL:
            self.error_body(response)
        else:
            self.successful_send(response)
        return kind

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
