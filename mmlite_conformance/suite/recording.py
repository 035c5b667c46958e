"""Cassettes and webhook tapes: vcrpy configuration, canonical redacted requests, naming, provenance, network guard."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Literal, Protocol
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

import vcr
import yaml
from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.record_mode import RecordMode
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serialize import serialize as vcr_serialize
from vcr.serializers import yamlserializer

from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER

__all__ = [
    "CONTROL_PATH_PREFIX",
    "EMULATOR_NOTE",
    "LIVE_NOTE",
    "MATCH_ON",
    "MM_LITE_PATH_PREFIX",
    "TAPE_SUFFIX",
    "CassetteError",
    "NetworkBlocked",
    "Recorder",
    "RecordingMode",
    "RecordingSession",
    "RedactorLike",
    "block_network",
    "cassette_name",
    "make_provenance",
    "suite_version",
    "tape_name",
]

RecordingMode = Literal["replay", "record-new", "record-overwrite", "off"]
Target = Literal["emulator", "live"]

#: the emulator's control endpoint: never recorded, never matched
CONTROL_PATH_PREFIX = "/_emulator/"
#: paths under this prefix belong to the MM Lite onboarding host, everything else to the Cloud API host
MM_LITE_PATH_PREFIX = "/mmlite/"
TAPE_SUFFIX = ".webhooks.json"
CASSETTE_SUFFIX = ".yaml"
EMULATOR_NOTE = "recorded from the embedded emulator, not from 360dialog's sandbox"
LIVE_NOTE = "recorded from 360dialog's live sandbox"

#: requests match on everything but headers; the body is compared as parsed (canonical) JSON
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")

_FILTER_HEADERS: tuple[tuple[str, str | None], ...] = (
    ("D360-API-KEY", API_KEY_PLACEHOLDER),
    ("authorization", None),
    ("host", None),
    ("user-agent", None),
    ("accept-encoding", None),
    ("connection", None),
    ("date", None),
    ("server", None),
)

#: response headers that change from run to run or between transports (uvicorn vs ASGI) or carry session state
_VOLATILE_RESPONSE_HEADERS = frozenset(
    {
        "age",
        "alt-svc",
        "cf-cache-status",
        "cf-ray",
        "connection",
        "date",
        "etag",
        "expires",
        "keep-alive",
        "last-modified",
        "report-to",
        "server",
        "set-cookie",
        "transfer-encoding",
        "via",
        "x-amz-cf-id",
        "x-amz-cf-pop",
        "x-amzn-requestid",
        "x-amzn-trace-id",
        "x-cache",
        "x-request-id",
        "x-runtime",
    }
)


class RedactorLike(Protocol):
    """The part of `redaction.Redactor` this module uses; every method is idempotent."""

    def redact_text(self, text: str, /) -> str: ...

    def redact_json(self, obj: Any, /) -> Any: ...

    def redact_headers(self, headers: Mapping[str, str], /) -> dict[str, str]: ...

    def redact_bytes(self, body: bytes, content_type: str | None, /) -> bytes: ...

    def pseudonym(self, number: str, /) -> str: ...


class CassetteError(Exception):
    """A cassette or webhook tape problem, told in one redacted sentence that names the file (relative path)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message


class NetworkBlocked(RuntimeError):  # noqa: N818 - the name the suite and its docs use
    """A non-loopback connection or name lookup was attempted while `block_network()` was active."""


# --------------------------------------------------------------------------------------------------------------
# names and provenance


_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_LONG_DIGIT_RUN = re.compile(r"\d{8,}")  # anything that could be a phone number
_MAX_PART = 120


def _safe_part(text: str, what: str) -> str:
    cleaned = _UNSAFE_CHARS.sub("_", _LONG_DIGIT_RUN.sub("num", text)).strip("._")
    if not cleaned:
        raise ValueError(f"cannot build a cassette name from an empty {what}")
    if len(cleaned) > _MAX_PART:
        digest = hashlib.sha256(cleaned.encode()).hexdigest()[:10]
        cleaned = f"{cleaned[: _MAX_PART - 11]}-{digest}"
    return cleaned


def cassette_name(feature_file: str | PurePath, scenario_function: str, example_index: int | None = None) -> str:
    """`feature-stem/scenario-function[exNNN].yaml`: stable, filesystem-safe, free of example values.

    `scenario_function` may be a pytest item name: its `[parametrization id]` (which holds the example values
    of a Scenario Outline, phone numbers included) is cut off; pass the example's index instead
    (`item.callspec.indices["_pytest_bdd_example"]`).
    """
    if example_index is not None and (
        isinstance(example_index, bool) or not isinstance(example_index, int) or example_index < 0
    ):
        raise ValueError(f"example_index must be a non-negative int, got {type(example_index).__name__}")
    feature = _safe_part(PurePath(str(feature_file).replace("\\", "/")).stem, "feature file name")
    function = _safe_part(scenario_function.split("[", 1)[0], "scenario function name")
    suffix = "" if example_index is None else f"[ex{example_index:03d}]"
    return f"{feature}/{function}{suffix}{CASSETTE_SUFFIX}"


def tape_name(cassette: str) -> str:
    """The webhook tape beside a cassette: same stem, `.webhooks.json`."""
    stem = cassette[: -len(CASSETTE_SUFFIX)] if cassette.endswith(CASSETTE_SUFFIX) else cassette
    return stem + TAPE_SUFFIX


def suite_version() -> str:
    try:
        return version("mmlite-conformance")
    except PackageNotFoundError:  # a source tree that was not installed
        return "0.0.0+source"


def make_provenance(
    *,
    target: Target,
    scenario: str,
    requirement_ids: Sequence[str] = (),
    recorded_at: date | None = None,
    emulator_seed: int | None = None,
    version_label: str | None = None,
) -> dict[str, Any]:
    """The provenance block of a webhook tape.

    Recording from the emulator needs a fixed `recorded_at` from the caller, so that re-recording unchanged
    scenarios leaves the files byte-identical; a live recording defaults to today's UTC date.
    """
    if target not in ("emulator", "live"):
        raise ValueError(f"unknown recording target {target!r}; expected 'emulator' or 'live'")
    if isinstance(recorded_at, datetime):
        recorded_at = recorded_at.astimezone(UTC).date()
    if target == "emulator":
        if recorded_at is None:
            raise ValueError("recording from the emulator needs a fixed recorded_at date (reproducible cassettes)")
        note = EMULATOR_NOTE
    else:
        recorded_at = recorded_at or datetime.now(UTC).date()
        note = LIVE_NOTE
    return {
        "target": target,
        "recorded_at": recorded_at.isoformat(),
        "suite_version": version_label or suite_version(),
        "emulator_seed": emulator_seed if target == "emulator" else None,
        "scenario": scenario,
        "requirement_ids": list(requirement_ids),
        "note": note,
    }


# --------------------------------------------------------------------------------------------------------------
# vcrpy plumbing


class _Persister:
    """vcrpy's filesystem persister, but always UTF-8 with `\\n` line ends (byte-identical on every platform), and
    handing vcrpy a cassette the suite has already parsed and checked instead of parsing it again."""

    def __init__(self) -> None:
        #: cassette path -> vcrpy's (requests, responses), parsed by the check that precedes each replay
        self.checked: dict[str, Any] = {}

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        checked = self.checked.pop(str(cassette_path), None)
        if checked is not None:
            return checked
        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        data = path.read_text(encoding="utf-8")
        if not data.strip():
            raise CassetteNotFoundError()
        return vcr_deserialize(data, serializer)

    @staticmethod
    def save_cassette(cassette_path: str | Path, cassette_dict: Any, serializer: Any) -> None:
        data = vcr_serialize(cassette_dict, serializer)
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)


@dataclass(slots=True, frozen=True)
class _AlreadyParsed:
    """A vcrpy serializer that returns what `_check_cassette` parsed: vcrpy builds its requests and responses
    from it without reading the YAML a second time."""

    data: Any

    def deserialize(self, cassette_string: str) -> Any:
        return self.data


class _SuiteCassette(Cassette):  # type: ignore[misc]
    """A cassette that, in record mode `none`, refuses an unrecorded request with the suite's redacted message.

    vcrpy's own `CannotOverwriteExistingCassetteException` quotes the raw request body (phone numbers); raising
    here, before the stub builds that exception, keeps raw data out of every log and report.
    """

    unmatched: Callable[[Any, Any], Exception] | None = None

    def can_play_response_for(self, request: Any) -> bool:
        if super().can_play_response_for(request):
            return True
        unmatched = self.unmatched
        if unmatched is not None and self.record_mode == RecordMode.NONE and self.filter_request(request) is not None:
            raise unmatched(self, request)
        return False


def _skip_patchers() -> tuple[str, ...]:
    """Patch httpx only (the suite's one HTTP client), if this vcrpy knows `skip_patchers`."""
    try:
        from vcr.patch import PATCHER_NAMES
    except ImportError:  # pragma: no cover - vcrpy < 9.4
        return ()
    return tuple(name for name in PATCHER_NAMES if name != "httpx")


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(part.encode("utf-8") if isinstance(part, str) else bytes(part) for part in body)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            if isinstance(value, list | tuple):
                return str(value[0]) if value else None
            return str(value)
    return None


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_diff(recorded: Any, sent: Any, path: str, out: list[str]) -> None:
    if isinstance(recorded, dict) and isinstance(sent, dict):
        for key in sorted(set(recorded) | set(sent), key=str):
            sub = f"{path}.{key}"
            if key not in sent:
                out.append(f"{sub}: recorded {_short(recorded[key])}, now missing")
            elif key not in recorded:
                out.append(f"{sub}: not recorded, now {_short(sent[key])}")
            else:
                _json_diff(recorded[key], sent[key], sub, out)
    elif isinstance(recorded, list) and isinstance(sent, list):
        for index, (old, new) in enumerate(zip(recorded, sent, strict=False)):
            _json_diff(old, new, f"{path}[{index}]", out)
        if len(recorded) != len(sent):
            out.append(f"{path}: recorded {len(recorded)} items, now {len(sent)}")
    elif recorded != sent or type(recorded) is not type(sent):
        out.append(f"{path}: recorded {_short(recorded)}, now {_short(sent)}")


def _body_diff(recorded: Any, sent: Any, max_lines: int = 10) -> list[str]:
    old, new = _body_bytes(recorded.body), _body_bytes(sent.body)
    try:
        old_json, new_json = json.loads(old or b"null"), json.loads(new or b"null")
    except ValueError:
        return [f"body differs: recorded {len(old)} bytes, now {len(new)} bytes (not JSON)"]
    lines: list[str] = []
    _json_diff(old_json, new_json, "$", lines)
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… and {len(lines) - max_lines} more differences"]
    return ["body differs from it:", *(f"  {line}" for line in lines)]


def _describe(request: Any) -> str:
    parts = urlsplit(request.uri)
    return f"{request.method} {parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


# --------------------------------------------------------------------------------------------------------------
# sessions


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
    #: the vcrpy cassette while the session is open (None in mode "off")
    cassette: Any = None
    abandoned: bool = False
    events_to_save: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_recording(self) -> bool:
        return self.mode in ("record-new", "record-overwrite")

    @property
    def is_replaying(self) -> bool:
        return self.mode == "replay"

    def save_tape(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Set the webhook events written beside the cassette when the recording completes (record modes)."""
        self.events_to_save = [dict(event) for event in events]

    def abandon(self) -> None:
        """The scenario failed where the session cannot see it (e.g. a fixture's teardown): keep nothing,
        check nothing."""
        self.abandoned = True


@dataclass(slots=True)
class Recorder:
    """Builds one vcrpy configuration and opens a cassette + webhook tape per scenario instance."""

    cassette_dir: Path
    redactor: RedactorLike
    mode: RecordingMode = "replay"
    canonical_cloud_url: str = "https://waba-v2.360dialog.io"
    canonical_mm_lite_url: str = "https://alpha-beta-onboarding-hub-production.360dialog.io"
    #: literal strings replaced in request URIs/bodies (and response bodies) before recording and before matching
    canonical_replacements: dict[str, str] = field(default_factory=dict)
    #: "host:port" of servers whose traffic is never recorded nor matched (the suite's own webhook receiver)
    ignored_origins: tuple[str, ...] = ()
    _vcr: Any = field(init=False, repr=False, default=None)
    _persister: _Persister = field(init=False, repr=False, default_factory=_Persister)

    def __post_init__(self) -> None:
        if self.mode not in ("replay", "record-new", "record-overwrite", "off"):
            raise ValueError(f"unknown recording mode {self.mode!r}")
        self.cassette_dir = Path(self.cassette_dir)
        config = vcr.VCR(
            serializer="yaml",
            match_on=MATCH_ON,
            filter_headers=list(_FILTER_HEADERS),
            before_record_request=self._before_record_request,
            before_record_response=self._before_record_response,
            decode_compressed_response=True,
            record_on_exception=False,
            ignore_localhost=False,  # True would silently record nothing from the emulator on 127.0.0.1
            ignore_hosts=(),
            skip_patchers=_skip_patchers(),
        )
        config.register_persister(self._persister)
        self._vcr = config

    # ---- canonical form (runs when recording AND on every live request before matching) ----

    def _replacements(self) -> list[tuple[str, str]]:
        return sorted(
            ((old, new) for old, new in self.canonical_replacements.items() if old),
            key=lambda pair: -len(pair[0]),
        )

    def _replace_text(self, text: str) -> str:
        for old, new in self._replacements():
            text = text.replace(old, new)
        return text

    def _replace_bytes(self, body: bytes) -> bytes:
        for old, new in self._replacements():
            body = body.replace(old.encode("utf-8"), new.encode("utf-8"))
        return body

    def _ignored_origin(self, parts: SplitResult) -> bool:
        if not self.ignored_origins:
            return False
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
        except ValueError:
            port = None
        candidates = {parts.netloc.lower(), f"{host}:{port}", f"[{host}]:{port}"}
        return any(origin.lower() in candidates for origin in self.ignored_origins)

    def _canonical_query(self, query: str) -> str:
        """Decoded, replaced, redacted and re-encoded, so that encoded URLs and numbers in parameters are caught."""
        if not query:
            return ""
        pairs = [
            (self.redactor.redact_text(self._replace_text(key)), self.redactor.redact_text(self._replace_text(value)))
            for key, value in parse_qsl(query, keep_blank_values=True)
        ]
        return urlencode(pairs, quote_via=quote)

    def canonical_url(self, url: str) -> str | None:
        """The URL as stored in cassettes: canonical host for its path, replacements applied, redacted;
        None for the emulator's control endpoint (never recorded)."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if path.startswith(CONTROL_PATH_PREFIX) or self._ignored_origin(parts):
            return None
        base = urlsplit(
            self.canonical_mm_lite_url if path.startswith(MM_LITE_PATH_PREFIX) else self.canonical_cloud_url
        )
        path = self.redactor.redact_text(self._replace_text(path))
        query = self._canonical_query(parts.query)
        return urlunsplit((base.scheme, base.netloc, path, query, ""))

    def canonical_body(self, body: bytes, content_type: str | None) -> bytes:
        """A request body as stored and matched: replacements applied, redacted, JSON with sorted keys."""
        if not body:
            return b""
        body = self.redactor.redact_bytes(self._replace_bytes(body), content_type)
        if _is_json(content_type):
            try:
                parsed = json.loads(body)
            except ValueError:
                return body
            return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return body

    def _before_record_request(self, request: Any) -> Any:
        uri = self.canonical_url(request.uri)
        if uri is None:
            return None
        request.uri = uri
        raw_headers = {str(name).lower(): str(value) for name, value in request.headers.items()}
        headers = {name.lower(): value for name, value in self.redactor.redact_headers(raw_headers).items()}
        body = self.canonical_body(_body_bytes(request.body), headers.get("content-type"))
        if body or "content-length" in headers:
            headers["content-length"] = str(len(body))
        request.body = body
        request.headers = dict(sorted(headers.items()))
        return request

    def _before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, list[str]] = {}
        for name, values in (response.get("headers") or {}).items():
            lowered = str(name).lower()
            if lowered in _VOLATILE_RESPONSE_HEADERS:
                continue
            for value in values if isinstance(values, list | tuple) else [values]:
                redacted = self.redactor.redact_headers({lowered: str(value)})
                headers.setdefault(lowered, []).extend(redacted.values())
        body_holder = response.get("body") or {}
        body = _body_bytes(body_holder.get("string"))
        if body:
            body = self.redactor.redact_bytes(self._replace_bytes(body), _header(headers, "content-type"))
        headers["content-length"] = [str(len(body))]
        response["headers"] = dict(sorted(headers.items()))
        response["body"] = {**body_holder, "string": body}
        return response

    # ---- messages ----

    def _display(self, name: str) -> str:
        return str(PurePosixPath(self.cassette_dir.name or "cassettes", name))

    def _error(self, message: str, name: str) -> CassetteError:
        return CassetteError(self.redactor.redact_text(message), self._display(name))

    def _unmatched_error(self, session: RecordingSession, cassette: Any, request: Any) -> CassetteError:
        where = self._display(session.name)
        scenario = self._scenario(session)
        canonical = cassette.filter_request(request)
        described = _describe(canonical) if canonical is not None else "(a request)"
        similar = cassette.find_requests_with_most_matches(request)
        if similar and not similar[0][2]:
            lines = [f"scenario {scenario} makes this request more often than recorded in {where}: {described}"]
        else:
            lines = [f"scenario {scenario} makes a request that is not recorded in {where}: {described}"]
            if similar:
                stored, _succeeded, failed = similar[0]
                names = [name for name, _message in failed]
                lines.append(f"closest recorded request: {_describe(stored)} (differs in {', '.join(names)})")
                if "body" in names and canonical is not None:
                    lines += [f"  {line}" for line in _body_diff(stored, canonical)]
            else:
                recorded = ", ".join(_describe(r) for r in cassette.requests) or "none"
                lines.append(f"recorded requests: {recorded}")
        lines.append(
            f"if the scenario changed on purpose, re-record it: --target emulator --record=overwrite ({where})"
        )
        return self._error("\n".join(lines), session.name)

    def _scenario(self, session: RecordingSession) -> str:
        scenario = session.provenance.get("scenario")
        return str(scenario) if scenario else session.name

    # ---- checks ----

    def _check_cassette(self, session: RecordingSession) -> None:
        where = self._display(session.name)
        path = session.cassette_path
        if not path.is_file():
            raise self._error(
                f"no cassette for scenario {self._scenario(session)} at {where}; "
                "record one with --target emulator --record",
                session.name,
            )
        fix = "delete it and record it again with --target emulator --record"
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise self._error(f"corrupt cassette {where}: not UTF-8 text; {fix}", session.name) from None
        except OSError as exc:
            raise self._error(
                f"cannot read cassette {where}: {exc.strerror or type(exc).__name__}", session.name
            ) from None
        try:
            data = yamlserializer.deserialize(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise self._error(
                f"corrupt cassette {where}: YAML unparsable{at} ({problem}); {fix}", session.name
            ) from None
        interactions = data.get("interactions") if isinstance(data, dict) else None
        if not isinstance(interactions, list) or data.get("version") != 1:
            raise self._error(
                f"corrupt cassette {where}: not a vcrpy cassette (expected 'version: 1' and a list of "
                f"'interactions'); {fix}",
                session.name,
            )
        try:
            self._persister.checked[str(path)] = vcr_deserialize(text, _AlreadyParsed(data))
        except Exception:
            raise self._error(
                f"corrupt cassette {where}: an interaction is not a vcrpy request/response pair; {fix}", session.name
            ) from None

    def _load_tape(self, session: RecordingSession) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        where = self._display(tape_name(session.name))
        fix = "record the scenario again with --target emulator --record=overwrite"
        if not session.tape_path.is_file():
            raise self._error(
                f"no webhook tape for scenario {self._scenario(session)} at {where} (its cassette exists); {fix}",
                session.name,
            )
        try:
            data = json.loads(session.tape_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise self._error(
                f"corrupt webhook tape {where}: not valid JSON (line {exc.lineno}: {exc.msg}); {fix}", session.name
            ) from None
        except (UnicodeDecodeError, OSError):
            raise self._error(f"corrupt webhook tape {where}: unreadable or not UTF-8; {fix}", session.name) from None
        events = data.get("events") if isinstance(data, dict) else None
        provenance = data.get("provenance") if isinstance(data, dict) else None
        if (
            not isinstance(events, list)
            or not isinstance(provenance, dict)
            or not all(isinstance(event, dict) for event in events)
        ):
            raise self._error(
                f'corrupt webhook tape {where}: expected {{"provenance": {{...}}, "events": [{{...}}, ...]}}; {fix}',
                session.name,
            )
        return provenance, events

    # ---- the session ----

    @contextlib.contextmanager
    def session(self, name: str, provenance: Mapping[str, Any]) -> Iterator[RecordingSession]:
        """Open the cassette + webhook tape `name` (from `cassette_name`) for one scenario instance.

        replay: checks both files up front, plays the cassette (record mode `none`), exposes `tape_events`, and
        when the body completes checks that every recorded request was made. Record modes: record into a
        temporary directory and move cassette + tape into place only if the body completed.
        """
        relative = self._relative(name)
        path = self.cassette_dir / relative
        session = RecordingSession(
            name=relative,
            mode=self.mode,
            cassette_path=path,
            tape_path=self.cassette_dir / tape_name(relative),
            provenance=dict(provenance),
        )
        if self.mode == "off":
            yield session
        elif self.mode == "replay":
            yield from self._replay(session)
        else:
            yield from self._record(session)

    def _relative(self, name: str) -> str:
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or not pure.name.endswith(CASSETTE_SUFFIX):
            raise ValueError("a cassette name is a relative path ending in .yaml, as built by cassette_name()")
        return str(pure)

    def _use(self, path: Path, **options: Any) -> Any:
        config = self._vcr.get_merged_config(path=str(path), **options)
        return _SuiteCassette.use(**config)

    def _replay(self, session: RecordingSession) -> Iterator[RecordingSession]:
        self._check_cassette(session)
        try:
            session.provenance, session.tape_events = self._load_tape(session)
        except CassetteError:
            self._persister.checked.pop(str(session.cassette_path), None)
            raise
        try:
            # drop_unused_requests must stay off here: with it vcrpy rewrites a partly played cassette on exit
            with self._use(session.cassette_path, record_mode="none", drop_unused_requests=False) as cassette:
                cassette.unmatched = lambda c, request: self._unmatched_error(session, c, request)
                session.cassette = cassette
                yield session
        except CannotOverwriteExistingCassetteException as exc:  # a path not covered by _SuiteCassette
            raise self._unmatched_error(session, exc.cassette, exc.failed_request) from None
        if session.abandoned:
            return
        cassette = session.cassette
        unplayed = [request for index, request in enumerate(cassette.requests) if cassette.play_counts[index] == 0]
        if unplayed:
            listed = "\n".join(f"  {_describe(request)}" for request in unplayed)
            raise self._error(
                f"scenario {self._scenario(session)} no longer makes these recorded requests "
                f"({self._display(session.name)}):\n{listed}\n"
                "if that is intended, re-record it: --target emulator --record=overwrite",
                session.name,
            )

    def _record(self, session: RecordingSession) -> Iterator[RecordingSession]:
        if self.mode == "record-new" and session.cassette_path.exists():
            raise self._refuse(session)
        self.cassette_dir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=".recording-", dir=self.cassette_dir))
        try:
            temp_cassette = workdir / "cassette.yaml"
            with self._use(temp_cassette, record_mode="all", drop_unused_requests=True) as cassette:
                session.cassette = cassette
                yield session
            if session.abandoned:
                return
            if not temp_cassette.exists():  # the scenario made no recordable request: still one file per scenario
                _Persister.save_cassette(temp_cassette, {"requests": [], "responses": []}, yamlserializer)
            temp_tape = workdir / "tape.json"
            with temp_tape.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(self._tape_text(session))
            session.cassette_path.parent.mkdir(parents=True, exist_ok=True)
            if self.mode == "record-new" and session.cassette_path.exists():  # appeared while recording
                raise self._refuse(session)
            temp_tape.replace(session.tape_path)  # os.replace: atomic within the directory tree
            temp_cassette.replace(session.cassette_path)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _refuse(self, session: RecordingSession) -> CassetteError:
        return self._error(
            f"refusing to overwrite the existing cassette {self._display(session.name)}: --record=new (the default) "
            "never replaces a recording; use --record=overwrite to re-record it",
            session.name,
        )

    def _tape_text(self, session: RecordingSession) -> str:
        tape = {
            "provenance": self.redactor.redact_json(session.provenance),
            "events": [self.redactor.redact_json(event) for event in session.events_to_save],
        }
        return json.dumps(tape, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------------------------
# network guard

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_guard_lock = threading.Lock()
_guard_depth = 0
_saved: list[tuple[Any, str, Any]] = []
_MISSING = object()


def _is_loopback_host(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the local host's own addresses
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _refuse_unless_loopback(operation: str, host: object, port: object) -> None:
    if _is_loopback_host(host):
        return
    raise NetworkBlocked(
        f"network access blocked: {operation} {host}:{port} is not loopback. Replay never touches the network; "
        "run with --target emulator (loopback) to talk to a server"
    )


def _address_host_port(address: object) -> tuple[object, object]:
    if isinstance(address, tuple) and len(address) >= 2:
        return address[0], address[1]
    return address, None


def _guarded_functions() -> list[tuple[Any, str, Any]]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection
    unix = getattr(socket, "AF_UNIX", None)

    def connect(sock: socket.socket, address: Any) -> None:
        if unix is None or sock.family != unix:
            _refuse_unless_loopback("connect to", *_address_host_port(address))
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if unix is None or sock.family != unix:
            _refuse_unless_loopback("connect to", *_address_host_port(address))
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_unless_loopback("name lookup of", host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _refuse_unless_loopback("connection to", *_address_host_port(address))
        return real_create_connection(address, *args, **kwargs)

    return [
        (socket.socket, "connect", connect),
        (socket.socket, "connect_ex", connect_ex),
        (socket, "getaddrinfo", getaddrinfo),
        (socket, "create_connection", create_connection),
    ]


@contextlib.contextmanager
def block_network() -> Iterator[None]:
    """Make every non-loopback connect / name lookup raise `NetworkBlocked` (loopback stays allowed). Nestable."""
    global _guard_depth
    with _guard_lock:
        if _guard_depth == 0:
            for owner, attribute, replacement in _guarded_functions():
                _saved.append((owner, attribute, vars(owner).get(attribute, _MISSING)))
                setattr(owner, attribute, replacement)
        _guard_depth += 1
    try:
        yield
    finally:
        with _guard_lock:
            _guard_depth -= 1
            if _guard_depth == 0:
                while _saved:
                    owner, attribute, original = _saved.pop()
                    if original is _MISSING:
                        delattr(owner, attribute)
                    else:
                        setattr(owner, attribute, original)
