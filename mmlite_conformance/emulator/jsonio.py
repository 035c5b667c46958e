"""JSON in and out: one shared encoder and decoder, and the refusals of what could not be echoed back safely."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any


def _orjson() -> ModuleType | None:
    """orjson where it is installed (a runtime dependency on CPython; PyPy has none): it reads a request body, and
    writes a send's answer, in a fraction of json's work, and it is asked only where it does exactly what json does."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


_ORJSON = _orjson()
# orjson reads an integer beyond 64 bits as a float; every such integer has at least 19 digits in a row
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_DIGITS = b"0123456789"


def _may_hold_a_long_integer(raw: bytes) -> bool:
    """Whether the body has 19 digits in a row; counting all its digits first answers most bodies at a tenth of the
    search's cost (a send has fewer than 19 digits in all)."""
    return len(raw) - len(raw.translate(None, _DIGITS)) >= 19 and _LONG_DIGITS.search(raw) is not None


MAX_DEPTH = 64  # nesting of objects and arrays in a request body

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _prebuilt_c_encoder() -> Callable[[Any, int], list[str]] | None:
    """json's C encoder with _ENCODER's options, built once: `JSONEncoder.encode` builds one at every call (about
    1.2 us of a send's answer). No circular-reference check: the emulator builds each answer afresh. None where the
    C accelerator is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    encoder: Callable[[Any, int], list[str]] = make(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    return encoder


_C_ENCODER = _prebuilt_c_encoder()


class UnsafeJsonError(ValueError):
    """JSON that parses but must be refused: NaN or Infinity, a lone surrogate, or nesting beyond MAX_DEPTH."""


def _no_constant(name: str) -> Any:
    raise UnsafeJsonError(f"{name} is not a JSON number.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise UnsafeJsonError("A number is out of range.")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON, as `_ENCODER.encode` writes it; the encoder is built once."""
    if _C_ENCODER is None:
        return _ENCODER.encode(body).encode()
    return "".join(_C_ENCODER(body, 0)).encode()


def dumps_without_floats(body: Any) -> bytes:
    """`dumps` for a body its caller built without a float (strings, integers, booleans, null, lists, objects with
    string keys), such as a send's answer: there orjson writes the same bytes. A float would come out in orjson's own
    form (1e16 for 1e+16, null for NaN), hence the caller's promise. What orjson refuses (an integer beyond 64 bits,
    a key that is no string, a lone surrogate) goes to `dumps`, which writes or refuses it as before."""
    if _ORJSON is not None:
        try:
            written: bytes = _ORJSON.dumps(body)
        except TypeError:  # orjson.JSONEncodeError
            pass
        else:
            return written
    return dumps(body)


def _depth_exceeds(value: Any, limit: int) -> bool:
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def loads(raw: bytes) -> Any:
    """Parse a request body; ValueError (UnsafeJsonError among them) when it is not JSON the emulator can echo.

    A UTF-8 object goes to orjson first: what it reads is what the standard parser reads (it refuses NaN, Infinity,
    numbers out of float range, lone surrogates and control characters too), except integers beyond 64 bits, which
    go to the standard parser. Whatever orjson refuses, the standard parser reads again, to word the refusal."""
    if _ORJSON is not None and raw[:1] == b"{" and not _may_hold_a_long_integer(raw):
        try:
            body = _ORJSON.loads(raw)
        except ValueError:  # orjson.JSONDecodeError
            pass
        else:
            if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _depth_exceeds(body, MAX_DEPTH):
                raise UnsafeJsonError(f"The body is nested deeper than {MAX_DEPTH} levels.")
            return body
    return standard_loads(raw)


def standard_loads(raw: bytes) -> Any:
    """`loads` by the standard parser alone, in every encoding `json` detects."""
    # an object whose second byte is no NUL is UTF-8 to json.detect_encoding too (no BOM, not UTF-16/32): asked only
    # for other bodies
    encoding = "utf-8" if raw[:1] == b"{" and raw[1:2] != b"\x00" else json.detect_encoding(raw)
    try:
        body = _DECODER.decode(raw.decode(encoding))  # strict: no encoded surrogates
    except RecursionError as exc:
        raise UnsafeJsonError("The body is nested too deeply.") from exc
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _depth_exceeds(body, MAX_DEPTH):
        raise UnsafeJsonError(f"The body is nested deeper than {MAX_DEPTH} levels.")
    if b"\\u" in raw:  # only an escape can make a lone surrogate: prove the body encodes back
        try:
            dumps(body)
        except UnicodeEncodeError as exc:
            raise UnsafeJsonError("A string holds a lone surrogate.") from exc
    return body
