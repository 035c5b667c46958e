"""One scenario's cassette and webhook tape: replayed, recorded atomically into a temporary directory, or off."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, get_args

from mmlite_conformance.suite.recording.canonical import CanonicalForm, CanonicalRequest, RedactorLike
from mmlite_conformance.suite.recording.diff import unmatched_lines, unplayed_lines
from mmlite_conformance.suite.recording.errors import CassetteError
from mmlite_conformance.suite.recording.files import Fail, read_cassette, read_tape, tape_text
from mmlite_conformance.suite.recording.naming import relative_cassette_name, tape_name
from mmlite_conformance.suite.recording.replay import CassetteDeck, CassettePlayer

__all__ = ["Recorder", "RecordingMode", "RecordingSession"]

RecordingMode = Literal["replay", "record-new", "record-overwrite", "off"]


@dataclass(slots=True)
class RecordingSession:
    """One scenario instance's cassette + tape, as seen from inside `Recorder.session()`."""

    name: str
    mode: RecordingMode
    cassette_path: Path
    tape_path: Path
    provenance: dict[str, Any]
    #: replay: the recorded webhook events, to preload the receiver with
    tape_events: list[dict[str, Any]] = field(default_factory=list)
    #: while the session is open: the CassettePlayer (replay) or vcrpy's cassette (recording); None in mode "off"
    cassette: Any = None
    events_to_save: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_recording(self) -> bool:
        return self.mode in ("record-new", "record-overwrite")

    def save_tape(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Set the webhook events written beside the cassette when the recording completes (record modes)."""
        self.events_to_save = [dict(event) for event in events]


Opener = Callable[[RecordingSession], Iterator[RecordingSession]]


@dataclass(slots=True)
class Recorder:
    """Opens a cassette + webhook tape per scenario instance: played through `deck` in replay, recorded with one
    vcrpy configuration (imported only when recording: about 0.03 s of every replay run's start-up otherwise)."""

    cassette_dir: Path
    redactor: RedactorLike
    mode: RecordingMode = "replay"
    #: literal strings replaced in request URIs/bodies (and response bodies) before recording and before matching
    canonical_replacements: dict[str, str] = field(default_factory=dict)
    #: "host:port" of servers whose traffic is never recorded nor matched (the suite's own webhook receiver)
    ignored_origins: tuple[str, ...] = ()
    #: replay: where the scenario's cassette plays for the clients whose transport the deck made
    deck: CassetteDeck = field(default_factory=CassetteDeck)
    _canonical: CanonicalForm = field(init=False, repr=False)
    _vcr: Any = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if self.mode not in get_args(RecordingMode):
            raise ValueError(f"unknown recording mode {self.mode!r}")
        self.cassette_dir = Path(self.cassette_dir)
        self._canonical = CanonicalForm(
            self.redactor, replacements=self.canonical_replacements, ignored_origins=self.ignored_origins
        )

    @contextlib.contextmanager
    def session(self, name: str, provenance: Mapping[str, Any]) -> Iterator[RecordingSession]:
        """Open the cassette + webhook tape `name` (from `cassette_name`) for one scenario instance.

        replay: checks both files up front, plays the cassette through `deck` (a request it does not hold is
        refused), exposes `tape_events`, and when the body completes checks that every recorded request was made.
        Record modes: record into a temporary directory and move cassette + tape into place only if the body
        completed.
        """
        relative = relative_cassette_name(name)
        session = RecordingSession(
            name=relative,
            mode=self.mode,
            cassette_path=self.cassette_dir / relative,
            tape_path=self.cassette_dir / tape_name(relative),
            provenance=dict(provenance),
        )
        openers: dict[RecordingMode, Opener] = {
            "off": self._pass_through,
            "replay": self._replay,
            "record-new": self._record,
            "record-overwrite": self._record,
        }
        yield from openers[self.mode](session)

    # ---- messages ----

    def _display(self, name: str) -> str:
        return str(PurePosixPath(self.cassette_dir.name or "cassettes", name))

    def _error(self, message: str, name: str) -> CassetteError:
        return CassetteError(self.redactor.redact_text(message), self._display(name))

    def _fail(self, session: RecordingSession) -> Fail:
        return lambda message: self._error(message, session.name)

    @staticmethod
    def _scenario(session: RecordingSession) -> str:
        scenario = session.provenance.get("scenario")
        return str(scenario) if scenario else session.name

    def _unmatched_error(
        self, session: RecordingSession, player: CassettePlayer, sent: CanonicalRequest
    ) -> CassetteError:
        where = self._display(session.name)
        lines = unmatched_lines(player, sent, scenario=self._scenario(session), where=where)
        return self._error("\n".join(lines), session.name)

    def _refuse(self, session: RecordingSession) -> CassetteError:
        return self._error(
            f"refusing to overwrite the existing cassette {self._display(session.name)}: --record=new (the default) "
            "never replaces a recording; use --record=overwrite to re-record it",
            session.name,
        )

    # ---- the modes ----

    @staticmethod
    def _pass_through(session: RecordingSession) -> Iterator[RecordingSession]:
        yield session

    def _replay(self, session: RecordingSession) -> Iterator[RecordingSession]:
        scenario, fail = self._scenario(session), self._fail(session)
        where = self._display(session.name)
        exchanges = read_cassette(session.cassette_path, scenario=scenario, where=where, fail=fail)
        tape_where = self._display(tape_name(session.name))
        session.provenance, session.tape_events = read_tape(
            session.tape_path, scenario=scenario, where=tape_where, fail=fail
        )
        player = CassettePlayer(exchanges, self._canonical, lambda p, sent: self._unmatched_error(session, p, sent))
        session.cassette = player
        with self.deck.playing(player):
            yield session
        unplayed = player.unplayed()
        if unplayed:  # named as the tape names the scenario (its provenance replaced the stand-in above)
            raise fail("\n".join(unplayed_lines(unplayed, scenario=self._scenario(session), where=where)))

    def _record(self, session: RecordingSession) -> Iterator[RecordingSession]:
        if self.mode == "record-new" and session.cassette_path.exists():
            raise self._refuse(session)
        from mmlite_conformance.suite.recording.cassette import make_vcr, save_empty_cassette  # vcrpy: recording only

        if self._vcr is None:
            self._vcr = make_vcr(self._canonical)
        self.cassette_dir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=".recording-", dir=self.cassette_dir))
        try:
            temp_cassette = workdir / "cassette.yaml"
            with self._vcr.use_cassette(str(temp_cassette), record_mode="all", drop_unused_requests=True) as cassette:
                session.cassette = cassette
                yield session
            if not temp_cassette.exists():  # the scenario made no recordable request: still one file per scenario
                save_empty_cassette(temp_cassette)
            temp_tape = workdir / "tape.json"
            with temp_tape.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(tape_text(self.redactor, session.provenance, session.events_to_save))
            session.cassette_path.parent.mkdir(parents=True, exist_ok=True)
            if self.mode == "record-new" and session.cassette_path.exists():  # appeared while recording
                raise self._refuse(session)
            temp_tape.replace(session.tape_path)  # os.replace: atomic within the directory tree
            temp_cassette.replace(session.cassette_path)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
