"""Fixtures for the reference platform's tests: emulators that record every request, and platforms to drive."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.emulator import EmulatorConfig, EmulatorServer, RateLimits
from tests.examples.harness import REFERENCE_PLATFORM, Exchange, PlatformUnderTest, Recorder, defect_env

# the platform's modules, for the tests that call them directly (the platform itself is run as a program)
sys.path.insert(0, str(REFERENCE_PLATFORM))

EmulatorFactory = Callable[..., tuple[EmulatorServer, list[Exchange]]]
PlatformFactory = Callable[..., PlatformUnderTest]
#: `connect(webhook=False, defect=None, **env)`: a platform connected to a fresh emulator
Connect = Callable[..., PlatformUnderTest]


@pytest.fixture
def emulator_factory() -> Iterator[EmulatorFactory]:
    """Start emulators (real time, no rate limits, no sync delay unless overridden) that record every request."""
    started: list[EmulatorServer] = []

    def start(**overrides: Any) -> tuple[EmulatorServer, list[Exchange]]:
        values: dict[str, Any] = {
            "frozen_clock": False,
            "rate_limits": RateLimits(enabled=False),
            "template_sync_delay": 0,
        }
        values.update(overrides)
        server = EmulatorServer(EmulatorConfig(**values))
        exchanges: list[Exchange] = []
        server.app.add_middleware(Recorder, exchanges=exchanges)
        started.append(server.start())
        return server, exchanges

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def platform_factory(tmp_path: Path) -> Iterator[PlatformFactory]:
    """Platforms driven through the driver protocol; every service is stopped at teardown, even after failures."""
    platforms: list[PlatformUnderTest] = []

    def make(server: EmulatorServer, exchanges: list[Exchange], **env: str) -> PlatformUnderTest:
        platform = PlatformUnderTest(server, exchanges, tmp_path / f"state{len(platforms)}", env)
        platforms.append(platform)
        return platform

    yield make
    for platform in platforms:
        platform.close()


@pytest.fixture
def connect(emulator_factory: EmulatorFactory, platform_factory: PlatformFactory) -> Connect:
    """A platform started against a fresh emulator and connected, with its webhook registered if asked."""

    def start(*, webhook: bool = False, defect: str | None = None, **env: str) -> PlatformUnderTest:
        server, exchanges = emulator_factory()
        platform = platform_factory(server, exchanges, **defect_env(defect), **env)
        platform.connect()
        if webhook:
            platform.act({"action": "register_webhook"})
        return platform

    return start
