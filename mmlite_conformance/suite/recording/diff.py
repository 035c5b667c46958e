"""What a replay mismatch says: requests described by method and path, bodies compared as redacted JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mmlite_conformance.suite.recording.canonical import body_bytes

if TYPE_CHECKING:
    from mmlite_conformance.suite.recording.canonical import CanonicalRequest
    from mmlite_conformance.suite.recording.replay import CassettePlayer

__all__ = ["body_diff", "describe", "unmatched_lines", "unplayed_lines"]

_MAX_DIFF_LINES = 10


def describe(request: Any) -> str:
    """`METHOD /path?query` of a canonical (hence redacted) request."""
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


def unmatched_lines(player: CassettePlayer, sent: CanonicalRequest, *, scenario: str, where: str) -> list[str]:
    """Why the cassette `where` cannot answer `sent`: made too often, or its closest recording and how it
    differs; only canonical (redacted) requests are quoted."""
    described = describe(sent)
    closest = player.closest(sent)
    if closest is not None and not closest[1]:
        lines = [f"scenario {scenario} makes this request more often than recorded in {where}: {described}"]
    else:
        lines = [f"scenario {scenario} makes a request that is not recorded in {where}: {described}"]
        if closest is not None:
            stored, failed = closest
            lines.append(f"closest recorded request: {describe(stored.request)} (differs in {', '.join(failed)})")
            if "body" in failed:
                lines += [f"  {line}" for line in body_diff(stored.request, sent)]
        else:
            lines.append(f"recorded requests: {', '.join(describe(r) for r in player.requests) or 'none'}")
    lines.append(f"if the scenario changed on purpose, re-record it: --target emulator --record=overwrite ({where})")
    return lines


def unplayed_lines(unplayed: Sequence[Any], *, scenario: str, where: str) -> list[str]:
    """The recorded requests a completed replay never made."""
    return [
        f"scenario {scenario} no longer makes these recorded requests ({where}):",
        *(f"  {describe(request)}" for request in unplayed),
        "if that is intended, re-record it: --target emulator --record=overwrite",
    ]
