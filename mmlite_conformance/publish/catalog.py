"""The guide as data: feature files (sections, scenarios, steps) joined to the exchanges their cassettes recorded.

`load_catalog(features_dir, cassettes_dir)` is the one entry point. Everything it returns is frozen; cassettes are
read as shipped (already redacted where they were recorded), so nothing here redacts or needs a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_bdd.parser import FeatureParser
from pytest_bdd.scenario import make_python_name
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serializers import yamlserializer

from mmlite_conformance.suite.recording.naming import cassette_name
from mmlite_conformance.suite.recording.persister import Persister
from mmlite_conformance.suite.report.guide import guide_words
from mmlite_conformance.suite.report.tags import requirement_ids_from_tags

__all__ = ["Catalog", "Exchange", "Instance", "Scenario", "Section", "Step", "load_catalog"]


@dataclass(frozen=True, slots=True)
class Step:
    """One Gherkin step: `keyword` as written ("And "), `kind` as resolved ("given", "when", "then")."""

    keyword: str
    kind: str
    text: str
    docstring: str | None = None
    background: bool = False


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded request and its answer, as the cassette holds them (redacted at recording)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: str


@dataclass(frozen=True, slots=True)
class Instance:
    """One run of a scenario: the scenario itself, or one row of an outline's examples (`index` as pytest-bdd
    counts rows across all Examples tables), with its rendered steps and its cassette's exchanges."""

    index: int | None
    examples_name: str
    values: tuple[tuple[str, str], ...]
    steps: tuple[Step, ...]
    cassette: str
    exchanges: tuple[Exchange, ...]

    @property
    def label(self) -> str:
        """The example's values ("ttl=43199"), or "" for a plain scenario."""
        return ", ".join(f"{name}={value}" for name, value in self.values)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario of the guide: its requirement ids, its Rule, its templated steps and its instances."""

    name: str
    function: str
    requirement_ids: tuple[str, ...]
    tags: tuple[str, ...]
    description: str
    rule: str
    rule_description: str
    outline: bool
    steps: tuple[Step, ...]
    instances: tuple[Instance, ...]

    @property
    def guide_step(self) -> str:
        """The Rule's title without its enumerator, else the scenario's name."""
        return guide_words(self.rule) if self.rule else self.name


@dataclass(frozen=True, slots=True)
class Section:
    """One feature file = one section of the guide."""

    stem: str
    title: str
    description: str
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    """The guide's sections in file order (1, comparison, 2, 3)."""

    sections: tuple[Section, ...]

    def scenarios(self) -> Iterable[tuple[Section, Scenario]]:
        return ((section, scenario) for section in self.sections for scenario in section.scenarios)


def load_catalog(features_dir: Path, cassettes_dir: Path) -> Catalog:
    """Every `features_dir/*.feature` (not sub-folders: the platform's features are not the guide), in name order."""
    files = sorted(features_dir.glob("*.feature"))
    if not files:
        raise ValueError(f"no feature files in {features_dir}")
    features = {path: FeatureParser(str(features_dir), path.name).parse() for path in files}
    functions = _function_names(features.values())
    return Catalog(tuple(_section(path, feature, cassettes_dir, functions) for path, feature in features.items()))


def _function_names(features: Iterable[Any]) -> dict[tuple[str, str], str]:
    """(feature file, scenario name) -> pytest-bdd's test function: `scenarios(".")` binds features in the order of
    their titles and suffixes a name already taken in the module (`_1`, `_2` ...)."""
    taken: dict[tuple[str, str], str] = {}
    for feature in sorted(features, key=lambda feature: feature.name or feature.filename):
        for name in feature.scenarios:
            base = f"test_{make_python_name(name)}"
            candidate, suffix = base, 0
            while candidate in taken.values():
                suffix += 1
                candidate = f"{base}_{suffix}"
            taken[(feature.filename, name)] = candidate
    return taken


def _section(path: Path, feature: Any, cassettes_dir: Path, functions: Mapping[tuple[str, str], str]) -> Section:
    scenarios = tuple(
        _scenario(template, path.stem, cassettes_dir, functions[(feature.filename, name)])
        for name, template in feature.scenarios.items()
    )
    return Section(path.stem, feature.name, _text(feature.description), scenarios)


def _scenario(template: Any, stem: str, cassettes_dir: Path, function: str) -> Scenario:
    rule = template.rule
    tags = (*template.feature.tags, *(rule.tags if rule else ()), *template.tags)
    contexts = [(examples, context) for examples in template.examples for context in examples.as_contexts()]
    if contexts:
        instances = tuple(
            _instance(template, stem, function, cassettes_dir, index, str(examples.name or ""), context)
            for index, (examples, context) in enumerate(contexts)
        )
    else:
        instances = (_instance(template, stem, function, cassettes_dir, None, "", {}),)
    return Scenario(
        name=template.name,
        function=function,
        requirement_ids=requirement_ids_from_tags(tags),
        tags=tuple(sorted({tag.lstrip("@") for tag in tags})),
        description=_text(template.description),
        rule=str(rule.name) if rule else "",
        rule_description=_text(rule.description) if rule else "",
        outline=bool(contexts),
        steps=_steps(template.steps, len(template.all_background_steps)),
        instances=instances,
    )


def _instance(
    template: Any,
    stem: str,
    function: str,
    cassettes_dir: Path,
    index: int | None,
    examples_name: str,
    context: Mapping[str, str],
) -> Instance:
    rendered = template.render(context)
    name = cassette_name(stem, function, index)
    background = len(template.all_background_steps)
    return Instance(
        index=index,
        examples_name=examples_name,
        values=tuple((str(key), str(value)) for key, value in context.items()),
        steps=_steps(rendered.steps, background),
        cassette=name,
        exchanges=read_exchanges(cassettes_dir / name),
    )


def _steps(steps: Iterable[Any], background: int) -> tuple[Step, ...]:
    """The steps in order; the first `background` of them come from the Feature's or the Rule's Background."""
    return tuple(
        Step(
            keyword=str(step.keyword).strip(),
            kind=str(step.type),
            text=str(step.name),
            docstring=step.docstring,
            background=position < background,
        )
        for position, step in enumerate(steps)
    )


def read_exchanges(path: Path) -> tuple[Exchange, ...]:
    """The exchanges of one vcrpy cassette, in recorded order; none when the scenario has no cassette."""
    try:
        requests, responses = Persister().load_cassette(path, yamlserializer)
    except CassetteNotFoundError:
        return ()
    return tuple(_exchange(request, response) for request, response in zip(requests, responses, strict=True))


def _exchange(request: Any, response: Mapping[str, Any]) -> Exchange:
    body = response.get("body", {}).get("string", "")
    return Exchange(
        method=str(request.method),
        url=str(request.uri),
        request_headers=_headers(request.headers.items()),
        request_body=_decode(request.body),
        status=int(response["status"]["code"]),
        response_headers=_headers((key, ", ".join(values)) for key, values in response.get("headers", {}).items()),
        response_body=_decode(body),
    )


def _headers(items: Iterable[tuple[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(key).lower(), str(value)) for key, value in items)


def _decode(body: Any) -> str:
    if body is None:
        return ""
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)


def _text(text: Any) -> str:
    return str(text or "").strip()
