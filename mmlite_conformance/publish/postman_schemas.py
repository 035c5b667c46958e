"""The suite's JSON Schemas as one self-contained draft-07 document each, for Postman's `jsonSchema` (Ajv 6)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from mmlite_conformance.suite.schemas import SCHEMA_SUFFIX, default_schema_dir

__all__ = ["bundled"]

#: keywords Ajv 6 would reject or mis-read (the 2020-12 metaschema URI, the files' own ids) and prose, which the
#: request's test script does not need (the schema files keep it)
_DROPPED = frozenset({"$schema", "$id", "$comment", "description", "title", "examples"})
#: keywords whose value maps names to schemas: its keys are names, never keywords
_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


@cache
def bundled(kind: str, directory: Path | None = None) -> dict[str, Any]:
    """`kind`'s schema with every file it refers to under `$defs["<file>"]` and each `$ref` made local."""
    folder = directory or default_schema_dir(Path(__file__).resolve().parents[2])
    root = f"{kind}{SCHEMA_SUFFIX}"
    files: dict[str, Any] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        if name not in files:
            files[name] = json.loads((folder / name).read_text(encoding="utf-8"))
            pending += _referenced(files[name])
    schema: dict[str, Any] = _localised(files[root], root, root)
    defs = schema.setdefault("$defs", {})
    for name, content in files.items():
        if name != root:
            defs[name] = _localised(content, name, root)
    return schema


def _referenced(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].split("#", 1)[0]] if isinstance(node.get("$ref"), str) else []
        return [name for name in found if name] + [n for value in node.values() for n in _referenced(value)]
    if isinstance(node, list):
        return [n for value in node for n in _referenced(value)]
    return []


def _localised(node: Any, file: str, root: str, names: bool = False) -> Any:
    """`node` with refs pointing inside the bundle: `x.schema.json#/a` -> `#/$defs/x.schema.json/a`."""
    if isinstance(node, list):
        return [_localised(value, file, root) for value in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: _localised(value, file, root) for key, value in node.items()}
    out = {key: _localised(value, file, root, key in _MAPS) for key, value in node.items() if key not in _DROPPED}
    if isinstance(node.get("$ref"), str):
        target, _, pointer = node["$ref"].partition("#")
        target = target or file
        out["$ref"] = f"#{pointer}" if target == root else f"#/$defs/{target}{pointer}"
        if len(out) > 1:  # draft-07 ignores a $ref's siblings, 2020-12 applies them: keep both through allOf
            return {**{key: value for key, value in out.items() if key != "$ref"}, "allOf": [{"$ref": out["$ref"]}]}
    return out
