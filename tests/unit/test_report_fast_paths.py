"""The report's shortcuts answer as the general paths: JSON-ready data by exact type, reproducers rendered once."""

from __future__ import annotations

import dataclasses
from collections import Counter, OrderedDict
from collections.abc import Mapping
from typing import Any

import pytest

from mmlite_conformance.suite import evidence
from mmlite_conformance.suite.report.data import to_jsonable
from mmlite_conformance.suite.snippets import ReproducibleRequest, render_all
from tests.unit.test_report_html import _exchange

pytestmark = pytest.mark.unit


def _general(value: Any) -> Any:
    """to_jsonable as it was before its exact-type shortcuts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _general(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _general(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_general(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclasses.dataclass
class _Record:
    name: str
    values: tuple[int, ...]


class _Text(str):
    pass


class _Items(list[Any]):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [True, None, 1.5, "x"], 3: {"nested": [b"\xff", (1, 2)]}},
        OrderedDict(z=1, a=[_Record("r", (1, 2))]),
        Counter("abca"),
        _Items([frozenset({"only"}), _Text("sub"), {"k": _Items([1])}]),
        [_Record("outer", ()), {"when": object}],
        "plain",
        False,
    ],
    ids=["plain-json", "ordered-dict", "counter", "subclasses", "dataclass-and-other", "string", "bool"],
)
def test_to_jsonable_answers_as_the_general_path(value: Any) -> None:
    fast, general = to_jsonable(value), _general(value)
    assert fast == general
    assert repr(fast) == repr(general)  # the same types too (True stays True, not 1)


def test_reproducers_are_rendered_once_and_handed_out_as_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[object] = []

    def counting_render_all(request: ReproducibleRequest) -> dict[str, str]:
        renders.append(request)
        return render_all(request)

    monkeypatch.setattr(evidence, "render_all", counting_render_all)
    exchange = _exchange()
    exchange.as_dict(), exchange.to_curl(), exchange.reproducers()  # the evidence file, then the report's tabs
    assert len(renders) == 1
    first = exchange.reproducers()
    assert first == render_all(exchange.reproducible())
    first["curl"] = "changed by a caller"
    assert exchange.reproducers()["curl"] == render_all(exchange.reproducible())["curl"]
    assert exchange.to_curl() == exchange.reproducers()["curl"]
    assert exchange.as_dict()["reproducers"] == render_all(exchange.reproducible())
