"""Configuration: an empty --target, the template language for every target, one wording of the recipient format."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.suite.config.values import RECIPIENT_FORMAT
from mmlite_conformance.suite.targets import DEFAULT_TARGET
from tests.unit.test_config import load, problems_of

pytestmark = pytest.mark.unit
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_target_option_is_a_problem_not_replay(given: str) -> None:
    problems = problems_of({"target": given}, {})
    assert len(problems) == 1 and problems[0].startswith("--target is empty; choose one of: replay"), problems


def test_a_named_target_and_no_target_still_load() -> None:
    assert load({"target": "emulator"}, {}).target == "emulator"
    assert load({"target": None}, {}).target == DEFAULT_TARGET


@pytest.mark.parametrize("target", ["emulator", "replay"])
def test_a_malformed_template_language_is_refused_by_every_target(target: str) -> None:
    problems = problems_of({"target": target}, {"MMLITE_TEMPLATE_LANGUAGE": "en us!"})
    assert problems == (
        "MMLITE_TEMPLATE_LANGUAGE='en us!' is not a WhatsApp language code; use e.g. 'en', 'en_US', 'pt_BR'.",
    )


@pytest.mark.parametrize("language", ["en", "pt_BR", "fil"])
def test_a_well_formed_template_language_is_accepted(language: str) -> None:
    assert load({"target": "emulator"}, {"MMLITE_TEMPLATE_LANGUAGE": language}).target == "emulator"


@pytest.mark.parametrize("recipient", [None, "12ab"])
def test_both_recipient_errors_give_the_format_readme_gives(recipient: str | None) -> None:
    environ = {"MMLITE_TARGET": "live", "D360_API_KEY": "LiveKey_0123456789abcdef", "MMLITE_INTERACTIVE": "0"}
    environ |= {"MMLITE_WEBHOOK_URL": "https://hooks.example.org/webhook"}
    if recipient is not None:
        environ["MMLITE_RECIPIENT"] = recipient
    problems = [p for p in problems_of({}, environ) if p.startswith("MMLITE_RECIPIENT")]
    assert len(problems) == 1 and RECIPIENT_FORMAT in problems[0], problems
    row = next(line for line in README.read_text(encoding="utf-8").splitlines() if "| `MMLITE_RECIPIENT` |" in line)
    assert RECIPIENT_FORMAT in row.replace("`", ""), row
