"""Small units: clock, ids, rate limiter, URL rules, config checks, and the emulator's import independence."""

from __future__ import annotations

import ast
import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.emulator import EmulatorConfig
from mmlite_conformance.emulator.assumptions import ASSUMPTIONS
from mmlite_conformance.emulator.clock import Clock
from mmlite_conformance.emulator.config import AccountConfig, ConfigError, RateLimits
from mmlite_conformance.emulator.errors import CATALOGUE
from mmlite_conformance.emulator.ids import IdFactory
from mmlite_conformance.emulator.ratelimit import RateLimiter
from mmlite_conformance.emulator.urls import is_loopback_host, webhook_url_problem

pytestmark = pytest.mark.unit
PACKAGE = Path(__file__).resolve().parents[2] / "mmlite_conformance" / "emulator"


def test_emulator_imports_nothing_from_the_suite() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: use absolute imports"
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] == "mmlite_conformance":
                    assert name.startswith("mmlite_conformance.emulator"), f"{path.name} imports {name}"


def test_clock_frozen_and_real() -> None:
    frozen = Clock(100.0, frozen=True)
    assert frozen.now() == 100.0 and frozen.real_seconds_until(101.0) is None
    assert frozen.advance(5) == 105.0 and frozen.real_seconds_until(101.0) == 0.0
    frozen.reset()
    assert frozen.now() == 100.0
    running = Clock(100.0, frozen=False)
    assert 100.0 <= running.now() < 101.0
    wait = running.real_seconds_until(running.now() + 1)
    assert wait is not None and 0 < wait <= 1


def test_ids_are_deterministic_and_shaped() -> None:
    a, b = IdFactory(1), IdFactory(1)
    assert [a.wamid("551199") for _ in range(3)] == [b.wamid("551199") for _ in range(3)]
    assert a.wamid("1").startswith("wamid.") and not a.wamid("1", plain=True).startswith("wamid.")
    assert len(a.fbtrace()) == 23 and a.numeric("template").isdigit() and len(a.numeric("template")) == 15
    assert IdFactory(2).fbtrace() != IdFactory(1).fbtrace()
    a.reset()
    assert a.fbtrace() == IdFactory(1).fbtrace()


def _fresh_digest(seed: int, kind: str, n: int, size: int) -> bytes:
    """The ids' derivation written out: a fresh hash of "<seed>:<kind>:<n>" (recorded cassettes hold these)."""
    return hashlib.blake2b(f"{seed}:{kind}:{n}".encode(), digest_size=size).digest()


@pytest.mark.parametrize("seed", [0, 7, -3])
def test_ids_keep_the_values_of_a_fresh_hash_per_id(seed: int) -> None:
    ids = IdFactory(seed)
    for n in range(1, 120):  # past the 2- and 3-digit counters
        token = _fresh_digest(seed, "wamid", n, 9).hex().upper().encode()
        raw = b"\x1c\x18\x0d5521912345678\x15\x02\x00\x11\x18\x12" + token + b"\x00"
        assert ids.wamid("5521912345678") == "wamid." + base64.b64encode(raw).decode()
        fbtrace = "A" + base64.urlsafe_b64encode(_fresh_digest(seed, "fbtrace", n, 18)).decode()[:22]
        assert ids.fbtrace() == fbtrace
        value = int.from_bytes(_fresh_digest(seed, "template", n, 8), "big")
        assert ids.numeric("template") == str(100_000_000_000_000 + value % 900_000_000_000_000)


def test_rate_limiter_buckets() -> None:
    limiter = RateLimiter(2.0, 1, 6.0, now=0.0, max_pairs=2)
    assert limiter.check("a", 0.0) is None
    assert limiter.check("a", 0.0) == ("pair_rate", 6)
    assert limiter.check("b", 0.0) is None
    assert limiter.check("c", 0.0) == ("throughput", 1)
    assert limiter.check("a", 6.0) is None
    for i in range(10):
        limiter.check(f"x{i}", 100.0 + i)
    assert len(limiter._pairs) <= 2


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.example.com/x", True),
        ("http://127.0.0.1:8000/x", True),
        ("http://[::1]:8000/x", True),
        ("http://localhost:1/x", True),
        ("https://a_b.example.com/x", False),
        ("https://example.com:8443/x", False),
        ("https://example.com:99999/x", False),
        ("mailto:a@b.c", False),
        ("https:///nohost", False),
        ("https://exa mple.com", False),
    ],
)
def test_webhook_url_rules(url: str, ok: bool) -> None:
    assert (webhook_url_problem(url) is None) is ok


def test_loopback_hosts() -> None:
    assert is_loopback_host("127.0.0.2") and is_loopback_host("::1") and not is_loopback_host("10.0.0.1")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"accounts": ()},
        {"start_time": float("nan")},
        {"template_sync_delay": -1.0},
        {"rate_limits": RateLimits(True, 0.0)},
        {"max_messages_per_account": 0},
        {"accounts": (AccountConfig("k", "a", "1", "2", "3"), AccountConfig("k", "b", "1", "2", "3"))},
    ],
)
def test_config_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        EmulatorConfig(**kwargs)


def test_account_config_validation() -> None:
    with pytest.raises(ConfigError):
        AccountConfig("", "a", "1", "2", "3")
    with pytest.raises(ConfigError):
        AccountConfig("k", "a", "+1", "2", "3")


def test_assumptions_and_catalogue_are_well_formed() -> None:
    ids = [a.id for a in ASSUMPTIONS]
    assert len(ids) == len(set(ids))
    assert all(a.topic and a.value and a.source for a in ASSUMPTIONS)
    assert {spec.code for spec in CATALOGUE.values()} >= {100, 131055, 132001, 131009, 130429, 131056}


def test_docs_list_every_fault_and_assumption() -> None:
    from mmlite_conformance.emulator import FAULTS

    doc = (PACKAGE.parents[1] / "docs" / "emulator.md").read_text()
    readme = (PACKAGE.parents[1] / "README.md").read_text()
    for name in FAULTS:
        assert f"`{name}`" in doc
    for assumption in ASSUMPTIONS:
        assert f"| {assumption.id} |" in doc
        assert f"| {assumption.id} |" in readme, "README's assumptions table is out of date"
