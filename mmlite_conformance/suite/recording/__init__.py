"""Cassettes and webhook tapes: naming, provenance, canonical form, replay, persister, diffs, file checks, sessions."""

from __future__ import annotations

from mmlite_conformance.suite.recording.canonical import CanonicalForm, RedactorLike
from mmlite_conformance.suite.recording.errors import CassetteError
from mmlite_conformance.suite.recording.naming import CASSETTE_SUFFIX, TAPE_SUFFIX, cassette_name, tape_name
from mmlite_conformance.suite.recording.provenance import EMULATOR_NOTE, LIVE_NOTE, make_provenance
from mmlite_conformance.suite.recording.replay import CassetteDeck
from mmlite_conformance.suite.recording.session import Recorder, RecordingMode, RecordingSession

__all__ = [
    "CASSETTE_SUFFIX",
    "EMULATOR_NOTE",
    "LIVE_NOTE",
    "TAPE_SUFFIX",
    "CanonicalForm",
    "CassetteDeck",
    "CassetteError",
    "Recorder",
    "RecordingMode",
    "RecordingSession",
    "RedactorLike",
    "cassette_name",
    "make_provenance",
    "tape_name",
]
