"""Where things live in the site: the contract documents, the links their Markdown makes, contract references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import PurePosixPath

from mmlite_conformance.publish.site.markdown import RenderedDocument
from mmlite_conformance.publish.site.render import relative
from mmlite_conformance.suite.contract_refs import citations


class UnmappedLinkError(ValueError):
    """A link of a published document that points at a file the site does not carry."""


@dataclass(slots=True, frozen=True)
class Document:
    """A contract document: the name references use, its Markdown source (relative to the repository), its page."""

    name: str
    source: str
    page: str


#: the documents references name, in the order the site lists them
DOCUMENTS: tuple[Document, ...] = (
    Document("CONTRACT", "docs/contract.md", "contract.html"),
    Document("CURRENT-API", "docs/current-api.md", "current-api.html"),
)
ASSUMPTIONS_PAGE = "assumptions.html"
SCHEMAS_FOLDER = "schemas"
SCHEMAS_INDEX = f"{SCHEMAS_FOLDER}/index.html"

#: a repository path a document links to (relative to docs/) -> the site path that stands for it
_LINKED_FILES: dict[str, str] = {
    **{PurePosixPath(d.source).name: d.page for d in DOCUMENTS},
    # both name the emulator's assumptions table, which the site renders on a page of its own
    "../README.md#assumptions": ASSUMPTIONS_PAGE,
    "emulator.md#assumptions": ASSUMPTIONS_PAGE,
    "../schemas": SCHEMAS_INDEX,
}
_SCHEMA_FILE = re.compile(r"\.\./schemas/(?P<file>[\w.-]+\.json)")
_SECTION_TITLE = re.compile(r"^§(?P<number>\d+(?:\.\d+)*)\s")


def site_target(target: str) -> str:
    """The site's link for a link target written in docs/*.md (a page of the site, a copied schema, or external)."""
    if target.startswith(("http://", "https://", "mailto:", "#")):
        return target
    if target in _LINKED_FILES:
        return _LINKED_FILES[target]
    file_part, _, fragment = target.partition("#")
    if file_part in _LINKED_FILES:
        return _LINKED_FILES[file_part] + (f"#{fragment}" if fragment else "")
    if schema := _SCHEMA_FILE.fullmatch(file_part):
        return f"{SCHEMAS_FOLDER}/{schema['file']}"
    raise UnmappedLinkError(f"the site carries nothing for the link target {target!r} (add it to links._LINKED_FILES)")


class UnresolvedReferenceError(ValueError):
    """A contract reference naming a section (or checklist row) its document does not have."""


@dataclass(slots=True, frozen=True)
class ContractPages:
    """(document, section) -> the site path of its heading; (document, section, row) -> its checklist row."""

    targets: dict[tuple[str, str, str | None], str]

    @classmethod
    def of(cls, rendered: dict[str, RenderedDocument]) -> ContractPages:
        targets: dict[tuple[str, str, str | None], str] = {}
        for document in DOCUMENTS:
            page = rendered[document.name]
            for heading in page.headings:
                numbered = _SECTION_TITLE.match(heading.title)
                if numbered:
                    targets[(document.name, numbered["number"], None)] = f"{document.page}#{heading.anchor}"
                    for anchor in page.anchors:
                        row = anchor.removeprefix(f"{heading.anchor}-")
                        if anchor != row and re.fullmatch(r"r\d+", row):
                            targets[(document.name, numbered["number"], row.upper())] = f"{document.page}#{anchor}"
        return cls(targets)

    def target(self, document: str, section: str, row: str | None = None) -> str:
        found = self.targets.get((document, section, row))
        if found is None:
            named = f"{document} §{section}" + (f" {row}" if row else "")
            raise UnresolvedReferenceError(f"{named} is no heading (or checklist row) of the published contract")
        return found


def link_references(text: str, pages: ContractPages, *, from_page: str, default_document: str | None = None) -> str:
    """`text` escaped, each contract reference in it a link to its heading (raises on one that does not resolve).
    A section sign naming no document counts for `default_document` (the emulator's assumption sources cite the
    contract by bare section), or stays text without one."""
    pieces: list[str] = []
    done = 0
    for cited in citations(text):
        document = cited.document or default_document
        if document is None:
            continue
        href = relative(pages.target(document, cited.section, cited.row), from_page=from_page)
        pieces += [
            escape(text[done : cited.start]),
            f'<a href="{escape(href)}">{escape(text[cited.start : cited.end])}</a>',
        ]
        done = cited.end
    pieces.append(escape(text[done:]))
    return "".join(pieces)
