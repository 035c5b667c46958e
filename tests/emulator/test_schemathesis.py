"""Bounded property-based run of /openapi.json against the real server: no request may yield a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mmlite_conformance.emulator import EmulatorServer, RateLimits, WebhookSettings
from mmlite_conformance.emulator.openapi import build_openapi
from tests.emulator.emulator_helpers import KEY, fast_config

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

pytestmark = pytest.mark.integration

schema = schemathesis.openapi.from_dict(build_openapi())


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    config = fast_config(
        rate_limits=RateLimits(enabled=False),
        webhooks=WebhookSettings(timeout=0.5, max_attempts=1),
        journal=True,  # the journal middleware sees every generated request too
    )
    with EmulatorServer(config) as server:
        yield server.base_url


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case: OpenApiCase, base_url: str) -> None:
    if case.path == "/_emulator/deliveries/drain":
        case.body = {"timeout": 0}  # a generated timeout would only make the run slower
    if case.path == "/_emulator/notifications/burst" and isinstance(case.body, dict):
        case.body.update(within=0, timeout=0.5)  # generated spans and timeouts would only make the run slower
    response = case.call(base_url=base_url, headers=KEY, timeout=10)
    # armed answers (a generated 5xx among them) and a disabled key would leak into the next cases: undo them
    if case.path == "/_emulator/answers" and case.method == "POST":
        httpx.delete(f"{base_url}/_emulator/answers", headers=KEY, timeout=10)
    if case.path == "/_emulator/account" and case.method == "PUT":
        httpx.put(f"{base_url}/_emulator/account", json={"api_key_valid": True}, headers=KEY, timeout=10)
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
