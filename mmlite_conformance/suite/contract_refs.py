"""`CONTRACT §n` / `CURRENT-API §n` references: found in any text, resolved to a heading of docs/contract.md or
docs/current-api.md (GitHub's heading anchors)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: a cited document's name -> its file in docs/ (the same file name wherever the run copies it)
DOCUMENT_FILES: Mapping[str, str] = {"CONTRACT": "contract.md", "CURRENT-API": "current-api.md"}
#: the checkout's docs/ folder (the suite always runs from a checkout: features/ and steps/ are not packaged)
DOCS_FOLDER = Path(__file__).resolve().parents[2] / "docs"

# A document name, or a section (optionally a checklist row: `CURRENT-API §2.2 R7`). Sections chain onto the last
# document named within MAX_GAP characters: "CONTRACT §2 / §10.1" and "CURRENT-API §1.8 (...), §2.2 R3" read as meant.
_TOKEN = re.compile(
    r"\b(?P<document>CONTRACT|CURRENT-API)(?:-2026)?(?:\.md)?(?![\w-])"
    r"|§(?P<section>\d+(?:\.\d+)*)(?:\s+(?P<row>R\d+)\b)?"
)
MAX_GAP = 240
#: a section sign right after another standard's name and number cites that standard (RFC 9110, ISO 8601)
_FOREIGN = re.compile(r"\b(?:RFC|ISO|ECMA)[ -]?\d+\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*$", re.MULTILINE)
_SECTION_HEADING = re.compile(r"^§(?P<number>\d+(?:\.\d+)*)\s")
_CODE_FENCE = re.compile(r"```.*?```", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Citation:
    """One `§n` (or `§n Rm`) of a text, with the document it chains onto (None: no document named near it)."""

    document: str | None
    section: str
    row: str | None
    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class Reference:
    document: str
    section: str
    row: str | None
    where: str

    def __str__(self) -> str:
        row = f" {self.row}" if self.row else ""
        return f"{self.where}: {self.document} §{self.section}{row}"


@dataclass(frozen=True, slots=True)
class Bare:
    section: str
    where: str


def citations(text: str) -> Iterator[Citation]:
    """Every section sign of `text` that cites a contract document or names none (another standard's are left out)."""
    document: str | None = None
    chain_end = 0
    for match in _TOKEN.finditer(text):
        if match["document"]:
            document, chain_end = match["document"], match.end()
            continue
        line = text.count("\n", 0, match.start()) + 1
        if document is not None and match.start() - chain_end <= MAX_GAP:
            chain_end = match.end()
            yield Citation(document, match["section"], match["row"], match.start(), match.end(), line)
        elif not _FOREIGN.search(text[max(0, match.start() - 20) : match.start()]):
            yield Citation(None, match["section"], match["row"], match.start(), match.end(), line)


def references_in(text: str, where: str) -> tuple[list[Reference], list[Bare]]:
    """The contract references of one text, and the § signs that name no document."""
    found: list[Reference] = []
    bare: list[Bare] = []
    for cited in citations(text):
        if cited.document is None:
            bare.append(Bare(cited.section, f"{where}:{cited.line}"))
        else:
            found.append(Reference(cited.document, cited.section, cited.row, f"{where}:{cited.line}"))
    return found, bare


def slug(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped (`§` included), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def headings(markdown: str) -> list[tuple[str, str]]:
    """Each heading's title and anchor, in order (a repeated slug gets `-1`, `-2`, ... as on GitHub)."""
    seen: dict[str, int] = {}
    found = []
    for match in _HEADING.finditer(_CODE_FENCE.sub("", markdown)):
        base = slug(match["title"])
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.append((match["title"], base if count == 0 else f"{base}-{count}"))
    return found


def anchors(markdown: str) -> set[str]:
    return {anchor for _, anchor in headings(markdown)}


def section_anchors(markdown: str) -> dict[str, str]:
    """Section number -> the anchor of its heading (the heading `CONTRACT §5 Sending` -> `5-sending`)."""
    found: dict[str, str] = {}
    for title, anchor in headings(markdown):
        numbered = _SECTION_HEADING.match(title)
        if numbered:
            found.setdefault(numbered["number"], anchor)
    return found


def sections(markdown: str) -> dict[str, str]:
    """Section number -> the text under its heading (up to the next heading)."""
    found = list(_HEADING.finditer(markdown))
    bodies: dict[str, str] = {}
    for index, match in enumerate(found):
        numbered = _SECTION_HEADING.match(match["title"])
        if numbered:
            end = found[index + 1].start() if index + 1 < len(found) else len(markdown)
            bodies[numbered["number"]] = markdown[match.end() : end]
    return bodies


def unresolved(references: Iterable[Reference], documents: Mapping[str, str]) -> list[str]:
    """Each reference whose section (or checklist row) is not in its document (name -> text), as one line."""
    by_document = {name: sections(text) for name, text in documents.items()}
    problems = []
    for reference in references:
        body = by_document[reference.document].get(reference.section)
        if body is None:
            problems.append(f"{reference}: no heading '§{reference.section}' in {DOCUMENT_FILES[reference.document]}")
        elif reference.row and not re.search(rf"^\|\s*{reference.row}\s*\|", body, re.MULTILINE):
            problems.append(f"{reference}: no row {reference.row} under §{reference.section}")
    return problems


@dataclass(frozen=True, slots=True)
class ContractIndex:
    """Where each cited section's heading is: document name -> section number -> anchor."""

    anchors: Mapping[str, Mapping[str, str]]

    @classmethod
    def of(cls, documents: Mapping[str, str]) -> ContractIndex:
        """The index of documents given as name -> Markdown text."""
        return cls({name: section_anchors(text) for name, text in documents.items()})

    def anchor(self, document: str | None, section: str) -> str | None:
        """The heading's anchor, or None when the document or the section is unknown."""
        return self.anchors.get(document or "", {}).get(section)

    def cited(self, text: str) -> set[str]:
        """The documents `text` cites at a heading they have."""
        return {c.document for c in citations(text) if c.document and self.anchor(c.document, c.section)}


@cache
def project_index(folder: Path = DOCS_FOLDER) -> ContractIndex:
    """The index of the documents in `folder` (empty for a document absent there: its references stay unlinked)."""
    texts = {
        name: path.read_text(encoding="utf-8")
        for name, file in DOCUMENT_FILES.items()
        if (path := folder / file).is_file()
    }
    return ContractIndex.of(texts)
