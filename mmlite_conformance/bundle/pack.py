"""`mmlite-conformance bundle`: the run's reports and evidence files, run.json, the target's files, the cassettes."""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from mmlite_conformance.bundle import signing
from mmlite_conformance.bundle.manifest import (
    MANIFEST,
    SIGNATURE,
    BundleError,
    build_manifest,
    manifest_bytes,
    sha256,
)

RUN_RECORD = "run.json"
#: where the scenarios' evidence files go in the bundle: beside report.html, as its links expect
EVIDENCE = "evidence"
#: where the contract documents the report links to go in the bundle: beside report.html, as its links expect
DOCUMENTS = "contract"
#: every entry gets this date: the same files make the same bundle (the manifest's bundled_at aside)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: environment variables whose values must never be inside a bundle (a backstop: the run redacted them already)
_SECRET_VARIABLE = re.compile(r"^(D360_|MMLITE_).*(KEY|TOKEN|SECRET|PASSWORD|RECIPIENT)")


def read_record(reports: Path) -> dict[str, Any]:
    if not reports.is_dir():
        raise BundleError(f"no reports folder at {reports}: run the suite first, or pass --reports DIR")
    path = reports / RUN_RECORD
    if not path.is_file():
        raise BundleError(f"no {RUN_RECORD} in {reports}: run the suite (this version) to write one")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BundleError(f"corrupt {path}: not JSON ({error})") from None
    if not isinstance(record, dict) or not isinstance(record.get("run_id"), str):
        raise BundleError(f"corrupt {path}: no run_id")
    return record


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BundleError(f"cannot read {what} {path}: {error.strerror or error}") from None


def _reports(reports: Path, record: Mapping[str, Any]) -> Iterator[tuple[str, bytes]]:
    named = dict(record.get("reports") or {})
    for name in [*named.values(), RUN_RECORD, *(record.get("target_files") or [])]:
        path = reports / str(name) if not Path(str(name)).is_absolute() else Path(str(name))
        if path.is_file():
            yield f"reports/{path.name}", _read(path, "the report")


def _evidence(reports: Path, record: Mapping[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each scenario's evidence file that run.json names, under reports/evidence/ as the HTML report links it."""
    entry = record.get("evidence") or {}
    folder = Path(str(entry.get("folder") or EVIDENCE))
    folder = folder if folder.is_absolute() else reports / folder
    for name in entry.get("files") or []:
        relative = PurePosixPath(str(name))
        if relative.is_absolute() or ".." in relative.parts:
            raise BundleError(f"corrupt {reports / RUN_RECORD}: the evidence file {name} is outside its folder")
        yield f"reports/{EVIDENCE}/{relative}", _read(folder / relative, "the evidence file")


def _documents(reports: Path, record: Mapping[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each contract document run.json's `documents` names, under reports/contract/ as the HTML report links it."""
    entry = record.get("documents") or {}
    folder = Path(str(entry.get("folder") or DOCUMENTS))
    folder = folder if folder.is_absolute() else reports / folder
    for name in entry.get("files") or []:
        if name in {"", ".", ".."} or PurePosixPath(str(name)).name != name:
            raise BundleError(f"corrupt {reports / RUN_RECORD}: the document {name} is outside its folder")
        yield f"reports/{DOCUMENTS}/{name}", _read(folder / str(name), "the cited document")


def _cassettes(record: Mapping[str, Any]) -> Iterator[tuple[str, bytes]]:
    """The cassettes and tapes the run used, each as it was then: a file changed since is refused."""
    cassettes = record.get("cassettes") or {}
    folder = Path(str(cassettes.get("folder") or "."))
    for entry in cassettes.get("files") or []:
        name = str(entry.get("path"))
        content = _read(folder / name, "the cassette")
        if sha256(content) != entry.get("sha256"):
            raise BundleError(f"{folder / name} changed since the run (its SHA-256 is not run.json's): run again")
        yield f"cassettes/{name}", content


def _refuse_secrets(files: Mapping[str, bytes]) -> None:
    for variable, value in os.environ.items():
        if not _SECRET_VARIABLE.match(variable) or len(value.strip("+ ")) < 6:
            continue
        needle = value.strip("+ ").encode()
        for name, content in files.items():
            if needle in content:
                raise BundleError(f"refusing to bundle: {name} holds the value of ${variable} (a redaction missed it)")


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def pack(reports: Path, output: Path | None = None, sign_key: Path | None = None) -> Path:
    """Write the bundle of the run whose reports are in `reports`; returns its path."""
    record = read_record(reports)
    files = dict(_reports(reports, record))
    files.update(_evidence(reports, record))
    files.update(_documents(reports, record))
    files.update(_cassettes(record))
    _refuse_secrets(files)
    manifest = manifest_bytes(build_manifest(record, files))
    signature = signing.sign(manifest, sign_key) if sign_key is not None else None
    target = output or reports / f"certification-{record['run_id']}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w") as bundle:
        bundle.writestr(_entry(MANIFEST), manifest)
        if signature is not None:
            bundle.writestr(_entry(SIGNATURE), signature)
        for name, content in sorted(files.items()):
            bundle.writestr(_entry(name), content)
    partial.replace(target)
    return target
