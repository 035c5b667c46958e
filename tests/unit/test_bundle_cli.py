"""`mmlite-conformance bundle | verify | keygen`: exit codes, and bad input told in one line, never a traceback."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from mmlite_conformance.cli import main
from tests.unit.bundle_kit import RUN_ID, make_reports

pytestmark = pytest.mark.unit

_RUN_FIRST = "run the suite first, or pass --reports DIR"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bundle_then_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = make_reports(tmp_path)
    code, out, _ = _run(capsys, "bundle", "--reports", str(reports))
    assert code == 0
    bundle = reports / f"certification-{RUN_ID}.zip"
    assert out == f"wrote {bundle} (unsigned: integrity only)\n"
    code, out, _ = _run(capsys, "verify", str(bundle))
    assert code == 0
    assert out.splitlines()[-1].startswith(f"OK: run {RUN_ID}")


def test_a_failed_verification_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "b.zip"
    assert _run(capsys, "bundle", "--reports", str(make_reports(tmp_path)), "--output", str(bundle))[0] == 0
    with zipfile.ZipFile(bundle, "a") as archive:
        archive.writestr("reports/extra.txt", b"x")
    code, out, _ = _run(capsys, "verify", str(bundle))
    assert code == 1
    assert "added: reports/extra.txt (not in the manifest)" in out


def _corrupt_manifest(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", b"{not json")


def _no_manifest(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("reports/run.json", b"{}")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.write_bytes(b"PK but not really"), "is not a zip file"),
        (_corrupt_manifest, "corrupt manifest.json: not JSON"),
        (_no_manifest, "has no manifest.json: not a certification bundle"),
        (lambda p: None, "no bundle at"),
    ],
    ids=["not a zip", "corrupt manifest", "no manifest", "missing"],
)
def test_verify_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], object], expected: str
) -> None:
    path = tmp_path / "bundle.zip"
    make(path)
    code, out, err = _run(capsys, "verify", str(path))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("mmlite-conformance verify: ")
    assert expected in err


def test_bundle_without_a_reports_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "bundle", "--reports", str(tmp_path / "nowhere"))
    assert (code, out) == (2, "")
    assert err == f"mmlite-conformance bundle: no reports folder at {tmp_path / 'nowhere'}: {_RUN_FIRST}\n"


def test_bundle_without_run_json_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "reports").mkdir()
    code, _, err = _run(capsys, "bundle", "--reports", str(tmp_path / "reports"))
    assert code == 2
    assert "no run.json in" in err


def test_keygen_then_a_signed_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("nacl.signing")
    key = tmp_path / "k"
    code, out, _ = _run(capsys, "keygen", str(key))
    assert code == 0
    assert "fingerprint SHA256:" in out
    assert _run(capsys, "keygen", str(key))[0] == 2  # never overwrites a key
    bundle = tmp_path / "signed.zip"
    assert (
        _run(capsys, "bundle", "--reports", str(make_reports(tmp_path)), "--output", str(bundle), "--sign", str(key))[0]
        == 0
    )
    code, out, _ = _run(capsys, "verify", str(bundle), "--public-key", f"{key}.pub")
    assert code == 0
    assert "the signature holds" in out
