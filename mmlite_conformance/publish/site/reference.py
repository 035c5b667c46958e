"""The reference pages: the contract documents, the emulator's assumptions table, the schemas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from mmlite_conformance.publish.site.links import (
    ASSUMPTIONS_PAGE,
    SCHEMAS_INDEX,
    ContractPages,
    Document,
    link_references,
)
from mmlite_conformance.publish.site.markdown import RenderedDocument
from mmlite_conformance.publish.site.render import page


@dataclass(slots=True, frozen=True)
class AssumptionRow:
    """One value the contract leaves open and the emulator's choice for it (emulator/assumptions.py)."""

    id: str
    topic: str
    value: str
    source: str


def emulator_assumptions() -> tuple[AssumptionRow, ...]:
    """The emulator's assumptions, read when the site is built: the emulator is what makes these choices, and the
    site shows them as its choices (never as what the suite expects). Imported here only, never at import time."""
    from mmlite_conformance.emulator.assumptions import ASSUMPTIONS

    return tuple(AssumptionRow(a.id, a.topic, a.value, a.source) for a in ASSUMPTIONS)


def document_page(document: Document, rendered: RenderedDocument) -> str:
    note = (
        f'<p class="note">Rendered from <code>{escape(document.source)}</code>: every '
        f"<code>{escape(document.name)} §n</code> the features and the report cite is a heading here.</p>"
    )
    return page(document.page, rendered.title or document.name, note + "\n" + rendered.html)


def assumptions_page(rows: Sequence[AssumptionRow], contract: ContractPages) -> str:
    """The table README and /openapi.json show, with each contract reference a link (a bare § is the contract's)."""

    def linked(text: str) -> str:
        return link_references(text, contract, from_page=ASSUMPTIONS_PAGE, default_document="CONTRACT")

    body = "\n".join(
        f'<tr id="{escape(row.id.lower())}"><td>{escape(row.id)}</td><td>{linked(row.topic)}</td>'
        f"<td>{linked(row.value)}</td><td>{linked(row.source)}</td></tr>"
        for row in rows
    )
    intro = (
        "<h1>What the emulator assumes</h1>\n"
        "<p>Where the contract leaves a value open, the emulator picks the most plausible one and names it here "
        "(it serves the same table in <code>/openapi.json</code> as <code>x-assumptions</code>). The suite never "
        "asserts these values against 360dialog: a scenario that meets one records what it observed instead.</p>"
    )
    table = (
        "<table><thead><tr><th>id</th><th>topic</th><th>chosen value</th><th>source / why</th></tr></thead>\n"
        f"<tbody>\n{body}\n</tbody></table>"
    )
    return page(ASSUMPTIONS_PAGE, "Emulator assumptions", f"{intro}\n{table}")


def schemas_page(names: Sequence[str]) -> str:
    items = "\n".join(f'<li><a href="{escape(name)}">{escape(name)}</a></li>' for name in names)
    body = (
        "<h1>Schemas</h1>\n<p>One JSON Schema (draft 2020-12) per payload kind, as the suite validates bodies with "
        "them: each accepts every valid variant of its kind and rejects what the contract rules out.</p>\n"
        f"<ul>\n{items}\n</ul>"
    )
    return page(SCHEMAS_INDEX, "Schemas", body)


def copy_schemas(source: Path, target: Path) -> list[str]:
    """Every schema file of `source`, copied into `target`; their names in order."""
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for schema in sorted(source.glob("*.json")):
        (target / schema.name).write_bytes(schema.read_bytes())
        names.append(schema.name)
    return names
