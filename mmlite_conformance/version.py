"""The one source of the suite's version, read lazily: `importlib.metadata` costs tens of ms at import."""

from __future__ import annotations

from functools import cache


@cache
def suite_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mmlite-conformance")
    except PackageNotFoundError:  # a source tree that was not installed
        return "0.0.0+source"
