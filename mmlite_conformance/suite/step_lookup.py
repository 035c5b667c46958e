"""pytest-bdd's step lookup, with what a test can see computed once per module and each step function's signature
read once, instead of at every step."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from pytest_bdd import parsers as bdd_parsers

#: what pytest-bdd's `find_fixturedefs_for_step(step, fixturemanager, node)` looks like
Lookup = Callable[..., Iterable[Any]]
_FASTER = "_mmlite_faster"


def faster(bdd_scenario: Any, bdd_compat: Any) -> Lookup:
    """pytest-bdd's `find_fixturedefs_for_step`, answering the same in the same order, from two caches.

    pytest-bdd goes through every fixture name of the session at every step (about 110 here, 30 in a trivial
    project) and asks pytest which definitions the test can see: the biggest part of a replay run's own cost. Which
    step definitions a test sees depends on where it is defined (its module and class: fixtures are defined by
    plugins, conftests, modules and classes; a test's own registrations are target fixtures and pytest-bdd's
    temporary step fixture, which are no step definitions) and on the fixtures registered, which only grow: so the
    step definitions visible are kept per fixture manager, number of fixture names, module and class; then, as in
    pytest-bdd, those of the step's type whose parser matches its text are the answer, kept per step too. A parser
    is asked only when the step's text is, or begins with, what it must be or begin with (`Candidates`).
    """
    registry = bdd_scenario.step_function_context_registry
    names_of, definitions_of = bdd_compat.get_fixture_names, bdd_compat.getfixturedefs
    candidates_by_place: WeakKeyDictionary[Any, dict[tuple[object, ...], Candidates]] = WeakKeyDictionary()
    found_by_step: WeakKeyDictionary[Any, dict[tuple[object, ...], tuple[Any, ...]]] = WeakKeyDictionary()

    def visible_step_definitions(fixturemanager: Any, node: Any) -> tuple[Any, ...]:
        return tuple(
            (fixturedef, context)
            for name in names_of(fixturemanager=fixturemanager)
            for fixturedef in definitions_of(fixturemanager, name, node) or ()
            if (context := registry.get(fixturedef.func)) is not None
        )

    def find_fixturedefs_for_step(step: Any, fixturemanager: Any, node: Any) -> Iterator[Any]:
        place = (_names_registered(fixturemanager), getattr(node, "path", None), getattr(node, "cls", None))
        found = found_by_step.setdefault(fixturemanager, {}).get(key := (*place, step.type, step.name))
        if found is None:
            candidates = candidates_by_place.setdefault(fixturemanager, {}).get(place)
            if candidates is None:
                visible = visible_step_definitions(fixturemanager, node)
                candidates = candidates_by_place[fixturemanager][place] = Candidates.of(visible)
            found = found_by_step[fixturemanager][key] = tuple(
                fixturedef
                for fixturedef, context in candidates.for_text(step.name)
                if context.type in (None, step.type) and context.parser.is_matching(step.name)
            )
        return iter(found)

    setattr(find_fixturedefs_for_step, _FASTER, True)
    return find_fixturedefs_for_step


@dataclass(slots=True, frozen=True)
class Candidates:
    """The step definitions visible from one place, each with what a step's text must be or begin with for its
    parser to match it: a necessary condition, so the parsers are asked only where it holds, in the same order."""

    visible: tuple[tuple[Any, Any], ...]
    #: index in `visible` -> the text itself (an exact-text step), or its beginning folded to lower case (a parse or
    #: cfparse format up to its first field); definitions not here (regular expressions, other parsers) are always
    #: asked
    exact: dict[int, str]
    beginnings: dict[int, str]

    @classmethod
    def of(cls, visible: tuple[tuple[Any, Any], ...]) -> Candidates:
        exact: dict[int, str] = {}
        beginnings: dict[int, str] = {}
        for index, (_, context) in enumerate(visible):
            parser = context.parser
            kind = type(parser)
            if kind is bdd_parsers.string:
                exact[index] = parser.name
            elif kind in (bdd_parsers.parse, bdd_parsers.cfparse) and isinstance(parser.name, str):
                literal = parser.name.split("{", 1)[0]
                # parse compares without case by default; "}}" is a brace written twice: leave such texts alone
                if literal.isascii() and "}" not in literal:
                    beginnings[index] = literal.lower()
        return cls(visible, exact, beginnings)

    def for_text(self, text: str) -> Iterator[tuple[Any, Any]]:
        """The definitions whose parser may match `text`, in their order (outside ASCII, every parse format is
        asked: case folding there is the regex engine's)."""
        folded = text.lower() if text.isascii() else None
        for index, definition in enumerate(self.visible):
            if (exact := self.exact.get(index)) is not None:
                if exact == text:
                    yield definition
            elif folded is None or (beginning := self.beginnings.get(index)) is None or folded.startswith(beginning):
                yield definition


def _names_registered(fixturemanager: Any) -> int:
    """How many fixture names pytest knows (pytest 9.2 keeps them by node, earlier versions by name)."""
    registries = ("_arg2node2fixturedefs", "_arg2nodeid2fixturedefs", "_arg2fixturedefs")
    return sum(len(getattr(fixturemanager, name, ())) for name in registries)


def install() -> bool:
    """Put the faster lookup in pytest-bdd's place, once; False (nothing changed) when pytest-bdd lacks a piece."""
    # `pytest_bdd.scenario` the attribute is the decorator; the module is only reachable by its full name
    bdd_scenario: Any = importlib.import_module("pytest_bdd.scenario")
    bdd_compat = importlib.import_module("pytest_bdd.compat")
    needed = (
        (bdd_scenario, "find_fixturedefs_for_step"),
        (bdd_scenario, "step_function_context_registry"),
        (bdd_compat, "get_fixture_names"),
        (bdd_compat, "getfixturedefs"),
    )
    if not all(hasattr(module, name) for module, name in needed):
        return False
    if not getattr(bdd_scenario.find_fixturedefs_for_step, _FASTER, False):
        bdd_scenario.find_fixturedefs_for_step = faster(bdd_scenario, bdd_compat)
    _remember_signatures(bdd_scenario, importlib.import_module("pytest_bdd.utils"))
    return True


def _remember_signatures(*modules: Any) -> None:
    """pytest-bdd reads a step function's signature twice at every step (which arguments to pass, which fixtures to
    fetch); a function's signature does not change, so each is read once."""
    for module in modules:
        current = getattr(module, "signature", None)
        if current is not None and not getattr(current, _FASTER, False):
            module.signature = remembered_signature


def remembered_signature(function: Callable[..., Any]) -> inspect.Signature:
    """`inspect.signature(function)`, once per function (step functions live as long as the run); read each time
    for a callable that cannot be a dictionary key."""
    try:
        return _signature_once(function)
    except TypeError:  # unhashable
        return inspect.signature(function)


@functools.cache
def _signature_once(function: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(function)


setattr(remembered_signature, _FASTER, True)
