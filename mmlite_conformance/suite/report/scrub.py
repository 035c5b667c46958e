"""Third-party output scrubbed once on the way out: pytest's reports, other plugins' extras, the written files.

The suite's own evidence was redacted when captured; what is scrubbed here is what pytest and other plugins wrote
(tracebacks, captured output, extras). The final scrub of the written files is a backstop: it counts what it had to
change, and a run whose captures missed nothing reports zero.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr
from _pytest._io import TerminalWriter

from mmlite_conformance.suite.report.data import to_jsonable
from mmlite_conformance.suite.report.evidence_files import written_files
from mmlite_conformance.suite.report.files import (
    ARTEFACT_OPTIONS,
    RUN_RECORD,
    artefact,
    reports_folder,
    write_atomically,
)
from mmlite_conformance.suite.report.run import NoRedaction, Redacts, redactor, run_info

_Report = TypeVar("_Report", pytest.TestReport, pytest.CollectReport)


@dataclasses.dataclass(eq=False)
class RedactedLongRepr(TerminalRepr):
    """A failure representation whose text went through the redactor; keeps the crash line for summaries/JUnit."""

    text: str
    reprcrash: ReprFileLocation | None = None

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.splitlines():
            tw.line(line, red=line.startswith("E "))


def _scrub_longrepr(longrepr: Any, red: Redacts) -> Any:
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # skip: (path, lineno, reason)
        path, lineno, reason = longrepr
        return (red.redact_text(str(path)), lineno, red.redact_text(str(reason)))
    text = str(longrepr)
    redacted = red.redact_text(text)
    if redacted == text:
        return longrepr
    if isinstance(longrepr, str):
        return redacted
    crash = getattr(longrepr, "reprcrash", None)
    new_crash = None
    if crash is not None:
        new_crash = ReprFileLocation(red.redact_text(str(crash.path)), crash.lineno, red.redact_text(crash.message))
    return RedactedLongRepr(text=redacted, reprcrash=new_crash)


def scrub_report(report: _Report, red: Redacts) -> _Report:
    """pytest's own text in a report: the failure, captured output and logs, user properties, the xfail reason."""
    report.longrepr = _scrub_longrepr(report.longrepr, red)
    report.sections = [(red.redact_text(title), red.redact_text(content)) for title, content in report.sections]
    if isinstance(report, pytest.TestReport):
        report.user_properties = [(red.redact_text(str(k)), red.redact_text(str(v))) for k, v in report.user_properties]
        reason = getattr(report, "wasxfail", None)
        if isinstance(reason, str):
            report.wasxfail = red.redact_text(reason)
    return report


# --- markup ------------------------------------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r'(=")([^"]*)(")')
_TEXT = re.compile(r"(>)([^<]+)(<)")


def scrub_markup(markup: str, red: Redacts) -> tuple[str, int]:
    """HTML/XML text and attribute values redacted without letting a placeholder such as <D360-API-KEY> become
    markup; with the number of fragments that changed."""
    if red.redact_text(markup) == markup:
        return markup, 0
    changed = 0

    def fix(quote: bool) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            nonlocal changed
            value = match.group(2)
            if red.redact_text(value) == value:
                return match.group(0)
            changed += 1
            return match.group(1) + html.escape(red.redact_text(html.unescape(value)), quote=quote) + match.group(3)

        return replace

    markup = _ATTRIBUTE.sub(fix(True), markup)
    markup = _TEXT.sub(fix(False), markup)
    if red.redact_text(markup) != markup:  # text outside any tag (a bare fragment): escape the whole of it
        markup = html.escape(red.redact_text(html.unescape(markup)), quote=False)
        changed += 1
    return markup, changed


# --- extras ------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _ExtrasScrub:
    """Per report: the run's redactor, and which extras (by id) were scrubbed already."""

    redactor: Redacts
    done: set[int] = field(default_factory=set)


#: report -> its extras scrub; module-wide because `pytest_runtest_logreport` and pytest-html's hooks get no config
_EXTRAS: WeakKeyDictionary[pytest.TestReport, _ExtrasScrub] = WeakKeyDictionary()


#: the attribute pytest-html reads a report's extras from (not declared by pytest's TestReport)
_EXTRAS_ATTRIBUTE = "extras"


def _extras(report: pytest.TestReport) -> list[Any]:
    found = getattr(report, _EXTRAS_ATTRIBUTE, [])
    return found if isinstance(found, list) else []


def _scrub_extra(extra: Any, red: Redacts) -> None:
    if not isinstance(extra, dict):
        return
    fmt, content = extra.get("format_type"), extra.get("content")
    if fmt == "json":
        extra["content"] = red.redact_json(to_jsonable(content))
    elif fmt == "html" and isinstance(content, str):
        extra["content"] = scrub_markup(content, red)[0]
    elif fmt in {"text", "url"} and isinstance(content, str):
        extra["content"] = red.redact_text(content)
    if isinstance(extra.get("name"), str):
        extra["name"] = red.redact_text(extra["name"])


def scrub_plugin_extras(report: pytest.TestReport, red: Redacts) -> None:
    """In makereport: the extras other plugins attached so far (the suite's own are added after, redacted)."""
    record = _EXTRAS[report] = _ExtrasScrub(red)
    for extra in _extras(report):
        _scrub_extra(extra, red)
        record.done.add(id(extra))


def add_own_extras(report: pytest.TestReport, extras: list[dict[str, Any]]) -> None:
    """The suite's own extras, built from redacted evidence: attached as they are, never scrubbed."""
    setattr(report, _EXTRAS_ATTRIBUTE, [*_extras(report), *extras])
    record = _EXTRAS.get(report)
    if record is not None:
        record.done.update(id(extra) for extra in extras)


def scrub_fixture_extras(report: pytest.TestReport) -> None:
    """In logreport: extras added through pytest-html's `extras` fixture, merged only after makereport."""
    record = _EXTRAS.get(report)
    if record is None:
        return
    for extra in _extras(report):
        if id(extra) not in record.done:
            _scrub_extra(extra, record.redactor)
            record.done.add(id(extra))


def scrub_cells(report: pytest.TestReport, cells: list[str]) -> None:
    """pytest-html's cells of a results row (the test id is not scrubbed anywhere else)."""
    record = _EXTRAS.get(report)
    red = record.redactor if record is not None else NoRedaction()
    cells[:] = [scrub_markup(cell, red)[0] for cell in cells]


# --- written files: the backstop -----------------------------------------------------------------------------------


def _changed_leaves(before: Any, after: Any) -> int:
    if isinstance(before, dict) and isinstance(after, dict) and len(before) == len(after):
        keys = sum(1 for a, b in zip(before, after, strict=True) if a != b)
        return keys + sum(_changed_leaves(a, b) for a, b in zip(before.values(), after.values(), strict=True))
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return sum(_changed_leaves(a, b) for a, b in zip(before, after, strict=True))
    return int(before != after)


def _scrub_json(original: str, red: Redacts) -> tuple[str, int]:
    try:
        data = json.loads(original)
    except ValueError:
        cleaned = red.redact_text(original)
        return cleaned, int(cleaned != original)
    redacted = red.redact_json(data)
    changed = 0 if redacted == data else _changed_leaves(data, redacted)
    cleaned = json.dumps(redacted) if changed else original
    if red.redact_text(cleaned) != cleaned:
        cleaned = json.dumps(json.loads(red.redact_text(json.dumps(redacted, ensure_ascii=False))))
        changed += 1
    return cleaned, changed


def _scrub_xml(original: str, red: Redacts) -> tuple[str, int]:
    try:
        root = ET.fromstring(original)
    except ET.ParseError:
        return scrub_markup(original, red)
    changed = 0
    for node in root.iter():
        attrib = {k: red.redact_text(v) for k, v in node.attrib.items()}
        changed += sum(1 for k, v in attrib.items() if v != node.attrib[k])
        node.attrib = attrib
        for part in ("text", "tail"):
            value = getattr(node, part)
            if value and (clean := red.redact_text(value)) != value:
                setattr(node, part, clean)
                changed += 1
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode"), changed


def _scrub_text(original: str, red: Redacts) -> tuple[str, int]:
    cleaned = red.redact_text(original)
    changed = sum(1 for a, b in zip(original.splitlines(), cleaned.splitlines(), strict=False) if a != b)
    return cleaned, changed or int(cleaned != original)


#: file suffix -> how its text is scrubbed (JSON and XML structurally, HTML markup-aware); other files as text
_BY_SUFFIX: dict[str, Callable[[str, Redacts], tuple[str, int]]] = {
    ".json": _scrub_json,
    ".xml": _scrub_xml,
    ".html": scrub_markup,
    ".htm": scrub_markup,
}


def scrub_file(path: str | Path, red: Redacts) -> int:
    """Rewrite a written artefact through the redactor, atomically; returns how many fragments had to change."""
    target = Path(path)
    if not target.is_file():
        return 0
    original = target.read_text(encoding="utf-8")
    suffix = target.suffix.lower()
    if red.redact_text(original) == original and suffix != ".json":
        return 0
    cleaned, changed = _BY_SUFFIX.get(suffix, _scrub_text)(original, red)
    if cleaned == original:
        return 0
    write_atomically(target, cleaned)
    return max(changed, 1)


@dataclass(slots=True)
class FinalScrub:
    """What the final scrub of the written artefacts had to change: fragments per file (zero when captures held)."""

    fragments: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.fragments.values())

    def message(self) -> str | None:
        if not self.total:
            return None
        files = ", ".join(name for name, count in self.fragments.items() if count)
        return f"mmlite: the final scrub had to redact {self.total} fragments in {files}: a capture missed them"


FINAL_SCRUB = pytest.StashKey[FinalScrub]()


def scrub_written_files(config: pytest.Config) -> FinalScrub:
    """Scrub every artefact pytest wrote and count what changed (kept in config.stash[FINAL_SCRUB])."""
    red = redactor(config)
    result = config.stash[FINAL_SCRUB] = FinalScrub()
    for path in _written_files(config):
        result.fragments[str(path)] = scrub_file(path, red)
    return result


def _written_files(config: pytest.Config) -> list[Path]:
    """pytest's artefacts, then the suite's own files beside them: run.json, the target's (journal.json) and each
    scenario's evidence file."""
    written = [path for option in ARTEFACT_OPTIONS if (path := artefact(config, option)) is not None]
    folder = reports_folder(config)
    own = [RUN_RECORD, *run_info(config).target_files] if folder is not None else []
    return written + [folder / name for name in own if folder is not None] + written_files(config)


def say_what_the_final_scrub_found(terminal: pytest.TerminalReporter) -> None:
    """One line in the terminal summary when the backstop had to change anything."""
    found = terminal.config.stash.get(FINAL_SCRUB, None)
    if found is not None and (message := found.message()):
        terminal.write_line(message, yellow=True, bold=True)
