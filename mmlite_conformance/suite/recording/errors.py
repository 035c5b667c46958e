"""The one error of recording and replay: a cassette or webhook tape problem, told in one sentence."""

from __future__ import annotations

__all__ = ["CassetteError"]


class CassetteError(Exception):
    """A cassette or webhook tape problem, told in one redacted sentence that names the file (relative path)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message
