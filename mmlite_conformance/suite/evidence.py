"""Evidence records of one scenario: redacted exchanges, schema verdicts and observations, per Gherkin step."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from mmlite_conformance.suite.snippets import ReproducibleRequest, render_all
from mmlite_conformance.suite.snippets import shell_word as shell_word  # where the curl reproducer's quoting lived

StepStatus = Literal["passed", "failed", "skipped", "not run"]

#: proof that an Exchange was built by `Exchange.capture`, the one place where its data is redacted
_CAPTURED = object()


class Redacts(Protocol):
    """What capturing evidence needs from `redaction.Redactor`."""

    def learn(self, obj: Any, /) -> None: ...

    def redact_text(self, text: str, /) -> str: ...

    def redact_json(self, obj: Any, /) -> Any: ...

    def redact_headers(self, headers: Mapping[str, str], /) -> dict[str, str]: ...


@dataclass(slots=True, frozen=True)
class Exchange:
    """One HTTP request and its response, redacted once when captured: safe to print, store and report.

    Build it only with `Exchange.capture`; a direct construction fails, so no unredacted exchange can exist.
    """

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
    _via: object = field(default=None, repr=False, compare=False)
    #: the reproducers, rendered on first use: the evidence file and the HTML report both show them
    _rendered: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._via is not _CAPTURED:
            raise TypeError("an Exchange is built only by Exchange.capture(redactor, ...), which redacts it")

    @classmethod
    def capture(
        cls,
        redactor: Redacts,
        *,
        label: str,
        method: str,
        url: str,
        request_headers: Mapping[str, str],
        request_body: Any,
        status: int | None,
        response_headers: Mapping[str, str],
        response_body: Any,
        elapsed_ms: float,
        error: str | None = None,
    ) -> Exchange:
        """The exchange, redacted: every number and user id in either body is learned before anything is redacted,
        so a value first seen in the response is also hidden in the URL and the request."""
        for body in (request_body, response_body):
            redactor.learn(body)
        return cls(
            label=redactor.redact_text(label),
            method=method,
            url=redactor.redact_text(url),
            request_headers=redactor.redact_headers(request_headers),
            request_body=_redacted_body(redactor, request_body),
            status=status,
            response_headers=redactor.redact_headers(response_headers),
            response_body=_redacted_body(redactor, response_body),
            elapsed_ms=elapsed_ms,
            error=None if error is None else redactor.redact_text(error),
            _via=_CAPTURED,
        )

    def reproducible(self) -> ReproducibleRequest:
        """The request as a reproducer sends it: the headers that say something about it, the body as sent."""
        body = self.request_body
        text = body if body is None or isinstance(body, str) else json.dumps(body)
        return ReproducibleRequest.of(self.method, self.url, self.request_headers.items(), text)

    def reproducers(self) -> dict[str, str]:
        """The request in every reproducer language (`snippets.LANGUAGES`): secrets read from the environment."""
        if not self._rendered:
            self._rendered.update(render_all(self.reproducible()))
        return dict(self._rendered)

    def to_curl(self) -> str:
        """A shell command that sends the request as it was sent: each secret's placeholder is read from its
        environment variable (`reads_from_environment`), everything else (a public wrong key too) is written out."""
        return self.reproducers()["curl"]

    def reads_from_environment(self) -> tuple[str, ...]:
        """The environment variables a reproducer reads a secret from, in the order it names them."""
        return self.reproducible().reads_from_environment()

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
            "reproducers": self.reproducers(),
        }


def _redacted_body(redactor: Redacts, body: Any) -> Any:
    return redactor.redact_text(body) if isinstance(body, str) else redactor.redact_json(body)


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
    #: the step's docstring argument (an expected body, a message body), redacted like the step's text
    docstring: str = ""


@dataclass(slots=True)
class ScenarioEvidence:
    """Everything a partner needs to see about one scenario; filled while it runs, rendered by `reporting`."""

    requirement_ids: tuple[str, ...]
    feature: str
    scenario: str
    description: str = ""
    target: str = ""
    #: whether the answers came from the embedded emulator (directly or through its cassettes), not 360dialog
    simulated: bool = False
    #: a person confirmed what no request can show: the verdict is "attested", never "passed"
    attested: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)
    steps: list[StepEvidence] = field(default_factory=list)
    #: what fixtures recorded before the first Gherkin step (not a step of the scenario)
    setup: StepEvidence = field(default_factory=lambda: StepEvidence(keyword="", text="", status="passed"))

    def begin_step(self, keyword: str, text: str) -> StepEvidence:
        step = StepEvidence(keyword=keyword, text=text)
        self.steps.append(step)
        return step

    @property
    def current(self) -> StepEvidence:
        """The running step, or `setup` while fixtures run."""
        return self.steps[-1] if self.steps else self.setup

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
        return [o for step in (self.setup, *self.steps) for o in step.observations]

    @property
    def exchanges(self) -> list[Exchange]:
        return [e for step in (self.setup, *self.steps) for e in step.exchanges]
