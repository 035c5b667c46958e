"""Conformance suite and sandbox emulator for 360dialog's WhatsApp MM Lite API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mmlite-conformance")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
