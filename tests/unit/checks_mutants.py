"""Self-mutation of the checks: every public check disabled in turn, and a pytest plugin that runs tests against each.

A disabled check never fails: one that only raises returns None at once; one that returns a value returns its input
or its first candidate unchecked (`UNCHECKED`), or else what the original returns, with a failure swallowed into a
plausible value of the annotated type. Methods are found by introspection, so a new check is mutated without edits.

Used as `pytest -p tests.unit.checks_mutants --mutate-checks=OUT.json FILES`: the files' tests run once unmutated,
then once per mutant until the first failing test; OUT.json says which test killed which mutant.
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol  # the re-run entry point pytest-rerunfailures uses too

from mmlite_conformance.suite.checks import Checker, ConformanceError
from mmlite_conformance.suite.platform.checks import PlatformChecks
from mmlite_conformance.suite.platform.reactions import ReactionChecks

#: the classes whose own public methods are mutated (a subclass's mutants are only the methods it defines)
CLASSES: tuple[type, ...] = (Checker, PlatformChecks, ReactionChecks)
#: public methods that are not checks, with why
NOT_CHECKS = {"fail": "builds the error every check raises; disabling it is not disabling a check"}


def _message_id(self: Checker, response: Any, *_: Any) -> str:
    body = response.body if isinstance(response.body, Mapping) else {}
    messages = body.get("messages")
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], Mapping) else {}
    return str(first.get("id", ""))


def _named_template(self: Checker, response: Any, name: str, category: str) -> Mapping[str, Any]:
    body = response.body if isinstance(response.body, Mapping) else {}
    templates = body.get("waba_templates", body.get("data", []))
    named = (
        [t for t in templates if isinstance(t, Mapping) and t.get("name") == name]
        if isinstance(templates, list)
        else []
    )
    return named[0] if named else {}


def _unredacted(self: Checker, response: Any) -> str:
    shown = response.body if response.body is not None else response.text
    return shown if isinstance(shown, str) else json.dumps(shown, sort_keys=True, ensure_ascii=False)


#: value-returning checks whose disabled form is stated: their input, or their first candidate unchecked
UNCHECKED: dict[str, Callable[..., Any]] = {
    "Checker.successful_send": _message_id,
    "Checker.message_id": _message_id,
    "Checker.graph_error": lambda self, response: response.body if isinstance(response.body, Mapping) else {},
    "Checker.template_listed": _named_template,
    "Checker.rendered": _unredacted,
    "Checker.observed_error_code": lambda self, response: "",
    "PlatformChecks.sent_something": lambda self, window, action: window.requests,
    "ReactionChecks.met": lambda self, window, what, meets: window.requests[0] if window and window.requests else None,
}


@dataclass(slots=True, frozen=True)
class Mutant:
    """One check of one class, disabled."""

    owner: type
    name: str
    disabled: Callable[..., Any]

    @property
    def label(self) -> str:
        return f"{self.owner.__name__}.{self.name}"

    @contextmanager
    def applied(self) -> Iterator[None]:
        original = vars(self.owner)[self.name]
        setattr(self.owner, self.name, self.disabled)
        try:
            yield
        finally:
            setattr(self.owner, self.name, original)


def check_names(owner: type) -> list[str]:
    """The public methods `owner` itself defines, apart from those that are not checks."""
    return sorted(
        name
        for name, value in vars(owner).items()
        if inspect.isfunction(value) and not name.startswith("_") and name not in NOT_CHECKS
    )


def mutants(classes: Iterable[type] = CLASSES) -> list[Mutant]:
    return [Mutant(owner, name, _disable(owner, name)) for owner in classes for name in check_names(owner)]


def _disable(owner: type, name: str) -> Callable[..., Any]:
    original = vars(owner)[name]
    returned = typing.get_type_hints(original).get("return")
    label = f"{owner.__name__}.{name}"
    if label in UNCHECKED:
        return functools.wraps(original)(UNCHECKED[label])
    if returned is type(None):
        return functools.wraps(original)(lambda self, *args, **kwargs: None)
    fallback = plausible(returned)

    @functools.wraps(original)
    def swallowed(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except ConformanceError:
            return fallback

    return swallowed


def plausible(annotation: Any) -> Any:
    """A value of the annotated type that a check could have returned: empty, zero, or an enum's first member."""
    if typing.get_origin(annotation) in {typing.Union, types.UnionType}:
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    origin = typing.get_origin(annotation) or annotation
    if isinstance(origin, type) and issubclass(origin, enum.Enum):
        return next(iter(origin))
    for kind, value in ((bool, False), (str, ""), (int, 0), (float, 0.0)):
        if origin is kind:
            return value
    if origin in {dict, Mapping}:
        return {}
    if origin in {list, Sequence, Iterable}:
        return []
    return None


# --- the plugin --------------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--mutate-checks",
        metavar="JSON",
        default=None,
        help="run the collected tests against every disabled check and write which test killed each to JSON",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    out = session.config.getoption("mutate_checks")
    if out is None:
        return None
    items = list(session.items)
    killed_by: dict[str, str | None] = {}
    baseline = _failing(items, first_only=False)
    for mutant in mutants():
        with mutant.applied():
            failing = _failing(items, first_only=True)
        killed_by[mutant.label] = failing[0] if failing else None
    record = {"tests": [item.nodeid for item in items], "baseline_failures": baseline, "killed_by": killed_by}
    Path(out).write_text(json.dumps(record, indent=1), encoding="utf-8")
    return True


def _failing(items: Sequence[pytest.Item], *, first_only: bool) -> list[str]:
    failing: list[str] = []
    for item in items:
        # nextitem=None tears every fixture down: each run starts clean, whichever item ended the previous one
        if any(report.failed for report in runtestprotocol(item, log=False, nextitem=None)):
            failing.append(item.nodeid)
            if first_only:
                break
    return failing
