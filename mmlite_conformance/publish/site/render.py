"""HTML building blocks of the site: the page shell, code blocks, tabs, badges. Everything passes through escape."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from mmlite_conformance.publish.site.assets import MAX_TABS, STYLESHEET


@dataclass(slots=True, frozen=True)
class NavEntry:
    path: str
    label: str


#: the site's top navigation, in order (paths relative to the site's root)
NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("index.html", "The guide"),
    NavEntry("contract.html", "Contract"),
    NavEntry("current-api.html", "Current API"),
    NavEntry("assumptions.html", "Emulator assumptions"),
    NavEntry("schemas/index.html", "Schemas"),
)


@dataclass(slots=True, frozen=True)
class Tab:
    label: str
    code: str
    language: str


def relative(path: str, *, from_page: str) -> str:
    """`path` (relative to the site's root) as seen from the page at `from_page` (also relative to the root)."""
    depth = from_page.count("/")
    return "../" * depth + path


def page(path: str, title: str, body: str) -> str:
    """A complete page at `path` (relative to the site's root)."""
    links = " ".join(_nav_link(entry, path) for entry in NAVIGATION)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · MM Lite conformance</title>\n"
        f'<link rel="stylesheet" href="{escape(relative(STYLESHEET, from_page=path))}">\n'
        "</head>\n<body>\n"
        f'<header class="site"><nav>{links}</nav></header>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _nav_link(entry: NavEntry, current: str) -> str:
    marker = ' class="current"' if entry.path == current else ""
    return f'<a href="{escape(relative(entry.path, from_page=current))}"{marker}>{escape(entry.label)}</a>'


def code_block(text: str, language: str = "") -> str:
    css = f' class="language-{escape(language)}"' if language else ""
    return f"<pre><code{css}>{escape(text)}</code></pre>"


def body_block(text: str) -> str:
    """A request or response body: pretty JSON when it is JSON, the text as it is otherwise."""
    if not text:
        return '<p class="note">(no body)</p>'
    try:
        value = json.loads(text)
    except ValueError:
        return code_block(text)
    return code_block(json.dumps(value, indent=2, ensure_ascii=False), "json")


def headers_block(headers: Iterable[tuple[str, str]]) -> str:
    lines = [f"{name}: {value}" for name, value in headers]
    return code_block("\n".join(lines), "http") if lines else ""


def tabs(group: str, entries: Sequence[Tab]) -> str:
    """Radio-button tabs (no JavaScript): the first is shown; `group` must be unique on its page."""
    if not 0 < len(entries) <= MAX_TABS:
        raise ValueError(f"a tab group holds 1 to {MAX_TABS} tabs, not {len(entries)}")
    controls: list[str] = []
    for position, entry in enumerate(entries):
        tab_id = f"{group}-{position}"
        checked = " checked" if position == 0 else ""
        controls.append(
            f'<input type="radio" name="{escape(group)}" id="{escape(tab_id)}"{checked}>'
            f'<label for="{escape(tab_id)}">{escape(entry.label)}</label>'
        )
    panels = [f'<div class="panel">{code_block(entry.code, entry.language)}</div>' for entry in entries]
    return '<div class="tabs">' + "".join(controls) + "\n" + "\n".join(panels) + "</div>"


def badge(requirement_id: str, href: str | None = None) -> str:
    text = escape(requirement_id)
    if href is None:
        return f'<span class="id">{text}</span>'
    return f'<a class="id" href="{escape(href)}">{text}</a>'


def bullet_list(items: Iterable[str], css: str = "") -> str:
    """A <ul> of already-rendered items."""
    rendered = [f"<li>{item}</li>" for item in items]
    if not rendered:
        return ""
    cls = f' class="{escape(css)}"' if css else ""
    return f"<ul{cls}>\n" + "\n".join(rendered) + "\n</ul>"
