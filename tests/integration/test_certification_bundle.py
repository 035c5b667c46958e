"""A replay run bundled: its run id ties the three reports, run.json and the cassettes it replayed; it verifies."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from mmlite_conformance.bundle import pack, verify
from mmlite_conformance.bundle.manifest import MANIFEST, parse_manifest
from mmlite_conformance.bundle.verify import UNSIGNED
from tests.integration.conftest import ROOT, suite_process

pytestmark = pytest.mark.integration


def _evidence_links(page: str) -> list[str]:
    """The "Evidence (JSON)" link of each scenario row in pytest-html's data blob."""
    found = re.search(r'data-jsonblob="([^"]*)"', page)
    assert found, "no data-jsonblob in the HTML report"
    tests = json.loads(html.unescape(found.group(1)))["tests"].values()
    return [e["content"] for runs in tests for run in runs for e in run["extras"] if e["name"] == "Evidence (JSON)"]


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
    # one evidence file per scenario, each linked from the HTML by a relative URL to a file the run wrote
    links = _evidence_links((run.reports / "report.html").read_text())
    assert len(links) == len(record["evidence"]["files"]) == len(run.outcomes) == 30
    assert all(not link.startswith(("data:", "/", "file:")) for link in links), links[:3]
    assert sorted(unquote(link) for link in links) == sorted(f"evidence/{n}" for n in record["evidence"]["files"])
    assert all((run.reports / unquote(link)).is_file() for link in links)
    assert f"written: {run.reports / 'evidence'}/ (30 scenario evidence file(s))" in run.output

    bundle = pack(run.reports)
    assert bundle == run.reports / f"certification-{run_id}.zip"
    with zipfile.ZipFile(bundle) as archive:
        manifest = parse_manifest(archive.read(MANIFEST))
        names = set(archive.namelist())
    assert manifest["run_id"] == run_id
    assert manifest["requirements"] == record["requirements"]
    assert {f"cassettes/{f['path']}" for f in record["cassettes"]["files"]} <= names
    assert {"reports/report.html", "reports/junit.xml", "reports/cucumber.json", "reports/run.json"} <= names
    assert {f"reports/{unquote(link)}" for link in links} <= names  # the links hold inside the unpacked bundle
    found = verify(bundle)
    assert found.ok, found.lines()
    assert UNSIGNED in found.lines()
