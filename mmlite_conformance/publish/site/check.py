"""The built site checked as a browser would meet it: every page well formed, every internal link and anchor there."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: elements that never have a closing tag
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
#: attributes that point somewhere, by element
LINKING = {"a": "href", "link": "href", "script": "src", "img": "src"}


@dataclass(slots=True)
class PageScan:
    """What one page holds: its anchors, its links (line, target) and the problems of its markup."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    def __init__(self, scan: PageScan) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = scan
        self.open: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            anchor = values.get(name)
            if anchor is not None:
                if name == "id" and anchor in self.scan.ids:
                    self.scan.problems.append(f"line {line}: id {anchor!r} used twice")
                self.scan.ids.add(anchor)
        target = values.get(LINKING.get(tag, ""))
        if target is not None:
            self.scan.links.append((line, target))
        if tag not in VOID:
            self.open.append((tag, line))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in VOID:
            return
        if tag not in (name for name, _ in self.open):
            self.scan.problems.append(f"line {line}: </{tag}> closes nothing")
            return
        if self.open[-1][0] != tag:
            opened, at = self.open[-1]
            self.scan.problems.append(f"line {line}: </{tag}> closes <{opened}> (opened on line {at})")
        while self.open.pop()[0] != tag:  # one report per mismatch, then the element it closes is closed
            pass

    def close(self) -> None:
        super().close()
        self.scan.problems += [f"line {at}: <{tag}> is never closed" for tag, at in self.open]


def scan_page(html: str) -> PageScan:
    scan = PageScan()
    if not html.lstrip().lower().startswith("<!doctype html>"):
        scan.problems.append("line 1: no <!DOCTYPE html>")
    scanner = _Scanner(scan)
    scanner.feed(html)
    scanner.close()
    return scan


def is_external(target: str) -> bool:
    parts = urlsplit(target)
    return bool(parts.scheme or parts.netloc)


def site_problems(root: Path) -> list[str]:
    """One line per malformed page, link to a missing file, link leaving the site, or missing anchor."""
    base = root.resolve()
    scans = {page: scan_page(page.read_text(encoding="utf-8")) for page in sorted(base.rglob("*.html"))}
    problems = [f"{_name(base, page)}: {problem}" for page, scan in scans.items() for problem in scan.problems]
    for page, scan in scans.items():
        for line, target in scan.links:
            if is_external(target):
                continue
            where = f"{_name(base, page)}:{line}: link {target!r}"
            parts = urlsplit(target)
            linked = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not linked.is_relative_to(base):
                problems.append(f"{where} leaves the site")
            elif not linked.is_file():
                problems.append(f"{where} names no file of the site")
            elif parts.fragment:
                target_scan = scans.get(linked)
                if target_scan is None:
                    problems.append(f"{where} has an anchor into a file that is not a page")
                elif unquote(parts.fragment) not in target_scan.ids:
                    problems.append(f"{where} names no anchor of {_name(base, linked)}")
    return problems


def _name(base: Path, page: Path) -> str:
    return page.relative_to(base).as_posix()
