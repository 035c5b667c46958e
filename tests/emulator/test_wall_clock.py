"""The standalone emulator runs on the wall clock; --start-time, code and the suite keep fixed origins (A32)."""

from __future__ import annotations

import argparse
import time

import pytest

from mmlite_conformance.emulator import EmulatorConfig
from mmlite_conformance.emulator.cli import add_arguments, build_config
from mmlite_conformance.emulator.clock import Clock
from mmlite_conformance.emulator.config import DEFAULT_START_TIME
from tests.emulator.emulator_helpers import RECIPIENT, asgi_client

pytestmark = [pytest.mark.unit, pytest.mark.anyio]
DAY = 86_400  # the customer-service window a client judges inbound messages by


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def cli_config(*argv: str) -> EmulatorConfig:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return build_config(parser.parse_args(list(argv)))


async def inbound_timestamp(config: EmulatorConfig, *, advance: float = 0.0, reset: bool = False) -> int:
    """The timestamp of a user's message the emulator builds (after an optional clock advance and reset)."""
    async with asgi_client(config) as client:
        if advance:
            await client.post("/_emulator/clock/advance", json={"seconds": advance})
        if reset:
            await client.post("/_emulator/reset")
        answer = await client.post(
            "/_emulator/notifications", json={"kind": "inbound_text", "params": {"from": RECIPIENT, "text": "hi"}}
        )
    return int(answer.json()["payload"]["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"])


def test_the_cli_defaults_to_the_wall_clock() -> None:
    assert cli_config().start_time is None
    assert cli_config("--frozen-clock").start_time is None
    assert cli_config("--start-time", "1000").start_time == 1000.0
    assert cli_config("--start-time", "0").start_time == 0.0  # the epoch itself is a fixed origin, not "unset"


def test_code_and_the_suites_target_keep_the_fixed_origin() -> None:
    from mmlite_conformance.suite.targets.emulator import EMULATOR_START_TIME

    assert EmulatorConfig().start_time == DEFAULT_START_TIME == EMULATOR_START_TIME == 1_767_225_600


async def test_the_standalone_emulator_stamps_a_users_message_now() -> None:
    before = int(time.time())
    stamped = await inbound_timestamp(cli_config())
    assert before <= stamped <= time.time() + 1  # inside the 24-hour window by any client's clock
    # failing input: the fixed origin of old is months behind the wall clock, outside the window
    assert time.time() - await inbound_timestamp(cli_config("--start-time", str(DEFAULT_START_TIME))) > DAY


async def test_a_fixed_start_time_is_kept_exactly() -> None:
    assert await inbound_timestamp(cli_config("--start-time", "1767225600", "--frozen-clock")) == 1_767_225_600
    assert await inbound_timestamp(cli_config("--start-time", "1000", "--frozen-clock"), advance=60) == 1060


async def test_reset_returns_to_the_wall_clock_or_to_the_fixed_origin() -> None:
    advanced = await inbound_timestamp(cli_config(), advance=3 * DAY)
    assert advanced - time.time() > 2 * DAY  # the advance moved it (so the reset below has something to undo)
    assert abs(await inbound_timestamp(cli_config(), advance=3 * DAY, reset=True) - time.time()) < 5
    assert await inbound_timestamp(cli_config("--start-time", "1000", "--frozen-clock"), advance=60, reset=True) == 1000


def test_a_wall_clock_restarts_at_each_reset() -> None:
    clock = Clock(None, frozen=True)
    first = clock.now()
    time.sleep(0.01)
    clock.reset()
    assert clock.now() > first and clock.origin is None
    fixed = Clock(1000.0, frozen=False)
    fixed.reset()
    assert 1000.0 <= fixed.now() < 1001.0
