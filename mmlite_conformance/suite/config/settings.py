"""The run's settings: one frozen object, the secrets it holds, and what each target declares it needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from mmlite_conformance.contract import ALPHA_MM_LITE_URL as ALPHA_MM_LITE_URL
from mmlite_conformance.contract import CLOUD_API_BASE_URL, MARKETING_MESSAGES_PATH
from mmlite_conformance.suite.config.contracts import ALPHA, CONTRACT_PROFILES

RECORD_MODES: Final = ("new", "overwrite")

PRODUCTION_BASE_URL: Final = CLOUD_API_BASE_URL
#: today's MM Lite endpoint (CURRENT-API §1.2), the default of a live run in the ga contract profile
GA_MM_LITE_URL: Final = f"{CLOUD_API_BASE_URL}{MARKETING_MESSAGES_PATH}"

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


#: how long a scenario may wait out rate limits by default (MMLITE_RATE_LIMIT_BUDGET)
DEFAULT_RATE_LIMIT_BUDGET_S: Final = 120.0


@dataclass(slots=True, frozen=True)
class TargetProfile:
    """What a target takes from the configuration and how long it waits; each target states what differs from an
    offline target that takes no account from the environment, neither records nor injects faults, and waits 10 s."""

    # how long a step waits for a webhook, and for a new template to become usable
    wait_timeout: float = 10.0
    #: the template sync window of S2c: the documented 10 minutes and a margin (the emulator's clock is moved)
    template_sync_wait: float = 660.0
    # credentials, recipient, API URLs, template names: from the environment (live) or fixed (offline)
    real_account: bool = False
    # the emulator may take a key and recipient from the environment (a rehearsal, or the leak canary test);
    # replay never does, so that its requests match the shipped cassettes
    account_env_optional: bool = False
    can_record: bool = False
    injects_faults: bool = False
    #: the names of the deviations it can inject (the emulator's fault registry), checked with the configuration
    known_faults: tuple[str, ...] = ()
    #: the emulator profiles the target can run (--emulator-profile); none: it runs no emulator of its own
    emulator_profiles: tuple[str, ...] = ()
    https_only: bool = False
    #: the contract profiles it can judge against (MMLITE_CONTRACT, --contract), and the one it takes by default
    contracts: tuple[str, ...] = tuple(CONTRACT_PROFILES)
    default_contract: str = ALPHA
    #: more configuration of the target's own (e.g. how to drive a partner's platform), read with the rest
    extra_settings: ExtraSettings | None = None


#: reads a target's own settings from the environment, appending each problem to the list
ExtraSettings = Callable[[Mapping[str, str], list[str]], object]


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
    template_sync_wait: float = 660.0
    #: how long a scenario may wait out rate limits (HTTP 429) before it is skipped as "environment"
    rate_limit_budget: float = DEFAULT_RATE_LIMIT_BUDGET_S
    emulator_faults: tuple[str, ...] = ()
    #: the embedded emulator's profile and the seed of its variations (None: the emulator's defaults)
    emulator_profile: str | None = None
    emulator_seed: int | None = None
    #: what the target's `extra_settings` read (None for targets that have none)
    extra: object = None
    #: the contract profile the run judges against (alpha: the guide; ga: today's API; platform runs: "platform")
    contract: str = ALPHA

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
            "contract": self.contract,
            "record": self.record or "no",
            "api_key": "<redacted>",
            "not_onboarded_api_key": "<redacted>" if self.not_onboarded_api_key else "not set",
            "recipient": mask_digits(self.recipient),
            "cloud_base_url": self.cloud_base_url,
            "mm_lite_url": self.mm_lite_url,
            "webhook_listen": format_listen(self.webhook_listen),
            "webhook_public_url": self.webhook_public_url or "not set",
            "marketing_template": self.marketing_template,
            "utility_template": self.utility_template,
            "authentication_template": self.authentication_template,
            "template_language": self.template_language,
            "interactive": "yes" if self.interactive else "no",
            "wait_timeout": f"{self.wait_timeout:g} s",
            "template_sync_wait": f"{self.template_sync_wait:g} s",
            "rate_limit_budget": f"{self.rate_limit_budget:g} s",
            "emulator_faults": ", ".join(self.emulator_faults) or "none",
            "emulator_profile": self.emulator_profile or "default",
            "emulator_seed": "default" if self.emulator_seed is None else str(self.emulator_seed),
        }


def mask_digits(value: str) -> str:
    """Length and last two characters only: enough to spot a typo, too little to identify a person."""
    return f"{len(value)} characters ending in {value[-2:]!r}" if len(value) > 2 else f"{len(value)} characters"


def format_listen(listen: tuple[str, int]) -> str:
    host, port = listen
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
