"""The run's closing lines in the terminal: what was tested, against what, each requirement's verdict, files written."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from mmlite_conformance.suite.report.evidence_files import evidence_folder, written_files
from mmlite_conformance.suite.report.files import ARTEFACT_OPTIONS, RUN_RECORD, artefact, reports_folder
from mmlite_conformance.suite.report.ledger import ledger
from mmlite_conformance.suite.report.record import requirements
from mmlite_conformance.suite.report.run import RunInfo, run_info


def verdict_lines(verdicts: Mapping[str, str]) -> list[str]:
    """Requirement ids grouped by verdict, in the order first met: "passed: S1a S2a", "skipped: needs: S1b"."""
    grouped: dict[str, list[str]] = {}
    for rid, verdict in verdicts.items():
        grouped.setdefault(verdict, []).append(rid)
    return [f"{verdict} ({len(ids)}): {' '.join(ids)}" for verdict, ids in grouped.items()]


def summary_lines(info: RunInfo, verdicts: Mapping[str, str], written: Sequence[str]) -> list[str]:
    lines = [
        f"target: {info.target} · contract profile: {info.contract_profile} · run id: {info.run_id}",
        f"Cloud API base URL: {info.cloud_base_url or '—'} · MM Lite URL: {info.mm_lite_url or '—'}",
    ]
    lines += [f"requirements {line}" for line in verdict_lines(verdicts)] or ["requirements: none ran"]
    lines += [f"written: {name}" for name in written]
    return lines


def _written(config: pytest.Config, info: RunInfo) -> list[str]:
    found = [path for option in ARTEFACT_OPTIONS if (path := artefact(config, option)) is not None and path.is_file()]
    folder = reports_folder(config)
    if folder is not None:
        found += [folder / name for name in (RUN_RECORD, *info.target_files) if (folder / name).is_file()]
    names = [str(path) for path in found]
    evidence = [path for path in written_files(config) if path.is_file()]
    if evidence:
        names.append(f"{evidence_folder(config)}{os.sep} ({len(evidence)} scenario evidence file(s))")
    if config.getoption("record", None) and info.cassettes:
        names += [str(Path(info.cassette_dir) / name) + " (recorded)" for name in info.cassettes]
    return names


def write_summary(terminal: pytest.TerminalReporter) -> None:
    config = terminal.config
    info = run_info(config)
    verdicts = {rid: row["verdict"] for rid, row in requirements(ledger(config).scenarios.values()).items()}
    terminal.write_sep("-", "mmlite-conformance")
    for line in summary_lines(info, verdicts, _written(config, info)):
        terminal.write_line(line)
