"""`mmlite-conformance verify`: each file against the manifest's SHA-256, the signature if any, what that proves."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmlite_conformance.bundle import signing
from mmlite_conformance.bundle.manifest import MANIFEST, SIGNATURE, BundleError, parse_manifest, sha256

UNSIGNED = (
    "unsigned: integrity only. The hashes show that no file changed, appeared or vanished by accident or in part; "
    "they cannot show who made the bundle, nor catch a deliberate edit that rewrote the manifest too."
)
SIGNED = (
    "The signature shows that the manifest (and through its hashes every file) is as the holder of that key "
    "signed it; compare the fingerprint with the one the partner published, or pass --public-key."
)
_RECORD = "reports/run.json"


@dataclass(slots=True)
class Verification:
    """What `verify` found: files changed, added or removed, the signature, and inconsistencies."""

    run_id: str = ""
    files: int = 0
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    signature: signing.SignatureCheck | None = None
    #: a public key was given: the bundle must be signed by it
    expected_signer: str | None = None

    @property
    def ok(self) -> bool:
        signed_ok = self.signature.ok if self.signature is not None else self.expected_signer is None
        return signed_ok and not (self.changed or self.added or self.removed or self.inconsistent)

    def lines(self) -> list[str]:
        lines = [f"changed: {name}" for name in self.changed]
        lines += [f"added: {name} (not in the manifest)" for name in self.added]
        lines += [f"removed: {name} (in the manifest, not in the bundle)" for name in self.removed]
        lines += [f"inconsistent: {what}" for what in self.inconsistent]
        lines += self._signature_lines()
        verdict = "OK" if self.ok else "FAILED"
        lines.append(f"{verdict}: run {self.run_id or '(no run id)'}, {self.files} files checked against the manifest")
        return lines

    def _signature_lines(self) -> list[str]:
        check = self.signature
        if check is None:
            missing = [f"not signed, but a signature by {self.expected_signer} was expected"]
            return missing if self.expected_signer else [UNSIGNED]
        if not check.holds:
            return [f"signature by {check.signer} does NOT hold: the manifest changed after it was signed"]
        if check.expected is not None and check.expected != check.signer:
            return [f"signed by {check.signer}, not by the expected key {check.expected}"]
        return [f"signed by {check.signer}: the signature holds.", SIGNED]


def _open(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise BundleError(f"no bundle at {path}")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BundleError(f"{path} is not a zip file: not a certification bundle") from None


def _record_run_id(contents: dict[str, bytes]) -> Any:
    try:
        record = json.loads(contents[_RECORD].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return record.get("run_id") if isinstance(record, dict) else None


def verify(path: Path, public_key: Path | None = None) -> Verification:
    """Recompute every file's SHA-256 and compare with the manifest; check the signature when there is one."""
    with _open(path) as bundle:
        names = [info.filename for info in bundle.infolist() if not info.is_dir()]
        if MANIFEST not in names:
            raise BundleError(f"{path} has no {MANIFEST}: not a certification bundle")
        try:
            contents = {name: bundle.read(name) for name in set(names)}
        except (zipfile.BadZipFile, OSError) as error:
            raise BundleError(f"{path} cannot be read: {error}") from None
    raw_manifest = contents.pop(MANIFEST)
    manifest = parse_manifest(raw_manifest)
    signature_file = contents.pop(SIGNATURE, None)
    listed: dict[str, str] = manifest["files"]
    found = Verification(run_id=str(manifest.get("run_id") or ""), files=len(listed))
    found.changed = sorted(n for n in listed if n in contents and sha256(contents[n]) != listed[n])
    found.added = sorted(n for n in contents if n not in listed)
    found.added += sorted(n for n, count in Counter(names).items() if count > 1)  # a second entry of one name
    found.removed = sorted(n for n in listed if n not in contents)
    if _RECORD in contents and _RECORD not in found.changed and _record_run_id(contents) != found.run_id:
        found.inconsistent.append(f"the manifest's run id is not {_RECORD}'s")
    if public_key is not None:
        found.expected_signer = signing.fingerprint_of_file(public_key)
    if signature_file is not None:
        found.signature = signing.check(raw_manifest, signature_file, public_key)
    return found
