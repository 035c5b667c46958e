"""Cassette and webhook tape names: stable, filesystem-safe, free of example values."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath, PurePosixPath

__all__ = ["CASSETTE_SUFFIX", "TAPE_SUFFIX", "cassette_name", "relative_cassette_name", "tape_name"]

CASSETTE_SUFFIX = ".yaml"
TAPE_SUFFIX = ".webhooks.json"

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


def relative_cassette_name(name: str) -> str:
    """`name` as a POSIX path inside the cassette directory; anything that could leave it is refused."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.name.endswith(CASSETTE_SUFFIX):
        raise ValueError("a cassette name is a relative path ending in .yaml, as built by cassette_name()")
    return str(pure)
