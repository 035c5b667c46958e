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
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot parse accounts file {path}: {exc}") from exc
    entries = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"accounts file {path}: expected a top-level 'accounts' list")
    return tuple(_account(path, i, entry) for i, entry in enumerate(entries))


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
