"""HTML of the evidence records: every value is escaped here, never redacted (it was redacted when captured)."""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from mmlite_conformance.suite.contract_refs import DOCUMENT_FILES, ContractIndex, citations, project_index
from mmlite_conformance.suite.evidence import Exchange, Observation, SchemaVerdict, StepEvidence
from mmlite_conformance.suite.report.data import to_jsonable
from mmlite_conformance.suite.report.evidence_files import cited_document_url
from mmlite_conformance.suite.snippets import LANGUAGES

#: numbers the reproducer tabs of each exchange, so their ids are unique across the report's page
_TAB_GROUPS = itertools.count(1)

STATUS_MARK: dict[str, str] = {
    "passed": "✓ passed",
    "failed": "✗ failed",
    "skipped": "↷ skipped",
    "not run": "○ not run",
}


@cache
def style() -> str:
    """The report's CSS, shipped as `style.css` beside this module, and the rule that shows each language's tab."""
    shown = "".join(f".mml-tabs>.mml-tab-{key}:checked~.mml-panel-{key}{{display:block}}" for key in LANGUAGES)
    return files(__package__).joinpath("style.css").read_text(encoding="utf-8") + shown + "\n"


def esc(value: object) -> str:
    """The only way text enters the report's markup."""
    return html.escape(str(value), quote=True)


def pretty(body: Any) -> str:
    """A body as pretty-printed JSON when it is JSON, else as text."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return str(body)
    return json.dumps(to_jsonable(body), indent=2, ensure_ascii=False)


def _body(body: Any) -> str:
    text = pretty(body)
    return f"<pre>{esc(text)}</pre>" if text else "<div class='mml-meta'>(no body)</div>"


def headers_table(headers: Mapping[str, str]) -> str:
    if not headers:
        return "<div class='mml-meta'>(no headers)</div>"
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in headers.items())
    return f"<table class='mml-headers'>{rows}</table>"


def exchange(ex: Exchange) -> str:
    status = "no response" if ex.status is None else str(ex.status)
    return "".join(
        [
            "<div class='mml-exchange'>",
            "<div class='mml-exline'>",
            f"<span class='mml-label'>{esc(ex.label)}</span>" if ex.label else "",
            f"<code>{esc(ex.method)} {esc(ex.url)}</code> → <b>{esc(status)}</b>",
            f" · {ex.elapsed_ms:.1f} ms</div>",
            f"<div class='mml-error'>{esc(ex.error)}</div>" if ex.error else "",
            "<details open><summary>Request</summary>",
            headers_table(ex.request_headers),
            _body(ex.request_body),
            "</details>",
            "<details open><summary>Response</summary>",
            headers_table(ex.response_headers),
            _body(ex.response_body),
            "</details>",
            reproducers(ex),
            "</div>",
        ]
    )


def reproducers(ex: Exchange) -> str:
    """The request in every reproducer language, as tabs: radio inputs and labels, no script (pytest-html inserts
    extras as markup, where a script would not run)."""
    group = f"mml-repro-{next(_TAB_GROUPS)}"
    tabs, panels = [], []
    for index, (key, snippet) in enumerate(ex.reproducers().items()):
        tab = f"{group}-{key}"
        checked = " checked" if index == 0 else ""
        tabs.append(
            f"<input type='radio' class='mml-tab-{key}' name='{group}' id='{tab}'{checked}>"
            f"<label for='{tab}'>{esc(LANGUAGES[key].label)}</label>"
        )
        panels.append(f"<pre class='mml-panel mml-panel-{key}'>{esc(snippet)}</pre>")
    return (
        f"<div class='mml-curl'>{reproduce_caption(ex)}"
        f"<div class='mml-tabs'>{' '.join(tabs)}{''.join(panels)}</div></div>"
    )


def linked(text: str, index: ContractIndex | None = None) -> str:
    """`text` escaped, each contract reference in it (`CONTRACT §5`, `CURRENT-API §1.2`) a link to its heading in the
    copy of the document the run keeps beside its evidence; a reference without a heading stays text."""
    found = index if index is not None else project_index()
    parts, done = [], 0
    for cited in citations(text):
        anchor = found.anchor(cited.document, cited.section)
        if cited.document is None or anchor is None:
            continue
        href = f"{cited_document_url(DOCUMENT_FILES[cited.document])}#{anchor}"
        parts.append(esc(text[done : cited.start]))
        parts.append(f"<a class='mml-ref' href='{esc(href)}'>{esc(text[cited.start : cited.end])}</a>")
        done = cited.end
    parts.append(esc(text[done:]))
    return "".join(parts)


def reproduce_caption(ex: Exchange) -> str:
    """What the reproducer needs from the environment: the variable of each key it sends, or nothing."""
    variables = [f"<code>${esc(name)}</code>" for name in ex.reads_from_environment()]
    if not variables:
        return "Reproduce (no key is read from the environment):"
    noun = "the key is" if len(variables) == 1 else "the keys are"
    return f"Reproduce ({noun} read from {' and '.join(variables)}):"


def verdict(v: SchemaVerdict) -> str:
    meta = f"<span class='mml-meta'>({esc(v.schema_id)})</span>"
    if v.valid:
        return f"<li class='mml-valid'>✓ schema <b>{esc(v.kind)}</b>: valid {meta}</li>"
    errors = "".join(f"<li><code>{esc(e)}</code></li>" for e in v.errors)
    return f"<li class='mml-invalid'>✗ schema <b>{esc(v.kind)}</b>: invalid {meta}<ul>{errors}</ul></li>"


def observation(o: Observation) -> str:
    return (
        "<div class='mml-observation'>"
        f"<b>Observation — not judged:</b> {linked(o.topic)}: observed {linked(o.observed)}"
        f"<div>Contract: {linked(o.contract)}</div>"
        f"<div class='mml-meta'>Source: {linked(o.source)}</div>"
        "</div>"
    )


def step_line(step: StepEvidence) -> str:
    """The step's sentence with its status mark, and its error if it failed."""
    mark = STATUS_MARK.get(step.status, step.status)
    error = f"<div class='mml-error'>{linked(step.error)}</div>" if step.error else ""
    return (
        f"<div class='mml-step-line'><span class='mml-mark'>{mark}</span>"
        f"<b>{esc(step.keyword)}</b> {esc(step.text)}</div>{error}"
    )
