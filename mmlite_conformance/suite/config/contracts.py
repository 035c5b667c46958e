"""Contract profiles: the guide's (alpha) world or today's GA API, and the per-profile answers a feature names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

ALPHA: Final = "alpha"
GA: Final = "ga"
#: the profiles a run can judge against, each with what it stands for (the run header, errors, README)
CONTRACT_PROFILES: Final = {
    ALPHA: "the alpha sandbox guide (CONTRACT.md)",
    GA: "360dialog's GA API of today (CURRENT-API-2026.md §1.2, §1.8, §1.9)",
}

_NAMES = "|".join(CONTRACT_PROFILES)
_SPLIT = re.compile(rf",\s*(?=(?:{_NAMES})\s)")
_PART = re.compile(rf"({_NAMES})\s+(\S.*)")


@dataclass(slots=True, frozen=True)
class ContractChoice:
    """What each contract profile accepts where the guide and today's API differ (`alpha 131055, ga 134100`)."""

    answers: Mapping[str, tuple[str, ...]]

    def accepted(self, profile: str) -> tuple[str, ...]:
        return self.answers[profile]

    def described(self) -> str:
        """`alpha 'marketing'; ga 'marketing_lite'`: every profile's answers, for an observation."""
        return "; ".join(f"{name} " + " or ".join(repr(a) for a in answers) for name, answers in self.answers.items())


def contract_choice(text: str) -> ContractChoice:
    """Parse `alpha X, ga Y or Z` (values optionally in double quotes); every profile must be named once."""
    answers: dict[str, tuple[str, ...]] = {}
    for part in _SPLIT.split(text.strip()):
        match = _PART.fullmatch(part.strip())
        if match is None or match.group(1) in answers:
            answers.clear()
            break
        answers[match.group(1)] = tuple(_unquoted(a) for a in match.group(2).split(" or "))
    if set(answers) != set(CONTRACT_PROFILES):
        raise ValueError(f"not a contract choice (write e.g. 'alpha 131055, ga 134100'): {text!r}")
    return ContractChoice(answers)


def code_texts(text: str) -> dict[int, str]:
    """Parse `131055 "(#131055) Method not allowed", 134100 "(#134100) ..."`: the text each error code carries."""
    pairs = re.findall(r'\s*(\d+)\s+"([^"]*)"\s*(?:,|$)', text)
    if not pairs or ", ".join(f'{c} "{t}"' for c, t in pairs) != text.strip():
        raise ValueError(f'not a list of codes and texts (write e.g. 131055 "(#131055) ..."): {text!r}')
    return {int(code): words for code, words in pairs}


def _unquoted(value: str) -> str:
    value = value.strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
