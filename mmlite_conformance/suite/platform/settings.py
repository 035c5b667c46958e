"""What a platform run takes from the environment, every problem reported with the rest of the configuration."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from mmlite_conformance.suite.config import values as value

Routing = Literal["explicit", "delegated"]
ROUTINGS: Final = ("explicit", "delegated")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(slots=True, frozen=True)
class PlatformSettings:
    """How the suite drives the partner's platform and how long it watches what the platform does."""

    #: the driver command line (POSIX shell rules, run without a shell), or None
    driver_command: tuple[str, ...] | None = None
    #: where to POST actions instead, or None; with neither, the operator performs each action
    driver_url: str | None = None
    action_timeout: float = 30.0
    connect_timeout: float = 120.0
    #: how long the first request attributable to an action may take
    action_wait: float = 10.0
    #: the observation ends once this long passed with no new attributable request
    settle: float = 3.0
    observe_max: float = 60.0
    routing: Routing = "explicit"
    #: the platform's webhook URL when the partner registers it by configuration (the suite registers it)
    webhook_url: str | None = None
    ca_bundle: str | None = None
    #: where the embedded emulator listens (host, port), unless an emulator already runs at `emulator_url`
    emulator_listen: tuple[str, int] = ("127.0.0.1", 0)
    emulator_url: str | None = None
    #: the secret the partner shared with the platform: the emulator signs notifications with it
    webhook_secret: str | None = None

    def summary(self) -> dict[str, str]:
        driver = "command" if self.driver_command else "URL" if self.driver_url else "the operator"
        return {"driver": driver, "routing": self.routing, "webhook": self.webhook_url or "registered by the platform"}


def load_platform_settings(environ: Mapping[str, str], problems: list[str]) -> PlatformSettings:
    """The `MMLITE_PLATFORM_*` variables; every problem is appended to `problems`."""
    command = _command(environ.get("MMLITE_PLATFORM_DRIVER"), problems)
    url = _driver_url(environ.get("MMLITE_PLATFORM_DRIVER_URL"), problems)
    if command and url:
        problems.append("set MMLITE_PLATFORM_DRIVER or MMLITE_PLATFORM_DRIVER_URL, not both.")
    routing = environ.get("MMLITE_PLATFORM_ROUTING", "explicit").strip().lower() or "explicit"
    if routing not in ROUTINGS:
        problems.append(f"MMLITE_PLATFORM_ROUTING={routing[:20]!r} must be explicit or delegated.")
        routing = "explicit"
    ca_bundle = environ.get("MMLITE_PLATFORM_CA_BUNDLE") or None
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        problems.append(f"MMLITE_PLATFORM_CA_BUNDLE={ca_bundle[:80]!r} is not a readable file of CA certificates.")
    webhook = environ.get("MMLITE_PLATFORM_WEBHOOK_URL") or None
    if webhook is not None and urlsplit(webhook).scheme not in ("http", "https"):
        problems.append("MMLITE_PLATFORM_WEBHOOK_URL must be an http or https URL.")
    emulator_url = environ.get("MMLITE_PLATFORM_EMULATOR_URL") or None
    if emulator_url is not None and not _is_loopback_url(emulator_url):
        problems.append("MMLITE_PLATFORM_EMULATOR_URL must be an emulator on this machine (a loopback http URL).")
    return PlatformSettings(
        driver_command=command,
        driver_url=url,
        action_timeout=value.seconds(environ, "MMLITE_PLATFORM_TIMEOUT", 30.0, problems, positive=True),
        connect_timeout=value.seconds(environ, "MMLITE_PLATFORM_CONNECT_TIMEOUT", 120.0, problems, positive=True),
        action_wait=value.seconds(environ, "MMLITE_PLATFORM_ACTION_WAIT", 10.0, problems, positive=True),
        settle=value.seconds(environ, "MMLITE_PLATFORM_SETTLE", 3.0, problems, positive=True),
        observe_max=value.seconds(environ, "MMLITE_PLATFORM_OBSERVE_MAX", 60.0, problems, positive=True),
        routing="delegated" if routing == "delegated" else "explicit",
        webhook_url=webhook,
        ca_bundle=ca_bundle,
        emulator_listen=value.listen(environ, "MMLITE_PLATFORM_EMULATOR_LISTEN", "127.0.0.1:0", problems),
        emulator_url=emulator_url.rstrip("/") if emulator_url else None,
        webhook_secret=environ.get("MMLITE_PLATFORM_WEBHOOK_SECRET") or None,
    )


def _command(raw: str | None, problems: list[str]) -> tuple[str, ...] | None:
    if raw is None or not raw.strip():
        return None
    try:
        parts = tuple(shlex.split(raw))
    except ValueError as error:
        problems.append(f"MMLITE_PLATFORM_DRIVER is not a command line ({error}); quote it as in a POSIX shell.")
        return None
    return parts or None


def _driver_url(raw: str | None, problems: list[str]) -> str | None:
    if raw is None or not raw.strip():
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS):
        return raw.strip()
    problems.append("MMLITE_PLATFORM_DRIVER_URL must be https, or http on loopback (localhost, 127.0.0.1, ::1).")
    return None


def _is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS
