"""Platform settings: every MMLITE_PLATFORM_* variable, its default, and a problem that names it when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.suite.platform.settings import PlatformSettings, load_platform_settings

pytestmark = pytest.mark.unit

SECONDS = {
    "MMLITE_PLATFORM_TIMEOUT": "action_timeout",
    "MMLITE_PLATFORM_CONNECT_TIMEOUT": "connect_timeout",
    "MMLITE_PLATFORM_ACTION_WAIT": "action_wait",
    "MMLITE_PLATFORM_SETTLE": "settle",
    "MMLITE_PLATFORM_OBSERVE_MAX": "observe_max",
}


def load(environ: dict[str, str]) -> tuple[PlatformSettings, list[str]]:
    problems: list[str] = []
    return load_platform_settings(environ, problems), problems


def problem_of(environ: dict[str, str]) -> str:
    _settings, problems = load(environ)
    assert len(problems) == 1, problems
    return problems[0]


def test_no_variable_gives_the_defaults_the_protocol_documents() -> None:
    settings, problems = load({})
    assert problems == []
    assert settings == PlatformSettings()
    assert settings.driver_command is None and settings.driver_url is None
    assert (settings.action_timeout, settings.connect_timeout) == (30.0, 120.0)
    assert (settings.action_wait, settings.settle, settings.observe_max) == (10.0, 3.0, 60.0)
    assert settings.routing == "explicit"
    assert settings.webhook_url is None and settings.ca_bundle is None
    assert settings.emulator_listen == ("127.0.0.1", 0) and settings.emulator_url is None
    assert settings.summary() == {
        "driver": "the operator",
        "routing": "explicit",
        "webhook": "registered by the platform",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("examples/reference_platform/driver", ("examples/reference_platform/driver",)),
        ("python3 'my driver.py' --name=\"a b\"", ("python3", "my driver.py", "--name=a b")),
        (r"./drive\ me --flag", ("./drive me", "--flag")),
        ("  node   driver.js  ", ("node", "driver.js")),
        ("sh -c 'echo $HOME | tr a b'", ("sh", "-c", "echo $HOME | tr a b")),  # no shell: $HOME stays as written
    ],
)
def test_the_driver_command_is_split_with_posix_shell_rules(raw: str, expected: tuple[str, ...]) -> None:
    settings, problems = load({"MMLITE_PLATFORM_DRIVER": raw})
    assert problems == []
    assert settings.driver_command == expected
    assert settings.summary()["driver"] == "command"


@pytest.mark.parametrize("raw", ["", "   "])
def test_a_blank_driver_command_is_no_command(raw: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_DRIVER": raw})
    assert problems == [] and settings.driver_command is None


@pytest.mark.parametrize("raw", ["driver 'unterminated", 'driver "half', "driver \\"])
def test_a_driver_command_that_does_not_parse_is_a_problem(raw: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_DRIVER": raw})
    (problem,) = problems
    assert "MMLITE_PLATFORM_DRIVER" in problem and "POSIX shell" in problem
    assert settings.driver_command is None


def test_both_a_command_and_a_url_is_a_problem() -> None:
    problem = problem_of({"MMLITE_PLATFORM_DRIVER": "./driver", "MMLITE_PLATFORM_DRIVER_URL": "https://drive.example"})
    assert "MMLITE_PLATFORM_DRIVER or MMLITE_PLATFORM_DRIVER_URL, not both" in problem


@pytest.mark.parametrize(
    "url",
    [
        "https://platform.example.com/driver",
        "https://platform.example.com:8443/driver",
        "http://localhost:8080/driver",
        "http://127.0.0.1:9/",
        "http://[::1]:8080/driver",
        "  https://platform.example.com/driver  ",
    ],
)
def test_a_driver_url_is_https_or_loopback_http(url: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_DRIVER_URL": url})
    assert problems == []
    assert settings.driver_url == url.strip()
    assert settings.summary()["driver"] == "URL"


@pytest.mark.parametrize(
    "url", ["http://platform.example.com/driver", "http://10.0.0.5:8080/", "ftp://localhost/driver", "localhost:8080"]
)
def test_any_other_driver_url_is_a_problem(url: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_DRIVER_URL": url})
    (problem,) = problems
    assert "MMLITE_PLATFORM_DRIVER_URL must be https, or http on loopback" in problem
    assert settings.driver_url is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("explicit", "explicit"), ("delegated", "delegated"), (" Delegated ", "delegated"), ("", "explicit")],
)
def test_routing_is_explicit_or_delegated(raw: str, expected: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_ROUTING": raw})
    assert problems == [] and settings.routing == expected


@pytest.mark.parametrize("raw", ["smart", "delegate", "both"])
def test_another_routing_is_a_problem_and_falls_back_to_explicit(raw: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_ROUTING": raw})
    (problem,) = problems
    assert f"MMLITE_PLATFORM_ROUTING={raw!r} must be explicit or delegated" in problem
    assert settings.routing == "explicit"


def test_a_ca_bundle_must_be_a_file(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    settings, problems = load({"MMLITE_PLATFORM_CA_BUNDLE": str(bundle)})
    assert problems == [] and settings.ca_bundle == str(bundle)
    for missing in (tmp_path, tmp_path / "absent.pem"):
        problem = problem_of({"MMLITE_PLATFORM_CA_BUNDLE": str(missing)})
        assert "MMLITE_PLATFORM_CA_BUNDLE" in problem and "not a readable file" in problem


def test_a_webhook_url_registered_by_configuration_must_be_http_or_https() -> None:
    settings, problems = load({"MMLITE_PLATFORM_WEBHOOK_URL": "https://hooks.example.org/wa"})
    assert problems == [] and settings.webhook_url == "https://hooks.example.org/wa"
    assert settings.summary()["webhook"] == "https://hooks.example.org/wa"
    assert "MMLITE_PLATFORM_WEBHOOK_URL" in problem_of({"MMLITE_PLATFORM_WEBHOOK_URL": "hooks.example.org/wa"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://127.0.0.1:8480/", "http://127.0.0.1:8480"), ("http://localhost:8480", "http://localhost:8480")],
)
def test_an_emulator_already_running_is_given_by_a_loopback_url(url: str, expected: str) -> None:
    settings, problems = load({"MMLITE_PLATFORM_EMULATOR_URL": url})
    assert problems == [] and settings.emulator_url == expected


@pytest.mark.parametrize(
    "url", ["https://emulator.example.com", "http://emulator.example.com:8480", "https://127.0.0.1"]
)
def test_an_emulator_url_off_this_machine_is_a_problem(url: str) -> None:
    problem = problem_of({"MMLITE_PLATFORM_EMULATOR_URL": url})
    assert "MMLITE_PLATFORM_EMULATOR_URL must be an emulator on this machine" in problem


@pytest.mark.parametrize("name", sorted(SECONDS))
def test_each_duration_is_read_into_its_field(name: str) -> None:
    settings, problems = load({name: "2.5"})
    assert problems == []
    assert getattr(settings, SECONDS[name]) == 2.5


@pytest.mark.parametrize("name", sorted(SECONDS))
@pytest.mark.parametrize("raw", ["soon", "0", "-1", "inf", "nan"])
def test_a_duration_that_is_not_a_positive_number_is_a_problem_naming_its_variable(name: str, raw: str) -> None:
    settings, problems = load({name: raw})
    (problem,) = problems
    assert problem.startswith(f"{name}={raw!r}") and "positive number of seconds" in problem
    assert getattr(settings, SECONDS[name]) == getattr(PlatformSettings(), SECONDS[name])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("127.0.0.1:8480", ("127.0.0.1", 8480)), ("0.0.0.0:0", ("0.0.0.0", 0)), ("[::1]:9000", ("::1", 9000))],
)
def test_the_embedded_emulator_listens_on_host_and_port(raw: str, expected: tuple[str, int]) -> None:
    settings, problems = load({"MMLITE_PLATFORM_EMULATOR_LISTEN": raw})
    assert problems == [] and settings.emulator_listen == expected


@pytest.mark.parametrize("raw", ["8480", "localhost", ":8480", "host:99999", "host:http"])
def test_a_listen_address_that_is_not_host_and_port_is_a_problem_naming_its_variable(raw: str) -> None:
    problem = problem_of({"MMLITE_PLATFORM_EMULATOR_LISTEN": raw})
    assert "MMLITE_PLATFORM_EMULATOR_LISTEN" in problem and "host:port" in problem
    assert "MMLITE_WEBHOOK_LISTEN" not in problem


def test_every_problem_is_reported_at_once() -> None:
    _settings, problems = load(
        {
            "MMLITE_PLATFORM_DRIVER": "driver 'open",
            "MMLITE_PLATFORM_DRIVER_URL": "http://platform.example.com/",
            "MMLITE_PLATFORM_ROUTING": "smart",
            "MMLITE_PLATFORM_SETTLE": "soon",
            "MMLITE_PLATFORM_EMULATOR_URL": "https://emulator.example.com",
        }
    )
    first_words = sorted(problem.split()[0].partition("=")[0] for problem in problems)
    assert first_words == sorted(
        f"MMLITE_PLATFORM_{name}" for name in ("DRIVER", "DRIVER_URL", "ROUTING", "SETTLE", "EMULATOR_URL")
    )
