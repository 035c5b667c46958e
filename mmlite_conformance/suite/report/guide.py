"""What the feature files say beside the ids: a requirement's words (its Rule's title) and an outline's example."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

#: a Rule title's enumerator: "b. ", "b./c. ", "P1a. " (the requirement id already says it)
_ENUMERATOR = re.compile(r"^(?:[A-Za-z]{0,2}\d*[a-z]\.\s*/?\s*)+")


def guide_words(title: str) -> str:
    """A Rule's title without its enumerator: "b./c. A user writes first" -> "A user writes first"."""
    words = _ENUMERATOR.sub("", title.strip(), count=1).strip()
    return words or title.strip()


def requirement_words(scenario: Any) -> str:
    """The guide step a scenario's requirement ids stand for: its Rule's title, else the scenario's own name."""
    rule = getattr(scenario, "rule", None)
    title = str(getattr(rule, "name", "") or "") if rule is not None else ""
    return guide_words(title) if title else str(getattr(scenario, "name", "") or "").strip()


def _template_name(item: pytest.Item) -> str:
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry

        function = getattr(item, "function", None)
        template = None if function is None else scenario_wrapper_template_registry.get(function)
    except Exception:  # internal API of pytest-bdd: without it every example value is named
        return ""
    return str(getattr(template, "name", "") or "")


def example_of(item: pytest.Item) -> Mapping[str, Any]:
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get("_pytest_bdd_example", {}) if callspec is not None else {}
    return example if isinstance(example, Mapping) else {}


def instance_name(name: str, example: Mapping[str, Any], template_name: str = "") -> str:
    """An outline instance's name with the example values its name does not already show:
    "A TTL outside the marketing range is refused — ttl=43199"."""
    shown = [f"{k}={v}" for k, v in example.items() if f"<{k}>" not in template_name]
    return f"{name} — {', '.join(shown)}" if shown else name


def scenario_name(item: pytest.Item, scenario: Any) -> str:
    name = str(getattr(scenario, "name", "") or "")
    example = example_of(item)
    return instance_name(name, example, _template_name(item)) if example else name
