"""Phone numbers compared as WhatsApp compares them: formatting ignored, Brazil's ninth digit and Mexico's mobile 1."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Final

from mmlite_conformance.suite.redaction import is_pseudonym, whatsapp_id_variants

#: what a person or a platform may write around the digits of a number: "+55 (11) 98765-4321"
_FORMATTING: Final = re.compile(r"[\s\-().+]")
_DIGITS: Final = re.compile(r"[0-9]{7,15}")
#: country codes whose mobile numbers WhatsApp may report in another form (CONTRACT §8)
_VARIANT_COUNTRIES: Final = {"55": "Brazil's mobile ninth digit", "52": "Mexico's mobile '1' after 52"}


class Match(StrEnum):
    """How a reported number matched the expected one; anything but IDENTICAL is worth an observation."""

    IDENTICAL = "identical"
    FORMATTING = "the same digits, written differently"
    BRAZIL_NINTH_DIGIT = "the same Brazilian mobile, with and without the ninth digit"
    MEXICO_MOBILE_ONE = "the same Mexican mobile, with and without the '1' after 52"
    USER_ID = "a business-scoped user id that the notification's contacts link to the number"


def digits_of(value: str) -> str | None:
    """The digits of a phone number written with or without '+', spaces, dashes, dots or brackets; None if the
    value is not a number at all (e.g. a business-scoped user id)."""
    digits = _FORMATTING.sub("", value)
    return digits if _DIGITS.fullmatch(digits) else None


def compare(reported: Any, expected: str) -> Match | None:
    """How `reported` is the number `expected` as WhatsApp sees it, or None when it is another number (or none).

    Pseudonyms (the replayed form of a number) keep the Brazil/Mexico relation: the 12-digit pseudonym of a
    variant is the 13-digit one without its sixth digit (see `Redactor.pseudonym`).
    """
    if not isinstance(reported, str):
        return None
    if reported == expected:
        return Match.IDENTICAL
    got, want = digits_of(reported), digits_of(expected)
    if got is None or want is None:
        return None
    if got == want:
        return Match.FORMATTING
    if got in whatsapp_id_variants(want) or _pseudonym_variants(got, want):
        return Match.BRAZIL_NINTH_DIGIT if want.startswith("55") else Match.MEXICO_MOBILE_ONE
    return None


def _pseudonym_variants(got: str, want: str) -> bool:
    if not (is_pseudonym(got) and is_pseudonym(want)) or got[:2] != want[:2] or got[:2] not in _VARIANT_COUNTRIES:
        return False
    long, short = (got, want) if len(got) > len(want) else (want, got)
    return len(long) == 13 and len(short) == 12 and long[:5] + long[6:] == short


def linked_number(user_id: str, contacts: Iterable[Mapping[str, Any]]) -> str | None:
    """The `wa_id` that a notification's `contacts` block gives for a business-scoped user id, if any."""
    for contact in contacts:
        if contact.get("user_id") == user_id and isinstance(contact.get("wa_id"), str) and contact["wa_id"]:
            return str(contact["wa_id"])
    return None


def same_person(
    number: Any, user_id: Any, expected: str, contacts: Iterable[Mapping[str, Any]] = ()
) -> tuple[Match | None, str]:
    """Whether a message's sender (or a status's recipient) is the expected number: by its number when it has one,
    else by its business-scoped user id through the notification's contacts. Returns the match and what was
    compared, for the failure message."""
    if isinstance(number, str) and number:
        return compare(number, expected), "the number"
    if isinstance(user_id, str) and user_id:
        linked = linked_number(user_id, list(contacts))
        if linked is None:
            return None, "a business-scoped user id that no contact of the notification links to a number"
        return (Match.USER_ID if compare(linked, expected) else None), "the number its user id is linked to"
    return None, "no number and no user id"
