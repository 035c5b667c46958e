"""What a replay mismatch says: requests described by method and path, bodies compared as redacted JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from mmlite_conformance.suite.recording.canonical import body_bytes

__all__ = ["body_diff", "describe", "unmatched_lines", "unplayed_lines"]

_MAX_DIFF_LINES = 10


def describe(request: Any) -> str:
    """`METHOD /path?query` of a (canonical, hence redacted) vcrpy request."""
    parts = urlsplit(request.uri)
    return f"{request.method} {parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


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


def body_diff(recorded: Any, sent: Any, max_lines: int = _MAX_DIFF_LINES) -> list[str]:
    """How the body of `sent` differs from the body of `recorded`, one JSON path per line."""
    old, new = body_bytes(recorded.body), body_bytes(sent.body)
    try:
        old_json, new_json = json.loads(old or b"null"), json.loads(new or b"null")
    except ValueError:
        return [f"body differs: recorded {len(old)} bytes, now {len(new)} bytes (not JSON)"]
    lines: list[str] = []
    _json_diff(old_json, new_json, "$", lines)
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… and {len(lines) - max_lines} more differences"]
    return ["body differs from it:", *(f"  {line}" for line in lines)]


def unmatched_lines(cassette: Any, request: Any, *, scenario: str, where: str) -> list[str]:
    """Why the cassette `where` cannot answer `request`: made too often, or its closest recording and how it
    differs; only canonical (redacted) requests are quoted."""
    canonical = cassette.filter_request(request)
    described = describe(canonical) if canonical is not None else "(a request)"
    similar = cassette.find_requests_with_most_matches(request)
    if similar and not similar[0][2]:
        lines = [f"scenario {scenario} makes this request more often than recorded in {where}: {described}"]
    else:
        lines = [f"scenario {scenario} makes a request that is not recorded in {where}: {described}"]
        if similar:
            stored, _succeeded, failed = similar[0]
            names = [name for name, _message in failed]
            lines.append(f"closest recorded request: {describe(stored)} (differs in {', '.join(names)})")
            if "body" in names and canonical is not None:
                lines += [f"  {line}" for line in body_diff(stored, canonical)]
        else:
            recorded = ", ".join(describe(r) for r in cassette.requests) or "none"
            lines.append(f"recorded requests: {recorded}")
    lines.append(f"if the scenario changed on purpose, re-record it: --target emulator --record=overwrite ({where})")
    return lines


def unplayed_lines(unplayed: Sequence[Any], *, scenario: str, where: str) -> list[str]:
    """The recorded requests a completed replay never made."""
    return [
        f"scenario {scenario} no longer makes these recorded requests ({where}):",
        *(f"  {describe(request)}" for request in unplayed),
        "if that is intended, re-record it: --target emulator --record=overwrite",
    ]
