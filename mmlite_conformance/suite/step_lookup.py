"""pytest-bdd's step lookup, with what a test can see computed once per module instead of at every step."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from weakref import WeakKeyDictionary

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
    pytest-bdd, those of the step's type whose parser matches its text are the answer, kept per step too.
    """
    registry = bdd_scenario.step_function_context_registry
    names_of, definitions_of = bdd_compat.get_fixture_names, bdd_compat.getfixturedefs
    visible_by_place: WeakKeyDictionary[Any, dict[tuple[object, ...], tuple[Any, ...]]] = WeakKeyDictionary()
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
            visible = visible_by_place.setdefault(fixturemanager, {}).get(place)
            if visible is None:
                visible = visible_by_place[fixturemanager][place] = visible_step_definitions(fixturemanager, node)
            found = found_by_step[fixturemanager][key] = tuple(
                fixturedef
                for fixturedef, context in visible
                if context.type in (None, step.type) and context.parser.is_matching(step.name)
            )
        return iter(found)

    setattr(find_fixturedefs_for_step, _FASTER, True)
    return find_fixturedefs_for_step


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
    return True
