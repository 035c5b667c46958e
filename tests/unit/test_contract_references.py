"""Every `CONTRACT §n` / `CURRENT-API §n` the project cites is a heading of docs/contract.md or docs/current-api.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from mmlite_conformance.suite.contract_refs import (
    DOCS_FOLDER,
    DOCUMENT_FILES,
    MAX_GAP,
    Bare,
    ContractIndex,
    Reference,
    anchors,
    references_in,
    slug,
    unresolved,
)

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = {name: DOCS_FOLDER / file for name, file in DOCUMENT_FILES.items()}
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
_INLINE_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_LINK_USE = re.compile(r"\]\[(?P<label>[^\]]+)\]")
_LINK_DEFINITION = re.compile(r"^\[(?P<label>[^\]]+)\]:\s+(?P<url>\S+)\s*$", re.MULTILINE)


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


def test_the_index_points_each_section_at_its_heading_and_leaves_the_rest_unlinked() -> None:
    index = ContractIndex.of(DOCS_FIXTURE)
    assert index.anchor("CONTRACT", "10.1") == "101-bearer"
    assert index.anchor("CURRENT-API", "2.2") == "22-checklist"
    assert index.anchor("CONTRACT", "13.9") is None and index.anchor(None, "2") is None
    assert index.cited("see CONTRACT §2 and CURRENT-API §9") == {"CONTRACT"}
    assert index.cited("RFC 9110 §10.2.3 and §2") == set()


def test_the_project_index_knows_every_section_the_project_cites() -> None:
    index = ContractIndex.of(document_texts())
    references, _ = project_references()
    assert [str(r) for r in references if index.anchor(r.document, r.section) is None] == []
