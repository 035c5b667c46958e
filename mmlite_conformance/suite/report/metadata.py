"""pytest-metadata's Environment table: the run's header added, secret-looking variables and values taken out."""

from __future__ import annotations

import importlib
import os
import re
from typing import Any

import pytest

from mmlite_conformance.suite.report.run import RUN_INFO, Redacts, redactor

#: environment variable names whose values never reach the Environment table (nor any value containing them)
SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|D360|MMLITE_RECIPIENT", re.IGNORECASE)


def _secret_env_values() -> list[str]:
    return [v for k, v in os.environ.items() if SECRET_ENV_NAME.search(k) and len(v) >= 4]


def _clean(data: dict[str, Any], red: Redacts, secrets: list[str]) -> None:
    for key in list(data):
        value = data[key]
        if SECRET_ENV_NAME.search(str(key)) or any(s in str(value) for s in secrets):
            del data[key]
        elif isinstance(value, dict):
            _clean(value, red, secrets)
        elif isinstance(value, str):
            data[key] = red.redact_text(value)


def clean_metadata(config: pytest.Config) -> None:
    """Before pytest-html builds the Environment table and before the terminal prints its header."""
    try:
        metadata_key = importlib.import_module("pytest_metadata.plugin").metadata_key
    except (ImportError, AttributeError):  # pragma: no cover - pytest-html always brings pytest-metadata
        return
    metadata = config.stash.get(metadata_key, None)
    if metadata is None:
        return
    info = config.stash.get(RUN_INFO, None)
    if info is not None:
        metadata.update(
            {
                # the base URLs are in the summary's run table: the emulator's are known only once it runs
                "MM Lite target": info.target,
                "Suite version": info.suite_version,
                "Run started (UTC)": info.started_at,
                "Cassette provenance": info.cassette_provenance,
            }
        )
    _clean(metadata, redactor(config), _secret_env_values())
