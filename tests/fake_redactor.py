"""A stand-in for redaction.Redactor that replaces fixed strings; JSON and headers go through the same replacements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ReplacingRedactor:
    """Each key of `replacements` becomes its value, in order; learns nothing, and redacting twice changes nothing."""

    def __init__(self, replacements: Mapping[str, str]) -> None:
        self.replacements = dict(replacements)

    def learn(self, obj: Any, /) -> None:
        pass

    def redact_text(self, text: str, /) -> str:
        for value, replacement in self.replacements.items():
            text = text.replace(value, replacement)
        return text

    def redact_json(self, obj: Any, /) -> Any:
        if isinstance(obj, Mapping):
            return {key: self.redact_json(value) for key, value in obj.items()}
        if isinstance(obj, list):
            return [self.redact_json(value) for value in obj]
        return self.redact_text(obj) if isinstance(obj, str) else obj

    def redact_headers(self, headers: Mapping[str, str], /) -> dict[str, str]:
        return {name: self.redact_text(value) for name, value in headers.items()}
