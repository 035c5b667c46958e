"""The cassette and webhook tape files: checked before a replay, each problem told in one sentence."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from mmlite_conformance.suite.recording.canonical import RedactorLike
from mmlite_conformance.suite.recording.errors import CassetteError
from mmlite_conformance.suite.recording.replay import RecordedExchange, exchanges_from

__all__ = ["Fail", "parse_cassette", "read_cassette", "read_tape", "tape_text"]

#: builds the (redacted) error for a message about the scenario's files
Fail = Callable[[str], CassetteError]

_RECORD_CASSETTE = "delete it and record it again with --target emulator --record"
_RECORD_TAPE = "record the scenario again with --target emulator --record=overwrite"


#: a cassette is data: no YAML tag builds an object (vcrpy writes none), with libyaml's parser where installed
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_cassette(text: str) -> Any:
    """The YAML document of a cassette (yaml.YAMLError when it is not YAML)."""
    return yaml.load(text, Loader=_YAML_LOADER)


def read_cassette(path: Path, *, scenario: str, where: str, fail: Fail) -> list[RecordedExchange]:
    """The recorded exchanges of the cassette at `path`, or the error saying why it cannot be replayed."""
    if not path.is_file():
        raise fail(f"no cassette for scenario {scenario} at {where}; record one with --target emulator --record")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"corrupt cassette {where}: not UTF-8 text; {_RECORD_CASSETTE}") from None
    except OSError as exc:
        raise fail(f"cannot read cassette {where}: {exc.strerror or type(exc).__name__}") from None
    try:
        data = parse_cassette(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise fail(f"corrupt cassette {where}: YAML unparsable{at} ({problem}); {_RECORD_CASSETTE}") from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or data.get("version") != 1:
        raise fail(
            f"corrupt cassette {where}: not a vcrpy cassette (expected 'version: 1' and a list of "
            f"'interactions'); {_RECORD_CASSETTE}"
        )
    try:
        return exchanges_from(interactions)
    except ValueError:
        raise fail(
            f"corrupt cassette {where}: an interaction is not a vcrpy request/response pair; {_RECORD_CASSETTE}"
        ) from None


def read_tape(path: Path, *, scenario: str, where: str, fail: Fail) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The provenance and webhook events of the tape at `path`, or the error saying why it cannot be replayed."""
    if not path.is_file():
        raise fail(f"no webhook tape for scenario {scenario} at {where} (its cassette exists); {_RECORD_TAPE}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise fail(
            f"corrupt webhook tape {where}: not valid JSON (line {exc.lineno}: {exc.msg}); {_RECORD_TAPE}"
        ) from None
    except (UnicodeDecodeError, OSError):
        raise fail(f"corrupt webhook tape {where}: unreadable or not UTF-8; {_RECORD_TAPE}") from None
    events = data.get("events") if isinstance(data, dict) else None
    provenance = data.get("provenance") if isinstance(data, dict) else None
    if (
        not isinstance(events, list)
        or not isinstance(provenance, dict)
        or not all(isinstance(event, dict) for event in events)
    ):
        shape = '{"provenance": {...}, "events": [{...}, ...]}'
        raise fail(f"corrupt webhook tape {where}: expected {shape}; {_RECORD_TAPE}")
    return provenance, events


def tape_text(redactor: RedactorLike, provenance: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> str:
    """The tape file's text: provenance and events redacted where they are captured, keys sorted, `\\n` ends."""
    tape = {
        "provenance": redactor.redact_json(provenance),
        "events": [redactor.redact_json(event) for event in events],
    }
    return json.dumps(tape, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
