"""The suite's vcrpy: one configuration (canonical form, matching, persister) and a cassette that refuses in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import vcr
from vcr.cassette import Cassette
from vcr.record_mode import RecordMode

from mmlite_conformance.suite.recording.canonical import FILTER_HEADERS, CanonicalForm
from mmlite_conformance.suite.recording.persister import Persister

__all__ = ["MATCH_ON", "SuiteCassette", "make_vcr"]

#: requests match on everything but headers; the body is compared as parsed (canonical) JSON
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")


class SuiteCassette(Cassette):  # type: ignore[misc]
    """A cassette that, in record mode `none`, refuses an unrecorded request with the suite's redacted message.

    vcrpy's own `CannotOverwriteExistingCassetteException` quotes the raw request body (phone numbers); raising
    here, before the stub builds that exception, keeps raw data out of every log and report.
    """

    unmatched: Callable[[Any, Any], Exception] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vcr_filter: Callable[[Any], Any] = getattr(self, "_before_record_request")  # noqa: B009 - vcrpy's, untyped
        self._before_record_request = _recent_ones_remembered(vcr_filter)

    def can_play_response_for(self, request: Any) -> bool:
        if super().can_play_response_for(request):
            return True
        unmatched = self.unmatched
        if unmatched is not None and self.record_mode == RecordMode.NONE and self.filter_request(request) is not None:
            raise unmatched(self, request)
        return False


def _recent_ones_remembered(filter_request: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`filter_request` (a deep copy, then the canonical form), done once per request object: for each request vcrpy
    asks the cassette three questions (can it play, is it in, play it), filtering the request at each, and the first
    filters its own result again; four calls become two."""
    recent: list[tuple[Any, Any]] = []  # (request, what the filter made of it), the newest last; held, so no id reuse

    def filtered(request: Any) -> Any:
        for seen, result in recent:
            if seen is request:
                return result
        result = filter_request(request)
        recent.append((request, result))
        del recent[:-4]
        return result

    return filtered


def _skip_patchers() -> tuple[str, ...]:
    """Patch httpx only (the suite's one HTTP client), if this vcrpy knows `skip_patchers`."""
    try:
        from vcr.patch import PATCHER_NAMES
    except ImportError:  # pragma: no cover - vcrpy < 9.4
        return ()
    return tuple(name for name in PATCHER_NAMES if name != "httpx")


def make_vcr(canonical: CanonicalForm, persister: Persister) -> Any:
    """The one vcrpy configuration of a run: canonical requests and responses, stored through `persister`."""
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
    config.register_persister(persister)
    return config
