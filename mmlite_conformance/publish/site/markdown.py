"""A minimal Markdown renderer for the project's own documents: headings, paragraphs, lists, tables, code, links."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

#: rewrites a link target written in the Markdown source to the one the rendered page uses
LinkRewriter = Callable[[str], str]
#: turns a run of plain text (no Markdown in it) into HTML; escaping at least
PlainText = Callable[[str], str]

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*```(?P<info>[\w+-]*)\s*$")
_LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[*+-]|\d+\.)\s+(?P<text>.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_DEFINITION = re.compile(r"^\[(?P<label>[^\]]+)\]:\s+(?P<url>\S+)\s*$")
_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)"
    r"|\[(?P<ref_text>[^\]]+)\]\[(?P<label>[^\]]+)\]"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*"
    r"|\\(?P<escaped>[\\`*_\[\]|#<>])"
)
#: a checklist row ("| R7 | ...") gets an anchor under its heading, so "CURRENT-API §2.2 R7" can point at the row
_ROW_ID = re.compile(r"R\d+")


def slug(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped (`§` included), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


@dataclass(slots=True, frozen=True)
class Heading:
    level: int
    title: str
    anchor: str


@dataclass(slots=True, frozen=True)
class RenderedDocument:
    html: str
    headings: tuple[Heading, ...]
    anchors: frozenset[str]

    @property
    def title(self) -> str:
        return next((h.title for h in self.headings if h.level == 1), "")


@dataclass(slots=True)
class _Renderer:
    definitions: dict[str, str]
    rewrite: LinkRewriter
    plain: PlainText
    headings: list[Heading] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    _slug_counts: dict[str, int] = field(default_factory=dict)

    # -- blocks --------------------------------------------------------------------------------------------------

    def blocks(self, lines: list[str], *, tight: bool = False) -> str:
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                index += 1
            elif fence := _FENCE.match(line):
                index = self._code(lines, index + 1, fence["info"], out)
            elif heading := _HEADING.match(line):
                out.append(self._heading(len(heading["hashes"]), heading["title"]))
                index += 1
            elif _is_table(lines, index):
                index = self._table(lines, index, out)
            elif _LIST_ITEM.match(line):
                index = self._list(lines, index, out)
            elif _DEFINITION.match(line):
                index = self._definitions(lines, index, out)
            else:
                index = self._paragraph(lines, index, out, tight=tight)
        return "\n".join(out)

    def _heading(self, level: int, title: str) -> str:
        base = slug(title)
        count = self._slug_counts.get(base, 0)
        self._slug_counts[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count}"
        self.headings.append(Heading(level, title, anchor))
        self.anchors.add(anchor)
        return f'<h{level} id="{anchor}">{self.inline(title)} <a class="anchor" href="#{anchor}">#</a></h{level}>'

    def _code(self, lines: list[str], index: int, info: str, out: list[str]) -> int:
        body: list[str] = []
        while index < len(lines) and not _FENCE.match(lines[index]):
            body.append(lines[index])
            index += 1
        language = f' class="language-{escape(info)}"' if info else ""
        out.append(f"<pre><code{language}>{escape(chr(10).join(body))}</code></pre>")
        return index + 1

    def _table(self, lines: list[str], index: int, out: list[str]) -> int:
        header = _cells(lines[index])
        index += 2
        rows: list[list[str]] = []
        while index < len(lines) and lines[index].lstrip().startswith("|"):
            rows.append(_cells(lines[index]))
            index += 1
        under = self.headings[-1].anchor if self.headings else ""
        html = ["<table>", "<thead><tr>", *(f"<th>{self.inline(cell)}</th>" for cell in header), "</tr></thead>"]
        html.append("<tbody>")
        for row in rows:
            row_id = ""
            if row and _ROW_ID.fullmatch(row[0]) and under:
                anchor = f"{under}-{row[0].lower()}"
                self.anchors.add(anchor)
                row_id = f' id="{anchor}"'
            html.append(f"<tr{row_id}>{''.join(f'<td>{self.inline(cell)}</td>' for cell in row)}</tr>")
        html += ["</tbody>", "</table>"]
        out.append("\n".join(html))
        return index

    def _list(self, lines: list[str], index: int, out: list[str]) -> int:
        first = _LIST_ITEM.match(lines[index])
        assert first is not None
        indent = len(first["indent"])
        ordered = first["marker"][0].isdigit()
        items: list[list[str]] = []
        while index < len(lines):
            line = lines[index]
            item = _LIST_ITEM.match(line)
            if item and len(item["indent"]) == indent and item["marker"][0].isdigit() == ordered:
                items.append([item["text"]])
            elif line.strip() and _indent_of(line) > indent and items:
                items[-1].append(line[indent:])
            elif not line.strip() and index + 1 < len(lines) and _continues(lines[index + 1], indent, ordered):
                items[-1].append("")
            else:
                break
            index += 1
        tag = "ol" if ordered else "ul"
        rendered = [f"<li>{self.blocks(_dedent(item), tight=True)}</li>" for item in items]
        out.append(f"<{tag}>\n" + "\n".join(rendered) + f"\n</{tag}>")
        return index

    def _definitions(self, lines: list[str], index: int, out: list[str]) -> int:
        """Reference definitions are shown where they stand (the documents gather them under "Sources")."""
        entries: list[str] = []
        while index < len(lines) and (definition := _DEFINITION.match(lines[index])):
            url = self.rewrite(definition["url"])
            entries.append(f"<li><code>{escape(definition['label'])}</code>: {_anchor(url, escape(url))}</li>")
            index += 1
        out.append('<ul class="sources">\n' + "\n".join(entries) + "\n</ul>")
        return index

    def _paragraph(self, lines: list[str], index: int, out: list[str], *, tight: bool) -> int:
        text: list[str] = []
        while index < len(lines) and lines[index].strip() and not _starts_block(lines, index):
            text.append(lines[index].strip())
            index += 1
        if not text:  # a line that looked like a block start but is not one: render it as text
            text.append(lines[index].strip())
            index += 1
        body = self.inline("\n".join(text))
        out.append(body if tight else f"<p>{body}</p>")
        return index

    # -- inline --------------------------------------------------------------------------------------------------

    def inline(self, text: str, *, in_link: bool = False) -> str:
        # the text of a link is only escaped: the plain-text hook may add links, and links do not nest
        plain = escape if in_link else self.plain
        pieces: list[str] = []
        done = 0
        for match in _INLINE.finditer(text):
            pieces.append(plain(text[done : match.start()]))
            pieces.append(self._inline_token(match, in_link=in_link))
            done = match.end()
        pieces.append(plain(text[done:]))
        return "".join(pieces)

    def _inline_token(self, match: re.Match[str], *, in_link: bool) -> str:
        if match["code"] is not None:
            return f"<code>{escape(match['code'])}</code>"
        if match["target"] is not None:
            return _anchor(self.rewrite(match["target"]), self.inline(match["text"], in_link=True))
        if match["label"] is not None:
            url = self.definitions.get(match["label"])
            if url is None:
                raise ValueError(f"the Markdown link [{match['ref_text']}][{match['label']}] has no definition")
            return _anchor(self.rewrite(url), self.inline(match["ref_text"], in_link=True))
        if match["strong"] is not None:
            return f"<strong>{self.inline(match['strong'], in_link=in_link)}</strong>"
        if match["em"] is not None:
            return f"<em>{self.inline(match['em'], in_link=in_link)}</em>"
        return escape(match["escaped"])


def render_markdown(
    text: str, rewrite: LinkRewriter = lambda target: target, plain: PlainText = escape
) -> RenderedDocument:
    """HTML for `text`; every link target passes through `rewrite` (which may raise for a target it cannot map), every
    run of plain text through `plain` (which must escape it; it may also add links of its own)."""
    lines = text.splitlines()
    definitions = {m["label"]: m["url"] for m in map(_DEFINITION.match, lines) if m}
    renderer = _Renderer(definitions, rewrite, plain)
    html = renderer.blocks(lines)
    return RenderedDocument(html, tuple(renderer.headings), frozenset(renderer.anchors))


def _anchor(url: str, content: str) -> str:
    external = url.startswith(("http://", "https://"))
    rel = ' rel="noopener noreferrer"' if external else ""
    return f'<a href="{escape(url)}"{rel}>{content}</a>'


def _cells(line: str) -> list[str]:
    row = line.strip().removeprefix("|").removesuffix("|")
    # GitHub unescapes "\|" in a cell before the cell's own Markdown, code spans included
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def _is_table(lines: list[str], index: int) -> bool:
    return (
        lines[index].lstrip().startswith("|") and index + 1 < len(lines) and bool(_TABLE_RULE.match(lines[index + 1]))
    )


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _continues(line: str, indent: int, ordered: bool) -> bool:
    """After a blank line, the list goes on with an indented continuation or a sibling item."""
    item = _LIST_ITEM.match(line)
    if item:
        return len(item["indent"]) > indent or item["marker"][0].isdigit() == ordered
    return bool(line.strip()) and _indent_of(line) > indent


def _dedent(item: list[str]) -> list[str]:
    first, rest = item[0], item[1:]
    widths = [_indent_of(line) for line in rest if line.strip()]
    cut = min(widths, default=0)
    return [first, *(line[cut:] for line in rest)]


def _starts_block(lines: list[str], index: int) -> bool:
    line = lines[index]
    return bool(
        _HEADING.match(line)
        or _FENCE.match(line)
        or _LIST_ITEM.match(line)
        or _DEFINITION.match(line)
        or _is_table(lines, index)
    )
