"""A run's reports folder made by hand, and bundles rewritten as a tamperer would."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from mmlite_conformance.bundle.manifest import MANIFEST, manifest_bytes, parse_manifest, sha256

RUN_ID = "20260101T000000Z-0123abcd"
CASSETTE = "1_cloud_api/test_x.yaml"
TAPE = "1_cloud_api/test_x.webhooks.json"
#: a scenario's evidence file, under reports/evidence/
EVIDENCE = "1_cloud_api/test_x.json"

Contents = dict[str, bytes]


def make_reports(root: Path) -> Path:
    """reports/ with the three reports, run.json, a journal and a scenario's evidence file; cassettes/ with one
    cassette and its tape."""
    reports, cassettes = root / "reports", root / "cassettes"
    (cassettes / "1_cloud_api").mkdir(parents=True)
    (cassettes / CASSETTE).write_text("interactions: []\nversion: 1\n")
    (cassettes / TAPE).write_text('{"events": [], "provenance": {}}\n')
    reports.mkdir()
    (reports / "report.html").write_text(f"<html><td>Run id</td><td>{RUN_ID}</td></html>")
    (reports / "junit.xml").write_text(f'<testsuites><property name="run_id" value="{RUN_ID}"/></testsuites>')
    (reports / "cucumber.json").write_text(json.dumps([{"run_id": RUN_ID}]))
    (reports / "journal.json").write_text('{"entries": []}\n')
    (reports / "evidence" / "1_cloud_api").mkdir(parents=True)
    (reports / "evidence" / EVIDENCE).write_text('{"requirement_ids": ["S1a"], "steps": []}\n')
    files = [{"path": n, "sha256": hashlib.sha256((cassettes / n).read_bytes()).hexdigest()} for n in (CASSETTE, TAPE)]
    record = {
        "run_id": RUN_ID,
        "suite_version": "0.1.0",
        "target": "replay",
        "contract_profile": "alpha",
        "base_urls": {"cloud_api": "https://waba-v2.360dialog.io", "mm_lite": "https://x/mm"},
        "requirements": {"S1a": {"verdict": "passed", "observations": ["observed HTTP 200"], "scenarios": []}},
        "reports": {"html": "report.html", "junit": "junit.xml", "cucumber": "cucumber.json"},
        "evidence": {"folder": "evidence", "files": [EVIDENCE]},
        "cassettes": {"folder": str(cassettes), "files": files},
        "target_files": ["journal.json"],
    }
    (reports / "run.json").write_text(json.dumps(record))
    return reports


def contents(bundle: Path) -> Contents:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(bundle: Path, out: Path, change: Callable[[Contents], None]) -> Path:
    """A copy of `bundle` with `change` applied to its files (name -> bytes)."""
    files = contents(bundle)
    change(files)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out


def rehash(files: Contents) -> None:
    """What a deliberate tamperer does after editing files: write the manifest again to match."""
    manifest = parse_manifest(files[MANIFEST])
    manifest["files"] = {
        name: sha256(data) for name, data in files.items() if name.startswith(("reports/", "cassettes/"))
    }
    files[MANIFEST] = manifest_bytes(manifest)
