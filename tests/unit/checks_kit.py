"""What the checks' unit tests share: a fake response, a redacting and a plain Checker, send and error bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mmlite_conformance.suite.checks import Checker, ConformanceError
from tests.fake_redactor import ReplacingRedactor

RECIPIENT = "5521912345678"
KEY = "sandbox-key-0123456789"
WAMID = "wamid.HBgNNTUyMTkxMjM0NTY3OBUCABEYEjI1QzFCNkIyREQ0MkI0MUM2MAA="
REDACTOR = ReplacingRedactor({RECIPIENT: "<user-1>", KEY: "<D360-API-KEY>"})
CHECK = Checker(redact_json=lambda x: x, redact_text=lambda s: s)
REDACTING = Checker(redact_json=REDACTOR.redact_json, redact_text=REDACTOR.redact_text)


@dataclass(slots=True, frozen=True)
class Answer:
    """What a check reads of a response: its status, its parsed body (None if not JSON) and its text."""

    status: int
    body: Any = None
    text: str = ""


def fails(check: Callable[[], object], fragment: str) -> str:
    """The check raises ConformanceError whose message contains `fragment`; returns the whole message."""
    with pytest.raises(ConformanceError, match=re.escape(fragment)) as caught:
        check()
    return str(caught.value)


def sent(message_id: Any = WAMID, **extra: Any) -> Answer:
    contact = {"input": RECIPIENT, "wa_id": RECIPIENT}
    return Answer(
        200, {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": message_id}], **extra}
    )


def graph(code: int = 131055, message: str = "(#131055) Method not allowed", **extra: Any) -> dict[str, Any]:
    details = {"messaging_product": "whatsapp", "details": "Only marketing template messages are supported"}
    return {"code": code, "message": message, "type": "OAuthException", "error_data": details, **extra}


def wrapped(status: int = 400, **error: Any) -> Answer:
    return Answer(status, {"detail": {"error": graph(**error)}})
