"""Loads extra sandbox accounts from a small TOML or JSON file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from mmlite_conformance.emulator.config import AccountConfig, ConfigError


def load_accounts(path: Path) -> tuple[AccountConfig, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read accounts file {path}: {exc.strerror or exc}") from exc
    try:
        data: Any = (
            json.loads(text, object_pairs_hook=_no_duplicate_fields)
            if path.suffix.lower() == ".json"
            else tomllib.loads(text)  # TOML refuses a repeated key itself
        )
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, DuplicateFieldError) as exc:
        raise ConfigError(f"cannot parse accounts file {path}: {exc}") from exc
    entries = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"accounts file {path}: expected a top-level 'accounts' list")
    accounts = tuple(_account(path, i, entry) for i, entry in enumerate(entries))
    first_entry: dict[str, int] = {}
    for index, account in enumerate(accounts):
        earlier = first_entry.setdefault(account.api_key, index)
        if earlier != index:  # the later entry would silently replace the earlier one
            raise ConfigError(f"accounts file {path}, entry {index}: api_key repeats entry {earlier}'s")
    return accounts


class DuplicateFieldError(ValueError):
    """A JSON object names one field twice (json.loads would keep the last silently)."""


def _no_duplicate_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DuplicateFieldError(f"field(s) {', '.join(repeated)} given twice in one object")
    return dict(pairs)


def _account(path: Path, index: int, entry: Any) -> AccountConfig:
    where = f"accounts file {path}, entry {index}"
    if not isinstance(entry, dict) or not isinstance(entry.get("api_key"), str):
        raise ConfigError(f"{where}: each account needs a string 'api_key'")
    ordinal = 900 + index  # derived ids keep accounts distinct when the file leaves them out
    values = {
        "api_key": entry["api_key"],
        "name": entry.get("name", f"account-{index}"),
        "display_phone_number": entry.get("display_phone_number", f"5511955551{ordinal:03d}"),
        "phone_number_id": entry.get("phone_number_id", f"100000000000{ordinal:03d}"),
        "waba_id": entry.get("waba_id", f"200000000000{ordinal:03d}"),
        "mm_lite_onboarded": entry.get("mm_lite_onboarded", True),
    }
    for key in ("name", "display_phone_number", "phone_number_id", "waba_id"):
        if not isinstance(values[key], str):
            raise ConfigError(f"{where}: {key} must be a string")
    if not isinstance(values["mm_lite_onboarded"], bool):
        raise ConfigError(f"{where}: mm_lite_onboarded must be true or false")
    unknown = sorted(set(entry) - set(values))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
    try:
        return AccountConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
