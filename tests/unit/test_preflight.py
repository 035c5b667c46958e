"""Run-wide problems are found before the first scenario: each check fires for its reason and not otherwise."""

from __future__ import annotations

import socket
from pathlib import Path

from mmlite_conformance.suite.preflight import cassette_problems, listen_problem, reports_problems

NAMES = ["1_cloud_api/a.yaml", "1_cloud_api/b.yaml", "3_expected_errors/c.yaml", "3_expected_errors/d.yaml"]


def test_a_busy_listen_address_is_named_and_a_free_one_passes() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        problem = listen_problem(("127.0.0.1", port))
    assert (
        problem
        == f"MMLITE_WEBHOOK_LISTEN=127.0.0.1:{port}: the suite's receiver cannot listen there (Address already in use)."
    )
    assert listen_problem(("127.0.0.1", port)) is None  # closed again: free
    assert listen_problem(("127.0.0.1", 0)) is None
    assert listen_problem(None) is None


def _cassettes(folder: Path, names: list[str]) -> Path:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("interactions: []\n")
    return folder


def test_replay_needs_an_existing_folder_with_some_of_the_cassettes(tmp_path: Path) -> None:
    assert cassette_problems(tmp_path / "none", NAMES, "replay") == [
        f"--cassette-dir={tmp_path / 'none'}: no such folder; replay needs the cassettes recorded there."
    ]
    assert cassette_problems(tmp_path, NAMES, "replay") == [
        f"--cassette-dir={tmp_path}: none of the 4 selected scenarios has a cassette there."
    ]
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert cassette_problems(a_file, NAMES, "replay") == [f"--cassette-dir={a_file}: not a folder."]
    # one cassette missing is that scenario's failure (it names the cassette), not the run's
    assert cassette_problems(_cassettes(tmp_path / "some", NAMES[:1]), NAMES, "replay") == []


def test_a_new_recording_refuses_to_replace_and_counts_what_it_would(tmp_path: Path) -> None:
    folder = _cassettes(tmp_path, NAMES)
    (problem,) = cassette_problems(folder, NAMES, "record-new")
    assert problem.startswith(f"--record would replace 4 cassette(s) in {folder} (1_cloud_api/a.yaml, ")
    assert "and 1 more" in problem and "--record=overwrite" in problem
    assert cassette_problems(folder, NAMES, "record-overwrite") == []
    assert cassette_problems(tmp_path / "fresh", NAMES, "record-new") == []
    assert cassette_problems(tmp_path / "anything", NAMES, "off") == []


def test_reports_go_into_a_folder_that_exists_or_can_be_made(tmp_path: Path) -> None:
    assert reports_problems([tmp_path / "reports" / "junit.xml", tmp_path / "report.html"]) == []
    a_file = tmp_path / "reports"
    a_file.write_text("")
    assert reports_problems([a_file / "junit.xml", a_file / "deeper" / "report.html"]) == [
        f"{a_file}: not a folder, so the reports cannot be written under it."
    ]
