"""The guide's pages: the index (sections and scenarios in order) and one page per section with its scenarios."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from itertools import groupby

from mmlite_conformance.publish.catalog import Catalog, Exchange, Instance, Scenario, Section, Step
from mmlite_conformance.publish.site.links import ContractPages, link_references
from mmlite_conformance.publish.site.markdown import slug
from mmlite_conformance.publish.site.render import (
    Tab,
    badge,
    body_block,
    bullet_list,
    code_block,
    headers_block,
    page,
    tabs,
)
from mmlite_conformance.publish.site.tapes import Tape
from mmlite_conformance.suite.snippets import LANGUAGES, ReproducibleRequest, render_all

INDEX = "index.html"
#: a Then-step that records what came back instead of judging it (STEPS.md: "... is recorded as an observation")
OBSERVATION_STEP = re.compile(r"\brecorded as an observation\b")
#: headers a reproducer leaves to its HTTP client (the same choice as the suite's evidence)
NOT_REPRODUCED = frozenset({"content-length", "host", "user-agent", "accept", "accept-encoding", "connection"})
#: the code-block language of each reproducer (a CSS class only)
_CODE_LANGUAGE = {"curl": "sh", "python": "python", "node": "javascript"}


@dataclass(slots=True, frozen=True)
class GuideLinks:
    """How the guide's pages name each other and the contract."""

    contract: ContractPages

    @staticmethod
    def section_page(section: Section) -> str:
        return f"guide-{section.stem}.html"

    @staticmethod
    def scenario_anchor(scenario: Scenario) -> str:
        return scenario.function.removeprefix("test_").replace("_", "-")

    def scenario_href(self, section: Section, scenario: Scenario) -> str:
        return f"{self.section_page(section)}#{self.scenario_anchor(scenario)}"

    def text(self, text: str, *, on: str) -> str:
        """Prose of the features, escaped, with its contract references linked."""
        return link_references(text, self.contract, from_page=on)


def reproducible(exchange: Exchange) -> ReproducibleRequest:
    headers = tuple((name, value) for name, value in exchange.request_headers if name not in NOT_REPRODUCED)
    return ReproducibleRequest(exchange.method, exchange.url, headers, exchange.request_body or None)


def strict_and_observed(scenario: Scenario) -> tuple[list[Step], list[Step]]:
    """The scenario's Then-steps split into what it checks strictly and what it only records."""
    then = [step for step in scenario.steps if step.kind == "then"]
    observed = [step for step in then if OBSERVATION_STEP.search(step.text)]
    return [step for step in then if step not in observed], observed


# --- the index -----------------------------------------------------------------------------------------------------


def index_page(catalog: Catalog, links: GuideLinks) -> str:
    parts = [
        "<h1>MM Lite conformance: the guide, step by step</h1>",
        "<p>Each section below is one part of 360dialog's <em>MM Lite Alpha Sandbox Testing</em> guide, written as "
        "executable scenarios. Every scenario carries its requirement id; its page shows the Gherkin steps, what the "
        "suite checks strictly and what it only records as an observation (a value the contract leaves open), the "
        "request with the recorded (redacted) answer, and the same request in curl, Python and Node.js.</p>",
        '<p class="note">Generated from <code>features/</code>, <code>cassettes/</code> and <code>docs/</code> by '
        "<code>mmlite-conformance docs</code>.</p>",
    ]
    for section in catalog.sections:
        parts.append(_section_summary(section, links))
    return page(INDEX, "The guide", "\n".join(parts))


def _section_summary(section: Section, links: GuideLinks) -> str:
    href = links.section_page(section)
    rows = []
    for scenario in section.scenarios:
        ids = " ".join(badge(rid) for rid in scenario.requirement_ids)
        examples = len(scenario.instances) if scenario.outline else ""
        rows.append(
            f'<tr><td class="ids">{ids}</td>'
            f'<td><a href="{escape(links.scenario_href(section, scenario))}">{escape(scenario.name)}</a></td>'
            f"<td>{escape(scenario.guide_step)}</td><td>{examples}</td></tr>"
        )
    return (
        f'<h2 id="{escape(section.stem)}"><a href="{escape(href)}">{escape(section.title)}</a></h2>\n'
        "<table><thead><tr><th>requirement</th><th>scenario</th><th>guide step</th><th>examples</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody></table>"
    )


# --- a section -----------------------------------------------------------------------------------------------------


def section_page(section: Section, links: GuideLinks, tapes: Mapping[str, Tape]) -> str:
    path = links.section_page(section)
    parts = [f"<h1>{escape(section.title)}</h1>", _description(section.description, links, path)]
    first_of: set[str] = set()
    for rule, scenarios in groupby(section.scenarios, key=lambda scenario: scenario.rule):
        group = list(scenarios)
        if rule:
            parts.append(f'<h2 id="rule-{escape(slug(rule))}">{escape(rule)}</h2>')
            parts.append(_description(group[0].rule_description, links, path))
        for scenario in group:
            new_ids = [rid for rid in scenario.requirement_ids if rid not in first_of]
            first_of.update(new_ids)
            parts.append(_scenario(scenario, links, path, new_ids, tapes))
    return page(path, section.title, "\n".join(parts))


def _description(text: str, links: GuideLinks, path: str) -> str:
    return f'<p class="description">{links.text(text, on=path)}</p>' if text else ""


def _scenario(
    scenario: Scenario, links: GuideLinks, path: str, anchored_ids: Iterable[str], tapes: Mapping[str, Tape]
) -> str:
    anchor = links.scenario_anchor(scenario)
    # the first scenario of each requirement id is where the id itself points (guide-….html#S2b)
    id_anchors = "".join(f'<span id="{escape(rid)}"></span>' for rid in anchored_ids)
    ids = " ".join(badge(rid, f"#{anchor}") for rid in scenario.requirement_ids)
    other_tags = " ".join(
        f'<span class="tag">@{escape(tag)}</span>' for tag in scenario.tags if tag not in scenario.requirement_ids
    )
    parts = [
        f'<section class="scenario" id="{escape(anchor)}">{id_anchors}',
        f'<h3>{escape(scenario.name)} <a class="anchor" href="#{escape(anchor)}">#</a></h3>',
        f"<p>{ids} {other_tags}</p>",
        _description(scenario.description, links, path),
        "<h4>Steps</h4>",
        _steps(scenario.steps, links, path),
        _examples_table(scenario),
        _verdicts(scenario, links, path),
    ]
    for position, instance in enumerate(scenario.instances):
        parts.append(_instance(instance, f"{anchor}-{position}", scenario.outline, tapes.get(instance.cassette)))
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _steps(steps: Iterable[Step], links: GuideLinks, path: str) -> str:
    items = []
    for step in steps:
        css = ' class="background"' if step.background else ""
        docstring = f"<pre>{escape(step.docstring)}</pre>" if step.docstring else ""
        text = links.text(step.text, on=path)
        items.append(f'<li{css}><span class="keyword">{escape(step.keyword)}</span> {text}{docstring}</li>')
    return '<ol class="steps">\n' + "\n".join(items) + "\n</ol>"


def _examples_table(scenario: Scenario) -> str:
    if not scenario.outline:
        return ""
    names = [name for name, _ in scenario.instances[0].values]
    head = "".join(f"<th>{escape(name)}</th>" for name in ("examples", *names))
    rows = "".join(
        f"<tr><td>{escape(instance.examples_name)}</td>"
        + "".join(f"<td>{escape(value)}</td>" for _, value in instance.values)
        + "</tr>"
        for instance in scenario.instances
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _verdicts(scenario: Scenario, links: GuideLinks, path: str) -> str:
    strict, observed = strict_and_observed(scenario)
    strict_items = bullet_list(links.text(step.text, on=path) for step in strict) or "<p>nothing</p>"
    observed_items = (
        bullet_list(links.text(step.text, on=path) for step in observed)
        or '<p class="note">nothing: every Then-step above is judged</p>'
    )
    return (
        '<div class="verdicts">'
        f'<div class="strict"><h4>Checked strictly (a deviation fails)</h4>{strict_items}</div>'
        f'<div class="observed"><h4>Only observed (recorded, never judged)</h4>{observed_items}</div>'
        "</div>"
    )


def _instance(instance: Instance, group: str, outline: bool, tape: Tape | None) -> str:
    parts = [f"<h4>Example: {escape(instance.label)}</h4>" if outline else "<h4>Recorded exchanges</h4>"]
    if tape is not None:
        parts.append(f'<p class="note">Recording: {escape(tape.origin)}.</p>')
    if instance.exchanges:
        parts += [_exchange(exchange, f"{group}-{number}") for number, exchange in enumerate(instance.exchanges)]
    else:
        parts.append('<p class="note">No HTTP request: this scenario is judged from webhooks alone.</p>')
    if tape is not None and tape.events:
        parts.append(_webhooks(tape))
    return "\n".join(parts)


def _webhooks(tape: Tape) -> str:
    events = [
        f"<p><code>{escape(str(event.get('method', 'POST')))} {escape(str(event.get('path', '')))}</code></p>"
        + code_block(json.dumps(event.get("body"), indent=2, ensure_ascii=False), "json")
        for event in tape.events
    ]
    return (
        f"<details><summary>The webhooks the suite's receiver got ({len(events)})</summary>\n"
        + "\n".join(events)
        + "\n</details>"
    )


def _exchange(exchange: Exchange, group: str) -> str:
    request = reproducible(exchange)
    snippets = render_all(request)
    entries = [Tab(LANGUAGES[key].label, code, _CODE_LANGUAGE.get(key, "")) for key, code in snippets.items()]
    variables = request.reads_from_environment()
    reads = (
        " (each reads " + ", ".join(f"<code>${escape(name)}</code>" for name in variables) + " from the environment)"
        if variables
        else ""
    )
    return (
        '<div class="exchange">'
        f"<p><strong>Request</strong> <code>{escape(exchange.method)} {escape(exchange.url)}</code></p>"
        f"{headers_block(exchange.request_headers)}{body_block(exchange.request_body)}"
        f'<p><strong>Recorded response</strong> <span class="status">{exchange.status}</span></p>'
        f"{headers_block(exchange.response_headers)}{body_block(exchange.response_body)}"
        f"<p>Send it yourself{reads}; the recipient is a pseudonym: put your test phone number in its place.</p>"
        f"{tabs(group, entries)}"
        "</div>"
    )
