"""The platform target's embedded emulator: the Graph alias always, 360dialog's smart routing in delegated routing."""

from __future__ import annotations

import pytest

from mmlite_conformance.suite.config import Secret, Settings
from mmlite_conformance.suite.platform.settings import PlatformSettings, Routing
from mmlite_conformance.suite.targets.platform import PlatformTarget

pytestmark = pytest.mark.unit


def _target(routing: Routing) -> PlatformTarget:
    settings = Settings(
        target="platform",
        record=None,
        api_key=Secret("k" * 24),
        not_onboarded_api_key=None,
        recipient="5511987650001",
        webhook_public_url="https://hooks.example.org/in",
        interactive=False,
        extra=PlatformSettings(routing=routing),
    )
    return PlatformTarget(settings)


@pytest.mark.parametrize(("routing", "smart_routing"), [("explicit", False), ("delegated", True)])
def test_smart_routing_follows_the_routing_mode_and_the_graph_alias_is_served(
    routing: Routing, smart_routing: bool
) -> None:
    target = _target(routing)
    target._start_emulator()
    try:
        config = target._server.state.config
        assert (config.smart_routing, config.graph_alias, config.journal) == (smart_routing, True, True)
    finally:
        target._server.stop()
