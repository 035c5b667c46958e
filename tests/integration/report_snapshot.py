"""What the three reports say, as plain data: the text, tables and properties of a run, without markup or times."""

from __future__ import annotations

import base64
import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

#: values that change from run to run: timings, dates of the run, the interpreter's and plugins' versions
# pytest-html writes a duration as "123 ms" under a second and as "00:00:01" from a second on
_ELAPSED = re.compile(r"\b\d+(?:\.\d+)? ms\b|\b\d{2}:\d{2}:\d{2}\b(?!\.\d)")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
#: the run id every artefact carries (`report.run.new_run_id`): a new one each run
_RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{8}\b")
_VOLATILE_KEYS = frozenset({"elapsed_ms", "duration", "time", "timestamp", "started_at"})
#: the run header's rows from pytest-metadata (Python, platform, versions, CI variables): they depend on the machine
_MACHINE_ROWS = re.compile(r"<tr class='mml-env'>.*?</tr>", re.S)
#: what the suite puts in pytest-metadata's Environment table; the rest depends on the machine (Python, plugins, and
#: CI variables that pytest-metadata adds on a CI machine)
_SUITE_ENVIRONMENT = frozenset({"MM Lite target", "Suite version", "Cassette provenance"})


class _Text(HTMLParser):
    """Text of an HTML fragment, one line per block element, markup dropped."""

    _BLOCKS = frozenset({"div", "li", "tr", "pre", "h1", "h2", "h3", "summary", "p", "table", "ol", "ul"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(fragment: str) -> list[str]:
    parser = _Text()
    parser.feed(fragment)
    lines = "".join(parser.parts).splitlines()
    return [_stable(" ".join(line.split())) for line in lines if line.strip()]


def _stable(text: str) -> str:
    return _RUN_ID.sub("<run id>", _ISO_TIME.sub("<time>", _ELAPSED.sub("<ms>", text)))


def _stable_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in _VOLATILE_KEYS else _stable_data(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable_data(v) for v in value]
    if isinstance(value, str):
        return _stable(value)
    return value


def _linked_json(page: Path, href: str) -> Any:
    """The JSON file a relative link of the page points at (each scenario's evidence file)."""
    return json.loads((page.parent / unquote(href)).read_text(encoding="utf-8"))


def _html(path: Path) -> dict[str, Any]:
    page = path.read_text(encoding="utf-8")
    match = re.search(r'data-jsonblob="([^"]*)"', page)
    assert match, "no data-jsonblob in the HTML report"
    blob = json.loads(html.unescape(match.group(1)))
    environment = {k: v for k, v in blob.get("environment", {}).items() if k in _SUITE_ENVIRONMENT}
    tests: dict[str, list[Any]] = {}
    for nodeid, runs in sorted(blob["tests"].items()):
        for run in runs:
            extras = []
            for extra in run.get("extras", []):
                content = extra.get("content", "")
                if extra.get("format_type") == "json" and content.startswith("data:"):
                    decoded = json.loads(base64.b64decode(content.split(",", 1)[1]))
                    extras.append({"name": extra.get("name"), "json": _stable_data(decoded)})
                elif extra.get("format_type") == "url" and content.endswith(".json"):
                    extras.append(
                        {"name": extra.get("name"), "url": content, "json": _stable_data(_linked_json(path, content))}
                    )
                elif extra.get("format_type") == "html":
                    extras.append({"html": text_of(content)})
                else:
                    extras.append({"name": extra.get("name"), "format": extra.get("format_type")})
            cells = [line for cell in run.get("resultsTableRow", []) for line in text_of(cell)]
            tests.setdefault(nodeid, []).append(
                {
                    "result": run.get("result"),
                    "cells": [c for c in cells if "<ms>" not in c and ":" not in c[:3]],
                    "extras": extras,
                }
            )
    summary = [
        chunk
        for chunk in re.findall(
            r'<div class="(?:summary__data|additional-summary[^"]*)"[^>]*>(.*?)</div>\s*</div>', page, re.S
        )
    ]
    header = text_of(
        _MACHINE_ROWS.sub(
            "",
            page[
                page.find("<div class='mml-run'>") : page.find("</table></div>", page.find("class='mml-requirements'"))
                + 14
            ],
        )
    )
    return {
        "title": blob.get("title"),
        "environment": environment,
        "header": header,
        "tests": tests,
        "summary_blocks": len(summary),
    }


def _junit(path: Path) -> list[dict[str, Any]]:
    cases = []
    for case in ET.parse(path).iter("testcase"):
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = f"{kind}: {_stable(element.get('message', ''))}"
        properties = [(p.get("name"), _stable(p.get("value", ""))) for p in case.iter("property")]
        cases.append(
            {"name": case.get("name"), "classname": case.get("classname"), "outcome": outcome, "properties": properties}
        )
    return sorted(cases, key=lambda c: (str(c["classname"]), str(c["name"])))


def _cucumber(path: Path) -> list[dict[str, Any]]:
    features = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in features:
        elements = []
        for element in feature.get("elements", []):
            steps = [
                {
                    "keyword": s.get("keyword"),
                    "name": s.get("name"),
                    "status": s.get("result", {}).get("status"),
                    "docstring": s.get("doc_string", {}).get("value")
                    if isinstance(s.get("doc_string"), dict)
                    else None,
                }
                for s in element.get("steps", [])
            ]
            elements.append(
                {
                    "id": element.get("id"),
                    "name": element.get("name"),
                    "tags": sorted(t.get("name", "") for t in element.get("tags", [])),
                    "steps": steps,
                }
            )
        out.append(
            {
                "uri": feature.get("uri"),
                "name": feature.get("name"),
                "elements": sorted(elements, key=lambda e: str(e["id"])),
            }
        )
    return sorted(out, key=lambda f: str(f["uri"]))


def snapshot(reports: Path) -> dict[str, Any]:
    """The content of report.html, junit.xml and cucumber.json in `reports`, comparable between runs."""
    return {
        "html": _html(reports / "report.html"),
        "junit": _junit(reports / "junit.xml"),
        "cucumber": _cucumber(reports / "cucumber.json"),
    }
