"""redact_text remembers its answers, and forgets them as soon as a number or BSUID is learned."""

from __future__ import annotations

import pytest

from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor

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
