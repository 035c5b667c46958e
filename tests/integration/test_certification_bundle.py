"""A replay run bundled: its run id ties the three reports, run.json and the cassettes it replayed; it verifies."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from mmlite_conformance.bundle import pack, verify
from mmlite_conformance.bundle.manifest import MANIFEST, parse_manifest
from mmlite_conformance.bundle.verify import UNSIGNED
from tests.integration.conftest import ROOT, suite_process

pytestmark = pytest.mark.integration


def test_a_replay_run_bundles_and_verifies(tmp_path: Path) -> None:
    run = suite_process(reports=tmp_path / "reports")
    assert run.returncode == 0, run.output[-3000:]
    record = json.loads((run.reports / "run.json").read_text())
    run_id = record["run_id"]
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", run_id)
    # the same id in all three reports
    suite_properties = ET.parse(run.reports / "junit.xml").getroot().iter("property")
    assert ("run_id", run_id) in {(p.get("name"), p.get("value")) for p in suite_properties}
    assert {f["run_id"] for f in json.loads((run.reports / "cucumber.json").read_text())} == {run_id}
    assert f"<td><b>Run id</b></td><td>{run_id}</td>" in (run.reports / "report.html").read_text()
    # run.json: the verdict set per requirement, the cassettes replayed (a cassette and a tape per scenario)
    assert (record["target"], record["contract_profile"]) == ("replay", "alpha")
    assert {r["verdict"] for r in record["requirements"].values()} == {"passed"}
    assert record["cassettes"]["folder"] == str(ROOT / "cassettes")
    assert len(record["cassettes"]["files"]) == 2 * len(run.passed()) == 60

    bundle = pack(run.reports)
    assert bundle == run.reports / f"certification-{run_id}.zip"
    with zipfile.ZipFile(bundle) as archive:
        manifest = parse_manifest(archive.read(MANIFEST))
        names = set(archive.namelist())
    assert manifest["run_id"] == run_id
    assert manifest["requirements"] == record["requirements"]
    assert {f"cassettes/{f['path']}" for f in record["cassettes"]["files"]} <= names
    assert {"reports/report.html", "reports/junit.xml", "reports/cucumber.json", "reports/run.json"} <= names
    found = verify(bundle)
    assert found.ok, found.lines()
    assert UNSIGNED in found.lines()
