"""The step lookup's candidates: asking only the parsers a text can match answers as asking every parser does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from parse_type import TypeBuilder
from pytest_bdd import parsers

from mmlite_conformance.suite.step_lookup import Candidates

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class _Context:
    """What the lookup reads of pytest-bdd's StepFunctionContext."""

    parser: Any


PARSERS = [
    parsers.string("a value"),
    parsers.parse('it is suffixed with "{suffix}"'),
    parsers.parse("The Value Is {value:d}"),
    parsers.parse("The Value Is {value:d}", case_sensitive=True),
    parsers.parse("{anything} comes first"),
    parsers.parse("braces {{written}} twice then {value}"),
    parsers.parse("a closing }} brace then {value}"),
    parsers.cfparse("{count:Number} items", extra_types={"Number": TypeBuilder.make_enum({"one": 1, "two": 2})}),
    parsers.re(r"a (?P<word>\w+) regex"),
    parsers.parse("Ünïcode {value}"),
    parsers.parse("kelvin {value}"),
    parsers.parse("pass {value}"),
]
TEXTS = [
    "a value",
    "A value",
    'it is suffixed with "!"',
    'IT IS SUFFIXED WITH "!"',
    "the value is 3",
    "The Value Is 3",
    "The Value Is three",
    "first comes first",
    "braces {written} twice then x",
    "a closing } brace then x",
    "two items",
    "three items",
    "a nice regex",
    "A NICE regex",
    "ünïcode x",
    "ÜNÏCODE x",
    "\u212aelvin x",  # KELVIN SIGN: the regex engine folds it to "k"
    "pa\u017fs x",  # LATIN SMALL LETTER LONG S: folded to "s"
    "",
]


def _matching(definitions: Any, text: str) -> list[Any]:
    return [definition for definition in definitions if definition[1].parser.is_matching(text)]


@pytest.mark.parametrize("text", TEXTS)
def test_the_candidates_keep_every_definition_that_matches(text: str) -> None:
    visible = tuple((f"fixturedef-{index}", _Context(parser)) for index, parser in enumerate(PARSERS))
    candidates = Candidates.of(visible)
    assert _matching(candidates.for_text(text), text) == _matching(visible, text)


def test_the_candidates_leave_out_what_cannot_match() -> None:
    visible = tuple((f"fixturedef-{index}", _Context(parser)) for index, parser in enumerate(PARSERS))
    candidates = Candidates.of(visible)
    asked = [definition[0] for definition in candidates.for_text("the value is 3")]
    # the two formats of "The Value Is", those without a known beginning (a field first, a brace written twice, a
    # cfparse field first, a regex, a beginning outside ASCII), and no other
    assert asked == [f"fixturedef-{index}" for index in (2, 3, 4, 6, 7, 8, 9)]
    assert len(list(candidates.for_text("\u212aelvin x"))) == len(PARSERS) - 1  # outside ASCII: all but exact texts
