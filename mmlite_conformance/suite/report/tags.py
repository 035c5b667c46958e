"""Requirement ids from Gherkin tags, in natural order (S2a before S10a, S3d before SCa)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mmlite_conformance.suite.constants import REQUIREMENT_TAG

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in _DIGITS.split(text) if chunk)


def requirement_ids_from_tags(*tag_sets: Iterable[str]) -> tuple[str, ...]:
    """The requirement ids among Gherkin tags (with or without '@'), deduplicated and naturally sorted."""
    found = {tag.lstrip("@") for tags in tag_sets for tag in tags}
    return tuple(sorted((tag for tag in found if REQUIREMENT_TAG.fullmatch(tag)), key=natural_key))
