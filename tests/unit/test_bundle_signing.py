"""Signed bundles: verify names the signer by fingerprint, and a manifest rewritten after signing fails."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

import pytest

from mmlite_conformance.bundle import BundleError, pack, verify
from mmlite_conformance.bundle.manifest import SIGNATURE
from mmlite_conformance.bundle.signing import fingerprint, generate
from mmlite_conformance.bundle.verify import UNSIGNED
from tests.unit.bundle_kit import Contents, make_reports, rehash, rewrite

pytest.importorskip("nacl.signing")
pytestmark = pytest.mark.unit


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "partner.key"
    generate(path)
    return path


@pytest.fixture
def signed(tmp_path: Path, key: Path) -> Path:
    return pack(make_reports(tmp_path), sign_key=key)


def _fingerprint(public_key_file: Path) -> str:
    return fingerprint(base64.b64decode(public_key_file.read_text()))


def test_an_untouched_signed_bundle_names_its_signer(signed: Path, key: Path) -> None:
    found = verify(signed)
    expected = _fingerprint(key.with_name("partner.key.pub"))
    assert found.ok, found.lines()
    assert f"signed by {expected}: the signature holds." in found.lines()
    assert UNSIGNED not in found.lines()
    assert verify(signed, key.with_name("partner.key.pub")).ok


def test_the_fingerprint_is_openssh_style(key: Path) -> None:
    public = base64.b64decode(key.with_name("partner.key.pub").read_text())
    digest = base64.b64encode(hashlib.sha256(public).digest()).decode().rstrip("=")
    assert _fingerprint(key.with_name("partner.key.pub")) == f"SHA256:{digest}"
    assert key.stat().st_mode & 0o077 == 0  # the private key is the owner's only


def test_a_consistently_rewritten_signed_manifest_fails_its_signature(signed: Path, tmp_path: Path) -> None:
    def forge(files: Contents) -> None:
        files["reports/junit.xml"] = b"<testsuites/>"
        rehash(files)

    found = verify(rewrite(signed, tmp_path / "forged.zip", forge))
    assert not found.ok
    assert any("does NOT hold" in line for line in found.lines()), found.lines()


def test_a_bundle_re_signed_by_another_key_fails_against_the_partners_key(
    signed: Path, key: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    generate(other)
    resigned = pack(make_reports(tmp_path / "again"), tmp_path / "resigned.zip", sign_key=other)
    assert verify(resigned).ok  # alone it holds: anyone can sign; the fingerprint says who
    found = verify(resigned, key.with_name("partner.key.pub"))
    assert not found.ok
    assert any("not by the expected key" in line for line in found.lines())


def test_an_unsigned_bundle_fails_when_a_signer_is_expected(tmp_path: Path, key: Path) -> None:
    found = verify(pack(make_reports(tmp_path)), key.with_name("partner.key.pub"))
    assert not found.ok
    assert any(line.startswith("not signed, but a signature by SHA256:") for line in found.lines())


def test_a_corrupt_signature_is_one_clear_error(signed: Path, tmp_path: Path) -> None:
    def corrupt(files: Contents) -> None:
        files[SIGNATURE] = json.dumps({"algorithm": "ed25519", "public_key": "!!", "signature": ""}).encode()

    with pytest.raises(BundleError, match=r"corrupt manifest\.sig: its public_key is not base64"):
        verify(rewrite(signed, tmp_path / "bad.zip", corrupt))


def test_without_pynacl_signing_says_how_to_install_it(
    tmp_path: Path, key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nacl.signing", None)
    with pytest.raises(BundleError, match=r"signing needs PyNaCl: pip install 'mmlite-conformance\[signing\]'"):
        pack(make_reports(tmp_path), sign_key=key)


def test_a_key_file_that_is_not_a_key_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not base64 at all!\n")
    with pytest.raises(BundleError, match=r"bad\.key is not a private key"):
        pack(make_reports(tmp_path), sign_key=bad)
