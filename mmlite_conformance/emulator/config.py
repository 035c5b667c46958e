"""Configuration objects of the emulator: accounts, clock, delays, rate limits, webhooks, faults, profile."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from mmlite_conformance.emulator.faults import UnknownFaultError, validate_faults
from mmlite_conformance.emulator.realism import EXACT, UnknownProfileError, validate_profile
from mmlite_conformance.emulator.signing import FORMS

DEFAULT_API_KEY = "emulator-sandbox-key"
NOT_ONBOARDED_API_KEY = "emulator-not-onboarded-key"
DEFAULT_START_TIME = 1_767_225_600.0  # 2026-01-01T00:00:00Z: a fixed origin keeps timestamps reproducible


class ConfigError(ValueError):
    """Raised for an invalid emulator configuration."""


@dataclass(slots=True, frozen=True)
class AccountConfig:
    """One sandbox account: its key, number, ids and onboarding."""

    api_key: str
    name: str
    display_phone_number: str
    phone_number_id: str
    waba_id: str
    mm_lite_onboarded: bool = True

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise ConfigError("account api_key must not be empty")
        for label, value in (
            ("display_phone_number", self.display_phone_number),
            ("phone_number_id", self.phone_number_id),
            ("waba_id", self.waba_id),
        ):
            if not value.isdigit():
                raise ConfigError(f"account {self.name!r}: {label} must be digits, got {value!r}")


def default_accounts(api_key: str = DEFAULT_API_KEY) -> tuple[AccountConfig, ...]:
    return (
        AccountConfig(api_key, "sandbox", "5511955550100", "100000000000001", "200000000000001", True),
        AccountConfig(
            NOT_ONBOARDED_API_KEY, "not-onboarded", "5511955550200", "100000000000002", "200000000000002", False
        ),
    )


@dataclass(slots=True, frozen=True)
class DeliveryDelays:
    """Seconds of emulator time between an accepted send and each status notification."""

    sent: float = 0.0
    delivered: float = 0.5
    read: float = 1.0


@dataclass(slots=True, frozen=True)
class RateLimits:
    """The send rate limits: per second per number, and the pair burst per recipient."""

    enabled: bool = True
    messages_per_second: float = 80.0
    pair_burst: int = 45
    pair_interval: float = 6.0


@dataclass(slots=True, frozen=True)
class WebhookSettings:
    """How webhooks are delivered: secret, timeout, attempts, backoff, CA bundle and signature forms."""

    secret: str | None = None
    timeout: float = 5.0
    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    ca_bundle: str | None = None  # PEM file of CAs the delivery client trusts (instead of the system store)
    signature_headers: tuple[str, ...] = ("360dialog", "meta")  # signature forms sent when a secret is set (A40)


@dataclass(slots=True, frozen=True)
class EmulatorConfig:
    """Everything an emulator is started with; `dataclasses.replace` makes a variant."""

    accounts: tuple[AccountConfig, ...] = field(default_factory=default_accounts)
    seed: int = 0
    start_time: float | None = DEFAULT_START_TIME  # None: the wall clock, at start-up and at each reset (A32)
    frozen_clock: bool = False
    template_sync_delay: float = 600.0
    template_approval_delay: float = 0.0
    delays: DeliveryDelays = field(default_factory=DeliveryDelays)
    auto_read: bool = True
    rate_limits: RateLimits = field(default_factory=RateLimits)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    faults: frozenset[str] = frozenset()
    max_messages_per_account: int = 10_000
    max_pending_deliveries: int = 10_000
    journal: bool = False  # keep a request journal (GET /_emulator/journal); off: no cost per request
    max_journal_entries: int = 10_000
    deliver_to_any_host: bool = False  # lift the loopback-only delivery rule (platform certification)
    profile: str = EXACT  # realism.PROFILES: exact (no variation) or realistic (seeded platform variations)
    profile_seed: int | None = None  # seed of the profile's variations (None: `seed`)
    graph_alias: bool = False  # also serve /{version}/{phone_number_id}/messages etc. (A80-A83)
    smart_routing: bool = False  # /messages sends MARKETING templates via MM Lite when it can (A84-A86)
    mm_lite_fallback: bool = False  # MM Lite serves a number not onboarded through the Cloud API (A87)

    def __post_init__(self) -> None:
        try:
            validate_faults(self.faults)
            validate_profile(self.profile)
        except (UnknownFaultError, UnknownProfileError) as exc:
            raise ConfigError(str(exc)) from exc
        if not self.accounts:
            raise ConfigError("at least one account is required")
        keys = [a.api_key for a in self.accounts]
        if len(set(keys)) != len(keys):
            raise ConfigError("account api keys must be unique")
        phone_number_ids = [a.phone_number_id for a in self.accounts]
        if len(set(phone_number_ids)) != len(phone_number_ids):  # the Graph alias names an account by it
            raise ConfigError("account phone_number_ids must be unique")
        numbers: dict[str, float] = {
            "start_time": 0.0 if self.start_time is None else self.start_time,
            "template_sync_delay": self.template_sync_delay,
            "template_approval_delay": self.template_approval_delay,
            "sent delay": self.delays.sent,
            "delivered delay": self.delays.delivered,
            "read delay": self.delays.read,
            "webhook timeout": self.webhooks.timeout,
            "webhook backoff": self.webhooks.backoff_initial,
            "webhook backoff max": self.webhooks.backoff_max,
            "pair interval": self.rate_limits.pair_interval,
        }
        for label, value in numbers.items():
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"{label} must be a finite number >= 0, got {value!r}")
        if (
            self.rate_limits.messages_per_second <= 0
            or self.rate_limits.pair_burst < 1
            or self.rate_limits.pair_interval <= 0
        ):
            raise ConfigError("rate limits must be positive")
        if self.webhooks.max_attempts < 1:
            raise ConfigError("webhook max attempts must be >= 1")
        forms = self.webhooks.signature_headers
        if not forms or len(set(forms)) != len(forms) or not set(forms) <= FORMS.keys():
            raise ConfigError(f"webhook signature headers: distinct forms among {', '.join(FORMS)}, got {forms!r}")
        if self.max_messages_per_account < 1 or self.max_pending_deliveries < 1 or self.max_journal_entries < 1:
            raise ConfigError("store bounds must be >= 1")
        if self.webhooks.ca_bundle is not None and not Path(self.webhooks.ca_bundle).is_file():
            raise ConfigError(f"webhook CA bundle is not a readable file: {self.webhooks.ca_bundle}")

    @property
    def default_account(self) -> AccountConfig:
        return self.accounts[0]
