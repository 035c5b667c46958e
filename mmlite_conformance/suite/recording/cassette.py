"""The suite's vcrpy, for recording only: one configuration (canonical form, matching, persister)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import vcr
from vcr.serializers import yamlserializer

from mmlite_conformance.suite.recording.canonical import FILTER_HEADERS, CanonicalForm
from mmlite_conformance.suite.recording.persister import Persister
from mmlite_conformance.suite.recording.replay import MATCH_ON

__all__ = ["make_vcr", "save_empty_cassette"]


def _skip_patchers() -> tuple[str, ...]:
    """Patch httpx only (the suite's one HTTP client), if this vcrpy knows `skip_patchers`."""
    try:
        from vcr.patch import PATCHER_NAMES
    except ImportError:  # pragma: no cover - vcrpy < 9.4
        return ()
    return tuple(name for name in PATCHER_NAMES if name != "httpx")


def make_vcr(canonical: CanonicalForm) -> Any:
    """The one vcrpy configuration of a recording run: canonical requests and responses, stored by `Persister`."""
    config = vcr.VCR(
        serializer="yaml",
        match_on=MATCH_ON,
        filter_headers=list(FILTER_HEADERS),
        before_record_request=canonical.before_record_request,
        before_record_response=canonical.before_record_response,
        decode_compressed_response=True,
        record_on_exception=False,
        ignore_localhost=False,  # True would silently record nothing from the emulator on 127.0.0.1
        ignore_hosts=(),
        skip_patchers=_skip_patchers(),
    )
    config.register_persister(Persister())
    return config


def save_empty_cassette(path: Path) -> None:
    """A cassette with no interaction, for a scenario that made no recordable request."""
    Persister.save_cassette(path, {"requests": [], "responses": []}, yamlserializer)
