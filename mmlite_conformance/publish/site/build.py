"""Builds the docs site into a folder: every page written, then the whole site checked for broken links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mmlite_conformance.publish.catalog import load_catalog
from mmlite_conformance.publish.site.assets import STYLESHEET, write_assets
from mmlite_conformance.publish.site.check import site_problems
from mmlite_conformance.publish.site.guide import INDEX, GuideLinks, index_page, section_page
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
            raise ValueError(f"{repository} is not a clone of the project: no {', '.join(missing)} folder")
        return cls(repository)

    @classmethod
    def this_checkout(cls) -> Sources:
        """The clone this package is installed from (an editable install)."""
        return cls.of(Path(__file__).resolve().parents[3])


@dataclass(slots=True, frozen=True)
class BuiltSite:
    root: Path
    files: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def pages(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name.endswith(".html"))


def render_site(sources: Sources) -> dict[str, str]:
    """Every page of the site: its path (relative to the site's root) -> its HTML."""
    root = sources.repository
    rendered = {
        document.name: render_markdown((root / document.source).read_text(encoding="utf-8"), site_target)
        for document in DOCUMENTS
    }
    contract = ContractPages.of(rendered)
    catalog = load_catalog(root / "features", root / "cassettes")
    links = GuideLinks(contract)
    pages = {INDEX: index_page(catalog, links)}
    cassettes = [instance.cassette for _, scenario in catalog.scenarios() for instance in scenario.instances]
    tapes = read_tapes(root / "cassettes", cassettes)
    pages |= {links.section_page(section): section_page(section, links, tapes) for section in catalog.sections}
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
