"""`mmlite-conformance emulator`: --list-faults, bad input exits 2 in one line, the listening line, accounts files."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mmlite_conformance.cli import main
from mmlite_conformance.emulator import FAULTS, NOT_ONBOARDED_API_KEY
from mmlite_conformance.emulator.cli import build_config
from mmlite_conformance.emulator.config import ConfigError

pytestmark = pytest.mark.integration


def _parse(*argv: str) -> argparse.Namespace:
    from mmlite_conformance.emulator.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_list_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--list-faults"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(FAULTS)
    for name, line in zip(FAULTS, out, strict=True):
        assert line.startswith(name) and FAULTS[name].description in line


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--fault", "nope"], "unknown fault: nope"),
        (["--port", "abc"], "--port: not a valid number"),
        (["--port", "70000"], "--port: out of range"),
        (["--seed", "1.5"], "--seed: not a valid number"),
        (["--read-delay", "-1"], "--read-delay: must not be negative"),
        (["--sent-delay", "nan"], "--sent-delay: not a finite number"),
        (["--webhook-max-attempts", "0"], "webhook max attempts"),
        (["--pair-rate-interval", "0"], "rate limits must be positive"),
        (["--accounts", "/nonexistent/accounts.toml"], "cannot read accounts file"),
        (["--api-key", " "], "--api-key: must not be empty"),
        (["--webhook-secret", ""], "--webhook-secret: must not be empty"),
        (["--webhook-secret", "  "], "--webhook-secret: must not be empty"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err


@pytest.mark.parametrize(
    "content",
    ["accounts = 3", "[[accounts]]\nname = 'x'", "[[accounts]]\napi_key = 'k'\nwaba_id = 'abc'", "not toml ["],
)
def test_bad_accounts_file(tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(content)
    assert main(["emulator", "--accounts", str(path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_accounts_files_add_and_override(tmp_path: Path) -> None:
    toml = tmp_path / "a.toml"
    toml.write_text(
        "[[accounts]]\napi_key = 'k1'\nname = 'one'\nmm_lite_onboarded = false\n\n"
        "[[accounts]]\napi_key = 'k2'\ndisplay_phone_number = '5521955550999'\n"
    )
    config = build_config(_parse("--accounts", str(toml), "--api-key", "main"))
    keys = [a.api_key for a in config.accounts]
    assert keys == ["main", NOT_ONBOARDED_API_KEY, "k1", "k2"]
    assert config.accounts[2].mm_lite_onboarded is False
    as_json = tmp_path / "a.json"
    as_json.write_text(json.dumps({"accounts": [{"api_key": NOT_ONBOARDED_API_KEY, "mm_lite_onboarded": True}]}))
    config = build_config(_parse("--accounts", str(as_json)))
    assert [a.mm_lite_onboarded for a in config.accounts] == [True, True]


def test_options_reach_the_config() -> None:
    config = build_config(
        _parse(
            "--seed",
            "3",
            "--start-time",
            "1000",
            "--frozen-clock",
            "--template-sync-delay",
            "5",
            "--sent-delay",
            "1",
            "--delivered-delay",
            "2",
            "--read-delay",
            "3",
            "--no-auto-read",
            "--no-rate-limits",
            "--webhook-secret",
            "s",
            "--webhook-max-attempts",
            "2",
            "--fault",
            "missing_wa_id",
            "--fault",
            "non_wamid_ids",
        )
    )
    assert (config.seed, config.start_time, config.frozen_clock, config.template_sync_delay) == (3, 1000.0, True, 5.0)
    assert (config.delays.sent, config.delays.delivered, config.delays.read) == (1.0, 2.0, 3.0)
    assert not config.auto_read and not config.rate_limits.enabled
    assert config.webhooks.secret == "s" and config.webhooks.max_attempts == 2
    assert config.faults == {"missing_wa_id", "non_wamid_ids"}


@contextmanager
def serving(*options: str) -> Iterator[str]:
    """`mmlite-conformance emulator` in a process of its own: yields its listening line, then stops it with Ctrl-C
    and requires a clean exit, without a traceback."""
    command = [sys.executable, "-m", "mmlite_conformance.cli", "emulator", "--port", "0", *options]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_subprocess_prints_listening_line_and_serves() -> None:
    with serving("--frozen-clock") as line:
        assert line.startswith("listening on http://127.0.0.1:")
        base_url = line.removeprefix("listening on ")
        response = httpx.post(
            f"{base_url}/marketing_messages",
            json={
                "messaging_product": "whatsapp",
                "to": "5521912345678",
                "type": "template",
                "template": {"name": "marketing_text_no_param", "language": {"code": "en"}},
            },
            headers={"D360-API-KEY": "emulator-sandbox-key"},
        )
        assert response.status_code == 200


def test_subprocess_bad_input_has_no_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mmlite_conformance.cli", "emulator", "--fault", "bogus"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    from mmlite_conformance.version import suite_version

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"mmlite-conformance {suite_version()}\n"


def test_every_emulator_option_has_help() -> None:
    from mmlite_conformance.emulator.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    silent = [a.option_strings[0] for a in parser._actions if a.option_strings and not a.help]
    assert silent == []
    assert "log level" in next(a.help or "" for a in parser._actions if "--log-level" in a.option_strings)


def test_subprocess_binds_ipv6_loopback() -> None:
    import socket

    probe = socket.socket(socket.AF_INET6)
    try:
        probe.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    finally:
        probe.close()
    with serving("--host", "::1") as line:
        assert line.startswith("listening on http://[::1]:"), line
        response = httpx.get(f"{line.removeprefix('listening on ')}/openapi.json")
        assert response.status_code == 200


def test_http_url_brackets_an_ipv6_address() -> None:
    from mmlite_conformance.emulator.server import http_url

    assert http_url("::1", 8080) == "http://[::1]:8080"
    assert http_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        (
            "a.toml",
            "[[accounts]]\napi_key = 'k'\n\n[[accounts]]\napi_key = 'k'\n",
            "entry 1: api_key repeats entry 0's",
        ),
        ("a.toml", "[[accounts]]\napi_key = 'k'\napi_key = 'j'\n", "cannot parse accounts file"),
        ("a.json", '{"accounts": [{"api_key": "k", "api_key": "j"}]}', "field(s) api_key given twice"),
        ("a.json", '{"accounts": [{"api_key": "k"}, {"api_key": "k"}]}', "entry 1: api_key repeats entry 0's"),
    ],
)
def test_a_repeated_key_in_an_accounts_file_is_refused(tmp_path: Path, name: str, content: str, fragment: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ConfigError) as refused:  # `main` prints it as one line (test_bad_accounts_file)
        build_config(_parse("--accounts", str(path)))
    assert fragment in str(refused.value) and "\n" not in str(refused.value)


def test_a_webhook_secret_with_text_is_kept() -> None:
    assert build_config(_parse("--webhook-secret", "s3cret")).webhooks.secret == "s3cret"
    assert build_config(_parse()).webhooks.secret is None


def test_a_command_imports_only_its_own_modules() -> None:
    """The emulator starts without the bundle and publish modules (its cold start paid for them), and every command
    is still listed, and each one's own arguments still parsed."""
    probe = (
        "import sys\n"
        "from mmlite_conformance.cli import main\n"
        "assert main(['emulator', '--list-faults']) == 0\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('mmlite_conformance.')}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines()[-1] == "['cli', 'emulator']"
    listing = subprocess.run(
        [sys.executable, "-m", "mmlite_conformance.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    commands = ("emulator", "bundle", "verify", "keygen", "export", "docs")
    assert all(f"    {name} " in listing.stdout for name in commands)
    wrong = subprocess.run(
        [sys.executable, "-m", "mmlite_conformance.cli", "verify", "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2 and "[--public-key KEYFILE] BUNDLE" in wrong.stderr  # its own usage


def test_collection_is_off_only_while_a_command_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from mmlite_conformance import cli
    from mmlite_conformance.emulator.cli import _no_collections

    collecting_while_loading: list[bool] = []
    load = cli.Subcommand.load

    def watched(sub: cli.Subcommand) -> Any:
        collecting_while_loading.append(gc.isenabled())
        return load(sub)

    monkeypatch.setattr(cli.Subcommand, "load", watched)
    assert main(["emulator", "--list-faults"]) == 0 and gc.isenabled()
    assert collecting_while_loading == [False]
    with pytest.raises(SystemExit):
        main(["emulator", "--no-such-option"])
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with _no_collections():
            assert not gc.isenabled()
            kept: list[list[int]] = [[] for _ in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()
