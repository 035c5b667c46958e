"""Run settings: one frozen object built from pytest options and the environment, validated before any request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from mmlite_conformance.suite.config import values as value
from mmlite_conformance.suite.config.contracts import (
    ALPHA,
    CONTRACT_PROFILES,
    GA,
    ContractChoice,
    code_texts,
    contract_choice,
)
from mmlite_conformance.suite.config.settings import (
    ALPHA_MM_LITE_URL,
    DEFAULT_AUTHENTICATION_TEMPLATE,
    DEFAULT_MARKETING_TEMPLATE,
    DEFAULT_RATE_LIMIT_BUDGET_S,
    DEFAULT_TEMPLATE_LANGUAGE,
    DEFAULT_UTILITY_TEMPLATE,
    DEFAULT_WEBHOOK_LISTEN,
    GA_MM_LITE_URL,
    OFFLINE_API_KEY,
    OFFLINE_NOT_ONBOARDED_API_KEY,
    OFFLINE_RECIPIENT,
    PRODUCTION_BASE_URL,
    RECORD_MODES,
    ConfigError,
    Secret,
    Settings,
    TargetProfile,
)
from mmlite_conformance.suite.config.values import normalise_recipient

__all__ = [
    "ALPHA",
    "ALPHA_MM_LITE_URL",
    "CONTRACT_PROFILES",
    "GA",
    "GA_MM_LITE_URL",
    "OFFLINE_API_KEY",
    "OFFLINE_NOT_ONBOARDED_API_KEY",
    "OFFLINE_RECIPIENT",
    "PRODUCTION_BASE_URL",
    "ConfigError",
    "ContractChoice",
    "Secret",
    "Settings",
    "TargetProfile",
    "code_texts",
    "contract_choice",
    "load_settings",
    "normalise_recipient",
]


def load_settings(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    profiles: Mapping[str, TargetProfile],
    default_target: str,
) -> Settings:
    """Build the run's settings from pytest options (`target`, `record`, `emulator_faults`, `emulator_profile`,
    `emulator_seed`, `interactive`), the
    environment, and what each known target (`profiles`, by name) takes from them.

    Every problem is collected and reported together in one ConfigError.
    """
    problems: list[str] = []
    target = _target(options, environ, profiles, default_target, problems)
    profile = profiles[target or default_target]  # an unknown target still gets its other options checked
    record = _record(options, target, profiles, problems)
    listen = value.listen(environ, "MMLITE_WEBHOOK_LISTEN", DEFAULT_WEBHOOK_LISTEN, problems)
    wait_timeout = value.seconds(environ, "MMLITE_WEBHOOK_TIMEOUT", profile.wait_timeout, problems, positive=True)
    sync_wait = value.seconds(
        environ, "MMLITE_TEMPLATE_SYNC_WAIT", profile.template_sync_wait, problems, positive=False
    )
    budget = value.seconds(environ, "MMLITE_RATE_LIMIT_BUDGET", DEFAULT_RATE_LIMIT_BUDGET_S, problems, positive=False)
    faults = _faults(options, target, profiles, problems)
    emulator_profile, emulator_seed = _emulator_profile(options, environ, target, profiles, problems)
    contract = _contract(options, environ, target, profiles, problems)
    if target is None:
        raise ConfigError(problems)
    extra = profile.extra_settings(environ, problems) if profile.extra_settings is not None else None
    # an offline run as every target configures it; a real account replaces the account, URLs and templates
    run = Settings(
        target=target,
        record=record,
        api_key=Secret(OFFLINE_API_KEY),
        not_onboarded_api_key=Secret(OFFLINE_NOT_ONBOARDED_API_KEY),
        recipient=OFFLINE_RECIPIENT,
        webhook_listen=listen,
        wait_timeout=wait_timeout,
        template_sync_wait=sync_wait,
        rate_limit_budget=budget,
        emulator_faults=faults,
        emulator_profile=emulator_profile,
        emulator_seed=emulator_seed,
        extra=extra,
        contract=contract,
        # whether a person can answer (the live user's part, an operator attesting in a platform run)
        interactive=value.flag(options, environ, problems),
    )

    language = value.template_language(environ, DEFAULT_TEMPLATE_LANGUAGE, problems)  # checked for every target
    if not profile.real_account:
        if profile.account_env_optional:
            key = value.api_key(environ, "D360_API_KEY", problems, required=False)
            other_key = value.api_key(environ, "D360_NOT_ONBOARDED_API_KEY", problems, required=False)
            number = value.recipient(environ["MMLITE_RECIPIENT"], problems) if environ.get("MMLITE_RECIPIENT") else None
            run = replace(
                run,
                api_key=key or run.api_key,
                not_onboarded_api_key=other_key or run.not_onboarded_api_key,
                recipient=number or run.recipient,
            )
        if problems:
            raise ConfigError(problems, target)
        return run

    api_key = value.api_key(environ, "D360_API_KEY", problems, required=True)
    not_onboarded = value.api_key(environ, "D360_NOT_ONBOARDED_API_KEY", problems, required=False)
    if api_key is not None and not_onboarded is not None and api_key == not_onboarded:
        problems.append(
            "D360_NOT_ONBOARDED_API_KEY is the same key as D360_API_KEY; give the key of a number that has NOT "
            "accepted the MM Lite terms, or unset it to skip the not-onboarded scenarios."
        )
    recipient = value.recipient(environ.get("MMLITE_RECIPIENT"), problems)
    https = profile.https_only
    cloud = value.url(environ, "MMLITE_CLOUD_BASE_URL", PRODUCTION_BASE_URL, https, problems, required=False)
    default_mm_lite = GA_MM_LITE_URL if contract == GA else ALPHA_MM_LITE_URL  # the URL follows the profile
    mm_lite = value.url(environ, "MMLITE_MM_LITE_URL", default_mm_lite, https, problems, required=False)
    webhook = value.url(environ, "MMLITE_WEBHOOK_URL", None, https, problems, required=True)
    if webhook is not None:
        value.check_webhook_host(webhook, problems)
    templates = {
        name: value.template_name(environ, variable, default, problems)
        for name, variable, default in (
            ("marketing", "MMLITE_MARKETING_TEMPLATE", DEFAULT_MARKETING_TEMPLATE),
            ("utility", "MMLITE_UTILITY_TEMPLATE", DEFAULT_UTILITY_TEMPLATE),
            ("authentication", "MMLITE_AUTHENTICATION_TEMPLATE", DEFAULT_AUTHENTICATION_TEMPLATE),
        )
    }
    if problems or api_key is None or recipient is None or webhook is None:
        raise ConfigError(problems, target)
    return replace(
        run,
        api_key=api_key,
        not_onboarded_api_key=not_onboarded,
        recipient=recipient,
        cloud_base_url=(cloud or PRODUCTION_BASE_URL).rstrip("/"),
        mm_lite_url=mm_lite or default_mm_lite,
        webhook_public_url=webhook,
        marketing_template=templates["marketing"],
        utility_template=templates["utility"],
        authentication_template=templates["authentication"],
        template_language=language,
    )


def _target(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    profiles: Mapping[str, TargetProfile],
    default: str,
    problems: list[str],
) -> str | None:
    option = options.get("target")
    if option is not None and not str(option).strip():  # `--target ''`: asked for, not a silent default
        problems.append(f"--target is empty; choose one of: {', '.join(profiles)}.")
        return None
    raw, source = (str(option), "--target") if option is not None else (None, "")
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
    known = profiles[target].known_faults if target is not None else ()
    unknown = [f for f in faults if f not in known]
    if unknown and known:
        shown = ", ".join(repr(f[:40]) for f in unknown)
        problems.append(f"--emulator-fault {shown}: no such fault; choose from: {', '.join(known)}.")
        return tuple(f for f in faults if f in known)
    return faults


def _given(options: Mapping[str, object], environ: Mapping[str, str], key: str, variable: str) -> tuple[str, str]:
    """(value, where it came from): the option `--key`, else the environment variable; ("", "") when neither."""
    option = options.get(key)
    if option not in (None, ""):
        return str(option), "--" + key.replace("_", "-")
    raw = environ.get(variable, "")
    return (raw, variable) if raw.strip() else ("", "")


def _emulator_profile(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    target: str | None,
    profiles: Mapping[str, TargetProfile],
    problems: list[str],
) -> tuple[str | None, int | None]:
    """The embedded emulator's profile and seed; the names are the target's to list (the emulator owns them)."""
    name, name_source = _given(options, environ, "emulator_profile", "MMLITE_EMULATOR_PROFILE")
    seed_text, seed_source = _given(options, environ, "emulator_seed", "MMLITE_EMULATOR_SEED")
    if target is None:
        return None, None
    choices = profiles[target].emulator_profiles
    if not choices:  # a variable left in the shell does not stop a replay; an option given for it does
        flags = [source for source in (name_source, seed_source) if source.startswith("--")]
        if flags:
            able = " or ".join(f"--target={n}" for n, p in profiles.items() if p.emulator_profiles)
            problems.append(f"{flags[0]} needs {able}; the {target} target runs no emulator profile.")
        return None, None
    profile = name.strip().lower() or None
    if profile is not None and profile not in choices:
        problems.append(f"{name_source}={name[:40]!r} is not an emulator profile; choose one of: {', '.join(choices)}.")
        profile = None
    seed = None
    if seed_source:
        digits = seed_text.strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            seed = int(digits)
        else:
            problems.append(f"{seed_source}={seed_text[:20]!r} is not a seed; give a whole number >= 0, e.g. 7.")
    return profile, seed


def _contract(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    target: str | None,
    profiles: Mapping[str, TargetProfile],
    problems: list[str],
) -> str:
    """The contract profile (alpha: the guide's world; ga: today's API); each target has its default."""
    raw, source = _given(options, environ, "contract", "MMLITE_CONTRACT")
    if target is None:
        return ALPHA
    profile = profiles[target]
    if not profile.contracts:  # a run with a fixed contract (platform); a variable left in the shell does not stop it
        if source.startswith("--"):
            problems.append(f"{source} does not apply to the {target} target, which judges its own requirements.")
        return profile.default_contract
    name = raw.strip().lower()
    if not name:
        return profile.default_contract
    if name not in profile.contracts:
        choices = "; ".join(f"{n} ({CONTRACT_PROFILES[n]})" for n in profile.contracts)
        problems.append(f"{source}={raw[:40]!r} is not a contract profile; choose one of: {choices}.")
        return profile.default_contract
    return name
