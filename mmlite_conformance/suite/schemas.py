"""Payload-kind registry: loads schemas/*.schema.json into a referencing.Registry; validate(kind, body) -> verdict."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError, best_match, relevance
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from mmlite_conformance.suite.evidence import SchemaVerdict
from mmlite_conformance.suite.uri_format import is_uri

__all__ = [
    "MAX_ERRORS",
    "SCHEMA_SUFFIX",
    "SchemaLoadError",
    "SchemaRegistry",
    "UnknownKindError",
    "default_schema_dir",
]

#: every schema file ends with this; the kind is the file name without it
SCHEMA_SUFFIX = ".schema.json"
#: at most this many error lines in a verdict (the last one says how many were left out)
MAX_ERRORS = 10
#: longest error line kept (a failing webhook body can be echoed whole by jsonschema)
_MAX_LINE = 300
#: top-level keys of a schema that only holds shared definitions (such a file is not a payload kind)
_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_LIBRARY_KEYS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description"})


class SchemaLoadError(ValueError):
    """A schema file is unreadable, is not valid Draft 2020-12, or holds a `$ref` that does not resolve."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"schema {path}: {problem}")
        self.path = path
        self.problem = problem


class UnknownKindError(KeyError):
    """Asked to validate against a kind that no schema file defines."""

    def __init__(self, kind: str, known: Iterable[str]) -> None:
        super().__init__(kind)
        self.kind = kind
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"unknown payload kind {self.kind!r}; known kinds: {', '.join(self.known)}"


def default_schema_dir(start: Path | None = None) -> Path:
    """The repository's `schemas/`: searched upwards from `start` (default: cwd), else beside the package."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "schemas"
        if (candidate / f"common{SCHEMA_SUFFIX}").is_file():
            return candidate
    beside_package = Path(__file__).resolve().parent.parent / "schemas"
    if beside_package.is_dir():
        return beside_package
    raise FileNotFoundError(f"no schemas/ directory (with common{SCHEMA_SUFFIX}) above {here} or beside the package")


def format_checker() -> FormatChecker:
    """jsonschema's Draft 2020-12 formats, `uri` checked by the suite: jsonschema checks it only with an optional
    package installed, which compiles a long expression at import, in every run, whether a URL is checked or not."""
    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("uri")(is_uri)
    return checker


class SchemaRegistry:
    """Every `*.schema.json` of a directory, checked and compiled once; `validate(kind, body)` is the hot path.

    `check_metaschema=False` skips validating each file against the Draft 2020-12 metaschema (the slowest part of
    loading); the `$id`, `$schema` and `$ref` checks always run.
    """

    def __init__(self, directory: Path | str | None = None, *, check_metaschema: bool = True) -> None:
        self.directory = Path(directory) if directory is not None else default_schema_dir()
        files = sorted(self.directory.glob(f"*{SCHEMA_SUFFIX}"))
        if not files:
            raise FileNotFoundError(f"no *{SCHEMA_SUFFIX} files in {self.directory}")
        contents: dict[str, tuple[Path, dict[str, Any]]] = {}
        for path in files:
            schema = _read_schema(path, check_metaschema=check_metaschema)
            schema_id = schema["$id"]
            if schema_id in contents:
                raise SchemaLoadError(path, f"$id {schema_id!r} is also the $id of {contents[schema_id][0].name}")
            contents[schema_id] = (path, schema)
        self.registry: Registry[Any] = (
            Registry()
            .with_resources(
                (schema_id, Resource.from_contents(schema, default_specification=DRAFT202012))
                for schema_id, (_, schema) in contents.items()
            )
            .crawl()
        )
        for schema_id, (path, schema) in contents.items():
            self._check_refs(path, schema_id, schema)
        self._ids: dict[str, str] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        formats = format_checker()  # one for every kind: it holds no state of a validation
        for schema_id, (path, schema) in contents.items():
            if _LIBRARY_KEYS.issuperset(schema):
                continue
            kind = path.name.removesuffix(SCHEMA_SUFFIX)
            self._ids[kind] = schema_id
            self._validators[kind] = Draft202012Validator(schema, registry=self.registry, format_checker=formats)

    @classmethod
    def from_directory(cls, path: Path | str, *, check_metaschema: bool = True) -> SchemaRegistry:
        return cls(path, check_metaschema=check_metaschema)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The payload kinds, sorted: file stems such as `send-response`, `error-wrapped`."""
        return tuple(sorted(self._validators))

    def __contains__(self, kind: object) -> bool:
        return kind in self._validators

    def schema_id(self, kind: str) -> str:
        self._require(kind)
        return self._ids[kind]

    def schema(self, kind: str) -> Mapping[str, Any]:
        """The schema document of a kind (read-only by convention)."""
        schema = self._require(kind).schema
        assert isinstance(schema, Mapping)  # every loaded file is a JSON object (checked at load)
        return schema

    def validate(self, kind: str, instance: Any) -> SchemaVerdict:
        """Validate `instance` against `kind`: the best-matching error first, at most MAX_ERRORS lines."""
        validator = self._require(kind)
        errors = list(validator.iter_errors(instance))
        if not errors:
            return SchemaVerdict(kind=kind, schema_id=self._ids[kind], valid=True)
        return SchemaVerdict(kind=kind, schema_id=self._ids[kind], valid=False, errors=_describe(errors))

    def is_valid(self, kind: str, instance: Any) -> bool:
        return bool(self._require(kind).is_valid(instance))

    def _require(self, kind: str) -> Draft202012Validator:
        try:
            return self._validators[kind]
        except KeyError:
            raise UnknownKindError(kind, self.kinds) from None

    def _check_refs(self, path: Path, schema_id: str, schema: Mapping[str, Any]) -> None:
        """Resolve every `$ref` now, so a dangling one fails at load time and names its file."""
        for base, ref, where in _refs(schema, schema_id, "#"):
            try:
                self.registry.resolver(base_uri=base).lookup(ref)
            except Unresolvable as exc:
                raise SchemaLoadError(path, f"$ref {ref!r} at {where} does not resolve ({exc})") from None


def _read_schema(path: Path, *, check_metaschema: bool) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaLoadError(path, f"unreadable JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise SchemaLoadError(path, "a schema file must hold a JSON object")
    schema_id = schema.get("$id")
    if not isinstance(schema_id, str) or not schema_id.startswith(("https://", "http://")):
        raise SchemaLoadError(path, "missing absolute $id (relative $refs resolve against it)")
    if not schema_id.endswith("/" + path.name):
        raise SchemaLoadError(path, f"$id {schema_id!r} does not end with the file name")
    if schema.get("$schema") != _DRAFT_2020_12:
        raise SchemaLoadError(path, f"$schema must be {_DRAFT_2020_12!r}")
    if not check_metaschema:
        return schema
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        location = "/".join(str(part) for part in exc.path) or "(root)"
        raise SchemaLoadError(path, f"not a valid Draft 2020-12 schema at {location}: {exc.message}") from None
    return schema


def _refs(node: Any, base: str, where: str) -> Iterator[tuple[str, str, str]]:
    """(base URI, $ref, JSON pointer) of every `$ref` keyword below `node`, honouring nested `$id`s."""
    if isinstance(node, dict):
        nested_id = node.get("$id")
        if isinstance(nested_id, str):
            base = urljoin(base, nested_id)
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield urldefrag(base).url, ref, where
        for key, value in node.items():
            if key in {"const", "enum", "examples", "default"}:
                continue
            yield from _refs(value, base, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs(item, base, f"{where}/{index}")


def _describe(errors: list[ValidationError]) -> tuple[str, ...]:
    """Readable lines, best match first, then the others by decreasing relevance, without duplicates."""
    first = best_match(errors)
    ordered = [first] if first is not None else []
    ordered += [_deepest(error) for error in sorted(errors, key=relevance, reverse=True)]
    lines: list[str] = []
    for error in ordered:
        line = _line(error)
        if line not in lines:
            lines.append(line)
    if len(lines) > MAX_ERRORS:
        hidden = len(lines) - (MAX_ERRORS - 1)
        lines = [*lines[: MAX_ERRORS - 1], f"... and {hidden} more error(s)"]
    return tuple(lines)


def _deepest(error: ValidationError) -> ValidationError:
    """The most relevant failure inside an anyOf/oneOf (jsonschema's own descent), else the error itself."""
    return best_match([error]) or error


def _line(error: ValidationError) -> str:
    if error.context:
        # an anyOf/oneOf whose alternatives failed equally: name them rather than echo the whole instance
        alternatives = dict.fromkeys(_clip(inner.message) for inner in error.context)
        message = "no alternative matched: " + " | ".join(list(alternatives)[:4])
    else:
        message = _clip(error.message)
    return f"{error.json_path}: {message}"


def _clip(message: str) -> str:
    """Long messages echo a long instance: keep the head and the tail (where jsonschema says what is wrong)."""
    if len(message) <= _MAX_LINE:
        return message
    tail = _MAX_LINE * 2 // 5
    return f"{message[: _MAX_LINE - tail - 5]} ... {message[-tail:]}"
