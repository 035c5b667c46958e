"""Every `CONTRACT §n` / `CURRENT-API §n` the project cites is a heading of docs/contract.md or docs/current-api.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = {"CONTRACT": REPO / "docs" / "contract.md", "CURRENT-API": REPO / "docs" / "current-api.md"}
# Where references are written: Gherkin, prose, step code, schemas, the suite's and the emulator's source (observation
# `source=` strings, assumptions), and the recorded report snapshot (what the HTML and JUnit print).
SCANNED = (
    "features",
    "README.md",
    "ARCHITECTURE.md",
    "docs",
    "steps",
    "schemas",
    "mmlite_conformance",
    "tests/integration/snapshots",
)
SUFFIXES = frozenset({".feature", ".md", ".py", ".json"})

# A document name, or a section (optionally a checklist row such as `§2.2 R7`). Sections chain onto the last document
# named within MAX_GAP characters: "CONTRACT §2 / §10.1" and "CURRENT-API §1.8 (...), §2.2 R3" read as meant.
_TOKEN = re.compile(
    r"\b(?P<document>CONTRACT|CURRENT-API)(?:-2026)?(?:\.md)?(?![\w-])"
    r"|§(?P<section>\d+(?:\.\d+)*)(?:\s+(?P<row>R\d+)\b)?"
)
MAX_GAP = 240
_FOREIGN = re.compile(r"\b(?:RFC|ISO|ECMA)[ -]?\d+\s*$")  # "RFC 9110 §10.2.3" cites another standard
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*$", re.MULTILINE)
_SECTION_HEADING = re.compile(r"^§(?P<number>\d+(?:\.\d+)*)\s")
_INLINE_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_LINK_USE = re.compile(r"\]\[(?P<label>[^\]]+)\]")
_LINK_DEFINITION = re.compile(r"^\[(?P<label>[^\]]+)\]:\s+(?P<url>\S+)\s*$", re.MULTILINE)


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


def references_in(text: str, where: str) -> tuple[list[Reference], list[Bare]]:
    """The contract references of one text, and the § signs that name no document."""
    found: list[Reference] = []
    bare: list[Bare] = []
    document: str | None = None
    chain_end = 0
    for match in _TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match["document"]:
            document, chain_end = match["document"], match.end()
            continue
        if document is not None and match.start() - chain_end <= MAX_GAP:
            found.append(Reference(document, match["section"], match["row"], f"{where}:{line}"))
            chain_end = match.end()
        elif not _FOREIGN.search(text[max(0, match.start() - 20) : match.start()]):
            bare.append(Bare(match["section"], f"{where}:{line}"))
    return found, bare


def scanned_files() -> Iterator[Path]:
    targets = set(DOCUMENTS.values())
    for name in SCANNED:
        root = REPO / name
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in candidates:
            if path.suffix in SUFFIXES and "__pycache__" not in path.parts and path not in targets:
                yield path


@cache
def project_references() -> tuple[tuple[Reference, ...], tuple[Bare, ...]]:
    found: list[Reference] = []
    bare: list[Bare] = []
    for path in scanned_files():
        more, loose = references_in(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
        found += more
        bare += loose
    return tuple(found), tuple(bare)


def slug(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped (`§` included), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    for match in _HEADING.finditer(re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)):
        base = slug(match["title"])
        count = seen.get(base, 0)
        seen[base] = count + 1
    return {base if n == 0 else f"{base}-{n}" for base, total in seen.items() for n in range(total)}


def sections(markdown: str) -> dict[str, str]:
    """Section number -> the text under its heading (up to the next heading)."""
    headings = list(_HEADING.finditer(markdown))
    bodies: dict[str, str] = {}
    for index, match in enumerate(headings):
        numbered = _SECTION_HEADING.match(match["title"])
        if numbered:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(markdown)
            bodies[numbered["number"]] = markdown[match.end() : end]
    return bodies


def unresolved(references: tuple[Reference, ...] | list[Reference], documents: dict[str, str]) -> list[str]:
    """Each reference whose section (or checklist row) is not in its document, as one line."""
    by_document = {name: sections(text) for name, text in documents.items()}
    problems = []
    for reference in references:
        body = by_document[reference.document].get(reference.section)
        if body is None:
            problems.append(f"{reference}: no heading '§{reference.section}' in {DOCUMENTS[reference.document].name}")
        elif reference.row and not re.search(rf"^\|\s*{reference.row}\s*\|", body, re.MULTILINE):
            problems.append(f"{reference}: no row {reference.row} under §{reference.section}")
    return problems


def broken_links(path: Path, markdown: str) -> list[str]:
    """Relative links whose file or anchor is missing; reference-style links without a full https definition."""
    problems = []
    for match in _INLINE_LINK.finditer(markdown):
        target = match["target"]
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{path.name}: link to missing {target}")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked.read_text(encoding="utf-8")):
            problems.append(f"{path.name}: no anchor #{fragment} in {linked.name}")
    defined = {m["label"]: m["url"] for m in _LINK_DEFINITION.finditer(markdown)}
    problems += [
        f"{path.name}: [{label}] is not defined"
        for label in sorted({m["label"] for m in _LINK_USE.finditer(markdown)} - defined.keys())
    ]
    problems += [
        f"{path.name}: [{label}] is not a full https URL: {url}"
        for label, url in sorted(defined.items())
        if not url.startswith("https://")
    ]
    return problems


def document_texts() -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in DOCUMENTS.items()}


# --- the project ---------------------------------------------------------------------------------------------------


def test_every_reference_in_the_project_resolves() -> None:
    references, _ = project_references()
    assert len(references) > 300, f"only {len(references)} references found: is the scan still reading the project?"
    assert {r.document for r in references} == set(DOCUMENTS)
    assert unresolved(references, document_texts()) == []


def test_every_section_sign_names_its_document() -> None:
    _, bare = project_references()
    assert [f"{b.where}: §{b.section} names no document (write 'CONTRACT §…' or 'CURRENT-API §…')" for b in bare] == []


@pytest.mark.parametrize("path", sorted(DOCUMENTS.values()), ids=lambda p: p.name)
def test_document_links_and_anchors_resolve(path: Path) -> None:
    assert broken_links(path, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted(DOCUMENTS.values()), ids=lambda p: p.name)
def test_documents_carry_no_shorthand_sources(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.findall(r"\[(?:360d|fbdoc):[^\]]*\]", text) == []


def test_readme_says_where_the_contract_lives() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/contract.md" in readme and "](docs/current-api.md" in readme
    ours = [p for p in broken_links(REPO / "README.md", readme) if "contract.md" in p or "current-api.md" in p]
    assert ours == []


# --- the checks fire -----------------------------------------------------------------------------------------------

DOCS_FIXTURE = {
    "CONTRACT": "# C\n## §2 Auth\ntext\n## §10 Contradictions\n### §10.1 Bearer\nx\n",
    "CURRENT-API": "# A\n## §2 Platform\n### §2.2 Checklist\n| ID | R |\n|---|---|\n| R7 | bool |\n",
}


def test_a_reference_to_a_missing_section_is_reported() -> None:
    found, _ = references_in("see CONTRACT §2 / §10.1 and §13.9", "x.feature")
    assert unresolved(found, DOCS_FIXTURE) == ["x.feature:1: CONTRACT §13.9: no heading '§13.9' in contract.md"]


def test_a_missing_checklist_row_is_reported() -> None:
    found, _ = references_in("CURRENT-API §2.2 R7, §2.2 R8", "y.py")
    assert unresolved(found, DOCS_FIXTURE) == ["y.py:1: CURRENT-API §2.2 R8: no row R8 under §2.2"]


def test_sections_chain_onto_the_last_document_named() -> None:
    text = "CONTRACT §3.4, CURRENT-API §2.2 R19\nand CONTRACT.md §4 send body and §5; CURRENT-API-2026.md §1.2"
    found, bare = references_in(text, "z.md")
    assert [(r.document, r.section, r.row) for r in found] == [
        ("CONTRACT", "3.4", None),
        ("CURRENT-API", "2.2", "R19"),
        ("CONTRACT", "4", None),
        ("CONTRACT", "5", None),
        ("CURRENT-API", "1.2", None),
    ]
    assert bare == []


def test_a_section_sign_far_from_any_document_is_bare_unless_it_cites_a_standard() -> None:
    text = "CONTRACT §2" + "." * (MAX_GAP + 1) + "§11.1, and RFC 9110 §10.2.3"
    found, bare = references_in(text, "w.py")
    assert [r.section for r in found] == ["2"]
    assert bare == [Bare("11.1", "w.py:1")]


def test_a_broken_anchor_and_an_undefined_source_are_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n## §1 Hosts and base URLs\n", encoding="utf-8")
    page = tmp_path / "page.md"
    text = (
        "[ok](other.md#1-hosts-and-base-urls) [bad](other.md#9-nothing) [gone](missing.md) [src][a] [src][b]\n\n"
        "[a]: https://docs.360dialog.com/x\n[b]: docs.360dialog.com/y\n"
    )
    assert broken_links(page, text) == [
        "page.md: no anchor #9-nothing in other.md",
        "page.md: link to missing missing.md",
        "page.md: [b] is not a full https URL: docs.360dialog.com/y",
    ]
    assert broken_links(page, text + "[c][undefined]")[-2:] == [
        "page.md: [undefined] is not defined",
        "page.md: [b] is not a full https URL: docs.360dialog.com/y",
    ]


def test_slugs_follow_github() -> None:
    assert slug("§10.16 `wa_id` labelled as a WABA id") == "1016-wa_id-labelled-as-a-waba-id"
    assert slug("§3.1 `POST /messages` (Cloud API send)") == "31-post-messages-cloud-api-send"
    assert anchors("# A\n## Same\n## Same\n") == {"a", "same", "same-1"}
