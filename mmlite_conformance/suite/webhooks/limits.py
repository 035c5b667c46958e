"""The receiver's limits and refusals: body size, JSON depth, the request deadline, and how each refusal is answered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

MAX_BODY_BYTES: Final = 1024 * 1024
#: containers inside containers; a Cloud API notification nests about 6 deep
MAX_JSON_DEPTH: Final = 64
#: request line and headers (stdlib's own caps alone allow 100 header lines of 64 KiB each)
MAX_HEAD_BYTES: Final = 64 * 1024
#: seconds a request has to arrive complete, counted from the connection's opening or the previous answer
REQUEST_TIMEOUT: Final = 5.0
LISTEN_BACKLOG: Final = 1024
#: connections served at once; more wait in the listen backlog (not refused) until one ends
MAX_CONNECTIONS: Final = 256
#: after a refusal the rest of the request is read and dropped for this long (or this much), so that closing the
#: socket with unread bytes does not reset the connection before the client has read the answer
LINGER_SECONDS: Final = 2.0
LINGER_BYTES: Final = 8 * 1024 * 1024


@dataclass(slots=True, frozen=True)
class Refusal:
    """How a refused request is answered, and how a message names it."""

    status: int
    words: str


REFUSALS: Final[Mapping[str, Refusal]] = {
    "too_large": Refusal(413, "body over 1 MiB"),
    "headers_too_large": Refusal(431, "request line and headers over 64 KiB"),
    "too_deep": Refusal(400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels"),
    "malformed_json": Refusal(400, "declared JSON that does not parse"),
    "malformed_request": Refusal(400, "malformed HTTP request"),
    "method": Refusal(405, "a method other than POST or GET"),
    "incomplete": Refusal(408, "request not complete before the timeout or the sender's close"),
}


class RefusedError(Exception):
    """The request breaks a limit; `reason` is a key of REFUSALS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_refusals(counts: Mapping[str, int]) -> str:
    """'3 deliveries refused by the receiver: 1 incomplete (...), 2 too large (body over 1 MiB)', or ''."""
    total = sum(counts.values())
    if not total:
        return ""
    parts = [f"{n} {reason.replace('_', ' ')} ({REFUSALS[reason].words})" for reason, n in sorted(counts.items()) if n]
    return f"{total} deliver{'y' if total == 1 else 'ies'} refused by the receiver: {', '.join(parts)}"


def declares_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def read_delivery(data: bytes, content_type: str) -> tuple[str, Any]:
    """(text, parsed JSON or None) of a body. A body declared JSON must parse; any body that parses must nest at
    most MAX_JSON_DEPTH deep. Another body (a text ping, a proxy's page) is kept as text: a timeout message shows it."""
    strict = declares_json(content_type)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if strict:
            raise RefusedError("malformed_json") from None
        return data.decode("utf-8", errors="replace"), None
    if not text.strip():
        return text, None
    try:
        body = json.loads(text)
    except RecursionError:  # the C parser stops near the interpreter's recursion limit
        raise RefusedError("too_deep") from None
    except ValueError:
        if strict:
            raise RefusedError("malformed_json") from None
        return text, None
    if json_depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise RefusedError("too_deep")
    return text, body


def lenient_json(text: str) -> Any:
    """The JSON value of `text`, or None (empty, not JSON, or too deep to parse)."""
    try:
        return json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        return None


def json_depth(value: Any, limit: int) -> int:
    """How deeply `value` nests containers (a scalar is 0, `[]` is 1); counting stops once past `limit`.
    Iterative, so that the depth check itself cannot overflow the stack."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while pending and deepest <= limit:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
