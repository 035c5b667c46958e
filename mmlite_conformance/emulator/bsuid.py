"""Business-scoped user ids (BSUIDs): one per business and user number, in Meta's current form (`BR.<digits>`)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from mmlite_conformance.emulator.realism import NUMBER_FORMS

#: today's form on Meta's BSUID page: a two-letter country code, a period, letters and digits; a parent BSUID
#: (sendable too) carries `ENT.` after the country code
SENDABLE = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]+")
DIGITS = 20  # as long as Meta's example, US.13491208655302741918
UNKNOWN_COUNTRY = "ZZ"  # CLDR's code for an unknown region (A61)

#: calling code -> ISO 3166 alpha-2 of the country that owns it (the main one where a code is shared); the
#: longest code that prefixes a number wins
COUNTRIES: dict[str, str] = {
    "1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES",
    "36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO",
    "48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO",
    "58": "VE", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "81": "JP",
    "82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM",
    "98": "IR", "212": "MA", "213": "DZ", "216": "TN", "233": "GH", "234": "NG", "254": "KE", "255": "TZ",
    "256": "UG", "351": "PT", "352": "LU", "353": "IE", "354": "IS", "358": "FI", "380": "UA", "420": "CZ",
    "421": "SK", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR", "507": "PA", "591": "BO",
    "593": "EC", "595": "PY", "598": "UY", "852": "HK", "880": "BD", "886": "TW", "962": "JO", "965": "KW",
    "966": "SA", "971": "AE", "972": "IL", "974": "QA",
}  # fmt: skip
_LONGEST_CODE = max(len(code) for code in COUNTRIES)


def country_of(number: str) -> str:
    """The ISO country code of a number (digits) by its calling code; ZZ when the table does not know it."""
    for size in range(_LONGEST_CODE, 0, -1):
        country = COUNTRIES.get(number[:size])
        if country is not None:
            return country
    return UNKNOWN_COUNTRY


def canonical_number(number: str) -> str:
    """One key per person: a Brazilian mobile with or without its ninth digit, a Mexican number with or without
    its 1, are the same user (the wa_id forms of A47), so they share one BSUID."""
    for _variation, pattern, rewrite in NUMBER_FORMS:
        match = pattern.fullmatch(number)
        if match:
            return rewrite(match)
    return number


@lru_cache(maxsize=4096)  # a pure function, asked once per send and status: ~3 us each without the cache
def business_scoped_id(business: str, number: str) -> str:
    """The BSUID of the user of `number` (digits) for `business`: stable, distinct across businesses (A61)."""
    key = canonical_number(number)
    digest = hashlib.blake2b(f"bsuid:{business}:{key}".encode(), digest_size=16).digest()
    value = 10 ** (DIGITS - 1) + int.from_bytes(digest, "big") % (9 * 10 ** (DIGITS - 1))  # no leading zero
    return f"{country_of(key)}.{value}"


def is_sendable(value: str) -> bool:
    return SENDABLE.fullmatch(value) is not None
