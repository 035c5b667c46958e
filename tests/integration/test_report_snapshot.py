"""The reports of a replay run say what the committed snapshot says (text, tables, properties; not markup or times).

A change that alters the reports on purpose regenerates the snapshot: `MMLITE_UPDATE_SNAPSHOT=1 pytest tests -k
report_snapshot`, and the diff of `snapshots/replay-reports.json` is reviewed with the change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import SuiteRun
from tests.integration.report_snapshot import snapshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SNAPSHOT = Path(__file__).parent / "snapshots" / "replay-reports.json"


def test_a_replay_run_reports_what_the_snapshot_says(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite()
    assert run.returncode == 0, run.output[-3000:]
    taken = json.loads(json.dumps(snapshot(run.reports)))  # tuples read back as lists
    if os.environ.get("MMLITE_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(taken, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for part in ("junit", "cucumber", "html"):
        assert taken[part] == expected[part], f"the {part} report changed; regenerate the snapshot on purpose"
