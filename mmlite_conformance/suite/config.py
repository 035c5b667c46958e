"""Run settings: one frozen object built from pytest options and the environment, validated before any request."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from mmlite_conformance.contract import ALPHA_MM_LITE_URL, CLOUD_API_BASE_URL

RECORD_MODES: Final = ("new", "overwrite")

PRODUCTION_BASE_URL: Final = CLOUD_API_BASE_URL

# Fixed, non-secret values for the offline targets: cassettes and emulator runs never see a real account.
OFFLINE_API_KEY: Final = "emulator-sandbox-key"
OFFLINE_NOT_ONBOARDED_API_KEY: Final = "emulator-not-onboarded-key"
OFFLINE_RECIPIENT: Final = "5511987650001"

DEFAULT_MARKETING_TEMPLATE: Final = "marketing_text_no_param"  # named by the guide (step 1d)
# The guide names no utility or authentication template of the sandbox number; these are assumptions, to be
# overridden with MMLITE_UTILITY_TEMPLATE / MMLITE_AUTHENTICATION_TEMPLATE for a live run.
DEFAULT_UTILITY_TEMPLATE: Final = "utility_order_update"
DEFAULT_AUTHENTICATION_TEMPLATE: Final = "authentication_code"
DEFAULT_TEMPLATE_LANGUAGE: Final = "en"
DEFAULT_WEBHOOK_LISTEN: Final = "127.0.0.1:0"

_PHONE_SEPARATORS = re.compile(r"[ \-]")
_E164_DIGITS = re.compile(r"\+?(\d{8,15})")
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ConfigError(Exception):
    """The run cannot start; the message says what is wrong and how to fix it, and never contains a secret."""

    def __init__(self, problems: list[str], target: str | None = None) -> None:
        self.problems = tuple(problems)
        self.target = target
        where = f" for target '{target}'" if target else ""
        noun = "problem" if len(problems) == 1 else "problems"
        lines = [f"mmlite-conformance cannot start{where}: {len(problems)} configuration {noun}, nothing was sent."]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class Secret(str):
    """An API key. `str(key)` and f-strings still give the value (it goes into headers), but `repr` is redacted.

    pytest prints the keyword arguments of step functions and fixtures through `repr` in long tracebacks, and so
    do dataclass reprs and assertion messages; a plain str key would land in the terminal, JUnit XML and HTML.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('<redacted>')"

    def reveal(self) -> str:
        """The value as a plain str, for the few places that must hand it to another library."""
        return str.__str__(self)


@dataclass(slots=True, frozen=True)
class TargetProfile:
    """What a target takes from the configuration and how long it waits; each target declares its own."""

    # credentials, recipient, API URLs, template names: from the environment (live) or fixed (offline)
    real_account: bool
    # the emulator may take a key and recipient from the environment (a rehearsal, or the leak canary test);
    # replay never does, so that its requests match the shipped cassettes
    account_env_optional: bool
    can_record: bool
    injects_faults: bool
    https_only: bool
    wait_timeout: float
    template_sync_wait: float


@dataclass(slots=True, frozen=True)
class Settings:
    """Everything a run needs to know, validated; `repr` shows neither the keys nor the recipient."""

    target: str
    record: str | None
    api_key: Secret
    not_onboarded_api_key: Secret | None
    recipient: str
    cloud_base_url: str = PRODUCTION_BASE_URL
    mm_lite_url: str = ALPHA_MM_LITE_URL
    webhook_listen: tuple[str, int] = ("127.0.0.1", 0)
    webhook_public_url: str | None = None
    marketing_template: str = DEFAULT_MARKETING_TEMPLATE
    utility_template: str = DEFAULT_UTILITY_TEMPLATE
    authentication_template: str = DEFAULT_AUTHENTICATION_TEMPLATE
    template_language: str = DEFAULT_TEMPLATE_LANGUAGE
    interactive: bool = False
    wait_timeout: float = 10.0
    template_sync_wait: float = 0.0
    emulator_faults: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.summary().items())
        return f"Settings({shown})"

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """The keys a redactor must hide."""
        return tuple(k for k in (self.api_key, self.not_onboarded_api_key) if k)

    def summary(self) -> dict[str, str]:
        """Non-secret settings for the report's run header; the recipient shows only its last two digits."""
        return {
            "target": self.target,
            "record": self.record or "no",
            "api_key": "<redacted>",
            "not_onboarded_api_key": "<redacted>" if self.not_onboarded_api_key else "not set",
            "recipient": _mask_digits(self.recipient),
            "cloud_base_url": self.cloud_base_url,
            "mm_lite_url": self.mm_lite_url,
            "webhook_listen": _format_listen(self.webhook_listen),
            "webhook_public_url": self.webhook_public_url or "not set",
            "marketing_template": self.marketing_template,
            "utility_template": self.utility_template,
            "authentication_template": self.authentication_template,
            "template_language": self.template_language,
            "interactive": "yes" if self.interactive else "no",
            "wait_timeout": f"{self.wait_timeout:g} s",
            "template_sync_wait": f"{self.template_sync_wait:g} s",
            "emulator_faults": ", ".join(self.emulator_faults) or "none",
        }


def load_settings(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    profiles: Mapping[str, TargetProfile],
    default_target: str,
) -> Settings:
    """Build the run's settings from pytest options (`target`, `record`, `emulator_faults`, `interactive`), the
    environment, and what each known target (`profiles`, by name) takes from them.

    Every problem is collected and reported together in one ConfigError.
    """
    problems: list[str] = []
    target = _target(options, environ, profiles, default_target, problems)
    profile = profiles[target or default_target]  # an unknown target still gets its other options checked
    record = _record(options, target, profiles, problems)
    listen = _listen(environ.get("MMLITE_WEBHOOK_LISTEN", DEFAULT_WEBHOOK_LISTEN), problems)
    wait_timeout = _seconds(environ, "MMLITE_WEBHOOK_TIMEOUT", profile.wait_timeout, problems, positive=True)
    sync_wait = _seconds(environ, "MMLITE_TEMPLATE_SYNC_WAIT", profile.template_sync_wait, problems, positive=False)
    faults = _faults(options, target, profiles, problems)
    if target is None:
        raise ConfigError(problems)

    if not profile.real_account:
        offline_key, offline_not_onboarded = Secret(OFFLINE_API_KEY), Secret(OFFLINE_NOT_ONBOARDED_API_KEY)
        offline_recipient: str | None = None
        if profile.account_env_optional:
            offline_key = _api_key(environ, "D360_API_KEY", problems, required=False) or offline_key
            offline_not_onboarded = (
                _api_key(environ, "D360_NOT_ONBOARDED_API_KEY", problems, required=False) or offline_not_onboarded
            )
            if environ.get("MMLITE_RECIPIENT"):
                offline_recipient = _recipient(environ["MMLITE_RECIPIENT"], problems)
        if problems:
            raise ConfigError(problems, target)
        return Settings(
            target=target,
            record=record,
            api_key=offline_key,
            not_onboarded_api_key=offline_not_onboarded,
            recipient=offline_recipient or OFFLINE_RECIPIENT,
            webhook_listen=listen,
            interactive=False,  # the emulator plays the user
            wait_timeout=wait_timeout,
            template_sync_wait=sync_wait,
            emulator_faults=faults,
        )

    api_key = _api_key(environ, "D360_API_KEY", problems, required=True)
    not_onboarded = _api_key(environ, "D360_NOT_ONBOARDED_API_KEY", problems, required=False)
    if api_key is not None and not_onboarded is not None and api_key == not_onboarded:
        problems.append(
            "D360_NOT_ONBOARDED_API_KEY is the same key as D360_API_KEY; give the key of a number that has NOT "
            "accepted the MM Lite terms, or unset it to skip the not-onboarded scenarios."
        )
    recipient = _recipient(environ.get("MMLITE_RECIPIENT"), problems)
    https = profile.https_only
    cloud = _url(environ, "MMLITE_CLOUD_BASE_URL", PRODUCTION_BASE_URL, https, problems, required=False)
    mm_lite = _url(environ, "MMLITE_MM_LITE_URL", ALPHA_MM_LITE_URL, https, problems, required=False)
    webhook = _url(environ, "MMLITE_WEBHOOK_URL", None, https, problems, required=True)
    if webhook is not None:
        _check_webhook_host(webhook, problems)
    templates = {
        name: _template_name(environ, variable, default, problems)
        for name, variable, default in (
            ("marketing", "MMLITE_MARKETING_TEMPLATE", DEFAULT_MARKETING_TEMPLATE),
            ("utility", "MMLITE_UTILITY_TEMPLATE", DEFAULT_UTILITY_TEMPLATE),
            ("authentication", "MMLITE_AUTHENTICATION_TEMPLATE", DEFAULT_AUTHENTICATION_TEMPLATE),
        )
    }
    language = environ.get("MMLITE_TEMPLATE_LANGUAGE", DEFAULT_TEMPLATE_LANGUAGE).strip()
    if not _LANGUAGE_CODE.fullmatch(language):
        problems.append(
            f"MMLITE_TEMPLATE_LANGUAGE={language[:20]!r} is not a WhatsApp language code; use e.g. 'en', 'en_US', "
            "'pt_BR'."
        )
    interactive = _flag(options, environ, problems)

    if problems or api_key is None or recipient is None or webhook is None:
        raise ConfigError(problems, target)
    return Settings(
        target=target,
        record=record,
        api_key=api_key,
        not_onboarded_api_key=not_onboarded,
        recipient=recipient,
        cloud_base_url=(cloud or PRODUCTION_BASE_URL).rstrip("/"),
        mm_lite_url=mm_lite or ALPHA_MM_LITE_URL,
        webhook_listen=listen,
        webhook_public_url=webhook,
        marketing_template=templates["marketing"],
        utility_template=templates["utility"],
        authentication_template=templates["authentication"],
        template_language=language,
        interactive=interactive,
        wait_timeout=wait_timeout,
        template_sync_wait=sync_wait,
    )


def normalise_recipient(value: str) -> str | None:
    """The digits of an international phone number (8-15 digits, optional +, spaces and dashes ignored)."""
    match = _E164_DIGITS.fullmatch(_PHONE_SEPARATORS.sub("", value.strip()))
    return match.group(1) if match else None


def _target(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    profiles: Mapping[str, TargetProfile],
    default: str,
    problems: list[str],
) -> str | None:
    option = options.get("target")
    raw, source = (str(option), "--target") if option not in (None, "") else (None, "")
    if raw is None:
        raw, source = environ.get("MMLITE_TARGET", default), "MMLITE_TARGET"
    value = raw.strip().lower() or default
    if value in profiles:
        return value
    problems.append(f"{source}={raw[:40]!r} is not a target; choose one of: {', '.join(profiles)}.")
    return None


def _record(
    options: Mapping[str, object], target: str | None, profiles: Mapping[str, TargetProfile], problems: list[str]
) -> str | None:
    raw = options.get("record")
    if raw in (None, "", False):
        return None
    value = str(raw).strip().lower()
    if value not in RECORD_MODES:
        problems.append(f"--record={str(raw)[:40]!r} is not a record mode; use --record=new or --record=overwrite.")
        return None
    if target is not None and not profiles[target].can_record:
        recordable = " or ".join(f"--target={name}" for name, p in profiles.items() if p.can_record)
        problems.append(f"--record needs a target that answers: add {recordable} ({target} cannot record).")
        return None
    return value


def _faults(
    options: Mapping[str, object], target: str | None, profiles: Mapping[str, TargetProfile], problems: list[str]
) -> tuple[str, ...]:
    raw = options.get("emulator_faults") or ()
    faults = (raw,) if isinstance(raw, str) else tuple(str(f) for f in raw) if isinstance(raw, list | tuple) else ()
    if faults and target is not None and not profiles[target].injects_faults:
        able = " or ".join(f"--target={name}" for name, p in profiles.items() if p.injects_faults)
        problems.append(f"--emulator-fault needs {able}; the {target} target cannot inject deviations.")
        return ()
    return faults  # the names are checked by the emulator, which owns the fault registry


def _listen(value: str, problems: list[str]) -> tuple[str, int]:
    host, sep, port_text = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")  # [::1]:8080
    port = int(port_text) if port_text.isdigit() else -1
    if not sep or not host or not 0 <= port <= 65535:
        problems.append(
            f"MMLITE_WEBHOOK_LISTEN={value[:60]!r} is not host:port; use e.g. 127.0.0.1:0 (any free port) or "
            "0.0.0.0:8080 (behind a tunnel)."
        )
        return ("127.0.0.1", 0)
    return (host, port)


def _format_listen(listen: tuple[str, int]) -> str:
    host, port = listen
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _seconds(environ: Mapping[str, str], name: str, default: float, problems: list[str], *, positive: bool) -> float:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "a positive" if positive else "a non-negative"
        problems.append(f"{name}={raw[:20]!r} must be {kind} number of seconds.")
        return default
    return value


def _api_key(environ: Mapping[str, str], name: str, problems: list[str], *, required: bool) -> Secret | None:
    raw = environ.get(name)
    if raw is None or raw == "":
        if required:
            problems.append(
                f"{name} is not set: export the sandbox API key 360dialog gave you as {name} "
                "(in the environment, not on the command line, so it stays out of shell history and reports)."
            )
        return None
    if any(c.isspace() for c in raw):
        hint = " Give the bare key, without 'Bearer '." if raw.lower().startswith("bearer ") else ""
        problems.append(
            f"{name} contains whitespace or a line break (often a trailing newline from a file or a paste); "
            f"remove it.{hint}"
        )
        return None
    return Secret(raw)


def _recipient(raw: str | None, problems: list[str]) -> str | None:
    if raw is None or not raw.strip():
        problems.append(
            "MMLITE_RECIPIENT is not set: export the phone number that receives the test messages (yours), in "
            "international format without '+', e.g. 5511987650001."
        )
        return None
    digits = normalise_recipient(raw)
    if digits is None:
        problems.append(
            f"MMLITE_RECIPIENT is not a phone number in international format (got {_mask_digits(raw)}); it must "
            "be 8-15 digits with the country code, optionally with a leading '+', spaces or dashes, "
            "e.g. 5511987650001."
        )
    return digits


def _mask_digits(value: str) -> str:
    """Length and last two characters only: enough to spot a typo, too little to identify a person."""
    return f"{len(value)} characters ending in {value[-2:]!r}" if len(value) > 2 else f"{len(value)} characters"


def _url(
    environ: Mapping[str, str],
    name: str,
    default: str | None,
    https_only: bool,
    problems: list[str],
    *,
    required: bool,
) -> str | None:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        if required:
            problems.append(
                f"{name} is not set: a live run needs the public https URL that forwards to the suite's webhook "
                "receiver (e.g. a tunnel to MMLITE_WEBHOOK_LISTEN)."
            )
        return default
    value = raw.strip()
    schemes = ("https",) if https_only else ("http", "https")
    try:
        parts = urlsplit(value)
        ok = parts.scheme in schemes and bool(parts.hostname) and not parts.username and not parts.password
    except ValueError:
        parts, ok = None, False
    if not ok:
        what = f"scheme {parts.scheme!r}, host {parts.hostname!r}" if parts is not None else "not a URL"
        need = "an https URL" if https_only else "an http or https URL"
        problems.append(f"{name} must be {need} with a host and no credentials (got {what}).")
        return default
    return value


def _check_webhook_host(url: str, problems: list[str]) -> None:
    parts = urlsplit(url)
    # 360dialog rejects webhook URLs whose host has '_' or an explicit port (CONTRACT.md §3.4)
    if "_" in (parts.hostname or "") or parts.port is not None:
        problems.append(
            f"MMLITE_WEBHOOK_URL host {parts.netloc!r} has an underscore or a port, which 360dialog does not "
            "accept for webhooks; use a tunnel URL on the default https port."
        )


def _template_name(environ: Mapping[str, str], name: str, default: str, problems: list[str]) -> str:
    value = environ.get(name, default).strip() or default
    if not _TEMPLATE_NAME.fullmatch(value):
        problems.append(
            f"{name}={value[:40]!r} is not a template name (lower-case letters, digits and '_', at most 512)."
        )
        return default
    return value


def _flag(options: Mapping[str, object], environ: Mapping[str, str], problems: list[str]) -> bool:
    option = options.get("interactive")
    if option is not None:
        return bool(option)
    raw = environ.get("MMLITE_INTERACTIVE")
    if raw is None:
        # sys.__stdin__, not sys.stdin: pytest's capture has already replaced the latter when plugins configure
        stdin = sys.__stdin__
        return not environ.get("CI") and stdin is not None and stdin.isatty()
    value = raw.strip().lower()
    if value not in _TRUE | _FALSE:
        problems.append(f"MMLITE_INTERACTIVE={raw[:20]!r} must be 1/0, true/false or yes/no.")
        return False
    return value in _TRUE
