"""Reproducers of one redacted request in several languages (curl, Python, Node.js), each reading secrets from the
environment variable its placeholder stands for."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mmlite_conformance.suite.constants import SECRET_PLACEHOLDERS

#: a secret's placeholder anywhere in a redacted text
_SECRET_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in SECRET_PLACEHOLDERS))
#: characters a backslash must escape inside shell double quotes
_SHELL_ACTIVE = re.compile(r'["\\$`]')
#: line terminators JavaScript source may not hold raw in older engines: written as escapes
_JS_LINE_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})

#: request headers a reproducer leaves to its HTTP client (they say nothing about the request)
NOT_REPRODUCED = frozenset({"content-length", "host", "user-agent", "accept", "accept-encoding", "connection"})


@dataclass(slots=True, frozen=True)
class ReproducibleRequest:
    """One request as a reproducer sends it: already redacted, so secrets appear only as their placeholders."""

    method: str
    url: str
    #: name, value; only the headers that say something about the request (no Host, Content-Length, User-Agent...)
    headers: tuple[tuple[str, str], ...]
    #: the exact text sent, or None
    body: str | None

    @classmethod
    def of(cls, method: str, url: str, headers: Iterable[tuple[str, str]], body: str | None) -> ReproducibleRequest:
        """The request with only the headers that say something about it (NOT_REPRODUCED left to the client)."""
        return cls(method, url, tuple((n, v) for n, v in headers if n.lower() not in NOT_REPRODUCED), body)

    def texts(self) -> tuple[str, ...]:
        """Every text a reproducer writes, in the order it writes them."""
        return (self.url, *(f"{n}: {v}" for n, v in self.headers), self.body or "")

    def reads_from_environment(self) -> tuple[str, ...]:
        """The environment variables a reproducer reads a secret from, in the order it names them."""
        return tuple(
            dict.fromkeys(SECRET_PLACEHOLDERS[p] for t in self.texts() for p in _SECRET_PLACEHOLDER.findall(t))
        )


@dataclass(slots=True, frozen=True)
class Language:
    """A reproducer's language: its label (a tab's title) and how it writes a request."""

    label: str
    render: Callable[[ReproducibleRequest], str]


def _pieces(text: str) -> list[tuple[str, bool]]:
    """`text` as (literal, False) and (variable name, True) pieces, in order; empty literals left out."""
    literals = _SECRET_PLACEHOLDER.split(text)
    names = [SECRET_PLACEHOLDERS[p] for p in _SECRET_PLACEHOLDER.findall(text)]
    pieces: list[tuple[str, bool]] = [(literals[0], False)] if literals[0] else []
    for name, literal in zip(names, literals[1:], strict=True):
        pieces.append((name, True))
        if literal:
            pieces.append((literal, False))
    return pieces or [("", False)]


def _expression(text: str, literal: Callable[[str], str], variable: Callable[[str], str]) -> str:
    """`text` as an expression: string literals and environment lookups joined by `+`."""
    return " + ".join(variable(piece) if is_variable else literal(piece) for piece, is_variable in _pieces(text))


# --- curl ----------------------------------------------------------------------------------------------------------


def shell_word(text: str) -> str:
    """`text` as one shell word; each secret placeholder in it becomes its environment variable, expanded by the
    shell (`"D360-API-KEY: Bearer $D360_API_KEY"`), everything else stays literal."""
    pieces = _SECRET_PLACEHOLDER.split(text)
    if len(pieces) == 1:
        return shlex.quote(text)
    names = [SECRET_PLACEHOLDERS[p] for p in _SECRET_PLACEHOLDER.findall(text)]
    if "!" in text:  # bash expands history inside double quotes: only the variables are double-quoted then
        literals = [shlex.quote(piece) if piece else "" for piece in pieces]
        return "".join(f'{literal}"${name}"' for literal, name in zip(literals[:-1], names, strict=True)) + literals[-1]
    quoted = _escape_in_double_quotes(pieces[0])
    for name, piece in zip(names, pieces[1:], strict=True):
        variable = f"${{{name}}}" if piece[:1].isalnum() or piece[:1] == "_" else f"${name}"
        quoted += variable + _escape_in_double_quotes(piece)
    return f'"{quoted}"'


def _escape_in_double_quotes(text: str) -> str:
    return _SHELL_ACTIVE.sub(lambda m: "\\" + m.group(0), text)


def curl(request: ReproducibleRequest) -> str:
    """One shell command (bash) that sends the request as it was sent."""
    parts = ["curl", "-sS", "-X", request.method, shell_word(request.url)]
    for name, value in request.headers:
        parts += ["-H", shell_word(f"{name}: {value}")]
    if request.body is not None:
        parts += ["--data", shell_word(request.body)]
    return " ".join(parts)


# --- Python (standard library) -------------------------------------------------------------------------------------


def _python_literal(text: str) -> str:
    # a JSON string (non-ASCII kept as is) is a valid Python string literal with the same value
    return json.dumps(text, ensure_ascii=False)


def _python_text(text: str) -> str:
    return _expression(text, _python_literal, lambda name: f"os.environ[{_python_literal(name)}]")


def _python_bytes(text: str) -> str:
    expression = _python_text(text)
    return f"({expression}).encode()" if len(_pieces(text)) > 1 else f"{expression}.encode()"


def python(request: ReproducibleRequest) -> str:
    """A Python 3 script (standard library only) that sends the request and prints the status and the body."""
    headers = "".join(f"        {_python_text(n)}: {_python_text(v)},\n" for n, v in request.headers)
    body = "" if request.body is None else f"    data={_python_bytes(request.body)},\n"
    imports = (
        "import os\n" if request.reads_from_environment() else ""
    ) + "import urllib.error\nimport urllib.request\n"
    return (
        f"{imports}\n"
        "request = urllib.request.Request(\n"
        f"    {_python_text(request.url)},\n"
        f"    method={_python_literal(request.method)},\n"
        f"    headers={{\n{headers}    }},\n"
        f"{body}"
        ")\n"
        "try:\n"
        "    with urllib.request.urlopen(request) as response:\n"
        "        status, body = response.status, response.read()\n"
        "except urllib.error.HTTPError as error:  # a 4xx or 5xx answer\n"
        "    status, body = error.code, error.read()\n"
        "print(status)\n"
        'print(body.decode("utf-8", errors="replace"))\n'
    )


# --- Node.js (built-in fetch) --------------------------------------------------------------------------------------


def _js_literal(text: str) -> str:
    # a JSON string is a JavaScript string literal with the same value; `${` and backticks are inert in "..."
    return json.dumps(text, ensure_ascii=False).translate(_JS_LINE_SEPARATORS)


def _js_text(text: str) -> str:
    return _expression(text, _js_literal, lambda name: f"process.env.{name}")


def node(request: ReproducibleRequest) -> str:
    """A Node.js 18+ script (built-in `fetch`) that sends the request and prints the status and the body."""
    headers = "".join(f"      {_js_text(n)}: {_js_text(v)},\n" for n, v in request.headers)
    body = "" if request.body is None else f"    body: {_js_text(request.body)},\n"
    return (
        "(async () => {\n"
        f"  const response = await fetch({_js_text(request.url)}, {{\n"
        f"    method: {_js_literal(request.method)},\n"
        f"    headers: {{\n{headers}    }},\n"
        f"{body}"
        "  });\n"
        "  console.log(response.status);\n"
        "  console.log(await response.text());\n"
        "})();\n"
    )


#: language key -> its label and renderer, in the order a report shows them as tabs
LANGUAGES: Mapping[str, Language] = MappingProxyType(
    {"curl": Language("curl", curl), "python": Language("Python", python), "node": Language("Node.js", node)}
)


def render(request: ReproducibleRequest, language: str) -> str:
    """The reproducer of `request` in `language` (a key of LANGUAGES)."""
    try:
        chosen = LANGUAGES[language]
    except KeyError:
        raise ValueError(f"no reproducer language {language!r}; known: {', '.join(LANGUAGES)}") from None
    return chosen.render(request)


def render_all(request: ReproducibleRequest) -> dict[str, str]:
    """The reproducer of `request` in every language, in LANGUAGES' order."""
    return {key: language.render(request) for key, language in LANGUAGES.items()}
