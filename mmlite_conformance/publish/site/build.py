"""Builds the docs site into a folder: every page written, then the whole site checked for broken links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mmlite_conformance.publish.catalog import load_catalog
from mmlite_conformance.publish.site.assets import STYLESHEET, write_assets
from mmlite_conformance.publish.site.check import site_problems
from mmlite_conformance.publish.site.guide import INDEX, Part, index_page, section_page
from mmlite_conformance.publish.site.links import (
    ASSUMPTIONS_PAGE,
    DOCUMENTS,
    SCHEMAS_FOLDER,
    SCHEMAS_INDEX,
    ContractPages,
    site_target,
)
from mmlite_conformance.publish.site.markdown import render_markdown
from mmlite_conformance.publish.site.reference import (
    assumptions_page,
    copy_schemas,
    document_page,
    emulator_assumptions,
    schemas_page,
)
from mmlite_conformance.publish.site.tapes import read_tapes
from mmlite_conformance.suite.constants import PLATFORM_FEATURES

#: the file naming what an earlier build wrote, so a rebuild removes only its own files
MANIFEST = ".mmlite-docs-manifest"
#: what a repository must hold for the site to be built from it
NEEDED = ("features", "cassettes", "docs", "schemas")


class OutputError(ValueError):
    """The output folder cannot take the site (a file, not writable, someone else's files)."""


@dataclass(slots=True, frozen=True)
class Sources:
    """Where the site is built from: a clone of the project."""

    repository: Path

    @classmethod
    def of(cls, repository: Path) -> Sources:
        missing = [name for name in NEEDED if not (repository / name).is_dir()]
        if missing:
            named = ", ".join(f"{name}/" for name in missing)
            raise ValueError(f"{repository} is not a clone of the project (no {named})")
        return cls(repository)

    @classmethod
    def this_checkout(cls) -> Sources:
        """The clone this package is installed from (an editable install)."""
        try:
            return cls.of(Path(__file__).resolve().parents[3])
        except ValueError as problem:
            raise ValueError(f"{problem}: pass --repository CLONE") from None


@dataclass(slots=True, frozen=True)
class BuiltSite:
    root: Path
    files: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def pages(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name.endswith(".html"))


def feature_parts(repository: Path) -> tuple[Part, ...]:
    """The guide's feature files, then the platform's requirements (when the clone has them)."""
    cassettes = repository / "cassettes"
    parts = [
        Part(
            "guide",
            "The guide's steps",
            "360dialog's alpha sandbox guide, section by section: what a run against the sandbox, the emulator or the "
            "shipped recordings judges (pytest --target live, emulator or replay).",
            load_catalog(repository / "features", cassettes),
            "No HTTP request: this scenario is judged from webhooks alone.",
        )
    ]
    platform = repository / "features" / PLATFORM_FEATURES
    if any(platform.glob("*.feature")):
        parts.append(
            Part(
                "platform",
                "Certify your platform",
                "What a partner's platform must do (CURRENT-API §2.2): the emulator plays 360dialog and the suite "
                "judges the requests the platform sends and how its webhook endpoint answers (pytest --target "
                "platform).",
                load_catalog(platform, cassettes),
                "Judged from the requests the platform sends to the emulator during a platform run (its request "
                "journal): nothing is recorded to show here.",
            )
        )
    return tuple(parts)


def render_site(sources: Sources) -> dict[str, str]:
    """Every page of the site: its path (relative to the site's root) -> its HTML."""
    root = sources.repository
    rendered = {
        document.name: render_markdown((root / document.source).read_text(encoding="utf-8"), site_target)
        for document in DOCUMENTS
    }
    contract = ContractPages.of(rendered)
    parts = feature_parts(root)
    names = [instance.cassette for part in parts for _, s in part.catalog.scenarios() for instance in s.instances]
    tapes = read_tapes(root / "cassettes", names)
    pages = {INDEX: index_page(parts, contract)}
    for part in parts:
        pages |= {part.page_of(sec): section_page(part, sec, contract, tapes) for sec in part.catalog.sections}
    pages |= {document.page: document_page(document, rendered[document.name]) for document in DOCUMENTS}
    pages[ASSUMPTIONS_PAGE] = assumptions_page(emulator_assumptions(), contract)
    return pages


def build_site(output: Path, sources: Sources) -> BuiltSite:
    """Render every page (any problem of the sources raises before a file is written), then write and check."""
    pages = render_site(sources)
    try:
        _prepare(output)
        files = _write(output, pages, sources.repository / "schemas")
    except OSError as error:
        raise OutputError(f"cannot write the site to {output}: {error.strerror or error}") from None
    return BuiltSite(output, files, tuple(site_problems(output)))


def _write(output: Path, pages: dict[str, str], schema_folder: Path) -> tuple[str, ...]:
    for name, html in pages.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_text(html, encoding="utf-8")
    write_assets(output)
    schemas = copy_schemas(schema_folder, output / SCHEMAS_FOLDER)
    (output / SCHEMAS_INDEX).write_text(schemas_page(schemas), encoding="utf-8")
    files = (*pages, STYLESHEET, SCHEMAS_INDEX, *(f"{SCHEMAS_FOLDER}/{name}" for name in schemas))
    (output / MANIFEST).write_text("\n".join(files) + "\n", encoding="utf-8")
    return files


def _prepare(output: Path) -> None:
    """An empty or new folder, or one holding an earlier build (whose files, and only those, are removed first)."""
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output} is a file, not a folder")
    output.mkdir(parents=True, exist_ok=True)
    manifest = output / MANIFEST
    if manifest.is_file():
        root = output.resolve()
        for name in manifest.read_text(encoding="utf-8").split():
            path = (root / name).resolve()
            if path.is_relative_to(root) and path.is_file():
                path.unlink()
    elif any(output.iterdir()):
        raise OutputError(f"{output} is not empty and holds no earlier docs build: choose a new or empty folder")
    manifest.write_text("", encoding="utf-8")  # proves the folder writable before anything else is written
