"""Plugin decisions that need no pytest run: pseudonym keys per kind of recipient."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mmlite_conformance.suite import plugin
from mmlite_conformance.suite.config import OFFLINE_RECIPIENT, Secret, Settings
from mmlite_conformance.suite.plugin import build_redactor, pseudonym_key
from mmlite_conformance.suite.redaction import derive_pseudonym_key

pytestmark = pytest.mark.unit

REAL_NUMBER = "5521987654321"


def _settings(target: str, recipient: str, key: str = "k" * 24) -> Settings:
    return Settings(target=target, record=None, api_key=Secret(key), not_onboarded_api_key=None, recipient=recipient)


def test_the_offline_recipient_gets_the_public_key_so_shipped_cassettes_reproduce() -> None:
    assert pseudonym_key(_settings("emulator", OFFLINE_RECIPIENT)) == derive_pseudonym_key(None)
    assert pseudonym_key(_settings("replay", OFFLINE_RECIPIENT)) == derive_pseudonym_key(None)


def test_a_live_number_is_keyed_with_the_partners_secret() -> None:
    key = pseudonym_key(_settings("live", REAL_NUMBER))
    assert key == derive_pseudonym_key("k" * 24) != derive_pseudonym_key(None)
    assert key != pseudonym_key(_settings("live", REAL_NUMBER, key="another-key-000000000000"))


def test_a_real_number_given_to_the_emulator_gets_a_key_of_this_run_only() -> None:
    first, second = (pseudonym_key(_settings("emulator", REAL_NUMBER)) for _ in range(2))
    assert first != second
    assert derive_pseudonym_key(None) not in (first, second)


def test_the_redactor_hides_both_keys_and_the_number() -> None:
    settings = Settings(
        target="live",
        record=None,
        api_key=Secret("a" * 24),
        not_onboarded_api_key=Secret("b" * 24),
        recipient=REAL_NUMBER,
    )
    text = build_redactor(settings).redact_text(f"{'a' * 24} {'b' * 24} +{REAL_NUMBER}")
    assert "a" * 24 not in text and "b" * 24 not in text and REAL_NUMBER not in text


def test_posts_to_the_receiver_are_never_recorded_also_through_a_live_tunnel() -> None:
    from mmlite_conformance.suite.plugin import _receiver_origins
    from mmlite_conformance.suite.targets import LiveTarget

    settings = Settings(
        target="live",
        record="new",
        api_key=Secret("k" * 24),
        not_onboarded_api_key=None,
        recipient=REAL_NUMBER,
        webhook_public_url="https://hooks.example.org/in",
    )
    target = LiveTarget(settings)
    target.start()
    try:
        assert target.receiver is not None
        port = target.receiver.address[1] if target.receiver.address else 0
        assert _receiver_origins(target) == tuple(sorted(("hooks.example.org:443", f"127.0.0.1:{port}")))
    finally:
        target.stop()


def test_only_a_suite_run_freezes_the_garbage_collectors_view_after_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen: list[str] = []
    monkeypatch.setattr(plugin.gc, "freeze", lambda: frozen.append("frozen"))
    monkeypatch.setattr(plugin, "is_suite_run", lambda config: config == "suite")
    plugin.pytest_collection_finish(SimpleNamespace(config="the project's own tests"))  # type: ignore[arg-type]
    assert frozen == []
    plugin.pytest_collection_finish(SimpleNamespace(config="suite"))  # type: ignore[arg-type]
    assert frozen == ["frozen"]
