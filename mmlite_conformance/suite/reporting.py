"""Certification evidence in pytest-html, JUnit XML and Cucumber JSON: run header, per-scenario sections, redaction."""

from __future__ import annotations

import dataclasses
import html
import importlib
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr
from _pytest._io import TerminalWriter

from mmlite_conformance.suite.evidence import (
    Exchange,
    Observation,
    ScenarioEvidence,
    SchemaVerdict,
    StepEvidence,
)

__all__ = [
    "REDACTOR",
    "REPORT_TITLE",
    "RUN_INFO",
    "SCENARIO_EVIDENCE",
    "RedactedLongRepr",
    "RunInfo",
    "SupportsRedaction",
    "evidence_as_dict",
    "fix_cucumber_statuses",
    "natural_key",
    "render_requirements_table",
    "render_run_header",
    "render_scenario_html",
    "requirement_ids_from_tags",
    "scrub_file",
]

REPORT_TITLE = "MM Lite conformance report"
#: a Gherkin tag that names a requirement of the guide: S1a, S2b, S3c, SCa ...
REQUIREMENT_TAG = re.compile(r"^S[0-9A-Z][0-9A-Za-z]*$")
#: environment variable names whose values never reach the Environment table (nor any value containing them)
SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|D360|MMLITE_RECIPIENT", re.IGNORECASE)
_MAX_ERROR_CHARS = 500


class SupportsRedaction(Protocol):
    """What reporting needs from `redaction.Redactor` (idempotent: redacting twice changes nothing)."""

    def redact_text(self, text: str, /) -> str: ...

    def redact_json(self, obj: Any, /) -> Any: ...


class _NoRedaction:
    """Used when the main plugin did not configure a redactor (e.g. the project's own tests)."""

    def redact_text(self, text: str, /) -> str:
        return text

    def redact_json(self, obj: Any, /) -> Any:
        return obj


def _installed_version() -> str:
    try:
        return version("mmlite-conformance")
    except PackageNotFoundError:  # pragma: no cover - source tree that was not installed
        return "0.0.0+source"


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class RunInfo:
    """The run header of every artefact: what was tested, against what, from which recordings."""

    target: str = "unknown"
    cloud_base_url: str = ""
    mm_lite_url: str = ""
    suite_version: str = field(default_factory=_installed_version)
    started_at: str = field(default_factory=_utc_now)
    cassette_provenance: str = ""
    #: True when the replayed cassettes were recorded from the embedded emulator (not 360dialog's sandbox)
    cassettes_from_emulator: bool = False
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


SCENARIO_EVIDENCE = pytest.StashKey[ScenarioEvidence]()
REDACTOR = pytest.StashKey[SupportsRedaction]()
RUN_INFO = pytest.StashKey[RunInfo]()


@dataclass(slots=True)
class _Progress:
    """Per item: the scenario's steps as planned, how many began, and what was already attached."""

    planned: list[tuple[str, str, int]] = field(default_factory=list)
    begun: int = 0
    finalized: bool = False
    extras_attached: bool = False
    properties_added: bool = False
    feature_uri: str = ""


@dataclass(slots=True)
class _ScenarioOutcome:
    feature: str
    scenario: str
    requirement_ids: tuple[str, ...]
    outcome: str = "not run"
    observations: int = 0
    from_emulator: bool = False


_PROGRESS = pytest.StashKey[_Progress]()


# --- small helpers -----------------------------------------------------------------------------------------------


def _redactor(config: pytest.Config) -> SupportsRedaction:
    return config.stash.get(REDACTOR, None) or _NoRedaction()


def _run_info(config: pytest.Config) -> RunInfo:
    return config.stash.get(RUN_INFO, None) or RunInfo()


def _progress(item: pytest.Item) -> _Progress:
    progress = item.stash.get(_PROGRESS, None)
    if progress is None:
        progress = item.stash[_PROGRESS] = _Progress()
    return progress


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that puts S2a before S10a and S3d before SCa."""
    return tuple(
        (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in re.split(r"(\d+)", text) if chunk
    )


def requirement_ids_from_tags(*tag_sets: Iterable[str]) -> tuple[str, ...]:
    """The requirement ids among Gherkin tags (with or without '@'), deduplicated and naturally sorted."""
    found = {tag.lstrip("@") for tags in tag_sets for tag in tags}
    return tuple(sorted((tag for tag in found if REQUIREMENT_TAG.match(tag)), key=natural_key))


def _one_line(exception: BaseException, redactor: SupportsRedaction) -> str:
    text = redactor.redact_text(str(exception))
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    message = f"{type(exception).__name__}: {first}" if first else type(exception).__name__
    return message if len(message) <= _MAX_ERROR_CHARS else message[: _MAX_ERROR_CHARS - 1] + "…"


def _esc(redactor: SupportsRedaction, value: object) -> str:
    """Redact, then HTML-escape: the only way text enters the report's markup."""
    return html.escape(redactor.redact_text(str(value)), quote=True)


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _pretty(body: Any, redactor: SupportsRedaction) -> str:
    """A body as pretty-printed JSON when it is JSON, else as text; always redacted."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return redactor.redact_text(body)
    text = json.dumps(redactor.redact_json(_to_jsonable(body)), indent=2, ensure_ascii=False, sort_keys=False)
    return redactor.redact_text(text)


def _redacted_exchange(exchange: Exchange, redactor: SupportsRedaction) -> Exchange:
    """A copy of an (already redacted) exchange, redacted once more: the report never trusts its input."""
    return dataclasses.replace(
        exchange,
        label=redactor.redact_text(exchange.label),
        url=redactor.redact_text(exchange.url),
        request_headers=redactor.redact_json(dict(exchange.request_headers)),
        request_body=_redacted_body(exchange.request_body, redactor),
        response_headers=redactor.redact_json(dict(exchange.response_headers)),
        response_body=_redacted_body(exchange.response_body, redactor),
        error=None if exchange.error is None else redactor.redact_text(exchange.error),
    )


def _redacted_body(body: Any, redactor: SupportsRedaction) -> Any:
    return redactor.redact_text(body) if isinstance(body, str) else redactor.redact_json(_to_jsonable(body))


# --- evidence as data --------------------------------------------------------------------------------------------


def evidence_as_dict(evidence: ScenarioEvidence, redactor: SupportsRedaction | None = None) -> dict[str, Any]:
    """The scenario's evidence as JSON-ready data (attached to the HTML report as a JSON link), redacted."""
    red = redactor or _NoRedaction()
    steps = [
        {
            "keyword": step.keyword,
            "text": step.text,
            "status": step.status,
            "error": step.error,
            "exchanges": [e.as_dict() for e in step.exchanges],  # redacted with the rest of `data` below
            "schema_verdicts": [
                {"kind": v.kind, "schema_id": v.schema_id, "valid": v.valid, "errors": list(v.errors)}
                for v in step.verdicts
            ],
            "observations": [dataclasses.asdict(o) | {"judged": False} for o in step.observations],
            "webhooks": _to_jsonable(step.webhooks),
            "notes": list(step.notes),
        }
        for step in evidence.steps
    ]
    data = {
        "requirement_ids": list(evidence.requirement_ids),
        "feature": evidence.feature,
        "scenario": evidence.scenario,
        "description": evidence.description,
        "target": evidence.target,
        "provenance": _to_jsonable(evidence.provenance),
        "steps": steps,
    }
    redacted: dict[str, Any] = red.redact_json(_to_jsonable(data))
    return redacted


# --- HTML rendering ----------------------------------------------------------------------------------------------

_CSS = """
.mml-scenario{font-family:Helvetica,Arial,sans-serif;font-size:13px;line-height:1.4;margin:4px 0 12px}
.mml-scenario pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border:1px solid #e1e4e8;
 padding:6px;margin:4px 0;font-size:12px;max-height:none}
.mml-req{display:inline-block;background:#1f4e79;color:#fff;border-radius:3px;padding:1px 6px;margin-right:4px;
 font-weight:bold}
.mml-desc{border-left:3px solid #1f4e79;margin:6px 0;padding:2px 8px;color:#333;white-space:pre-wrap}
.mml-meta{color:#555}
.mml-steps{list-style:none;padding-left:0;margin:8px 0}
.mml-step{border-top:1px solid #ddd;padding:6px 0 6px 4px}
.mml-step-line{font-size:14px}
.mml-passed .mml-mark{color:#1a7f37}.mml-failed .mml-mark{color:#cf222e}
.mml-skipped .mml-mark{color:#9a6700}.mml-not-run .mml-mark{color:#888}.mml-not-run .mml-step-line{color:#888}
.mml-mark{display:inline-block;min-width:6.5em;font-weight:bold}
.mml-error{color:#cf222e;font-family:monospace;margin:4px 0 4px 2em;white-space:pre-wrap}
.mml-body{margin-left:2em}
.mml-exchange{border:1px solid #d0d7de;border-radius:4px;padding:4px 8px;margin:6px 0}
.mml-exline code{font-size:12px}
.mml-label{color:#555;font-style:italic;margin-right:6px}
.mml-headers{border-collapse:collapse;font-size:12px;margin:2px 0}
.mml-headers td{border:1px solid #e1e4e8;padding:1px 6px;vertical-align:top}
.mml-valid{color:#1a7f37}.mml-invalid{color:#cf222e}
.mml-observation{background:#fff8e1;border-left:4px solid #d4a72c;padding:4px 8px;margin:6px 0}
.mml-observation b{color:#7a4d00}
.mml-notes{color:#444;margin:4px 0}
.mml-banner{background:#fff8e1;border:1px solid #d4a72c;padding:4px 8px;margin:6px 0}
.mml-runinfo td,.mml-requirements td,.mml-requirements th{padding:2px 8px;text-align:left;vertical-align:top;
 border-bottom:1px solid #e1e4e8}
.mml-outcome-passed{color:#1a7f37;font-weight:bold}.mml-outcome-failed,.mml-outcome-error{color:#cf222e;font-weight:bold}
.mml-outcome-skipped,.mml-outcome-xfailed,.mml-outcome-not-run{color:#9a6700;font-weight:bold}
"""

_STATUS_MARK: dict[str, str] = {
    "passed": "✓ passed",
    "failed": "✗ failed",
    "skipped": "↷ skipped",
    "not run": "○ not run",
}


def _headers_table(headers: Mapping[str, str], red: SupportsRedaction) -> str:
    if not headers:
        return "<div class='mml-meta'>(no headers)</div>"
    rows = "".join(f"<tr><td>{_esc(red, k)}</td><td>{_esc(red, v)}</td></tr>" for k, v in headers.items())
    return f"<table class='mml-headers'>{rows}</table>"


def _render_exchange(exchange: Exchange, red: SupportsRedaction) -> str:
    ex = _redacted_exchange(exchange, red)
    status = "no response" if ex.status is None else str(ex.status)
    parts = [
        "<div class='mml-exchange'>",
        "<div class='mml-exline'>",
        f"<span class='mml-label'>{_esc(red, ex.label)}</span>" if ex.label else "",
        f"<code>{_esc(red, ex.method)} {_esc(red, ex.url)}</code> → <b>{_esc(red, status)}</b>",
        f" · {ex.elapsed_ms:.1f} ms</div>",
    ]
    if ex.error:
        parts.append(f"<div class='mml-error'>{_esc(red, ex.error)}</div>")
    request_body = _pretty(ex.request_body, red)
    response_body = _pretty(ex.response_body, red)
    parts += [
        "<details open><summary>Request</summary>",
        _headers_table(ex.request_headers, red),
        f"<pre>{html.escape(request_body)}</pre>" if request_body else "<div class='mml-meta'>(no body)</div>",
        "</details>",
        "<details open><summary>Response</summary>",
        _headers_table(ex.response_headers, red),
        f"<pre>{html.escape(response_body)}</pre>" if response_body else "<div class='mml-meta'>(no body)</div>",
        "</details>",
        "<div class='mml-curl'>Reproduce (the key is read from <code>$D360_API_KEY</code>):",
        f"<pre>{_esc(red, ex.to_curl())}</pre></div>",
        "</div>",
    ]
    return "".join(parts)


def _render_verdict(verdict: SchemaVerdict, red: SupportsRedaction) -> str:
    if verdict.valid:
        return (
            f"<li class='mml-valid'>✓ schema <b>{_esc(red, verdict.kind)}</b>: valid "
            f"<span class='mml-meta'>({_esc(red, verdict.schema_id)})</span></li>"
        )
    errors = "".join(f"<li><code>{_esc(red, e)}</code></li>" for e in verdict.errors)
    return (
        f"<li class='mml-invalid'>✗ schema <b>{_esc(red, verdict.kind)}</b>: invalid "
        f"<span class='mml-meta'>({_esc(red, verdict.schema_id)})</span><ul>{errors}</ul></li>"
    )


def _render_observation(observation: Observation, red: SupportsRedaction) -> str:
    return (
        "<div class='mml-observation'>"
        f"<b>Observation — not judged:</b> {_esc(red, observation.topic)}: observed {_esc(red, observation.observed)}"
        f"<div>Contract: {_esc(red, observation.contract)}</div>"
        f"<div class='mml-meta'>Source: {_esc(red, observation.source)}</div>"
        "</div>"
    )


def _render_step(step: StepEvidence, red: SupportsRedaction) -> str:
    css = "mml-" + step.status.replace(" ", "-")
    mark = _STATUS_MARK.get(step.status, step.status)
    parts = [
        f"<li class='mml-step {css}'>",
        f"<div class='mml-step-line'><span class='mml-mark'>{mark}</span>",
        f"<b>{_esc(red, step.keyword)}</b> {_esc(red, step.text)}</div>",
    ]
    if step.error:
        parts.append(f"<div class='mml-error'>{_esc(red, step.error)}</div>")
    body: list[str] = [_render_exchange(e, red) for e in step.exchanges]
    if step.verdicts:
        body.append("<ul class='mml-verdicts'>" + "".join(_render_verdict(v, red) for v in step.verdicts) + "</ul>")
    body += [_render_observation(o, red) for o in step.observations]
    if step.webhooks:
        events = "".join(f"<pre>{html.escape(_pretty(event, red))}</pre>" for event in step.webhooks)
        body.append(f"<details><summary>Webhook events received ({len(step.webhooks)})</summary>{events}</details>")
    if step.notes:
        body.append("<ul class='mml-notes'>" + "".join(f"<li>{_esc(red, n)}</li>" for n in step.notes) + "</ul>")
    if body:
        parts.append("<div class='mml-body'>" + "".join(body) + "</div>")
    parts.append("</li>")
    return "".join(parts)


def _recorded_from_emulator(provenance: Mapping[str, Any]) -> bool:
    """Whether a scenario's cassette provenance says it was recorded from the emulator."""
    keys = ("recorded_from", "recorded_against", "source", "target")
    return any("emulator" in str(provenance.get(key, "")).lower() for key in keys)


def _provenance_text(provenance: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in provenance.items())


def render_scenario_html(
    evidence: ScenarioEvidence,
    redactor: SupportsRedaction | None = None,
    run_info: RunInfo | None = None,
    *,
    with_style: bool = False,
) -> str:
    """One scenario as an HTML block for the expanded row of the pytest-html report: every step, what it sent and
    received, schema verdicts and observations. Every piece of text is redacted and escaped."""
    red = redactor or _NoRedaction()
    info = run_info or RunInfo()
    ids = "".join(f"<span class='mml-req'>{_esc(red, rid)}</span>" for rid in evidence.requirement_ids)
    provenance = _provenance_text(evidence.provenance) or info.cassette_provenance
    parts = [
        "<div class='mml-scenario'>",
        f"<style>{_CSS}</style>" if with_style else "",  # in the report, the run header carries the style once
        f"<div>{ids or '<span class=mml-meta>(no requirement id)</span>'}</div>",
        f"<div><b>Feature:</b> {_esc(red, evidence.feature)}</div>",
        f"<div><b>Scenario:</b> {_esc(red, evidence.scenario)}</div>",
    ]
    if evidence.description.strip():
        parts.append(f"<div class='mml-desc'>{_esc(red, evidence.description.strip())}</div>")
    parts.append(f"<div class='mml-meta'><b>Target:</b> {_esc(red, evidence.target or info.target)}")
    if provenance:
        parts.append(f" · <b>Provenance:</b> {_esc(red, provenance)}")
    parts.append("</div>")
    parts.append("<ol class='mml-steps'>" + "".join(_render_step(s, red) for s in evidence.steps) + "</ol>")
    parts.append("</div>")
    return "".join(parts)


def render_run_header(info: RunInfo, redactor: SupportsRedaction | None = None, emulator_scenarios: int = 0) -> str:
    """The run header of the HTML report: target, base URLs, suite version, date, provenance, assumptions."""
    red = redactor or _NoRedaction()
    rows = [
        ("Target", info.target),
        ("Cloud API base URL", info.cloud_base_url or "—"),
        ("MM Lite URL", info.mm_lite_url or "—"),
        ("Suite version", info.suite_version),
        ("Run started (UTC)", info.started_at),
        ("Cassette provenance", info.cassette_provenance or "—"),
    ]
    body = "".join(f"<tr><td><b>{_esc(red, k)}</b></td><td>{_esc(red, v)}</td></tr>" for k, v in rows)
    parts = [f"<style>{_CSS}</style><div class='mml-run'><h3>Run</h3><table class='mml-runinfo'>{body}</table>"]
    if info.cassettes_from_emulator or emulator_scenarios:
        count = f" ({emulator_scenarios} scenario(s))" if emulator_scenarios else ""
        source = (
            "Run against the embedded emulator"
            if info.target == "emulator"
            else "Cassettes recorded from the embedded emulator"
        )
        parts.append(
            f"<div class='mml-banner'><b>{source}, not 360dialog's sandbox</b>{count}: this run shows the "
            "suite's behaviour, not the platform's.</div>"
        )
    if info.assumptions:
        items = "".join(f"<li>{_esc(red, a)}</li>" for a in info.assumptions)
        parts.append(f"<div><b>Assumptions (not asserted, reported as observations):</b><ul>{items}</ul></div>")
    if info.notes:
        parts.append("<ul class='mml-notes'>" + "".join(f"<li>{_esc(red, n)}</li>" for n in info.notes) + "</ul>")
    parts.append("</div>")
    return "".join(parts)


def _requirement_verdict(outcomes: Iterable[str]) -> str:
    seen = set(outcomes)
    for verdict in ("failed", "error", "passed", "xfailed", "skipped"):
        if verdict in seen:
            return verdict
    return "not run"


def render_requirements_table(
    scenarios: Iterable[_ScenarioOutcome] | Iterable[Any], redactor: SupportsRedaction | None = None
) -> str:
    """One row per requirement id (naturally sorted): its scenarios, their outcomes and observation counts."""
    red = redactor or _NoRedaction()
    by_requirement: dict[str, list[Any]] = {}
    for outcome in scenarios:
        for rid in outcome.requirement_ids or ("(no requirement id)",):
            by_requirement.setdefault(rid, []).append(outcome)
    order = sorted((r for r in by_requirement if r != "(no requirement id)"), key=natural_key)
    if "(no requirement id)" in by_requirement:
        order.append("(no requirement id)")
    rows = []
    for rid in order:
        members = by_requirement[rid]
        verdict = _requirement_verdict(m.outcome for m in members)
        listed = "<br>".join(
            f"{_esc(red, m.scenario)} — <span class='mml-outcome-{m.outcome.replace(' ', '-')}'>{_esc(red, m.outcome)}"
            "</span>"
            for m in members
        )
        observations = sum(m.observations for m in members)
        rows.append(
            f"<tr class='mml-requirement' data-requirement='{_esc(red, rid)}'><td><b>{_esc(red, rid)}</b></td>"
            f"<td class='mml-outcome-{verdict.replace(' ', '-')}'>{verdict}</td><td>{listed}</td>"
            f"<td>{observations}</td></tr>"
        )
    head = "<tr><th>Requirement</th><th>Verdict</th><th>Scenarios</th><th>Observations</th></tr>"
    return (
        f"<div class='mml-requirements-block'><h3>Requirements</h3><table class='mml-requirements'>{head}"
        f"{''.join(rows)}</table></div>"
    )


# --- redaction of pytest's own artefacts -------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class RedactedLongRepr(TerminalRepr):
    """A failure representation whose text went through the redactor; keeps the crash line for summaries/JUnit."""

    text: str
    reprcrash: ReprFileLocation | None = None

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.splitlines():
            tw.line(line, red=line.startswith("E "))


def _redact_longrepr(longrepr: Any, red: SupportsRedaction) -> Any:
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # skip: (path, lineno, reason)
        path, lineno, reason = longrepr
        return (red.redact_text(str(path)), lineno, red.redact_text(str(reason)))
    text = str(longrepr)
    redacted = red.redact_text(text)
    if redacted == text:
        return longrepr
    if isinstance(longrepr, str):
        return redacted
    crash = getattr(longrepr, "reprcrash", None)
    new_crash = None
    if crash is not None:
        new_crash = ReprFileLocation(red.redact_text(str(crash.path)), crash.lineno, red.redact_text(crash.message))
    return RedactedLongRepr(text=redacted, reprcrash=new_crash)


def _redact_report(report: pytest.TestReport | pytest.CollectReport, red: SupportsRedaction) -> None:
    report.longrepr = _redact_longrepr(report.longrepr, red)
    report.sections = [(red.redact_text(title), red.redact_text(content)) for title, content in report.sections]
    if isinstance(report, pytest.TestReport):
        report.user_properties = [(red.redact_text(str(k)), red.redact_text(str(v))) for k, v in report.user_properties]
        reason = getattr(report, "wasxfail", None)
        if isinstance(reason, str):
            report.wasxfail = red.redact_text(reason)


def _redact_extras(extras: list[Any], red: SupportsRedaction) -> None:
    for extra in extras:
        if not isinstance(extra, dict):
            continue
        fmt, content = extra.get("format_type"), extra.get("content")
        if fmt == "json":
            extra["content"] = red.redact_json(_to_jsonable(content))
        elif fmt in {"html", "text", "url"} and isinstance(content, str):
            extra["content"] = _redact_markup(content, red) if fmt == "html" else red.redact_text(content)
        if isinstance(extra.get("name"), str):
            extra["name"] = red.redact_text(extra["name"])


_ATTRIBUTE = re.compile(r'(=")([^"]*)(")')
_TEXT = re.compile(r"(>)([^<]+)(<)")


def _redact_markup(markup: str, red: SupportsRedaction) -> str:
    """Redact HTML/XML text and attribute values without letting a placeholder such as <D360-API-KEY> become markup."""
    if red.redact_text(markup) == markup:
        return markup

    def fix(quote: bool) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            value = match.group(2)
            if red.redact_text(value) == value:
                return match.group(0)
            clean = html.escape(red.redact_text(html.unescape(value)), quote=quote)
            return match.group(1) + clean + match.group(3)

        return replace

    markup = _ATTRIBUTE.sub(fix(True), markup)
    markup = _TEXT.sub(fix(False), markup)
    if red.redact_text(markup) != markup:  # text outside any tag (a bare fragment): escape the whole of it
        markup = html.escape(red.redact_text(html.unescape(markup)), quote=False)
    return markup


def _redact_xml_tree(element: ET.Element, red: SupportsRedaction) -> None:
    for node in element.iter():
        node.attrib = {k: red.redact_text(v) for k, v in node.attrib.items()}
        if node.text:
            node.text = red.redact_text(node.text)
        if node.tail:
            node.tail = red.redact_text(node.tail)


def scrub_file(path: str | os.PathLike[str], redactor: SupportsRedaction) -> bool:
    """Rewrite a written artefact through the redactor (JSON and XML structurally, HTML markup-aware, other files as
    text); atomic; returns True when something had to be redacted."""
    target = Path(path)
    if not target.is_file():
        return False
    original = target.read_text(encoding="utf-8")
    if redactor.redact_text(original) == original and target.suffix.lower() != ".json":
        return False
    suffix = target.suffix.lower()
    cleaned = original
    if suffix == ".json":
        try:
            data = json.loads(original)
        except ValueError:
            cleaned = redactor.redact_text(original)
        else:
            redacted = redactor.redact_json(data)
            if redacted != data:
                cleaned = json.dumps(redacted)
            if redactor.redact_text(cleaned) != cleaned:
                cleaned = json.dumps(json.loads(redactor.redact_text(json.dumps(redacted, ensure_ascii=False))))
    elif suffix == ".xml":
        try:
            root = ET.fromstring(original)
        except ET.ParseError:
            cleaned = _redact_markup(original, redactor)
        else:
            _redact_xml_tree(root, redactor)
            cleaned = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
    elif suffix in {".html", ".htm"}:
        cleaned = _redact_markup(original, redactor)
    else:
        cleaned = redactor.redact_text(original)
    if cleaned == original:
        return False
    _write_atomically(target, cleaned)
    return True


_CUCUMBER_STATUS = {"passed": "passed", "failed": "failed", "skipped": "skipped", "not run": "skipped"}


def _cucumber_steps(evidence: ScenarioEvidence, planned: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """Each Gherkin step of the scenario with its Cucumber status (passed / failed / skipped / undefined)."""
    steps = [s for s in evidence.steps if not (s.keyword == "" and s.text == "(setup)")]  # not a Gherkin step
    out = []
    for index, step in enumerate(steps):
        undefined = step.status == "failed" and (step.error or "").startswith("undefined step")
        line = planned[index][2] if index < len(planned) else 0
        status = "undefined" if undefined else _CUCUMBER_STATUS.get(step.status, "skipped")
        out.append({"keyword": step.keyword, "name": step.text, "line": line, "status": status})
    return out


def _redact_step(step: dict[str, Any], red: SupportsRedaction) -> dict[str, Any]:
    return step | {"keyword": red.redact_text(str(step["keyword"])), "name": red.redact_text(str(step["name"]))}


def fix_cucumber_statuses(path: Path, scenarios: Mapping[tuple[str, str], list[dict[str, Any]]]) -> bool:
    """Rewrite each step's status in pytest-bdd's Cucumber JSON from the evidence. pytest-bdd 9 writes a skipped
    scenario's steps as passed, every step after a failure as failed, and leaves an undefined step out (so the
    scenario reads as passed). Keyed by (feature uri, test name). Returns True when the file was rewritten."""
    if not path.is_file():
        return False
    try:
        features = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    changed = False
    for feature in features if isinstance(features, list) else []:
        for element in feature.get("elements", []):
            wanted = scenarios.get((str(feature.get("uri", "")), str(element.get("id", ""))))
            steps = element.setdefault("steps", [])
            if wanted is None or len(wanted) < len(steps):
                continue
            for extra in wanted[len(steps) :]:  # steps pytest-bdd did not report (undefined)
                steps.append(
                    {
                        "keyword": extra["keyword"],
                        "name": extra["name"],
                        "line": extra["line"],
                        "match": {"location": ""},
                        "result": {"status": extra["status"], "duration": 0},
                    }
                )
                changed = True
            for step, expected in zip(steps, wanted, strict=True):
                result = step.setdefault("result", {})
                if result.get("status") != expected["status"]:
                    result["status"] = expected["status"]
                    changed = True
                if expected["status"] != "failed" and "error_message" in result:
                    del result["error_message"]
                    changed = True
    if changed:
        _write_atomically(path, json.dumps(features))
    return changed


def _write_atomically(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    Path(temp).replace(path)


# --- environment table (pytest-metadata) -------------------------------------------------------------------------


def _secret_env_values() -> list[str]:
    return [v for k, v in os.environ.items() if SECRET_ENV_NAME.search(k) and len(v) >= 4]


def _clean_metadata(data: dict[str, Any], red: SupportsRedaction, secrets: list[str]) -> None:
    for key in list(data):
        value = data[key]
        if SECRET_ENV_NAME.search(str(key)) or any(s in str(value) for s in secrets):
            del data[key]
        elif isinstance(value, dict):
            _clean_metadata(value, red, secrets)
        elif isinstance(value, str):
            data[key] = red.redact_text(value)


def _sanitize_metadata(config: pytest.Config) -> None:
    try:
        metadata_key = importlib.import_module("pytest_metadata.plugin").metadata_key
    except (ImportError, AttributeError):  # pragma: no cover - pytest-html always brings pytest-metadata
        return
    metadata = config.stash.get(metadata_key, None)
    if metadata is None:
        return
    info = config.stash.get(RUN_INFO, None)
    if info is not None:
        metadata.update(
            {
                # the base URLs are in the summary's run table: the emulator's are known only once it runs
                "MM Lite target": info.target,
                "Suite version": info.suite_version,
                "Run started (UTC)": info.started_at,
                "Cassette provenance": info.cassette_provenance,
            }
        )
    _clean_metadata(metadata, _redactor(config), _secret_env_values())


# --- pytest hooks ------------------------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # before pytest-html (trylast) builds the Environment table and before the terminal prints its header
    _sanitize_metadata(session.config)


def _new_evidence(item: pytest.Item, feature: Any, scenario: Any) -> ScenarioEvidence:
    evidence = item.stash.get(SCENARIO_EVIDENCE, None)
    if evidence is None:
        evidence = item.stash[SCENARIO_EVIDENCE] = ScenarioEvidence(requirement_ids=(), feature="", scenario="")
    rule = getattr(scenario, "rule", None)
    evidence.requirement_ids = requirement_ids_from_tags(
        getattr(scenario, "tags", ()), getattr(feature, "tags", ()), getattr(rule, "tags", ()) if rule else ()
    )
    evidence.feature = str(getattr(feature, "name", "") or getattr(feature, "rel_filename", ""))
    evidence.scenario = str(getattr(scenario, "name", ""))
    evidence.description = str(getattr(scenario, "description", "") or "")
    if not evidence.target:
        evidence.target = _run_info(item.config).target
    progress = _progress(item)
    progress.feature_uri = str(getattr(feature, "rel_filename", ""))
    progress.planned = [
        (str(s.keyword).strip(), str(s.name), int(getattr(s, "line_number", 0) or 0))
        for s in getattr(scenario, "steps", ())
    ]
    return evidence


def _evidence_from_template(item: pytest.Item) -> ScenarioEvidence | None:
    """For a scenario that never started (setup failed or skipped): rebuild it from pytest-bdd's template."""
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry

        function = getattr(item, "function", None)
        template = None if function is None else scenario_wrapper_template_registry.get(function)
        if template is None:
            return None
        callspec = getattr(item, "callspec", None)
        example = callspec.params.get("_pytest_bdd_example", {}) if callspec is not None else {}
        scenario = template.render(example)
    except Exception:  # internal API of pytest-bdd: without it the scenario just has no section
        return None
    return _new_evidence(item, scenario.feature, scenario)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    _new_evidence(request.node, feature, scenario)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any) -> None:
    evidence = request.node.stash.get(SCENARIO_EVIDENCE, None)
    if evidence is None:
        evidence = _new_evidence(request.node, feature, scenario)
    evidence.begin_step(str(step.keyword).strip(), str(step.name))
    _progress(request.node).begun += 1


def _current_step(request: pytest.FixtureRequest) -> StepEvidence | None:
    evidence = request.node.stash.get(SCENARIO_EVIDENCE, None)
    return evidence.steps[-1] if evidence is not None and evidence.steps else None


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_after_step(request: pytest.FixtureRequest) -> None:
    step = _current_step(request)
    if step is not None:
        step.status = "passed"


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest, exception: BaseException) -> None:
    step = _current_step(request)
    if step is not None:
        step.status = "failed"
        step.error = _one_line(exception, _redactor(request.config))


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_step_func_lookup_error(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, exception: BaseException
) -> None:
    evidence = request.node.stash.get(SCENARIO_EVIDENCE, None)
    if evidence is None:
        evidence = _new_evidence(request.node, feature, scenario)
    begun = evidence.begin_step(str(step.keyword).strip(), str(step.name))
    _progress(request.node).begun += 1
    begun.status = "failed"
    begun.error = "undefined step: no step definition matches this sentence"


def _finalize_steps(item: pytest.Item, evidence: ScenarioEvidence, report: pytest.TestReport) -> None:
    progress = _progress(item)
    if progress.finalized:
        return
    progress.finalized = True
    running = evidence.steps[-1] if evidence.steps and progress.begun else None
    if running is not None and running.status == "not run":
        running.status = "skipped" if report.skipped else "failed" if report.failed else running.status
    for keyword, text, _line in progress.planned[progress.begun :]:
        evidence.steps.append(StepEvidence(keyword=keyword, text=text, status="not run"))


def _properties(evidence: ScenarioEvidence, red: SupportsRedaction) -> list[tuple[str, object]]:
    props: list[tuple[str, object]] = [("requirement", rid) for rid in evidence.requirement_ids]
    if evidence.target:
        props.append(("target", evidence.target))
    props += [("observation", o.summary()) for o in evidence.observations]
    return [(k, red.redact_text(str(v))) for k, v in props]


def _attach(item: pytest.Item, report: pytest.TestReport, evidence: ScenarioEvidence, red: SupportsRedaction) -> None:
    progress = _progress(item)
    if not progress.extras_attached:
        progress.extras_attached = True
        _finalize_steps(item, evidence, report)
        try:
            from pytest_html import extras as html_extras
        except ImportError:  # pragma: no cover - pytest-html is a dependency
            html_extras = None
        if html_extras is not None:
            block = render_scenario_html(evidence, red, _run_info(item.config))
            report.extras = [  # type: ignore[attr-defined]
                *getattr(report, "extras", []),
                html_extras.html(block),
                html_extras.json(evidence_as_dict(evidence, red), name="Evidence (JSON)"),
            ]
    if not progress.properties_added:
        progress.properties_added = True
        props = _properties(evidence, red)
        item.user_properties.extend(props)
        report.user_properties.extend(props)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report: pytest.TestReport = yield
    red = _redactor(item.config)
    # other plugins' extras now; the suite's own are built from redacted text and need no second pass
    _redact_extras(getattr(report, "extras", []), red)
    evidence = item.stash.get(SCENARIO_EVIDENCE, None)
    if report.when == "setup" and not report.passed and not _progress(item).planned:
        # the scenario never started (pytest-bdd's before_scenario runs in the call phase): take it from its template
        evidence = _evidence_from_template(item) or evidence
    if evidence is not None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            _attach(item, report, evidence, red)
        elif report.when == "teardown" and not _progress(item).properties_added:
            _progress(item).properties_added = True
            report.user_properties.extend(_properties(evidence, red))
        report.mmlite_requirements = list(evidence.requirement_ids)  # type: ignore[attr-defined]
        report.mmlite_feature = red.redact_text(evidence.feature)  # type: ignore[attr-defined]
        report.mmlite_scenario = red.redact_text(evidence.scenario)  # type: ignore[attr-defined]
        report.mmlite_observations = len(evidence.observations)  # type: ignore[attr-defined]
        report.mmlite_from_emulator = _recorded_from_emulator(evidence.provenance)  # type: ignore[attr-defined]
        if _progress(item).finalized:
            progress = _progress(item)
            cucumber = [progress.feature_uri, _cucumber_steps(evidence, progress.planned)]
            report.mmlite_cucumber = cucumber  # type: ignore[attr-defined]
    _redact_report(report, red)
    session_plugin = item.config.pluginmanager.get_plugin(_SESSION_PLUGIN)
    if isinstance(session_plugin, _SessionPlugin):
        session_plugin.redacted_extras[id(report)] = {id(extra) for extra in getattr(report, "extras", [])}
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report: pytest.CollectReport = yield
    _redact_report(report, _redactor(collector.config))
    return report


def _merge_outcome(current: str, report: pytest.TestReport) -> str:
    if report.when == "setup":
        return "error" if report.failed else "skipped" if report.skipped else current
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return "xfailed" if report.skipped else "passed"
        return report.outcome
    if report.failed and current in {"passed", "not run"}:
        return "error"
    return current


class _SessionPlugin:
    """The per-run half of the plugin: hooks that get no config (logreport, table rows) and the final scrub."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.scenarios: dict[str, _ScenarioOutcome] = {}
        #: (feature uri, test name) -> each step with its Cucumber status, from the evidence
        self.cucumber: dict[tuple[str, str], list[dict[str, Any]]] = {}
        #: id(report) -> ids of its extras already redacted in makereport (until its logreport)
        self.redacted_extras: dict[int, set[int]] = {}

    @property
    def redactor(self) -> SupportsRedaction:
        return _redactor(self.config)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # extras added through pytest-html's `extras` fixture are merged after makereport: redact those here
        redacted = self.redacted_extras.pop(id(report), set())
        _redact_extras([extra for extra in getattr(report, "extras", []) if id(extra) not in redacted], self.redactor)
        requirements = getattr(report, "mmlite_requirements", None)
        if requirements is None:
            return
        outcome = self.scenarios.get(report.nodeid)
        if outcome is None:
            outcome = self.scenarios[report.nodeid] = _ScenarioOutcome(
                feature=str(getattr(report, "mmlite_feature", "")),
                scenario=str(getattr(report, "mmlite_scenario", "")) or report.nodeid,
                requirement_ids=tuple(requirements),
            )
        outcome.requirement_ids = tuple(requirements) or outcome.requirement_ids
        outcome.observations = max(outcome.observations, int(getattr(report, "mmlite_observations", 0)))
        outcome.outcome = _merge_outcome(outcome.outcome, report)
        outcome.from_emulator = outcome.from_emulator or bool(getattr(report, "mmlite_from_emulator", False))
        cucumber = getattr(report, "mmlite_cucumber", None)
        if cucumber:
            uri, steps = cucumber
            self.cucumber[(str(uri), report.nodeid.split("::")[-1])] = [_redact_step(s, self.redactor) for s in steps]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = REPORT_TITLE

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, '<th class="sortable" data-column-type="requirement">Requirement</th>')
        cells.insert(2, '<th class="sortable" data-column-type="scenario">Scenario</th>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        red = self.redactor
        cells[:] = [_redact_markup(cell, red) for cell in cells]
        requirements = ", ".join(getattr(report, "mmlite_requirements", None) or ())
        scenario = getattr(report, "mmlite_scenario", "")
        cells.insert(1, f'<td class="col-requirement">{_esc(red, requirements)}</td>')
        cells.insert(2, f'<td class="col-scenario">{_esc(red, scenario)}</td>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        data[:] = [_redact_markup(chunk, self.redactor) for chunk in data]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        info = _run_info(self.config)
        prefix.append(render_run_header(info, self.redactor, self._emulator_recorded()))
        summary.append(render_requirements_table(self.scenarios.values(), self.redactor))

    def _emulator_recorded(self) -> int:
        return sum(1 for outcome in self.scenarios.values() if outcome.from_emulator)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, Any]:
        result = yield
        # after pytest-html, junitxml and pytest-bdd's cucumber json have written their files
        option = self.config.option
        cucumber_path = getattr(option, "cucumber_json_path", None)
        if cucumber_path and self.cucumber:
            fix_cucumber_statuses(Path(os.path.expandvars(str(cucumber_path))).expanduser(), self.cucumber)
        for name in ("htmlpath", "xmlpath", "cucumber_json_path"):
            path = getattr(option, name, None)
            if path:
                scrub_file(Path(os.path.expandvars(str(path))).expanduser(), self.redactor)
        return result


_SESSION_PLUGIN = "mmlite-reporting-session"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(_SESSION_PLUGIN):
        config.pluginmanager.register(_SessionPlugin(config), _SESSION_PLUGIN)
    _sanitize_metadata(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(_SESSION_PLUGIN)
    if plugin is not None:
        config.pluginmanager.unregister(plugin)
