"""Settings: defaults per target, validation messages, and the secret that never prints."""

from __future__ import annotations

import dataclasses
import traceback

import pytest

from mmlite_conformance.contract import ALPHA_MM_LITE_URL
from mmlite_conformance.suite.config import (
    OFFLINE_API_KEY,
    OFFLINE_RECIPIENT,
    PRODUCTION_BASE_URL,
    ConfigError,
    Secret,
    Settings,
    load_settings,
    normalise_recipient,
)
from mmlite_conformance.suite.targets import DEFAULT_TARGET, TARGETS, profiles

pytestmark = pytest.mark.unit


def load(options: dict[str, object], environ: dict[str, str]) -> Settings:
    """The settings as a suite run builds them: with the registered targets' profiles."""
    return load_settings(options, environ, profiles(), DEFAULT_TARGET)


LIVE_KEY = "LiveKey_0123456789abcdef"
LIVE_ENV = {
    "MMLITE_TARGET": "live",
    "D360_API_KEY": LIVE_KEY,
    "MMLITE_RECIPIENT": "+55 21 99876-5432",
    "MMLITE_WEBHOOK_URL": "https://hooks.example.org/webhook",
    "MMLITE_INTERACTIVE": "0",
}


def problems_of(options: dict[str, object], environ: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        load(options, environ)
    return caught.value.problems


def test_secret_is_its_value_but_repr_is_redacted() -> None:
    key = Secret("abc123")
    assert str(key) == "abc123"
    assert f"{key}" == "abc123"
    assert key.reveal() == "abc123"
    assert type(key.reveal()) is str
    assert repr(key) == "Secret('<redacted>')"
    assert "abc123" not in repr({"api_key": key})


def test_traceback_of_a_function_taking_the_key_does_not_show_it() -> None:
    def step(api_key: Secret) -> None:
        raise AssertionError("boom")

    with pytest.raises(AssertionError) as caught:
        step(Secret(LIVE_KEY))
    with_locals = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    text = "".join(with_locals.format()) + str(caught.getrepr(showlocals=True, style="long"))
    assert "api_key" in text
    assert LIVE_KEY not in text


def test_default_target_is_replay_with_offline_values() -> None:
    settings = load({}, {})
    assert DEFAULT_TARGET == settings.target == "replay"
    assert settings.record is None
    assert settings.api_key == OFFLINE_API_KEY
    assert settings.recipient == OFFLINE_RECIPIENT
    assert settings.cloud_base_url == PRODUCTION_BASE_URL
    assert settings.mm_lite_url == ALPHA_MM_LITE_URL
    assert settings.webhook_listen == ("127.0.0.1", 0)
    assert settings.marketing_template == "marketing_text_no_param"
    assert settings.template_language == "en"
    assert settings.interactive is False


def test_replay_ignores_real_credentials_in_the_environment() -> None:
    settings = load({"target": "replay"}, LIVE_ENV)
    assert settings.api_key == OFFLINE_API_KEY
    assert settings.recipient == OFFLINE_RECIPIENT
    assert LIVE_KEY not in settings.secrets


def test_emulator_takes_key_and_recipient_from_the_environment_when_given() -> None:
    settings = load({"target": "emulator"}, LIVE_ENV)
    assert settings.target == "emulator"
    assert settings.api_key == LIVE_KEY
    assert settings.recipient == "5521998765432"
    assert settings.wait_timeout == 10.0
    defaults = load({"target": "emulator"}, {})
    assert (defaults.api_key, defaults.recipient) == (OFFLINE_API_KEY, OFFLINE_RECIPIENT)


def test_emulator_rejects_a_malformed_recipient_from_the_environment() -> None:
    with pytest.raises(ConfigError, match="MMLITE_RECIPIENT"):
        load({"target": "emulator"}, {"MMLITE_RECIPIENT": "not-a-number"})


def test_option_wins_over_environment_target() -> None:
    assert load({"target": "emulator"}, {"MMLITE_TARGET": "replay"}).target == "emulator"
    assert load({"target": None}, {"MMLITE_TARGET": "emulator"}).target == "emulator"


def test_live_settings_from_environment() -> None:
    settings = load({"record": "new"}, LIVE_ENV)
    assert settings.target == "live"
    assert settings.record == "new"
    assert isinstance(settings.api_key, Secret)
    assert settings.api_key == LIVE_KEY
    assert settings.recipient == "5521998765432"
    assert settings.webhook_public_url == "https://hooks.example.org/webhook"
    assert settings.wait_timeout == 120.0
    assert settings.template_sync_wait == 660.0
    assert settings.not_onboarded_api_key is None


def test_settings_repr_hides_keys_and_recipient() -> None:
    settings = load({}, LIVE_ENV)
    shown = repr(settings) + str(settings.summary())
    assert LIVE_KEY not in shown
    assert "5521998765432" not in shown
    assert "'32'" in shown  # the last two digits, enough to spot a wrong number


def test_settings_is_frozen() -> None:
    settings = load({}, {})
    for field in dataclasses.fields(settings):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(settings, field.name, None)
    assert isinstance(dataclasses.replace(settings, cloud_base_url="http://127.0.0.1:1"), Settings)


def test_unknown_target_lists_the_valid_ones() -> None:
    (problem,) = problems_of({"target": "staging"}, {})
    assert "'staging'" in problem
    for name in TARGETS:
        assert name in problem


def test_record_with_replay_is_refused() -> None:
    (problem,) = problems_of({"record": "new"}, {})
    assert "--record" in problem and "--target=emulator" in problem


def test_unknown_record_mode() -> None:
    (problem,) = problems_of({"target": "emulator", "record": "always"}, {})
    assert "--record=new or --record=overwrite" in problem


def test_emulator_fault_only_with_the_emulator() -> None:
    fault = "no_status_webhooks"
    assert load({"target": "emulator", "emulator_faults": (fault,)}, {}).emulator_faults == (fault,)
    (problem,) = problems_of({"emulator_faults": (fault,)}, {})
    assert "--target=emulator" in problem


def test_an_unknown_fault_is_one_problem_naming_the_known_ones() -> None:
    (problem,) = problems_of({"target": "emulator", "emulator_faults": ("no_status_webhooks", "nonexistent")}, {})
    assert problem.startswith("--emulator-fault 'nonexistent': no such fault; choose from: ")
    assert "statuses_out_of_order" in problem and "'no_status_webhooks'" not in problem


def test_live_without_anything_reports_every_missing_variable_at_once() -> None:
    problems = problems_of({"target": "live"}, {})
    joined = "\n".join(problems)
    assert len(problems) == 3
    for name in ("D360_API_KEY", "MMLITE_RECIPIENT", "MMLITE_WEBHOOK_URL"):
        assert name in joined


def test_missing_key_message_never_echoes_other_secrets() -> None:
    environ = {**LIVE_ENV, "D360_API_KEY": "", "D360_NOT_ONBOARDED_API_KEY": "Other_secret_key_42"}
    with pytest.raises(ConfigError) as caught:
        load({}, environ)
    text = str(caught.value)
    assert "D360_API_KEY is not set" in text
    assert "Other_secret_key_42" not in text
    assert "5521998765432" not in text


@pytest.mark.parametrize("bad", ["abc\n", " abc", "Bearer abc", "a\tb"])
def test_api_key_with_whitespace_is_refused_without_echo(bad: str) -> None:
    (problem,) = problems_of({}, {**LIVE_ENV, "D360_API_KEY": bad})
    assert "whitespace" in problem
    assert bad.strip() not in problem.replace("'Bearer '", "")


def test_same_key_for_not_onboarded_is_refused() -> None:
    (problem,) = problems_of({}, {**LIVE_ENV, "D360_NOT_ONBOARDED_API_KEY": LIVE_KEY})
    assert "same key" in problem
    assert LIVE_KEY not in problem


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("5511987650001", "5511987650001"),
        ("+5511987650001", "5511987650001"),
        ("+55 11 98765-0001", "5511987650001"),
        ("44 7700-900123", "447700900123"),
        ("12345678", "12345678"),
    ],
)
def test_recipient_normalisation(raw: str, digits: str) -> None:
    assert normalise_recipient(raw) == digits


@pytest.mark.parametrize(
    "raw", ["1234567", "1234567890123456", "55(11)987650001", "+55 11 9876A-0001", "++5511987650001"]
)
def test_malformed_recipient_is_reported_redacted(raw: str) -> None:
    (problem,) = problems_of({}, {**LIVE_ENV, "MMLITE_RECIPIENT": raw})
    assert "MMLITE_RECIPIENT" in problem and "8-15 digits" in problem
    assert raw not in problem
    assert f"{len(raw)} characters ending in {raw[-2:]!r}" in problem


def test_live_urls_must_be_https() -> None:
    environ = {
        **LIVE_ENV,
        "MMLITE_WEBHOOK_URL": "http://hooks.example.org/webhook",
        "MMLITE_CLOUD_BASE_URL": "ftp://waba-v2.360dialog.io",
        "MMLITE_MM_LITE_URL": "not a url",
    }
    problems = problems_of({}, environ)
    assert len(problems) == 3
    assert all("must be an https URL" in p for p in problems)


def test_url_with_credentials_is_refused_without_echo() -> None:
    (problem,) = problems_of({}, {**LIVE_ENV, "MMLITE_WEBHOOK_URL": "https://user:hunter2@hooks.example.org/x"})
    assert "hunter2" not in problem


def test_webhook_url_with_port_or_underscore_is_refused() -> None:
    (problem,) = problems_of({}, {**LIVE_ENV, "MMLITE_WEBHOOK_URL": "https://my_hooks.example.org/x"})
    assert "underscore or a port" in problem
    (problem,) = problems_of({}, {**LIVE_ENV, "MMLITE_WEBHOOK_URL": "https://hooks.example.org:8443/x"})
    assert "underscore or a port" in problem


def test_custom_live_urls_are_kept() -> None:
    environ = {**LIVE_ENV, "MMLITE_MM_LITE_URL": "https://waba-v2.360dialog.io/marketing_messages"}
    assert load({}, environ).mm_lite_url == "https://waba-v2.360dialog.io/marketing_messages"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("127.0.0.1:0", ("127.0.0.1", 0)), ("0.0.0.0:8080", ("0.0.0.0", 8080)), ("[::1]:9000", ("::1", 9000))],
)
def test_webhook_listen(raw: str, expected: tuple[str, int]) -> None:
    assert load({}, {"MMLITE_WEBHOOK_LISTEN": raw}).webhook_listen == expected


@pytest.mark.parametrize("raw", ["8080", "localhost", ":8080", "host:99999", "host:http"])
def test_malformed_webhook_listen(raw: str) -> None:
    (problem,) = problems_of({}, {"MMLITE_WEBHOOK_LISTEN": raw})
    assert "MMLITE_WEBHOOK_LISTEN" in problem and "host:port" in problem


def test_webhook_timeout_override_and_validation() -> None:
    assert load({"target": "emulator"}, {"MMLITE_WEBHOOK_TIMEOUT": "2.5"}).wait_timeout == 2.5
    (problem,) = problems_of({}, {"MMLITE_WEBHOOK_TIMEOUT": "-1"})
    assert "positive number of seconds" in problem
    (problem,) = problems_of({}, {"MMLITE_WEBHOOK_TIMEOUT": "soon"})
    assert "MMLITE_WEBHOOK_TIMEOUT" in problem


def test_live_template_names_and_language() -> None:
    environ = {**LIVE_ENV, "MMLITE_UTILITY_TEMPLATE": "order_shipped", "MMLITE_TEMPLATE_LANGUAGE": "pt_BR"}
    settings = load({}, environ)
    assert settings.utility_template == "order_shipped"
    assert settings.authentication_template == "authentication_code"
    assert settings.template_language == "pt_BR"
    problems = problems_of({}, {**LIVE_ENV, "MMLITE_MARKETING_TEMPLATE": "Bad Name", "MMLITE_TEMPLATE_LANGUAGE": "x"})
    assert len(problems) == 2


def test_interactive_flag() -> None:
    assert load({}, {**LIVE_ENV, "MMLITE_INTERACTIVE": "yes"}).interactive is True
    assert load({"interactive": False}, {**LIVE_ENV, "MMLITE_INTERACTIVE": "yes"}).interactive is False
    assert load({}, {**LIVE_ENV, "CI": "true"} | {"MMLITE_INTERACTIVE": "0"}).interactive is False
    (problem,) = problems_of({}, {**LIVE_ENV, "MMLITE_INTERACTIVE": "maybe"})
    assert "MMLITE_INTERACTIVE" in problem


def test_config_error_message_is_one_readable_block() -> None:
    with pytest.raises(ConfigError) as caught:
        load({"target": "live"}, {"MMLITE_WEBHOOK_LISTEN": "nope"})
    text = str(caught.value)
    assert text.startswith("mmlite-conformance cannot start for target 'live': 4 configuration problems")
    assert text.count("\n  - ") == 4


def test_base_url_loses_its_trailing_slash_but_the_webhook_url_keeps_it() -> None:
    environ = {
        **LIVE_ENV,
        "MMLITE_CLOUD_BASE_URL": "https://waba-v2.360dialog.io/",
        "MMLITE_WEBHOOK_URL": "https://hooks.example.org/hook/",
    }
    settings = load({}, environ)
    assert settings.cloud_base_url == "https://waba-v2.360dialog.io"
    assert settings.webhook_public_url == "https://hooks.example.org/hook/"


def test_unknown_target_does_not_hide_the_other_problems() -> None:
    problems = problems_of({"target": "stage", "record": "sometimes"}, {"MMLITE_WEBHOOK_LISTEN": "x"})
    assert len(problems) == 3
