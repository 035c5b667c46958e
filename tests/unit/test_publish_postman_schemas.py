"""The bundled draft-07 schemas Postman runs judge bodies as the suite's Draft 2020-12 registry does."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from mmlite_conformance.publish.catalog import load_catalog
from mmlite_conformance.publish.postman_schemas import bundled
from mmlite_conformance.suite.schemas import SchemaRegistry

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
REGISTRY = SchemaRegistry(REPO / "schemas", check_metaschema=False)
KINDS = ("send-response", "error-wrapped", "error-api-key", "template-list", "webhook-config-response")


def _recorded_bodies() -> list[Any]:
    catalog = load_catalog(REPO / "features", REPO / "cassettes")
    bodies = []
    for _, scenario in catalog.scenarios():
        for instance in scenario.instances:
            bodies += [json.loads(e.response_body) for e in instance.exchanges if e.response_body.startswith("{")]
    return bodies


BODIES = _recorded_bodies()


def _mutants(body: Any) -> list[Any]:
    """Bodies one edit away: each top-level key dropped, each first list item emptied, each string made a number."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            dropped = {k: v for k, v in body.items() if k != key}
            found.append(dropped)
            changed = copy.deepcopy(body)
            changed[key] = 7 if isinstance(value, str) else ([{}] if isinstance(value, list) else value)
            found.append(changed)
            if isinstance(value, dict):
                found += [{**body, key: mutant} for mutant in _mutants(value)]
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_a_bundle_refers_only_inside_itself(kind: str) -> None:
    text = json.dumps(bundled(kind))
    assert ".schema.json#" not in text and "$schema" not in text and "$id" not in text
    Draft7Validator.check_schema(bundled(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_the_bundle_agrees_with_the_suite_on_recorded_bodies_and_their_mutants(kind: str) -> None:
    validator = Draft7Validator(bundled(kind))
    verdicts = {True: 0, False: 0}
    for body in BODIES + [mutant for recorded in BODIES for mutant in _mutants(recorded)]:
        expected = REGISTRY.validate(kind, body).valid
        assert validator.is_valid(body) == expected, (kind, body)
        verdicts[expected] += 1
    assert verdicts[False] > 0, f"{kind}: no body was rejected, the comparison proves nothing"


def test_a_refs_siblings_still_apply(tmp_path: Path) -> None:
    (tmp_path / "common.schema.json").write_text('{"$defs": {"text": {"type": "string"}}}')
    (tmp_path / "x.schema.json").write_text('{"$ref": "common.schema.json#/$defs/text", "minLength": 3}')
    validator = Draft7Validator(bundled("x", tmp_path))
    assert validator.is_valid("abc") and not validator.is_valid("ab") and not validator.is_valid(5)
