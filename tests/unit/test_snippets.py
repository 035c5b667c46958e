"""Each reproducer sends exactly the recorded request, reads secrets from the environment and never writes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mmlite_conformance.suite.constants import (
    API_KEY_PLACEHOLDER,
    NOT_ONBOARDED_API_KEY_PLACEHOLDER,
    UNKNOWN_CREDENTIAL_PLACEHOLDER,
)
from mmlite_conformance.suite.snippets import LANGUAGES, ReproducibleRequest, render, render_all
from tests import snippet_runner
from tests.snippet_runner import run_snippet

pytestmark = pytest.mark.unit

KEY = "Live_key_0123456789abcdef"
OTHER_KEY = "NotOnboarded_key_98765"
KEYS = {"D360_API_KEY": KEY, "D360_NOT_ONBOARDED_API_KEY": OTHER_KEY}
#: what breaks a naive quoting in one language or another: quotes, backslashes, `${`, backticks, `!`, `$HOME`,
#: newlines, tabs, non-ASCII (one outside the BMP), JavaScript's line separator, and a placeholder inside the body
HOSTILE_BODY = (
    '{"text": "it\'s \\"quoted\\" \\\\ back ${HOME} `id` $(id) !! $HOME\\n",\n'
    ' "raw": "line\ntwo\tTab Olá 😀 \u2028 end", "key": "' + API_KEY_PLACEHOLDER + '"}'
)
HOSTILE_HEADER = 'it\'s "q" \\ ${HOME} `id` !x $HOME'


@dataclass(slots=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Echo:
    """A loopback server that records each request and answers 207 with a non-ASCII body."""

    origin: str
    seen: list[Seen] = field(default_factory=list)


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    record = Echo("")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            record.seen.append(Seen(self.command, self.path, headers, body))
            answer = '{"answer": "olá ✓"}'.encode()
            self.send_response(207)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - the names BaseHTTPRequestHandler calls

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield record
    server.shutdown()
    server.server_close()


def _request(origin: str, **change: object) -> ReproducibleRequest:
    fields: dict[str, object] = {
        "method": "POST",
        "url": f"{origin}/v1/messages?k={API_KEY_PLACEHOLDER}_x&q=$HOME%27%60",
        "headers": (
            ("Content-Type", "application/json"),
            ("D360-API-KEY", f"Bearer {API_KEY_PLACEHOLDER}"),
            ("X-Other", f"{NOT_ONBOARDED_API_KEY_PLACEHOLDER}{NOT_ONBOARDED_API_KEY_PLACEHOLDER}"),
            ("X-Hostile", HOSTILE_HEADER),
            ("X-Public-Wrong-Key", "wrong-key-000"),
        ),
        "body": HOSTILE_BODY,
    }
    return ReproducibleRequest(**(fields | change))  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_reproducer_sends_exactly_the_request(echo: Echo, language: str) -> None:
    request = _request(echo.origin)
    snippet = render(request, language)
    before = len(echo.seen)
    ran = run_snippet(language, snippet, KEYS)
    assert ran.status == 207, f"{language} exited {ran.returncode}: {ran.stderr[-2000:]}\n{snippet}"
    assert "olá ✓" in ran.stdout  # the body is printed, decoded
    (seen,) = echo.seen[before:]
    assert (seen.method, seen.path) == ("POST", f"/v1/messages?k={KEY}_x&q=$HOME%27%60")
    assert seen.headers["d360-api-key"] == f"Bearer {KEY}"
    assert seen.headers["x-other"] == OTHER_KEY * 2
    assert seen.headers["x-hostile"] == HOSTILE_HEADER
    assert seen.headers["x-public-wrong-key"] == "wrong-key-000"
    assert seen.headers["content-type"] == "application/json"
    assert seen.body.decode("utf-8") == HOSTILE_BODY.replace(API_KEY_PLACEHOLDER, KEY)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_without_body_or_secret_needs_no_environment(echo: Echo, language: str) -> None:
    request = _request(echo.origin, method="GET", url=f"{echo.origin}/v1/configs/webhook", headers=(), body=None)
    snippet = render(request, language)
    assert "environ" not in snippet and "process.env" not in snippet and "$D360" not in snippet
    before = len(echo.seen)
    ran = run_snippet(language, snippet, {})
    assert ran.status == 207, ran.stderr
    (seen,) = echo.seen[before:]
    assert (seen.method, seen.path, seen.body) == ("GET", "/v1/configs/webhook", b"")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_reproducer_holds_a_secret_and_each_names_its_variables(language: str) -> None:
    snippet = render(_request("http://127.0.0.1:9"), language)
    assert KEY not in snippet and OTHER_KEY not in snippet
    assert API_KEY_PLACEHOLDER not in snippet and NOT_ONBOARDED_API_KEY_PLACEHOLDER not in snippet
    reads = {"curl": "$D360_API_KEY", "python": 'os.environ["D360_API_KEY"]', "node": "process.env.D360_API_KEY"}
    assert reads[language] in snippet
    assert "wrong-key-000" in snippet  # a public wrong key stays literal


def test_the_variables_read_follow_the_order_they_appear() -> None:
    assert _request("http://h").reads_from_environment() == ("D360_API_KEY", "D360_NOT_ONBOARDED_API_KEY")
    unknown = ReproducibleRequest("GET", "http://h/", (("Cookie", UNKNOWN_CREDENTIAL_PLACEHOLDER),), None)
    assert unknown.reads_from_environment() == ()
    assert UNKNOWN_CREDENTIAL_PLACEHOLDER in render(unknown, "python")  # never reproducible: written as redacted


@pytest.mark.parametrize(
    ("language", "fragment"),
    [
        ("python", '"D360-API-KEY": "Bearer " + os.environ["D360_API_KEY"],'),
        ("node", '"D360-API-KEY": "Bearer " + process.env.D360_API_KEY,'),
        ("curl", '-H "D360-API-KEY: Bearer $D360_API_KEY"'),
        ("node", "\\u2028"),  # a raw U+2028 would end a line in a pre-2019 JavaScript engine
    ],
)
def test_secrets_become_lookups_in_each_language(language: str, fragment: str) -> None:
    assert fragment in render(_request("http://h"), language)


def test_render_all_follows_the_registry_and_an_unknown_language_is_one_clear_line() -> None:
    request = _request("http://h")
    assert list(render_all(request)) == ["curl", "python", "node"] == list(LANGUAGES)
    assert [language.label for language in LANGUAGES.values()] == ["curl", "Python", "Node.js"]
    with pytest.raises(ValueError, match=r"no reproducer language 'ruby'; known: curl, python, node"):
        render(request, "ruby")


@pytest.mark.parametrize(("required", "outcome"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_node_skips_unless_required(
    monkeypatch: pytest.MonkeyPatch, required: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setenv(snippet_runner.REQUIRE_NODE_ENV, required)
    with pytest.raises(outcome, match="no interpreter for the node reproducers on PATH"):
        snippet_runner.require("node")


def test_a_reproducer_leaves_the_client_headers_to_its_client_whatever_their_case() -> None:
    request = ReproducibleRequest.of(
        "POST",
        "http://127.0.0.1:1/messages",
        [("Host", "x"), ("content-length", "2"), ("User-Agent", "u"), ("D360-API-KEY", "<D360-API-KEY>")],
        "{}",
    )
    assert request.headers == (("D360-API-KEY", "<D360-API-KEY>"),)
