"""manifest.json: what the run was (from run.json) and the SHA-256 of every other file in the bundle."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mmlite_conformance.version import suite_version

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
#: the manifest's own format, bumped when a field changes meaning
BUNDLE_FORMAT = 1
#: the run record's fields the manifest repeats, so that a reviewer reads the run without opening run.json
RUN_FIELDS = (
    "run_id",
    "suite_version",
    "contract_profile",
    "target",
    "base_urls",
    "started_at",
    "finished_at",
    "provenance",
    "warnings",
    "requirements",
)


class BundleError(Exception):
    """Bad input or a bundle that cannot be read: one line for the person, never a traceback."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(record: Mapping[str, Any], files: Mapping[str, bytes]) -> dict[str, Any]:
    """The manifest of a bundle holding `files` (name -> content), for the run that `record` (run.json) describes."""
    return {
        "bundle_format": BUNDLE_FORMAT,
        **{name: record.get(name) for name in RUN_FIELDS},
        "bundled_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bundled_by": f"mmlite-conformance {suite_version()}",
        "cassette_folder": (record.get("cassettes") or {}).get("folder"),
        "files": {name: sha256(content) for name, content in sorted(files.items())},
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as stored (and signed): sorted keys, two-space indent, one final newline."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest read back, or a BundleError saying what is wrong with it."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BundleError(f"corrupt {MANIFEST}: not JSON ({error})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise BundleError(f'corrupt {MANIFEST}: no "files" table of name -> SHA-256')
    return dict(manifest)
