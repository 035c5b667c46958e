"""The Postman export: v2.1 layout, variables instead of secrets and numbers, strict checks on every request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.cli import main
from mmlite_conformance.publish.catalog import Exchange, Instance, Step, load_catalog
from mmlite_conformance.publish.postman import SCHEMA_URL, collection, environment, export, request_items
from mmlite_conformance.publish.postman_checks import Check, Note, UnknownStepError, checks_for
from mmlite_conformance.publish.postman_steps import ExportError, items_of

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
CATALOG = load_catalog(REPO / "features", REPO / "cassettes")
BUILT = collection(CATALOG)


def _requests(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        found += [item] if "request" in item else _requests(item["item"])
    return found


def _tests(item: dict[str, Any]) -> str:
    return "\n".join(line for event in item["event"] if event["listen"] == "test" for line in event["script"]["exec"])


def test_one_folder_per_guide_section_in_order_and_the_v21_schema() -> None:
    assert BUILT["info"]["schema"] == SCHEMA_URL
    assert [folder["name"] for folder in BUILT["item"]] == [section.title for section in CATALOG.sections]
    assert len(_requests(BUILT["item"])) >= 40


def test_every_request_has_a_strict_check() -> None:
    for _, scenario, instance, items in request_items(CATALOG):
        assert items, f"{scenario.name} {instance.label}: no request"
        for item in items:
            assert item.strict_checks, f"{item.id}: no strict check"
    assert all("pm.test(" in _tests(item) for item in _requests(BUILT["item"]))


def test_error_statuses_are_never_asserted() -> None:
    """A request whose recorded answer is an error asserts its body, never its HTTP status (an observation)."""
    errors = [item for item in _requests(BUILT["item"]) if item["response"] and item["response"][0]["code"] >= 400]
    assert len(errors) >= 10
    for item in errors:
        assert "pm.response.code" not in _tests(item) and "to.have.status" not in _tests(item), item["id"]


def test_no_secret_no_recorded_number_and_every_url_a_variable() -> None:
    recorded_to = {
        json.loads(exchange.request_body).get("to")
        for _, scenario in CATALOG.scenarios()
        for instance in scenario.instances
        for exchange in instance.exchanges
        if exchange.request_body.startswith("{")
    } - {None}
    assert recorded_to
    for item in _requests(BUILT["item"]):
        request = json.dumps(item["request"])
        assert not any(number in request for number in recorded_to), item["id"]
        assert "<D360-API-KEY>" not in request and "emulator-sandbox-key" not in request
        assert re.match(r"\{\{(base_url|mm_lite_url|webhook_url)\}\}", item["request"]["url"]), item["request"]["url"]
    keys = {header["value"] for item in _requests(BUILT["item"]) for header in item["request"]["header"]}
    assert "{{D360_API_KEY}}" in keys and "Bearer {{D360_API_KEY}}" in keys and "{{D360_NOT_ONBOARDED_API_KEY}}" in keys


def test_the_environment_leaves_the_key_empty_and_secret() -> None:
    values = {value["key"]: value for value in environment()["values"]}
    assert {"base_url", "mm_lite_url", "D360_API_KEY", "recipient"} <= set(values)
    assert values["D360_API_KEY"]["value"] == "" and values["D360_API_KEY"]["type"] == "secret"
    assert values["base_url"]["value"].startswith("https://") and values["mm_lite_url"]["value"].startswith("https://")


def test_template_creation_takes_a_unique_name_per_run() -> None:
    creates = [item for item in _requests(BUILT["item"]) if item["request"]["url"].endswith("/v1/configs/templates")]
    posts = [item for item in creates if item["request"]["method"] == "POST"]
    assert len(posts) == 2
    for item in posts:
        assert '"name": "{{template_name}}"' in item["request"]["body"]["raw"]
        prerequest = "\n".join(
            line for event in item["event"] if event["listen"] == "prerequest" for line in event["script"]["exec"]
        )
        assert 'pm.collectionVariables.set("template_name"' in prerequest and "Date.now()" in prerequest
    assert "mmlite_conformance_cb8d5db2" not in json.dumps([item["request"] for item in _requests(BUILT["item"])])


def test_steps_a_person_does_are_requests_that_say_what_to_do() -> None:
    names = [item["name"] for item in _requests(BUILT["item"])]
    assert 'By hand: the user sends "Hello" from the test phone' in names
    assert names.count("By hand: the user reads the message on the test phone") == 2  # S1c, S1d: "then read"
    assert "Wait out the template sync window" in names
    wait = next(item for item in _requests(BUILT["item"]) if item["name"] == "Wait out the template sync window")
    assert any("template_sync_wait_seconds" in line for event in wait["event"] for line in event["script"]["exec"])


def test_webhook_and_observed_steps_become_notes_not_tests() -> None:
    placed = checks_for("the HTTP status is recorded as an observation", None, ["MM Lite"])
    assert placed[0].check == Note("observed", "the HTTP status is recorded as an observation")
    listener = checks_for("status webhooks for the message report sent, then delivered", None, ["MM Lite"])
    assert isinstance(listener[0].check, Note) and listener[0].check.kind == "listener"


def test_the_registry_builds_checks_from_the_steps_words() -> None:
    (placed,) = checks_for("the request is rejected with error code 131009", None, ["MM Lite"])
    assert isinstance(placed.check, Check) and "pm.expect(graphError().code).to.eql(131009);" in placed.check.script
    both = checks_for("both responses are successful sends", None, ["Cloud API", "MM Lite"])
    assert [p.position for p in both] == [0, 1]
    (exact,) = checks_for("the response body is exactly:", '{"error": "Invalid api token."}', [""])
    assert isinstance(exact.check, Check) and '{"error": "Invalid api token."}' in exact.check.script


def test_an_unknown_then_step_stops_the_export() -> None:
    with pytest.raises(UnknownStepError, match="no Postman check for the step 'the moon is full'"):
        checks_for("the moon is full", None, [""])


def _instance(steps: tuple[Step, ...], exchanges: tuple[Exchange, ...]) -> Instance:
    return Instance(None, "", (), steps, "f/test_x.yaml", exchanges)


SEND = Step("When", "when", "the partner sends the message via MM Lite")
OK = Step("Then", "then", "the response is a successful send")
EXCHANGE = Exchange("POST", "https://h.invalid/mmlite/marketing_messages", (), "{}", 200, (), "{}")


def test_the_steps_and_the_cassette_must_agree() -> None:
    (item,) = items_of(_instance((SEND, OK), (EXCHANGE,)), "f/test_x")
    assert item.endpoint == "MM Lite" and item.request["url"] == "{{mm_lite_url}}" and item.strict_checks
    with pytest.raises(ExportError, match="1 recorded exchange"):
        items_of(_instance((SEND, OK), (EXCHANGE, EXCHANGE)), "f/test_x")
    with pytest.raises(ExportError, match="made a request the cassette does not hold"):
        items_of(_instance((SEND, OK), ()), "f/test_x")
    with pytest.raises(ExportError, match="no Postman form for the step 'the partner dances'"):
        items_of(_instance((Step("When", "when", "the partner dances"),), ()), "f/test_x")


def test_the_command_writes_both_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "postman", "--output", str(tmp_path / "out")]) == 0
    written = capsys.readouterr().out.split()
    assert [Path(path).name for path in written] == [
        "mmlite.postman_collection.json",
        "mmlite.postman_environment.json",
    ]
    assert json.loads(Path(written[0]).read_text(encoding="utf-8")) == BUILT


def test_bad_output_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["export", "postman", "--output", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err


def test_export_returns_the_paths(tmp_path: Path) -> None:
    paths = export(tmp_path, REPO / "features", REPO / "cassettes")
    assert all(path.is_file() for path in paths)
