"""The whole suite, run as a partner runs it: replay offline, the emulator over loopback, and bad input."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mmlite_conformance.suite.recording import TAPE_SUFFIX
from mmlite_conformance.suite.recording.provenance import comparable_tape
from tests.integration.conftest import ROOT, SuiteRun

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RunSuite = Callable[..., SuiteRun]
CASSETTES = ROOT / "cassettes"


def _assert_all_passed(run: SuiteRun) -> None:
    assert run.returncode == 0, run.output[-3000:]
    assert run.outcomes, "the suite reported no scenario"
    assert run.failed() == set(), run.output[-3000:]
    skipped = {name for name, outcome in run.outcomes.items() if outcome == "skipped"}
    assert not skipped, f"scenarios skipped: {sorted(skipped)}"


def test_replay_passes_offline_and_writes_every_report(run_suite: RunSuite) -> None:
    run = run_suite()
    _assert_all_passed(run)
    assert len(run.outcomes) >= 30
    for name in ("report.html", "junit.xml", "cucumber.json"):
        assert (run.reports / name).stat().st_size > 0, name


def test_emulator_target_passes_over_loopback(run_suite: RunSuite) -> None:
    _assert_all_passed(run_suite("--target", "emulator"))


def test_recording_from_the_emulator_reproduces_the_shipped_cassettes_byte_for_byte(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    recorded = tmp_path / "cassettes"
    _assert_all_passed(run_suite("--target", "emulator", "--record", f"--cassette-dir={recorded}"))
    shipped = sorted(p.relative_to(CASSETTES) for p in CASSETTES.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(recorded) for p in recorded.rglob("*") if p.is_file())
    assert fresh == shipped
    # byte for byte, but for the provenance fields that differ between recordings (the real day: recorded_on)
    mismatch = [str(p) for p in shipped if _comparable(CASSETTES / p) != _comparable(recorded / p)]
    assert mismatch == [], "re-recording changed shipped cassettes: re-record and commit them"
    tapes = [recorded / p for p in fresh if p.name.endswith(TAPE_SUFFIX)]
    assert tapes and all('"recorded_on"' in p.read_text(encoding="utf-8") for p in tapes)


def _comparable(path: Path) -> object:
    return comparable_tape(path.read_bytes()) if path.name.endswith(TAPE_SUFFIX) else path.read_bytes()


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--target", "staging"], {}, "--target='staging' is not a target"),
        (["--record"], {}, "--record"),
        (["--target", "live"], {}, "D360_API_KEY"),
        (["--target", "emulator"], {"MMLITE_RECIPIENT": "55-abc"}, "MMLITE_RECIPIENT"),
        (
            ["--target", "live"],
            {
                "D360_API_KEY": "k" * 24,
                "MMLITE_RECIPIENT": "5511987650001",
                "MMLITE_WEBHOOK_URL": "http://insecure.example.org/hook",
            },
            "MMLITE_WEBHOOK_URL",
        ),
    ],
    ids=["unknown-target", "record-in-replay", "live-without-key", "malformed-number", "live-http-webhook"],
)
def test_bad_configuration_stops_the_run_before_any_request_with_one_clear_message(
    run_suite: RunSuite, args: list[str], env: dict[str, str], expected: str
) -> None:
    run = run_suite(*args, env=env)
    assert run.returncode == 4, run.output[-2000:]  # pytest's usage error: nothing was collected or sent
    assert expected in run.output
    assert "Traceback" not in run.output
    assert "k" * 24 not in run.output


def _copy_cassettes(tmp_path: Path) -> Path:
    copy = tmp_path / "cassettes"
    shutil.copytree(CASSETTES, copy)
    return copy


def test_a_missing_cassette_fails_its_scenario_and_names_it(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = _copy_cassettes(tmp_path)
    victim = cassettes / "3_expected_errors" / "test_mm_lite_refuses_a_plain_text_message.yaml"
    victim.unlink()
    run = run_suite(f"--cassette-dir={cassettes}")
    assert run.failed() == {"test_mm_lite_refuses_a_plain_text_message"}
    assert "test_mm_lite_refuses_a_plain_text_message.yaml" in run.output
    assert "--record" in run.output  # says how to get one
    assert "Traceback" not in run.output


def test_a_corrupt_cassette_fails_its_scenario_and_names_it(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = _copy_cassettes(tmp_path)
    victim = cassettes / "2_first_mm_lite_message" / "test_a_marketing_template_is_sent_through_mm_lite.yaml"
    victim.write_text("interactions: [ {unclosed\n")
    run = run_suite(f"--cassette-dir={cassettes}")
    assert run.failed() == {"test_a_marketing_template_is_sent_through_mm_lite"}
    assert "test_a_marketing_template_is_sent_through_mm_lite.yaml" in run.output
    assert "Traceback" not in run.output


def test_a_changed_request_in_replay_fails_with_a_redacted_diff(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = _copy_cassettes(tmp_path)
    victim = cassettes / "2_first_mm_lite_message" / "test_a_marketing_template_is_sent_through_mm_lite.yaml"
    victim.write_text(victim.read_text().replace("marketing_text_no_param", "another_template"))
    run = run_suite(f"--cassette-dir={cassettes}")
    assert "test_a_marketing_template_is_sent_through_mm_lite" in run.failed()
    assert "marketing_text_no_param" in run.output  # the diff shows what changed
    assert "5511987650001" not in run.output  # but never the raw number


def test_recording_never_overwrites_an_existing_cassette(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = _copy_cassettes(tmp_path)
    before = {p: p.read_bytes() for p in cassettes.rglob("*") if p.is_file()}
    run = run_suite("--target", "emulator", "--record", f"--cassette-dir={cassettes}")
    assert run.returncode != 0
    assert "--record=overwrite" in run.output
    assert {p: p.read_bytes() for p in cassettes.rglob("*") if p.is_file()} == before


def test_a_space_separated_cassette_folder_stops_with_the_form_that_works(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = _copy_cassettes(tmp_path)
    run = run_suite("--cassette-dir", str(cassettes))
    assert run.returncode == 4, run.output[-2000:]
    assert f"write --cassette-dir={cassettes} (with '=')" in run.output
    assert "Traceback" not in run.output
    assert run_suite(f"--cassette-dir={cassettes}").returncode == 0
