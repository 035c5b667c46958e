"""Each scenario's evidence as a JSON file beside the HTML report, linked from it by a relative URL (the `data:` URL
pytest-html's self-contained page makes of a JSON extra is one that browsers refuse to open)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import pytest

from mmlite_conformance.suite.contract_refs import DOCS_FOLDER, DOCUMENT_FILES, project_index
from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.report.data import evidence_as_dict
from mmlite_conformance.suite.report.files import artefact, reports_folder
from mmlite_conformance.suite.report.run import run_info
from mmlite_conformance.suite.report.staging import final_place

#: the folder beside the HTML report that holds one JSON file per scenario
EVIDENCE_FOLDER = "evidence"
LINK_NAME = "Evidence (JSON)"
#: beside the evidence folder: a copy of each contract document the evidence cites, which the report's references
#: link to (beside the report as in a bundle, where run.json's `documents` puts them)
CITED_DOCUMENTS = "contract"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _safe(part: str, fallback: str) -> str:
    return _UNSAFE.sub("_", part).strip("._") or fallback


def file_name(feature_file: str, scenario_function: str, example_index: int | None = None) -> str:
    """`feature-stem/scenario-function[exNNN].json`, as the scenario's cassette is named: free of example values (an
    outline's parametrization id may hold a phone number), and never outside the evidence folder."""
    feature = _safe(PurePosixPath(feature_file.replace("\\", "/")).stem, "feature")
    function = _safe(scenario_function.split("[", 1)[0], "scenario")
    suffix = "" if example_index is None else f"[ex{example_index:03d}]"
    return f"{feature}/{function}{suffix}.json"


def _name_of(item: pytest.Item, feature_file: str) -> str:
    callspec = getattr(item, "callspec", None)
    example = callspec.indices.get("_pytest_bdd_example") if callspec is not None else None
    function = getattr(item, "originalname", None) or item.name
    return file_name(feature_file or str(item.path), function, example)


@dataclass(slots=True)
class WrittenEvidence:
    """The evidence files of this run, relative to the evidence folder, in the order written."""

    names: list[str] = field(default_factory=list)
    #: the contract documents copied beside the evidence folder (`contract.md`, ...), each once
    documents: list[str] = field(default_factory=list)
    #: those that could not be copied: tried, and said in the run's warnings, once
    uncopied: set[str] = field(default_factory=set)

    def claim(self, name: str) -> str:
        """`name`, or `name-2.json`, ... when another scenario of the run has it already."""
        stem, candidate, count = name.removesuffix(".json"), name, 1
        while candidate in self.names:
            count += 1
            candidate = f"{stem}-{count}.json"
        self.names.append(candidate)
        return candidate


_WRITTEN = pytest.StashKey[WrittenEvidence]()


def evidence_folder(config: pytest.Config) -> Path | None:
    """Beside the HTML report (the staged one while the run writes), else beside the other reports; None when the
    run writes no report."""
    html = artefact(config, "htmlpath")
    base = html.parent if html is not None else reports_folder(config)
    return base / EVIDENCE_FOLDER if base is not None else None


def written_files(config: pytest.Config) -> list[Path]:
    """The evidence files this run wrote, where they are now."""
    folder, found = evidence_folder(config), config.stash.get(_WRITTEN, None)
    return [folder / name for name in found.names] if folder is not None and found is not None else []


def write_evidence(item: pytest.Item, evidence: ScenarioEvidence, feature_file: str) -> str | None:
    """Write the scenario's evidence (redacted when captured) and return its URL relative to the HTML report; None
    when it could not be written (said once in the run's warnings)."""
    folder = evidence_folder(item.config)
    if folder is None:
        return None
    record = item.config.stash.setdefault(_WRITTEN, WrittenEvidence())
    name = record.claim(_name_of(item, feature_file))
    path = folder / name
    data = evidence_as_dict(evidence)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        record.names.remove(name)
        run_info(item.config).warnings.append(f"evidence file {name} not written: {error.strerror or error}")
        return None
    _keep_cited_documents(item.config, record, data)
    return quote(f"{EVIDENCE_FOLDER}/{name}")


def cited_document_url(file: str) -> str:
    """The copy of a contract document (`contract.md`) the run keeps, relative to the HTML report."""
    return quote(f"{CITED_DOCUMENTS}/{file}")


def documents_folder(config: pytest.Config) -> Path | None:
    """Where the cited contract documents are copied: beside the evidence folder (None: the run writes no report)."""
    evidence = evidence_folder(config)
    return evidence.parent / CITED_DOCUMENTS if evidence is not None else None


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _keep_cited_documents(config: pytest.Config, record: WrittenEvidence, evidence: dict[str, Any]) -> None:
    """Copy each contract document the evidence (as written) cites beside the evidence folder, once per run: the
    report's links resolve beside the report and inside a bundle (which packs what run.json's `documents` names)."""
    folder = documents_folder(config)
    if folder is None or len(record.documents) + len(record.uncopied) == len(DOCUMENT_FILES):  # nothing left to try
        return
    cited = project_index().cited("\n\n".join(_strings(evidence)))
    for document in sorted(cited):
        name = DOCUMENT_FILES[document]
        if name in record.documents or name in record.uncopied:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(DOCS_FOLDER / name, folder / name)
        except OSError as error:  # a run-wide problem: said once, not again at every scenario citing it
            record.uncopied.add(name)
            run_info(config).warnings.append(f"cited document {name} not copied: {error.strerror or error}")
            continue
        record.documents.append(name)


def record_entry(config: pytest.Config, folder: Path) -> dict[str, Any]:
    """run.json's `evidence`: the folder (relative to run.json's when beside it, else where it will be once the run
    is put in place) and its files."""
    evidence = evidence_folder(config)
    found = config.stash.get(_WRITTEN, None)
    if evidence is None:
        return {"folder": EVIDENCE_FOLDER, "files": []}
    beside = evidence.parent.resolve() == folder.resolve()
    place = EVIDENCE_FOLDER if beside else str(final_place(config, evidence).resolve())
    return {"folder": place, "files": list(found.names) if found is not None else []}


def documents_entry(config: pytest.Config, folder: Path) -> dict[str, Any]:
    """run.json's `documents`: the contract documents the report links to, where they are (as `record_entry`)."""
    documents, found = documents_folder(config), config.stash.get(_WRITTEN, None)
    if documents is None:
        return {"folder": CITED_DOCUMENTS, "files": []}
    beside = documents.parent.resolve() == folder.resolve()
    place = CITED_DOCUMENTS if beside else str(final_place(config, documents).resolve())
    return {"folder": place, "files": list(found.documents) if found is not None else []}
