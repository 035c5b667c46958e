"""The catalog reads the guide's features and joins each scenario instance to its shipped cassette."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.publish.catalog import load_catalog, read_exchanges

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
FEATURES = REPO / "features"
CASSETTES = REPO / "cassettes"

FEATURE = '''Feature: 9. A tiny section
  What it is about.

  Background:
    Given the sandbox account is ready

  @S9a @error
  Scenario: A plain scenario
    Its description.
    Given the message body:
      """json
      {"to": "TEST_RECIPIENT"}
      """
    When the partner sends the message via MM Lite
    Then the request is rejected with error code 100

  Rule: b. A rule with an outline

    @S9b
    Scenario Outline: An outline
      Given the message sets "ttl" to <ttl>
      Then the response is a successful send

      Examples: first
        | ttl |
        | 1   |

      Examples: second
        | ttl |
        | 2   |
'''

TWIN = """Feature: 9. B twin section

  @S0a
  Scenario: A plain scenario
    Then the request succeeds
"""

CASSETTE = """interactions:
- request:
    body: '{"to":"5500000000078"}'
    headers:
      content-type:
      - application/json
      d360-api-key:
      - <D360-API-KEY>
    method: POST
    uri: https://example.invalid/marketing_messages
  response:
    body:
      string: '{"detail":{"error":{"code":100}}}'
    headers:
      content-type:
      - application/json
    status:
      code: 400
      message: Bad Request
version: 1
"""


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    features, cassettes = tmp_path / "features", tmp_path / "cassettes"
    features.mkdir()
    (features / "9_tiny.feature").write_text(FEATURE, encoding="utf-8")
    # bound after "9. A tiny section" (titles order the module): its function takes the `_1` suffix
    (features / "0_twin.feature").write_text(TWIN, encoding="utf-8")
    (cassettes / "9_tiny").mkdir(parents=True)
    (cassettes / "9_tiny" / "test_a_plain_scenario.yaml").write_text(CASSETTE, encoding="utf-8")
    return features, cassettes


def test_a_section_its_scenarios_steps_and_exchanges(tiny: tuple[Path, Path]) -> None:
    twin, section = load_catalog(*tiny).sections
    assert (twin.stem, twin.scenarios[0].function) == ("0_twin", "test_a_plain_scenario_1")
    assert (section.stem, section.title, section.description) == ("9_tiny", "9. A tiny section", "What it is about.")
    plain, outline = section.scenarios
    assert (plain.name, plain.requirement_ids, plain.description, plain.outline) == (
        "A plain scenario",
        ("S9a",),
        "Its description.",
        False,
    )
    assert [(step.keyword, step.kind, step.background) for step in plain.steps] == [
        ("Given", "given", True),
        ("Given", "given", False),
        ("When", "when", False),
        ("Then", "then", False),
    ]
    assert plain.steps[1].docstring == '{"to": "TEST_RECIPIENT"}'
    (instance,) = plain.instances
    assert (instance.index, instance.cassette, instance.label) == (None, "9_tiny/test_a_plain_scenario.yaml", "")
    (exchange,) = instance.exchanges
    assert (exchange.method, exchange.url, exchange.status) == (
        "POST",
        "https://example.invalid/marketing_messages",
        400,
    )
    assert ("d360-api-key", "<D360-API-KEY>") in exchange.request_headers
    assert exchange.request_body == '{"to":"5500000000078"}'
    assert exchange.response_body == '{"detail":{"error":{"code":100}}}'
    assert plain.function == "test_a_plain_scenario"
    assert (outline.rule, outline.guide_step, outline.requirement_ids) == (
        "b. A rule with an outline",
        "A rule with an outline",
        ("S9b",),
    )
    assert [(i.index, i.examples_name, i.label, i.exchanges) for i in outline.instances] == [
        (0, "first", "ttl=1", ()),
        (1, "second", "ttl=2", ()),
    ]
    assert outline.steps[1].text == 'the message sets "ttl" to <ttl>'
    assert outline.instances[1].steps[1].text == 'the message sets "ttl" to 2'
    assert outline.instances[0].cassette == "9_tiny/test_an_outline[ex000].yaml"


def test_no_feature_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no feature files in"):
        load_catalog(tmp_path, tmp_path)


def test_a_missing_or_empty_cassette_has_no_exchanges(tmp_path: Path) -> None:
    assert read_exchanges(tmp_path / "absent.yaml") == ()
    (tmp_path / "empty.yaml").write_text("\n", encoding="utf-8")
    assert read_exchanges(tmp_path / "empty.yaml") == ()


def test_the_guide_in_order_with_every_shipped_cassette_claimed_once() -> None:
    catalog = load_catalog(FEATURES, CASSETTES)
    assert [section.title[:2] for section in catalog.sections] == ["1.", "Co", "2.", "3."]
    claimed = [instance.cassette for _, scenario in catalog.scenarios() for instance in scenario.instances]
    shipped = sorted(str(path.relative_to(CASSETTES)) for path in CASSETTES.glob("*/*.yaml"))
    assert sorted(name for name in claimed if (CASSETTES / name).is_file()) == shipped
    assert all(scenario.requirement_ids for _, scenario in catalog.scenarios())


def test_shipped_exchanges_carry_the_key_placeholder_only() -> None:
    catalog = load_catalog(FEATURES, CASSETTES)
    keys = {
        value
        for _, scenario in catalog.scenarios()
        for instance in scenario.instances
        for exchange in instance.exchanges
        for name, value in exchange.request_headers
        if name == "d360-api-key"
    }
    assert "<D360-API-KEY>" in keys
    assert all(key.startswith("<") or key.startswith("wrong-key-") or key.startswith("Bearer <") for key in keys), keys
