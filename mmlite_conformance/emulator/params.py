"""Typed reading of control-endpoint parameters, with Graph-style error 100 messages and unknown-key checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mmlite_conformance.emulator.errors import invalid_parameter

REQUIRED: Any = object()


class Params:
    """Reads one JSON object; `done()` refuses the keys nobody asked for (typos surface as errors)."""

    def __init__(self, raw: Any, where: str = "") -> None:
        if not isinstance(raw, dict):
            raise invalid_parameter(f"The parameter {where.rstrip('.') or 'body'} must be an object.")
        self.raw: dict[str, Any] = raw
        self.where = where
        self._used: set[str] = set()

    def _get(self, key: str, default: Any) -> tuple[bool, Any]:
        self._used.add(key)
        if key in self.raw:
            return True, self.raw[key]
        if default is REQUIRED:
            raise invalid_parameter(f"The parameter {self.where}{key} is required.")
        return False, default

    def value(self, key: str, default: Any = None) -> Any:
        """The raw value (or the default), unchecked."""
        return self._get(key, default)[1]

    def text(self, key: str, default: Any = REQUIRED, choices: Iterable[str] | None = None) -> Any:
        given, value = self._get(key, default)
        if given and (not isinstance(value, str) or not value):
            raise invalid_parameter(f"The parameter {self.where}{key} must be a non-empty string.")
        options = tuple(choices or ())
        if given and options and value not in options:
            raise invalid_parameter(f"The parameter {self.where}{key} must be one of: {', '.join(options)}.")
        return value

    def integer(self, key: str, default: Any = REQUIRED, low: int = 0, high: int = 2**53) -> Any:
        given, value = self._get(key, default)
        if given and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            raise invalid_parameter(f"The parameter {self.where}{key} must be an integer between {low} and {high}.")
        return value

    def number(self, key: str, default: Any = REQUIRED, low: float = 0.0, high: float = 60.0) -> Any:
        given, value = self._get(key, default)
        if given and (isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high):
            raise invalid_parameter(f"The parameter {self.where}{key} must be a number between {low:g} and {high:g}.")
        return float(value) if value is not None else None

    def flag(self, key: str, default: Any = REQUIRED) -> Any:
        given, value = self._get(key, default)
        if given and not isinstance(value, bool):
            raise invalid_parameter(f"The parameter {self.where}{key} must be a boolean.")
        return value

    def obj(self, key: str, default: Any = REQUIRED) -> Any:
        given, value = self._get(key, default)
        if given and not isinstance(value, dict):
            raise invalid_parameter(f"The parameter {self.where}{key} must be an object.")
        return value

    def objects(self, key: str, default: Any = REQUIRED) -> Any:
        given, value = self._get(key, default)
        if given and (not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value)):
            raise invalid_parameter(f"The parameter {self.where}{key} must be a non-empty array of objects.")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self._used)
        if unknown:
            raise invalid_parameter(f"Unknown parameter(s): {', '.join(self.where + k for k in unknown)}.")
