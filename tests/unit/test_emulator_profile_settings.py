"""--emulator-profile / MMLITE_EMULATOR_PROFILE and the seed: read, refused in one line, handed to the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.suite.targets import EmulatorTarget, profiles
from mmlite_conformance.suite.targets.emulator import EMULATOR_SEED
from tests.unit.test_config import load, problems_of

pytestmark = pytest.mark.unit


def test_no_profile_leaves_the_emulator_its_defaults() -> None:
    settings = load({"target": "emulator"}, {})
    assert (settings.emulator_profile, settings.emulator_seed) == (None, None)
    config = EmulatorTarget(settings)._emulator_config()
    assert (config.profile, config.profile_seed) == ("exact", EMULATOR_SEED)
    assert EmulatorTarget(settings).run_words(Path()).simulation_banner == "Run against the embedded emulator"


def test_the_option_and_the_environment_name_a_profile_and_a_seed() -> None:
    from_env = load({"target": "emulator"}, {"MMLITE_EMULATOR_PROFILE": " Realistic ", "MMLITE_EMULATOR_SEED": "3"})
    assert (from_env.emulator_profile, from_env.emulator_seed) == ("realistic", 3)
    options: dict[str, object] = {"target": "emulator", "emulator_profile": "exact", "emulator_seed": "9"}
    assert load(options, {"MMLITE_EMULATOR_PROFILE": "realistic"}).emulator_profile == "exact"  # the option wins
    settings = load({"target": "emulator", "emulator_profile": "realistic", "emulator_seed": "7"}, {})
    config = EmulatorTarget(settings)._emulator_config()
    assert (config.profile, config.profile_seed, config.seed) == ("realistic", 7, EMULATOR_SEED)  # ids unchanged
    assert "(realistic profile, seed 7)" in EmulatorTarget(settings).run_words(Path()).simulation_banner
    assert settings.summary()["emulator_profile"] == "realistic" and settings.summary()["emulator_seed"] == "7"


@pytest.mark.parametrize(
    ("options", "environ", "fragment"),
    [
        (
            {"emulator_profile": "lifelike"},
            {},
            "--emulator-profile='lifelike' is not an emulator profile",
        ),
        ({}, {"MMLITE_EMULATOR_PROFILE": "odd"}, "'odd' is not an emulator profile; choose one of: exact, realistic."),
        ({"emulator_seed": "-1"}, {}, "--emulator-seed='-1' is not a seed; give a whole number >= 0"),
        ({}, {"MMLITE_EMULATOR_SEED": "1.5"}, "MMLITE_EMULATOR_SEED='1.5' is not a seed"),
        ({}, {"MMLITE_EMULATOR_SEED": "9" * 19}, "is not a seed"),
    ],
)
def test_a_bad_profile_or_seed_is_one_problem(
    options: dict[str, object], environ: dict[str, str], fragment: str
) -> None:
    (problem,) = problems_of({"target": "emulator", **options}, environ)
    assert fragment in problem and "\n" not in problem


def test_only_a_target_with_an_emulator_takes_a_profile() -> None:
    (problem,) = problems_of({"target": "replay", "emulator_profile": "realistic"}, {})
    assert problem == "--emulator-profile needs --target=emulator; the replay target runs no emulator profile."
    (problem,) = problems_of({"target": "replay", "emulator_seed": "3"}, {})
    assert problem.startswith("--emulator-seed needs --target=emulator")
    # a variable left in the shell does not stop a replay
    replay = load({"target": "replay"}, {"MMLITE_EMULATOR_PROFILE": "realistic", "MMLITE_EMULATOR_SEED": "3"})
    assert (replay.emulator_profile, replay.emulator_seed) == (None, None)


def test_the_profiles_offered_are_the_emulators() -> None:
    from mmlite_conformance.emulator.realism import PROFILES

    assert profiles()["emulator"].emulator_profiles == tuple(PROFILES)
    assert all(not p.emulator_profiles for name, p in profiles().items() if name != "emulator")
