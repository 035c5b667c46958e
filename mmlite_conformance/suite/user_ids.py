"""Business-scoped user ids in a form other than the one documented today: accepted, described for the report."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from mmlite_conformance.suite.evidence import Observation

__all__ = ["CURRENT_FORM", "EARLIER_FORM", "unusual_form_observation", "unusual_user_id_forms"]

#: today's form (Meta's BSUID page): a country code, a period, letters and digits; parents add `ENT.`
#: (the first alternative of `schemas/common.schema.json#/$defs/user_id`)
CURRENT_FORM: Final = re.compile(r"[A-Z]{2}\.[A-Za-z0-9._-]+")
#: the form an earlier revision of the same page showed (the schema's second alternative)
EARLIER_FORM: Final = re.compile(r"user\.[0-9a-fA-F]{64}")

#: keys whose value is a user id and nothing else
_USER_ID_KEYS: Final = frozenset(
    {"user_id", "parent_user_id", "from_user_id", "from_parent_user_id", "recipient_user_id"}
    | {"recipient_parent_user_id"}
)
#: keys that hold a user id or a phone number (a send request's `recipient`, a send response's `input`)
_EITHER_KEYS: Final = frozenset({"recipient", "input"})
#: a phone-number field -> the user id field that must stand beside it when it is empty
_NUMBER_BESIDE_USER_ID: Final[Mapping[str, str]] = {
    "wa_id": "user_id",
    "from": "from_user_id",
    "recipient_id": "recipient_user_id",
}


def unusual_user_id_forms(body: Any) -> list[str]:
    """One line per user id of `body` not in today's form, and per empty number field, by JSON path.

    The lines name the place and the form, never the id itself, so they hold nothing to redact.
    """
    return list(_unusual(body, "$"))


def unusual_form_observation(description: str) -> Observation:
    """The report's observation for one line of `unusual_user_id_forms`: seen, accepted, not judged."""
    return Observation(
        topic="business-scoped user id in an unusual form",
        observed=f"{description}; accepted",
        contract=(
            "Meta's BSUID page today: a country code, a period and letters and digits (e.g. US.13491208655302741918);"
            " an earlier revision showed user.<64 hex digits> with wa_id / recipient_id empty beside it. Meta has"
            " changed the form once, so the schemas accept both and the suite reports the earlier one"
        ),
        source="CURRENT-API-2026 R18 (BSUID recipients); schemas/common.schema.json $defs user_id",
    )


def _unusual(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _unusual(item, f"{path}[{index}]")
        return
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        where = f"{path}.{key}"
        if key in _USER_ID_KEYS:
            yield from _id_form(value, where, either=False)
        elif key in _EITHER_KEYS:
            yield from _id_form(value, where, either=True)
        if key in _NUMBER_BESIDE_USER_ID and value == "":
            partner = _NUMBER_BESIDE_USER_ID[key]
            beside = f"beside {partner}" if node.get(partner) else f"with no {partner} beside it"
            yield f"{where} is an empty string {beside} (earlier revision of Meta's BSUID page)"
        yield from _unusual(value, where)


def _id_form(value: Any, where: str, *, either: bool) -> Iterator[str]:
    """A line for a user id in the earlier form, or (under a user-id key) in no documented form."""
    if not isinstance(value, str):
        return
    if EARLIER_FORM.fullmatch(value):
        yield f"{where} is written user.<64 hex digits> (earlier revision of Meta's BSUID page)"
    elif not either and not CURRENT_FORM.fullmatch(value):
        yield f"{where} is in no documented user id form ({len(value)} characters)"
