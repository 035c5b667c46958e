"""The driver protocol's carriers: a command (exit status, stdin, output files, process group), a URL, a person."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.suite.platform.driver import (
    OUTPUT_LIMIT,
    CommandDriver,
    OperatorDriver,
    UrlDriver,
    describe,
)

pytestmark = pytest.mark.unit

SEND_TEMPLATE: dict[str, Any] = {
    "action": "send_template",
    "to": "5521912345678",
    "template": {"name": "order_update", "language": "en_US"},
}
SEND_TEXT = {"action": "send_text", "to": "5521912345679", "text": "olá, here is your code"}
CONNECT = {"action": "connect", "base_url": "http://127.0.0.1:8480", "api_key": "emulator-key"}
REGISTER = {"action": "register_webhook"}
DISCONNECT = {"action": "disconnect"}


def command(tmp_path: Path, body: str, name: str = "driver") -> CommandDriver:
    """A POSIX shell driver in `tmp_path`, run from there with the test's environment."""
    script = tmp_path / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return CommandDriver((str(script),), {**os.environ, "MMLITE_PLATFORM_PROTOCOL": "1"}, tmp_path)


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def kill_quietly(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# --- CommandDriver ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "verdict"), [(0, "accepted"), (3, "not_supported"), (1, "refused"), (2, "refused"), (4, "refused")]
)
def test_the_exit_status_is_the_verdict(tmp_path: Path, status: int, verdict: str) -> None:
    outcome = command(tmp_path, f"cat >/dev/null\nexit {status}").perform(SEND_TEMPLATE, timeout=10)
    assert outcome.verdict == verdict
    assert outcome.detail == f"exit status {status}"
    assert outcome.accepted is (verdict == "accepted")
    assert outcome.elapsed >= 0


@pytest.mark.parametrize("action", [SEND_TEMPLATE, SEND_TEXT, CONNECT, REGISTER, DISCONNECT])
def test_the_action_arrives_on_stdin_as_one_json_line_then_eof(tmp_path: Path, action: dict[str, Any]) -> None:
    outcome = command(tmp_path, "cat > action.json").perform(action, timeout=10)
    assert outcome.accepted, outcome
    received = (tmp_path / "action.json").read_bytes()
    assert received.endswith(b"\n") and received.count(b"\n") == 1
    assert json.loads(received.decode("utf-8")) == action


def test_the_driver_runs_from_its_directory_with_the_environment_given(tmp_path: Path) -> None:
    outcome = command(tmp_path, 'pwd\necho "protocol=$MMLITE_PLATFORM_PROTOCOL" >&2').perform(DISCONNECT, timeout=10)
    assert outcome.accepted
    assert Path(outcome.stdout.strip()).resolve() == tmp_path.resolve()
    assert outcome.stderr == "protocol=1\n"


def test_stdout_and_stderr_are_captured_apart(tmp_path: Path) -> None:
    outcome = command(tmp_path, "echo sent wamid.1\necho 'retrying once' >&2\nexit 1").perform(SEND_TEXT, timeout=10)
    assert (outcome.verdict, outcome.detail) == ("refused", "exit status 1")
    assert outcome.stdout == "sent wamid.1\n"
    assert outcome.stderr == "retrying once\n"


def test_output_is_truncated_at_the_limit(tmp_path: Path) -> None:
    over = OUTPUT_LIMIT + 10_000
    driver = command(tmp_path, f"head -c {over} /dev/zero | tr '\\0' o\nhead -c {over} /dev/zero | tr '\\0' e >&2")
    outcome = driver.perform(SEND_TEXT, timeout=10)
    assert outcome.accepted
    assert outcome.stdout == "o" * OUTPUT_LIMIT
    assert outcome.stderr == "e" * OUTPUT_LIMIT


def test_output_that_is_not_utf8_is_kept_with_replacement_characters(tmp_path: Path) -> None:
    outcome = command(tmp_path, r"printf 'caf\351\n'").perform(SEND_TEXT, timeout=10)
    assert outcome.stdout == "caf\ufffd\n"


def test_a_driver_that_never_reads_its_action_still_answers_by_its_exit_status(tmp_path: Path) -> None:
    outcome = command(tmp_path, "exec 0<&-\nsleep 0.2\nexit 3").perform(SEND_TEXT, timeout=10)
    assert (outcome.verdict, outcome.detail) == ("not_supported", "exit status 3")


def test_a_process_left_running_with_stdout_open_does_not_block(tmp_path: Path) -> None:
    driver = command(tmp_path, "sleep 30 &\necho $! > service.pid\necho forwarded\nexit 0")
    started = time.monotonic()
    outcome = driver.perform(SEND_TEMPLATE, timeout=20)
    took = time.monotonic() - started
    service = int((tmp_path / "service.pid").read_text())
    try:
        assert outcome.accepted, outcome
        assert outcome.stdout == "forwarded\n"
        assert took < 15, f"the driver's exit took {took:.1f} s to notice"
        assert alive(service), "an accepted action must leave the platform's processes alone"
    finally:
        kill_quietly(service)


def test_a_timeout_kills_the_whole_process_group_and_refuses(tmp_path: Path) -> None:
    driver = command(tmp_path, "sleep 30 &\necho $! > child.pid\necho started\nwait")
    outcome = driver.perform(SEND_TEMPLATE, timeout=0.5)
    child = int((tmp_path / "child.pid").read_text())
    try:
        assert outcome.verdict == "refused"
        assert outcome.detail == "no exit within 0.5 s (its process group was killed)"
        assert outcome.elapsed >= 0.5
        assert outcome.stdout == "started\n"
        assert gone_within(child, 5), "the driver's sleeping child survived the timeout"
    finally:
        kill_quietly(child)


def test_a_missing_command_is_refused_as_could_not_start(tmp_path: Path) -> None:
    driver = CommandDriver((str(tmp_path / "no-such-driver"), "--flag"), dict(os.environ), tmp_path)
    outcome = driver.perform(CONNECT, timeout=10)
    assert outcome.verdict == "refused"
    assert outcome.detail.startswith("could not start: ")
    assert "No such file" in outcome.detail
    assert driver.description == f"the command {tmp_path / 'no-such-driver'}"


def test_a_command_that_is_not_executable_is_refused_as_could_not_start(tmp_path: Path) -> None:
    script = tmp_path / "driver"
    script.write_text("#!/bin/sh\nexit 0\n")
    outcome = CommandDriver((str(script),), dict(os.environ), tmp_path).perform(CONNECT, timeout=10)
    assert outcome.verdict == "refused" and outcome.detail.startswith("could not start: ")


# --- UrlDriver -------------------------------------------------------------------------------------------------


class DriverServer(ThreadingHTTPServer):
    """A platform's driver endpoint on loopback: answers every POST with `status` and remembers what it got."""

    def __init__(self, status: int, body: str, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), DriverHandler)
        self.status, self.body, self.delay = status, body, delay
        self.received: list[tuple[str, str | None, bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/driver"


class DriverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server = self.server
        assert isinstance(server, DriverServer)
        length = int(self.headers.get("Content-Length") or 0)
        server.received.append((self.path, self.headers.get("Content-Type"), self.rfile.read(length)))
        time.sleep(server.delay)
        payload = server.body.encode()
        self.send_response(server.status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(status: int, body: str = "", delay: float = 0.0) -> Iterator[DriverServer]:
    server = DriverServer(status, body, delay)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def accepting() -> Iterator[DriverServer]:
    with serve(200, "queued") as server:
        yield server


def test_a_2xx_answer_is_accepted_and_the_action_is_posted_as_json(accepting: DriverServer) -> None:
    driver = UrlDriver(accepting.url)
    outcome = driver.perform(SEND_TEMPLATE, timeout=10)
    assert (outcome.verdict, outcome.detail, outcome.stdout) == ("accepted", "HTTP 200", "queued")
    ((path, content_type, raw),) = accepting.received
    assert path == "/driver"
    assert content_type == "application/json"
    assert json.loads(raw) == SEND_TEMPLATE
    assert driver.description == f"POST {accepting.url}"


@pytest.mark.parametrize(
    ("status", "verdict"), [(202, "accepted"), (501, "not_supported"), (500, "refused"), (404, "refused")]
)
def test_the_http_status_is_the_verdict(status: int, verdict: str) -> None:
    with serve(status, "the platform says why") as server:
        outcome = UrlDriver(server.url).perform(SEND_TEXT, timeout=10)
        assert (outcome.verdict, outcome.detail) == (verdict, f"HTTP {status}")
        kept = outcome.stdout if verdict == "accepted" else outcome.stderr
        assert kept == "the platform says why"


def test_an_answer_body_is_truncated_at_the_limit() -> None:
    with serve(500, "x" * (OUTPUT_LIMIT + 100)) as server:
        assert UrlDriver(server.url).perform(SEND_TEXT, timeout=10).stderr == "x" * OUTPUT_LIMIT


def test_nothing_listening_is_refused_with_no_answer() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = UrlDriver(f"http://127.0.0.1:{port}/driver").perform(CONNECT, timeout=5)
    assert outcome.verdict == "refused"
    assert outcome.detail == "no answer (ConnectError)"


def test_an_answer_later_than_the_timeout_is_refused_with_no_answer() -> None:
    with serve(200, "too late", delay=1.0) as server:
        outcome = UrlDriver(server.url).perform(SEND_TEXT, timeout=0.2)
        assert outcome.verdict == "refused"
        assert outcome.detail == "no answer (ReadTimeout)"


# --- OperatorDriver --------------------------------------------------------------------------------------------


def test_with_nobody_to_answer_the_operator_driver_cannot_do_anything() -> None:
    outcome = OperatorDriver(None).perform(SEND_TEMPLATE, timeout=10)
    assert outcome.verdict == "not_supported"
    assert "needs a person" in outcome.detail


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("y", "accepted"),
        ("Yes\n", "accepted"),
        (" Y ", "accepted"),
        ("n", "refused"),
        ("no", "refused"),
        ("s", "not_supported"),
        ("S", "not_supported"),
        ("", "refused"),
        ("maybe", "refused"),
    ],
)
def test_the_operators_answer_is_the_verdict(answer: str, verdict: str) -> None:
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return answer

    outcome = OperatorDriver(ask).perform(SEND_TEMPLATE, timeout=10)
    assert outcome.verdict == verdict
    assert outcome.detail == f"the operator answered {answer.strip()[:20]!r}"
    (prompt,) = prompts
    assert prompt.startswith(f"On your platform: {describe(SEND_TEMPLATE)}. Done?")
    assert "y = done" in prompt and "n = the platform refused" in prompt and "s = cannot" in prompt


@pytest.mark.parametrize(
    ("action", "words"),
    [
        (SEND_TEMPLATE, "send the template 'order_update' (en_US) to 5521912345678"),
        (SEND_TEXT, "send the text 'olá, here is your code' to 5521912345679"),
        (CONNECT, "connect the platform to http://127.0.0.1:8480 with the key given"),
        (REGISTER, "register the platform's webhook URL with 360dialog"),
        (DISCONNECT, "disconnect"),
        ({"action": "send_template", "to": "5521912345678"}, "send the template None (None) to 5521912345678"),
    ],
)
def test_each_action_in_words(action: dict[str, Any], words: str) -> None:
    assert describe(action) == words


def test_the_key_is_never_put_into_words() -> None:
    assert "emulator-key" not in describe(CONNECT)
