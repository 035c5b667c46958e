"""The JSON walks of redaction (learning, redacting) answer as the general walks they shortcut, on JSON-like data."""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmlite_conformance.suite.redaction import (
    _LEARNED_KEYS,
    _LOOKS_LIKE_PHONE,
    _PHONE_FORMATTING,
    BSUID_KEYS,
    OFFLINE_PSEUDONYM_KEY,
    PHONE_KEYS,
    Redactor,
    _keyed_values,
)

pytestmark = pytest.mark.unit


def _general_keyed_values(node: Any, keys: frozenset[str], key: str | None = None) -> Iterable[tuple[str, str]]:
    """_keyed_values as it was before its exact-type shortcuts."""
    if isinstance(node, str):
        if key is not None:
            yield key, node
    elif isinstance(node, Mapping):
        for name, value in node.items():
            yield from _general_keyed_values(value, keys, name if name in keys else None)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _general_keyed_values(value, keys, key)


def _general_redact_json(red: Redactor, obj: Any) -> Any:
    """Redactor.redact_json as it was before its exact-type shortcuts."""
    for key, value in _general_keyed_values(obj, _LEARNED_KEYS):
        if key in PHONE_KEYS:
            red.add_phone_number(value)
        if key in BSUID_KEYS:
            red.add_bsuid(value)

    def node_of(node: Any, phone_key: bool) -> Any:
        if isinstance(node, str):
            redacted = red.redact_text(node)
            if phone_key:
                candidate = _PHONE_FORMATTING.sub("", redacted)
                if _LOOKS_LIKE_PHONE.fullmatch(candidate):
                    return red.pseudonym(candidate)
            return redacted
        if isinstance(node, Mapping):
            return {
                (red.redact_text(k) if isinstance(k, str) else k): node_of(v, k in PHONE_KEYS) for k, v in node.items()
            }
        if isinstance(node, list | tuple):
            items = [node_of(v, phone_key) for v in node]
            return tuple(items) if isinstance(node, tuple) else items
        return node

    return node_of(obj, False)


class _Level(enum.IntEnum):
    HIGH = 5521912345678


class _Text(str):
    pass


_TEXTS = st.sampled_from(
    [
        "+55 21 91234-5678",
        "5521912345678",
        "552191234567",
        "hello",
        "BR.1234567890abcdef",
        "call 15551234567 now",
        "",
    ]
)
_KEYS = st.sampled_from(sorted(_LEARNED_KEYS | {"text", "id", "status"}))
_LEAVES = st.one_of(
    _TEXTS,
    _TEXTS.map(_Text),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.just(_Level.HIGH),
)
_JSON_LIKE = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=4),
        st.dictionaries(_KEYS, inner, max_size=3).map(OrderedDict),
    ),
    max_leaves=25,
)


def _redactor() -> Redactor:
    return Redactor(["sk-secret-key"], ["+55 21 99876-5432"], OFFLINE_PSEUDONYM_KEY)


@settings(max_examples=300, deadline=None)
@given(_JSON_LIKE)
def test_redacting_and_learning_answer_as_the_general_walks(obj: Any) -> None:
    assert _keyed_values(obj, _LEARNED_KEYS) == list(_general_keyed_values(obj, _LEARNED_KEYS))
    fast, general = _redactor(), _redactor()
    fast_result, general_result = fast.redact_json(obj), _general_redact_json(general, obj)
    assert repr(fast_result) == repr(general_result)  # the same values of the same types
    assert fast.redact_text(repr(obj)) == general.redact_text(repr(obj))  # and the same numbers learned
