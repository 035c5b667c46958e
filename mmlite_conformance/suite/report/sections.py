"""The report's sections as registries: a new section is one function plus its registration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mmlite_conformance.suite.evidence import ScenarioEvidence, StepEvidence
from mmlite_conformance.suite.report import html
from mmlite_conformance.suite.report.data import has_records
from mmlite_conformance.suite.report.html import esc
from mmlite_conformance.suite.report.ledger import ScenarioOutcome
from mmlite_conformance.suite.report.run import RunInfo
from mmlite_conformance.suite.report.tags import natural_key

StepSection = Callable[[StepEvidence], str]
#: what a step shows under its sentence, in this order
STEP_SECTIONS: dict[str, StepSection] = {}


@dataclass(slots=True)
class Summary:
    """What the summary sections read: the run and how its scenarios ended."""

    info: RunInfo
    scenarios: Sequence[ScenarioOutcome] = field(default_factory=list)
    #: requirement id -> the guide step's words
    words: Mapping[str, str] = field(default_factory=dict)
    #: pytest-metadata's Environment table, trimmed (Python, platform, versions, what the partner added)
    environment: Sequence[tuple[str, str]] = field(default_factory=list)

    @property
    def simulated(self) -> int:
        return sum(1 for s in self.scenarios if s.simulated)


SummarySection = Callable[[Summary], str]
#: where pytest-html shows a summary section: above its own summary ("prefix", inside the run block) or below it
Place = Literal["prefix", "summary"]
SUMMARY_SECTIONS: dict[str, tuple[Place, SummarySection]] = {}


def step_section(name: str) -> Callable[[StepSection], StepSection]:
    def register(render: StepSection) -> StepSection:
        STEP_SECTIONS[name] = render
        return render

    return register


def summary_section(name: str, place: Place) -> Callable[[SummarySection], SummarySection]:
    def register(render: SummarySection) -> SummarySection:
        SUMMARY_SECTIONS[name] = (place, render)
        return render

    return register


# --- under each step ---------------------------------------------------------------------------------------------


@step_section("docstring")
def _docstring(step: StepEvidence) -> str:
    return f"<pre class='mml-docstring'>{esc(step.docstring)}</pre>" if step.docstring else ""


@step_section("exchanges")
def _exchanges(step: StepEvidence) -> str:
    return "".join(html.exchange(e) for e in step.exchanges)


@step_section("schema verdicts")
def _verdicts(step: StepEvidence) -> str:
    return f"<ul class='mml-verdicts'>{''.join(html.verdict(v) for v in step.verdicts)}</ul>" if step.verdicts else ""


@step_section("observations")
def _observations(step: StepEvidence) -> str:
    return "".join(html.observation(o) for o in step.observations)


@step_section("webhooks")
def _webhooks(step: StepEvidence) -> str:
    if not step.webhooks:
        return ""
    events = "".join(f"<pre>{esc(html.pretty(event))}</pre>" for event in step.webhooks)
    return f"<details><summary>Webhook events received ({len(step.webhooks)})</summary>{events}</details>"


@step_section("notes")
def _notes(step: StepEvidence) -> str:
    return f"<ul class='mml-notes'>{''.join(f'<li>{esc(n)}</li>' for n in step.notes)}</ul>" if step.notes else ""


def _step_body(step: StepEvidence) -> str:
    body = "".join(render(step) for render in STEP_SECTIONS.values())
    return f"<div class='mml-body'>{body}</div>" if body else ""


def _step(step: StepEvidence) -> str:
    css = "mml-" + step.status.replace(" ", "-")
    return f"<li class='mml-step {css}'>{html.step_line(step)}{_step_body(step)}</li>"


def render_scenario_html(
    evidence: ScenarioEvidence, run_info: RunInfo | None = None, *, with_style: bool = False
) -> str:
    """One scenario for the expanded row of the pytest-html report: its fixtures' records (when there are any), then
    every step with what it sent and received, schema verdicts and observations."""
    info = run_info or RunInfo()
    ids = "".join(f"<span class='mml-req'>{esc(rid)}</span>" for rid in evidence.requirement_ids)
    provenance = ", ".join(f"{k}: {v}" for k, v in evidence.provenance.items()) or info.cassette_provenance
    parts = [
        "<div class='mml-scenario'>",
        f"<style>{html.style()}</style>" if with_style else "",  # in the report, the run header carries it once
        f"<div>{ids or '<span class=mml-meta>(no requirement id)</span>'}</div>",
        f"<div><b>Feature:</b> {esc(evidence.feature)}</div>",
        f"<div><b>Scenario:</b> {esc(evidence.scenario)}</div>",
    ]
    if evidence.description.strip():
        parts.append(f"<div class='mml-desc'>{html.linked(evidence.description.strip())}</div>")
    parts.append(f"<div class='mml-meta'><b>Target:</b> {esc(evidence.target or info.target)}")
    if provenance:
        parts.append(f" · <b>Provenance:</b> {esc(provenance)}")
    parts.append("</div>")
    if has_records(evidence.setup):
        parts.append(f"<div class='mml-setup'><b>Setup</b>{_step_body(evidence.setup)}</div>")
    parts.append("<ol class='mml-steps'>" + "".join(_step(s) for s in evidence.steps) + "</ol>")
    parts.append("</div>")
    return "".join(parts)


# --- the summary -------------------------------------------------------------------------------------------------


@summary_section("run header", "prefix")
def _run_table(summary: Summary) -> str:
    info = summary.info
    rows = [
        ("Run id", info.run_id),
        ("Target", info.target),
        ("Contract profile", info.contract_profile),
        ("Cloud API base URL", info.cloud_base_url or "—"),
        ("MM Lite URL", info.mm_lite_url or "—"),
        ("Suite version", info.suite_version),
        ("Run started (UTC)", info.started_at),
        ("Cassette provenance", info.cassette_provenance or "—"),
    ]
    body = "".join(f"<tr><td><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>" for k, v in rows)
    body += "".join(
        f"<tr class='mml-env'><td><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>" for k, v in summary.environment
    )
    return f"<h3>Run</h3><table class='mml-runinfo'>{body}</table>"


@summary_section("simulation banner", "prefix")
def _simulation_banner(summary: Summary) -> str:
    count, banner = summary.simulated, summary.info.simulation_banner
    if not (count and banner):
        return ""
    return (
        f"<div class='mml-banner'><b>{esc(banner)}, not 360dialog's sandbox</b> ({count} scenario(s)): this run "
        "shows the suite's behaviour, not the platform's.</div>"
    )


@summary_section("run warnings", "prefix")
def _run_warnings(summary: Summary) -> str:
    warnings = summary.info.warnings
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return f"<div class='mml-banner'><b>Warnings ({len(warnings)})</b><ul>{items}</ul></div>"


#: a requirement's verdict is its scenarios' worst: certification needs every scenario passed or attested
_VERDICT_ORDER = (
    "failed",
    "error",
    "skipped: needs",
    "skipped: environment",
    "skipped: not supported",
    "skipped",
    "attested",
    "passed",
    "xfailed",
    "skipped: not applicable",
)


def requirement_verdict(outcomes: Iterable[str]) -> str:
    seen = set(outcomes)
    return next((v for v in _VERDICT_ORDER if v in seen), "not run")


def _scenario_line(outcome: ScenarioOutcome) -> str:
    css = "mml-outcome-" + outcome.outcome.split(":")[0].replace(" ", "-")
    return f"{esc(outcome.scenario)} — <span class='{css}'>{esc(outcome.outcome)}</span>"


@summary_section("requirements", "summary")
def _requirements_table(summary: Summary) -> str:
    """One row per requirement id (naturally sorted): its scenarios, their outcomes and observation counts."""
    unnamed = "(no requirement id)"
    by_requirement: dict[str, list[ScenarioOutcome]] = {}
    for outcome in summary.scenarios:
        for rid in outcome.requirement_ids or (unnamed,):
            by_requirement.setdefault(rid, []).append(outcome)
    order = sorted((r for r in by_requirement if r != unnamed), key=natural_key)
    order += [unnamed] if unnamed in by_requirement else []
    rows = []
    for rid in order:
        members = by_requirement[rid]
        verdict = requirement_verdict(m.outcome for m in members)
        words = summary.words.get(rid, "")
        said = f"<div class='mml-words'>{esc(words)}</div>" if words else ""
        rows.append(
            f"<tr class='mml-requirement' data-requirement='{esc(rid)}'><td><b>{esc(rid)}</b>{said}</td>"
            f"<td class='mml-outcome-{verdict.split(':')[0].replace(' ', '-')}'>{esc(verdict)}</td>"
            f"<td>{'<br>'.join(_scenario_line(m) for m in members)}</td>"
            f"<td>{sum(m.observations for m in members)}</td></tr>"
        )
    head = "<tr><th>Requirement</th><th>Verdict</th><th>Scenarios</th><th>Observations</th></tr>"
    return (
        f"<div class='mml-requirements-block'><h3>Requirements</h3><table class='mml-requirements'>{head}"
        f"{''.join(rows)}</table></div>"
    )


def _render(summary: Summary, place: Place) -> str:
    return "".join(render(summary) for where, render in SUMMARY_SECTIONS.values() if where == place)


def render_run_header(summary: Summary) -> str:
    """Above pytest-html's summary: the report's style and the run block (the prefix sections)."""
    return f"<style>{html.style()}</style><div class='mml-run'>{_render(summary, 'prefix')}</div>"


def render_requirements_table(summary: Summary) -> str:
    """Below pytest-html's summary: the summary sections (the requirements table)."""
    return _render(summary, "summary")
