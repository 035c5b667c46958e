"""The certification bundle: a fresh one verifies; a changed, added or removed file is named; what it cannot prove."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mmlite_conformance.bundle import BundleError, pack, verify
from mmlite_conformance.bundle.manifest import MANIFEST, parse_manifest
from mmlite_conformance.bundle.verify import UNSIGNED
from tests.unit.bundle_kit import (
    CASSETTE,
    EVIDENCE,
    RUN_ID,
    TAPE,
    Contents,
    contents,
    make_reports,
    rehash,
    rewrite,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return pack(make_reports(tmp_path))


def test_a_fresh_bundle_holds_the_run_and_verifies(bundle: Path) -> None:
    assert bundle.name == f"certification-{RUN_ID}.zip"
    names = set(contents(bundle))
    reports = {"report.html", "junit.xml", "cucumber.json", "run.json", "journal.json", f"evidence/{EVIDENCE}"}
    assert names == {MANIFEST} | {f"reports/{n}" for n in reports} | {f"cassettes/{CASSETTE}", f"cassettes/{TAPE}"}
    manifest = parse_manifest(contents(bundle)[MANIFEST])
    assert (manifest["run_id"], manifest["contract_profile"], manifest["target"]) == (RUN_ID, "alpha", "replay")
    assert manifest["requirements"]["S1a"]["observations"] == ["observed HTTP 200"]
    assert set(manifest["files"]) == names - {MANIFEST}
    found = verify(bundle)
    assert found.ok, found.lines()
    assert UNSIGNED in found.lines()
    assert found.lines()[-1] == f"OK: run {RUN_ID}, 8 files checked against the manifest"


def _flip_a_byte(files: Contents) -> None:
    data = bytearray(files["reports/junit.xml"])
    data[5] ^= 1
    files["reports/junit.xml"] = bytes(data)


def _add_a_file(files: Contents) -> None:
    files["reports/extra.txt"] = b"hello"


def _remove_a_file(files: Contents) -> None:
    del files[f"cassettes/{TAPE}"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_flip_a_byte, "changed: reports/junit.xml"),
        (_add_a_file, "added: reports/extra.txt (not in the manifest)"),
        (_remove_a_file, f"removed: cassettes/{TAPE} (in the manifest, not in the bundle)"),
    ],
    ids=["one byte changed", "a file added", "a file removed"],
)
def test_a_tampered_copy_fails_naming_the_file(
    bundle: Path, tmp_path: Path, change: Callable[[Contents], None], expected: str
) -> None:
    found = verify(rewrite(bundle, tmp_path / "copy.zip", change))
    assert not found.ok
    assert expected in found.lines()
    assert found.lines()[-1].startswith(f"FAILED: run {RUN_ID}")


def test_a_consistently_rewritten_manifest_verifies_as_integrity_only(bundle: Path, tmp_path: Path) -> None:
    """What an unsigned manifest cannot prove: an edit that rewrote the manifest too goes unnoticed."""

    def forge(files: Contents) -> None:
        record = json.loads(files["reports/run.json"])
        record["requirements"]["S1a"]["verdict"] = "failed"
        files["reports/run.json"] = json.dumps(record).encode()
        rehash(files)

    found = verify(rewrite(bundle, tmp_path / "forged.zip", forge))
    assert found.ok
    assert UNSIGNED in found.lines()


def test_a_manifest_whose_run_id_is_not_the_records_is_inconsistent(bundle: Path, tmp_path: Path) -> None:
    def other_run(files: Contents) -> None:
        files[MANIFEST] = files[MANIFEST].replace(RUN_ID.encode(), b"20260101T000000Z-ffffffff")

    found = verify(rewrite(bundle, tmp_path / "other.zip", other_run))
    assert not found.ok
    assert "inconsistent: the manifest's run id is not reports/run.json's" in found.lines()


def test_a_cassette_changed_since_the_run_is_not_bundled(tmp_path: Path) -> None:
    reports = make_reports(tmp_path)
    (tmp_path / "cassettes" / CASSETTE).write_text("interactions: []\nversion: 1\n# edited\n")
    with pytest.raises(BundleError, match=r"test_x\.yaml changed since the run"):
        pack(reports)


def test_a_key_left_in_a_report_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = make_reports(tmp_path)
    monkeypatch.setenv("D360_API_KEY", "LeakedKey123456")
    (reports / "report.html").write_text("<td>LeakedKey123456</td>")
    with pytest.raises(BundleError, match=r"reports/report.html holds the value of \$D360_API_KEY"):
        pack(reports)


@pytest.mark.parametrize("name", ["../run.json", "/etc/hostname", "a/../../junit.xml"])
def test_an_evidence_file_outside_its_folder_is_refused(tmp_path: Path, name: str) -> None:
    reports = make_reports(tmp_path)
    record = json.loads((reports / "run.json").read_text())
    record["evidence"]["files"].append(name)
    (reports / "run.json").write_text(json.dumps(record))
    with pytest.raises(BundleError, match=rf"corrupt .*run\.json: the evidence file {re.escape(name)} is outside"):
        pack(reports)


def test_a_missing_evidence_file_is_one_line(tmp_path: Path) -> None:
    reports = make_reports(tmp_path)
    (reports / "evidence" / EVIDENCE).unlink()
    with pytest.raises(BundleError, match=r"cannot read the evidence file .*test_x\.json: No such file"):
        pack(reports)


def test_a_key_left_in_an_evidence_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = make_reports(tmp_path)
    monkeypatch.setenv("D360_API_KEY", "LeakedKey123456")
    (reports / "evidence" / EVIDENCE).write_text('{"notes": ["LeakedKey123456"]}')
    with pytest.raises(BundleError, match=rf"reports/evidence/{EVIDENCE} holds the value of \$D360_API_KEY"):
        pack(reports)


def test_a_record_without_evidence_files_still_bundles(tmp_path: Path) -> None:
    """run.json of an earlier version names no evidence files: the bundle holds what it names."""
    reports = make_reports(tmp_path)
    record = json.loads((reports / "run.json").read_text())
    del record["evidence"]
    (reports / "run.json").write_text(json.dumps(record))
    assert not any(name.startswith("reports/evidence/") for name in contents(pack(reports)))


def test_the_output_can_be_named(tmp_path: Path) -> None:
    written = pack(make_reports(tmp_path), tmp_path / "out" / "mine.zip")
    assert written == tmp_path / "out" / "mine.zip"
    assert verify(written).ok
