"""redact_text's speed-ups: it remembers its answers (forgotten as soon as a number or BSUID is learned), and its
free-text BSUID pattern finds exactly what the plainer one it replaced found."""

from __future__ import annotations

import random
import re

import pytest

from mmlite_conformance.suite.redaction import _BSUID_IN_TEXT, OFFLINE_PSEUDONYM_KEY, Redactor

pytestmark = pytest.mark.unit

NUMBER = "4915112345678"
TEXT = f"recipient {NUMBER}, as a user id too"


def test_a_number_learned_after_a_text_was_redacted_is_hidden_in_it_the_next_time() -> None:
    redactor = Redactor(["k" * 24], [], OFFLINE_PSEUDONYM_KEY)
    assert NUMBER in redactor.redact_text(TEXT)  # not known yet: a free-text number stays
    redactor.learn({"to": NUMBER})
    again = redactor.redact_text(TEXT)
    assert NUMBER not in again and redactor.pseudonym(NUMBER) in again


def test_a_bsuid_learned_after_a_text_was_redacted_is_hidden_in_it_the_next_time() -> None:
    redactor = Redactor(["k" * 24], [], OFFLINE_PSEUDONYM_KEY)
    lettered = "DE.abcdefghijkl"  # no digit: free text alone does not take it for a BSUID
    assert redactor.redact_text(f"user {lettered}") == f"user {lettered}"
    redactor.add_bsuid(lettered)
    assert redactor.redact_text(f"user {lettered}") == f"user {redactor.bsuid_pseudonym(lettered)}"


def test_a_remembered_answer_is_the_computed_one() -> None:
    redactor = Redactor(["k" * 24], [NUMBER], OFFLINE_PSEUDONYM_KEY)
    first = redactor.redact_text(f"key {'k' * 24} to {NUMBER}")
    assert first == redactor.redact_text(f"key {'k' * 24} to {NUMBER}")
    assert "k" * 24 not in first and NUMBER not in first


#: the free-text BSUID pattern as first written, with its look-behind first: the spec the faster one must match
PLAIN_BSUID_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9.])"
    r"(?:[A-Z]{2}\.(?:ENT\.)?(?=[A-Za-z]*[0-9])[A-Za-z0-9]{10,128}|user\.[0-9a-fA-F]{64})"
    r"(?![A-Za-z0-9])"
)


def _bsuid_like_texts(count: int) -> list[str]:
    rng = random.Random(14)
    alphabet = "ABDEuser.0123456789abcfENT .-x"
    texts = []
    for _ in range(count):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.3:
            cut = rng.randint(0, len(text))
            local = "".join(rng.choice("aB1c2") for _ in range(rng.randint(8, 14)))
            text = f"{text[:cut]}{rng.choice(['', 'x', '.', ' '])}DE.{local}{text[cut:]}"
        if rng.random() < 0.1:
            hexed = "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(64))
            text = f"{text[:3]}user.{hexed}{text[3:]}"
        texts.append(text)
    return texts


def test_the_free_text_bsuid_pattern_finds_what_the_plain_one_finds() -> None:
    texts = [
        *_bsuid_like_texts(20_000),
        "DE.abc1234567890",
        "xDE.abc1234567890",
        ".DE.abc1234567890",
        "user." + "a" * 64,
    ]
    differing = [t for t in texts if _spans(_BSUID_IN_TEXT, t) != _spans(PLAIN_BSUID_IN_TEXT, t)]
    assert differing == []
    assert sum(1 for t in texts if _spans(PLAIN_BSUID_IN_TEXT, t)) > 1000  # the texts do hold BSUIDs


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]
