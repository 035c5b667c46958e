"""The feature pages: the index (each part's sections and scenarios in order) and one page per section."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import groupby

from mmlite_conformance.publish.catalog import Catalog, Scenario, Section, Step
from mmlite_conformance.publish.site.exchanges import instance_html
from mmlite_conformance.publish.site.links import ContractPages, link_references
from mmlite_conformance.publish.site.markdown import render_markdown, slug
from mmlite_conformance.publish.site.render import badge, bullet_list, page
from mmlite_conformance.publish.site.tapes import Tape

INDEX = "index.html"
#: a Then-step that records what came back instead of judging it (STEPS.md: "... is recorded as an observation")
OBSERVATION_STEP = re.compile(r"\brecorded as an observation\b")
#: the tag of a scenario that records which documented answer came back (its marker's description, pyproject.toml)
OBSERVATION_TAG = "observation"
OBSERVATION_TAG_NOTE = "Which of the documented answers came back is recorded, not judged; an undocumented one fails."


@dataclass(slots=True, frozen=True)
class Part:
    """Feature files the site shows together: the guide's sections, or the platform's requirements."""

    key: str
    title: str
    intro: str
    catalog: Catalog
    #: why an instance of this part shows no exchange
    nothing_recorded: str

    def page_of(self, section: Section) -> str:
        return f"{self.key}-{section.stem}.html"

    def href(self, section: Section, scenario: Scenario) -> str:
        return f"{self.page_of(section)}#{scenario_anchor(scenario)}"


def scenario_anchor(scenario: Scenario) -> str:
    return scenario.function.removeprefix("test_").replace("_", "-")


def strict_and_observed(scenario: Scenario) -> tuple[list[Step], list[Step]]:
    """The scenario's Then-steps split into what it checks strictly and what it only records."""
    then = [step for step in scenario.steps if step.kind == "then"]
    observed = [step for step in then if OBSERVATION_STEP.search(step.text)]
    return [step for step in then if step not in observed], observed


# --- the index -----------------------------------------------------------------------------------------------------


def index_page(parts: Sequence[Part], contract: ContractPages) -> str:
    html = [
        "<h1>MM Lite conformance: the guide, step by step</h1>",
        "<p>Each section is one part of 360dialog's <em>MM Lite Alpha Sandbox Testing</em> guide (or one group of "
        "requirements on a partner's platform), written as executable scenarios. Every scenario carries its "
        "requirement id; its page shows the Gherkin steps, what the suite checks strictly and what it only records "
        "as an observation (a value the contract leaves open), the request with the recorded (redacted) answer, and "
        "the same request in curl, Python and Node.js.</p>",
        '<p class="note">Generated from <code>features/</code>, <code>cassettes/</code> and <code>docs/</code> by '
        "<code>mmlite-conformance docs</code>.</p>",
    ]
    for part in parts:
        html.append(f'<h2 id="{escape(part.key)}">{escape(part.title)}</h2>')
        html.append(f"<p>{link_references(part.intro, contract, from_page=INDEX)}</p>")
        html += [_section_summary(part, section) for section in part.catalog.sections]
    return page(INDEX, "The guide", "\n".join(html))


def _section_summary(part: Part, section: Section) -> str:
    rows = []
    for scenario in section.scenarios:
        ids = " ".join(badge(rid) for rid in scenario.requirement_ids)
        examples = len(scenario.instances) if scenario.outline else ""
        rows.append(
            f'<tr><td class="ids">{ids}</td>'
            f'<td><a href="{escape(part.href(section, scenario))}">{escape(scenario.name)}</a></td>'
            f"<td>{escape(scenario.guide_step)}</td><td>{examples}</td></tr>"
        )
    return (
        f'<h3 id="{escape(part.key)}-{escape(section.stem)}">'
        f'<a href="{escape(part.page_of(section))}">{escape(section.title)}</a></h3>\n'
        "<table><thead><tr><th>requirement</th><th>scenario</th><th>step</th><th>examples</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody></table>"
    )


# --- a section -----------------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class _SectionPage:
    part: Part
    section: Section
    contract: ContractPages
    tapes: Mapping[str, Tape]

    @property
    def path(self) -> str:
        return self.part.page_of(self.section)

    def text(self, text: str) -> str:
        """Prose of the features, escaped, with its contract references linked."""
        return link_references(text, self.contract, from_page=self.path)

    def description(self, text: str) -> str:
        """A Gherkin description (paragraphs and "- " lists), its contract references linked."""
        if not text:
            return ""
        first, _, rest = text.partition("\n")  # the parser strips the first line's indentation only
        html = render_markdown(f"{first}\n{textwrap.dedent(rest)}", plain=self.text).html
        return f'<div class="description">{html}</div>'


def section_page(part: Part, section: Section, contract: ContractPages, tapes: Mapping[str, Tape]) -> str:
    context = _SectionPage(part, section, contract, tapes)
    html = [f"<h1>{escape(section.title)}</h1>", context.description(section.description)]
    anchored: set[str] = set()
    for rule, scenarios in groupby(section.scenarios, key=lambda scenario: scenario.rule):
        group = list(scenarios)
        if rule:
            html.append(f'<h2 id="rule-{escape(slug(rule))}">{escape(rule)}</h2>')
            html.append(context.description(group[0].rule_description))
        for scenario in group:
            first_of = [rid for rid in scenario.requirement_ids if rid not in anchored]
            anchored.update(first_of)
            html.append(_scenario(context, scenario, first_of))
    return page(context.path, section.title, "\n".join(html))


def _scenario(context: _SectionPage, scenario: Scenario, anchored_ids: Iterable[str]) -> str:
    anchor = scenario_anchor(scenario)
    # the first scenario of each requirement id is where the id itself points (guide-….html#S2b)
    id_anchors = "".join(f'<span id="{escape(rid)}"></span>' for rid in anchored_ids)
    ids = " ".join(badge(rid, f"#{anchor}") for rid in scenario.requirement_ids)
    other_tags = " ".join(
        f'<span class="tag">@{escape(tag)}</span>' for tag in scenario.tags if tag not in scenario.requirement_ids
    )
    html = [
        f'<section class="scenario" id="{escape(anchor)}">{id_anchors}',
        f'<h3>{escape(scenario.name)} <a class="anchor" href="#{escape(anchor)}">#</a></h3>',
        f"<p>{ids} {other_tags}</p>",
        context.description(scenario.description),
        "<h4>Steps</h4>",
        _steps(context, scenario.steps),
        _examples_table(scenario),
        _verdicts(context, scenario),
    ]
    recorded = [(instance, context.tapes.get(instance.cassette)) for instance in scenario.instances]
    if any(instance.exchanges or tape for instance, tape in recorded):
        nothing = context.part.nothing_recorded
        for position, (instance, tape) in enumerate(recorded):
            group = f"{anchor}-{position}"
            html.append(instance_html(instance, group, outline=scenario.outline, tape=tape, nothing_recorded=nothing))
    else:  # one note for the scenario, not one per example
        html.append(f'<p class="note">{escape(context.part.nothing_recorded)}</p>')
    html.append("</section>")
    return "\n".join(part for part in html if part)


def _steps(context: _SectionPage, steps: Iterable[Step]) -> str:
    items = []
    for step in steps:
        css = ' class="background"' if step.background else ""
        docstring = f"<pre>{escape(step.docstring)}</pre>" if step.docstring else ""
        items.append(
            f'<li{css}><span class="keyword">{escape(step.keyword)}</span> {context.text(step.text)}{docstring}</li>'
        )
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


def _verdicts(context: _SectionPage, scenario: Scenario) -> str:
    strict, observed = strict_and_observed(scenario)
    strict_items = bullet_list(context.text(step.text) for step in strict) or "<p>nothing</p>"
    observed_items = (
        bullet_list(context.text(step.text) for step in observed)
        or '<p class="note">nothing: every Then-step above is judged</p>'
    )
    if OBSERVATION_TAG in scenario.tags:
        observed_items += f'<p class="note">{escape(OBSERVATION_TAG_NOTE)}</p>'
    return (
        '<div class="verdicts">'
        f'<div class="strict"><h4>Checked strictly (a deviation fails)</h4>{strict_items}</div>'
        f'<div class="observed"><h4>Only observed (recorded, never judged)</h4>{observed_items}</div>'
        "</div>"
    )
