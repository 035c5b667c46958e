"""Conformance suite and sandbox emulator for 360dialog's WhatsApp MM Lite API."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":  # computed on first use, so importing the emulator does not pay for it
        from mmlite_conformance.version import suite_version

        return suite_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
