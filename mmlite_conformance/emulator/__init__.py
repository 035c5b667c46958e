"""An embedded double of 360dialog's MM Lite sandbox; imports nothing from the suite side."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mmlite_conformance.emulator.app import create_app
    from mmlite_conformance.emulator.config import (
        DEFAULT_API_KEY,
        NOT_ONBOARDED_API_KEY,
        AccountConfig,
        ConfigError,
        DeliveryDelays,
        EmulatorConfig,
        RateLimits,
        WebhookSettings,
    )
    from mmlite_conformance.emulator.faults import FAULTS, UnknownFaultError
    from mmlite_conformance.emulator.server import EmulatorServer
    from mmlite_conformance.emulator.signing import META_SIGNATURE_HEADER, SIGNATURE_HEADER
    from mmlite_conformance.emulator.state import EmulatorState

# lazy exports: the CLI parser must not pay for Starlette and uvicorn before it needs them
_EXPORTS = {
    "create_app": "app",
    "EmulatorServer": "server",
    "EmulatorState": "state",
    "SIGNATURE_HEADER": "signing",
    "META_SIGNATURE_HEADER": "signing",
    "FAULTS": "faults",
    "UnknownFaultError": "faults",
    **{
        name: "config"
        for name in (
            "DEFAULT_API_KEY",
            "NOT_ONBOARDED_API_KEY",
            "AccountConfig",
            "ConfigError",
            "DeliveryDelays",
            "EmulatorConfig",
            "RateLimits",
            "WebhookSettings",
        )
    },
}
__all__ = [
    "DEFAULT_API_KEY",
    "FAULTS",
    "META_SIGNATURE_HEADER",
    "NOT_ONBOARDED_API_KEY",
    "SIGNATURE_HEADER",
    "AccountConfig",
    "ConfigError",
    "DeliveryDelays",
    "EmulatorConfig",
    "EmulatorServer",
    "EmulatorState",
    "RateLimits",
    "UnknownFaultError",
    "WebhookSettings",
    "create_app",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
