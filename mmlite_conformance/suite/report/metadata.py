"""pytest-metadata's Environment table: secret-looking variables and values taken out, the rest trimmed into the
run header (pytest-html's own table at the page top is left empty: it repeated the header)."""

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


#: the keys the suite adds (the run header shows them already) and pytest-metadata's lists, shown trimmed below
_SHOWN_ELSEWHERE = frozenset(
    {"MM Lite target", "Suite version", "Run started (UTC)", "Cassette provenance", "Packages", "Plugins"}
)
#: the versions worth a reviewer's glance: (pytest-metadata's list, the name in it, the name shown)
_VERSIONS = (("Packages", "pytest", "pytest"), ("Plugins", "bdd", "pytest-bdd"), ("Plugins", "html", "pytest-html"))


def _metadata(config: pytest.Config) -> dict[str, Any] | None:
    try:
        metadata_key = importlib.import_module("pytest_metadata.plugin").metadata_key
    except (ImportError, AttributeError):  # pragma: no cover - pytest-html always brings pytest-metadata
        return None
    found: dict[str, Any] | None = config.stash.get(metadata_key, None)
    return found


def environment_rows(config: pytest.Config) -> list[tuple[str, str]]:
    """The Environment table trimmed for the run header: Python, platform, the three plugins' versions, and what a
    partner or the CI added (`--metadata`, CI variables), already cleaned of secrets."""
    metadata = _metadata(config) or {}
    versions = [
        f"{shown} {metadata[where][name]}"
        for where, name, shown in _VERSIONS
        if isinstance(metadata.get(where), dict) and name in metadata[where]
    ]
    rows = [(str(k), str(v)) for k, v in metadata.items() if k not in _SHOWN_ELSEWHERE and not isinstance(v, dict)]
    return rows + ([("Versions", ", ".join(versions))] if versions else [])


def empty_html_environment(report: Any) -> None:
    """pytest-html's Environment table (its `ReportData`) emptied: the run header carries what it said."""
    set_data = getattr(report, "set_data", None)
    if callable(set_data):
        set_data("environment", {})


def clean_metadata(config: pytest.Config) -> None:
    """Before pytest-html builds the Environment table and before the terminal prints its header."""
    metadata = _metadata(config)
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
