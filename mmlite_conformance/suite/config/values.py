"""Reading one configuration value each: numbers, keys, recipients, URLs, names; problems are collected, not raised."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from mmlite_conformance.suite.config.settings import Secret, mask_digits

PHONE_SEPARATORS = re.compile(r"[ \-]")
E164_DIGITS = re.compile(r"\+?(\d{8,15})")
#: the one wording of the recipient's format: both configuration errors and README's table say it
RECIPIENT_FORMAT = (
    "in international format: country code and number, 8-15 digits, with or without a leading '+', spaces and "
    "dashes allowed (e.g. +55 21 91234 5678)"
)
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def normalise_recipient(value: str) -> str | None:
    """The digits of an international phone number (8-15 digits, optional +, spaces and dashes ignored)."""
    match = E164_DIGITS.fullmatch(PHONE_SEPARATORS.sub("", value.strip()))
    return match.group(1) if match else None


def listen(environ: Mapping[str, str], name: str, default: str, problems: list[str]) -> tuple[str, int]:
    value = environ.get(name, default)
    host, sep, port_text = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")  # [::1]:8080
    port = int(port_text) if port_text.isdigit() else -1
    if not sep or not host or not 0 <= port <= 65535:
        problems.append(
            f"{name}={value[:60]!r} is not host:port; use e.g. 127.0.0.1:0 (any free port) or "
            "0.0.0.0:8080 (behind a tunnel)."
        )
        return ("127.0.0.1", 0)
    return (host, port)


def seconds(environ: Mapping[str, str], name: str, default: float, problems: list[str], *, positive: bool) -> float:
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


def api_key(environ: Mapping[str, str], name: str, problems: list[str], *, required: bool) -> Secret | None:
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


def recipient(raw: str | None, problems: list[str]) -> str | None:
    if raw is None or not raw.strip():
        problems.append(
            f"MMLITE_RECIPIENT is not set: export the phone number that receives the test messages (yours), "
            f"{RECIPIENT_FORMAT}."
        )
        return None
    digits = normalise_recipient(raw)
    if digits is None:
        problems.append(f"MMLITE_RECIPIENT is not a phone number (got {mask_digits(raw)}); give it {RECIPIENT_FORMAT}.")
    return digits


def template_language(environ: Mapping[str, str], default: str, problems: list[str]) -> str:
    language = environ.get("MMLITE_TEMPLATE_LANGUAGE", default).strip()
    if not LANGUAGE_CODE.fullmatch(language):
        problems.append(
            f"MMLITE_TEMPLATE_LANGUAGE={language[:20]!r} is not a WhatsApp language code; use e.g. 'en', 'en_US', "
            "'pt_BR'."
        )
    return language


def url(
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


def check_webhook_host(url: str, problems: list[str]) -> None:
    parts = urlsplit(url)
    # 360dialog rejects webhook URLs whose host has '_' or an explicit port (CONTRACT.md §3.4)
    if "_" in (parts.hostname or "") or parts.port is not None:
        problems.append(
            f"MMLITE_WEBHOOK_URL host {parts.netloc!r} has an underscore or a port, which 360dialog does not "
            "accept for webhooks; use a tunnel URL on the default https port."
        )


def template_name(environ: Mapping[str, str], name: str, default: str, problems: list[str]) -> str:
    value = environ.get(name, default).strip() or default
    if not TEMPLATE_NAME.fullmatch(value):
        problems.append(
            f"{name}={value[:40]!r} is not a template name (lower-case letters, digits and '_', at most 512)."
        )
        return default
    return value


def flag(options: Mapping[str, object], environ: Mapping[str, str], problems: list[str]) -> bool:
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
