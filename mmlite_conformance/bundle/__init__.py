"""The certification bundle: a run's reports, files and a hashed (optionally signed) manifest, and its check."""

from __future__ import annotations

from mmlite_conformance.bundle.manifest import BundleError
from mmlite_conformance.bundle.pack import pack
from mmlite_conformance.bundle.verify import Verification, verify

__all__ = ["BundleError", "Verification", "pack", "verify"]
