"""pytest plugin of the suite: settings, the target, and the fixtures that wire recorder, client and evidence."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from mmlite_conformance.suite import preflight, report, step_lookup
from mmlite_conformance.suite.client import ApiClient
from mmlite_conformance.suite.config import ConfigError, Settings, load_settings
from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.constants import (
    API_KEY_PLACEHOLDER,
    NOT_ONBOARDED_API_KEY_PLACEHOLDER,
    RECEIVER_PLACEHOLDER_URL,
    REQUIREMENT_TAG,
)
from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.person import Ask, Operator, User
from mmlite_conformance.suite.rate_limits import RateLimitPacer
from mmlite_conformance.suite.recording import CassetteDeck, CassetteError, Recorder, RecordingSession, cassette_name
from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.schemas import SchemaRegistry
from mmlite_conformance.suite.targets import (
    DEFAULT_TARGET,
    PlatformUnavailableError,
    Target,
    TargetUnavailableError,
    create_target,
    profiles,
)
from mmlite_conformance.suite.vocabulary import WRONG_API_KEY
from mmlite_conformance.suite.webhooks import WebhookStore, to_tape
from mmlite_conformance.version import suite_version

if TYPE_CHECKING:  # only the platform target builds one
    from mmlite_conformance.suite.platform.session import PlatformSession

SETTINGS = pytest.StashKey[Settings]()
TARGET = pytest.StashKey[Target]()
CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    step_lookup.install()
    options = {
        "target": config.getoption("target"),
        "record": config.getoption("record"),
        "emulator_faults": tuple(config.getoption("emulator_fault")),
        "emulator_profile": config.getoption("emulator_profile"),
        "emulator_seed": config.getoption("emulator_seed"),
        "contract": config.getoption("contract"),
    }
    try:
        settings = load_settings(options, os.environ, profiles(), DEFAULT_TARGET)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    target = create_target(settings)
    words = target.run_words(cassette_dir(config))
    config.stash[SETTINGS], config.stash[TARGET] = settings, target
    config.stash[report.REDACTOR] = build_redactor(settings, target)
    config.stash[report.RUN_INFO] = report.RunInfo(
        target=settings.target,
        run_id=report.new_run_id(),
        contract_profile=target.contract_profile,
        cassette_dir=str(cassette_dir(config)),
        cloud_base_url=settings.cloud_base_url,
        mm_lite_url=settings.mm_lite_url,
        suite_version=suite_version(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        cassette_provenance=words.provenance,
        simulation_banner=words.simulation_banner,
    )
    _default_artefacts(config)
    written = [path for option in report.ARTEFACT_OPTIONS if (path := report.artefact(config, option)) is not None]
    problems = preflight.reports_problems(written)
    if problems:
        raise pytest.UsageError(str(ConfigError(problems, settings.target)))
    report.stage_reports(config, config.stash[report.RUN_INFO].run_id)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each target runs its own features: the guide's, or the platform requirements (deselected, not skipped).
    Then what would fail every selected scenario is reported once, before the first of them runs."""
    target = config.stash[TARGET]
    selected = [item for item in items if target.selects(_feature_path(item))]
    if len(selected) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in selected])
        items[:] = selected
    if config.option.collectonly or not items:
        return
    names = [_scenario_cassette_name(item) for item in items]
    problems = [
        *filter(None, [preflight.listen_problem(target.receiver_listen())]),
        *preflight.cassette_problems(cassette_dir(config), names, target.recording_mode()),
    ]
    if problems:
        raise pytest.UsageError(str(ConfigError(problems, target.name)))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Whatever ended the run (a failure, Ctrl-C), the target lets go of what it holds (a platform disconnects)."""
    target = config.stash.get(TARGET, None)
    if target is not None:
        target.stop()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # Everything alive now (modules, plugins, the collected scenarios) lives until the process ends. Freezing it
    # keeps the cyclic garbage collector from walking all of it again at each full collection and once more at
    # exit: about a sixth of a replay run's wall time. The cost: garbage not yet collected at this point is kept.
    gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    result = yield
    if result.when == "call":
        item.stash[CALL_PASSED] = result.passed
    return result


def build_redactor(settings: Settings, target: Target) -> Redactor:
    """Knows, from the configuration, every secret and number before the first capture: the keys (each with the
    placeholder a reproducer reads it back from), the test recipient, and the numbers the target already knows it
    will show (the sandbox's own); and that the wrong key the suite sends is no secret."""
    placeholders = {
        settings.not_onboarded_api_key: NOT_ONBOARDED_API_KEY_PLACEHOLDER,
        settings.api_key: API_KEY_PLACEHOLDER,  # last: the run's key wins should both be the same
    }
    return Redactor(
        secrets={key.reveal(): placeholders[key] for key in settings.secrets},
        phone_numbers=[settings.recipient, *target.known_numbers()],
        pseudonym_key=target.pseudonym_key(),
        public_credentials=[WRONG_API_KEY],
    )


def cassette_dir(config: pytest.Config) -> Path:
    given = config.getoption("cassette_dir")
    return Path(given).resolve() if given else config.rootpath / "cassettes"


def _default_artefacts(config: pytest.Config) -> None:
    """`pytest` alone writes the evidence to reports/; explicit options win."""
    reports = config.rootpath / "reports"
    option = config.option
    if getattr(option, "htmlpath", None) is None and config.pluginmanager.hasplugin("html"):
        option.htmlpath = str(reports / "report.html")
        option.self_contained_html = True
    if getattr(option, "xmlpath", None) is None:
        option.xmlpath = str(reports / "junit.xml")
    if getattr(option, "cucumber_json_path", None) is None:
        option.cucumber_json_path = str(reports / "cucumber.json")
    reports.mkdir(exist_ok=True)


def requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    """The scenario's requirement tags (S1a, SCb, P…), from its Gherkin tags."""
    return tuple(sorted(mark.name for mark in item.iter_markers() if REQUIREMENT_TAG.fullmatch(mark.name)))


def _feature_path(item: pytest.Item) -> PurePath:
    """The item's feature file, relative to features/ (pytest-bdd's own record of the scenario's template)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "obj", None)
    template = scenario_wrapper_template_registry.get(function) if function is not None else None
    return PurePath(template.feature.rel_filename) if template is not None else PurePath(str(item.path))


def _scenario_cassette_name(item: pytest.Item) -> str:
    """`<feature file>/<scenario function>[exNNN].yaml`: stable, and free of example values (phone numbers)."""
    callspec = getattr(item, "callspec", None)
    example = callspec.indices.get("_pytest_bdd_example") if callspec is not None else None
    return cassette_name(_feature_path(item).stem, getattr(item, "originalname", item.name), example)


# --- run fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def redactor(pytestconfig: pytest.Config) -> Redactor:
    found = pytestconfig.stash[report.REDACTOR]
    assert isinstance(found, Redactor)
    return found


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config, redactor: Redactor) -> Iterator[Target]:
    runtime = pytestconfig.stash[TARGET]
    with runtime.network_guard():
        if runtime.settings.interactive:
            runtime.ask = _terminal(pytestconfig)[1]
        try:
            runtime.start(redactor)
        except OSError as error:
            runtime.stop()
            pytest.fail(f"cannot start the {runtime.name} target: {error}", pytrace=False)
        except PlatformUnavailableError as error:
            runtime.stop()
            pytest.exit(f"mmlite-conformance: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
        try:
            info = pytestconfig.stash[report.RUN_INFO]
            info.cloud_base_url, info.mm_lite_url = runtime.endpoints.cloud_base_url, runtime.endpoints.mm_lite_url
            info.warnings = runtime.warnings()
            yield runtime
            info.target_files = runtime.save_artefacts(report.reports_folder(pytestconfig), redactor)
        finally:
            runtime.stop()


@pytest.fixture(scope="session")
def http_client(target: Target) -> Iterator[httpx.Client]:
    with target.http_client() as client:
        yield client


@pytest.fixture(scope="session")
def recorder(redactor: Redactor, target: Target, pytestconfig: pytest.Config) -> Recorder:
    return Recorder(
        cassette_dir=cassette_dir(pytestconfig),
        redactor=redactor,
        mode=target.recording_mode(),
        canonical_replacements={target.webhook_url(): RECEIVER_PLACEHOLDER_URL},
        ignored_origins=target.receiver_origins(),
        deck=target.cassette_deck() or CassetteDeck(),
    )


@pytest.fixture(scope="session")
def schemas(pytestconfig: pytest.Config) -> SchemaRegistry:
    # The shipped schemas are checked against the metaschema by tests/unit/test_schemas.py; repeating that on every
    # run cost about 0.06 s (measured with benchmarks/replay_bench.py).
    return SchemaRegistry.from_directory(pytestconfig.rootpath / "schemas", check_metaschema=False)


# --- scenario fixtures ------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class ScenarioRun:
    """One scenario instance: its recording session, and the nonce and recipient its requests use."""

    session: RecordingSession
    nonce: str
    recipient: str


@pytest.fixture
def scenario_evidence(request: pytest.FixtureRequest, settings: Settings) -> ScenarioEvidence:
    evidence = report.evidence_for(request.node)
    evidence.target = settings.target
    return evidence


@pytest.fixture
def scenario(
    request: pytest.FixtureRequest,
    recorder: Recorder,
    target: Target,
    redactor: Redactor,
    settings: Settings,
    scenario_evidence: ScenarioEvidence,
) -> Iterator[ScenarioRun]:
    """The scenario's recording session (replayed, recorded, or a pass-through), nonce and recipient."""
    item = request.node
    provenance = target.scenario_provenance(item.nodeid, requirement_ids(item), redactor.pseudonym(settings.recipient))
    try:
        target.begin_scenario()
        with recorder.session(_scenario_cassette_name(item), provenance) as session:
            if session.mode != "off":  # the bundle's manifest ties the run id to the files it used
                info = item.config.stash[report.RUN_INFO]
                info.used_cassettes(recorder.cassette_dir, session.cassette_path, session.tape_path)
            scenario_evidence.provenance = dict(session.provenance)
            scenario_evidence.simulated = target.is_simulated(session.provenance)
            nonce = str(session.provenance.get("nonce", ""))
            yield ScenarioRun(session, nonce=nonce, recipient=target.scenario_recipient(session.provenance))
            if not item.stash.get(CALL_PASSED, False):
                raise _ScenarioNotPassedError  # failed or skipped: every recorded file stays as it was
    except _ScenarioNotPassedError:
        pass
    except (CassetteError, TargetUnavailableError) as error:
        pytest.fail(str(error), pytrace=False)


class _ScenarioNotPassedError(Exception):
    """Aborts a recording session without saving anything."""


@pytest.fixture
def nonce(scenario: ScenarioRun) -> str:
    return scenario.nonce


@pytest.fixture
def recipient(scenario: ScenarioRun) -> str:
    return scenario.recipient


@pytest.fixture
def webhooks(scenario: ScenarioRun, target: Target, redactor: Redactor) -> Iterator[WebhookStore]:
    store = target.scenario_webhooks(scenario.session.tape_events)
    yield store
    target.end_scenario()  # every delivery the scenario caused has arrived before the tape is taken
    if scenario.session.is_recording:
        scenario.session.save_tape(to_tape(store.events(), redactor))


@pytest.fixture
def api(
    scenario: ScenarioRun,
    http_client: httpx.Client,
    target: Target,
    settings: Settings,
    redactor: Redactor,
    scenario_evidence: ScenarioEvidence,
) -> ApiClient:
    pacer = RateLimitPacer(
        budget_s=settings.rate_limit_budget, pause=target.pause, note=scenario_evidence.add_note, give_up=pytest.skip
    )
    return ApiClient(
        http_client, target.endpoints, settings.api_key, redactor, record=scenario_evidence.add_exchange, pacer=pacer
    )


def _terminal(config: pytest.Config) -> tuple[Callable[[str], None], Ask]:
    """Speak to and ask the person at the terminal, past pytest's output capture."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def prompt(message: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"\n>>> {message}", flush=True)

    def ask(question: str) -> str:
        capture.suspend_global_capture(in_=True)  # the person's answer comes on the real standard input
        try:
            return input(f"\n>>> {question} ")
        finally:
            capture.resume_global_capture()

    return prompt, ask


@pytest.fixture
def user(target: Target, request: pytest.FixtureRequest, scenario: ScenarioRun) -> User:
    return User(target=target, prompt=_terminal(request.config)[0])


@pytest.fixture
def operator(settings: Settings, request: pytest.FixtureRequest) -> Operator:
    """The person certifying a platform; nobody when the run cannot ask (no TTY, CI, MMLITE_INTERACTIVE=0)."""
    return Operator(_terminal(request.config)[1] if settings.interactive else None)


@pytest.fixture
def conformance(schemas: SchemaRegistry, scenario_evidence: ScenarioEvidence, redactor: Redactor) -> Conformance:
    return Conformance(
        redact_json=redactor.redact_json,
        redact_text=redactor.redact_text,
        schemas=schemas,
        evidence=scenario_evidence,
        redactor=redactor,
    )


@pytest.fixture
def platform(target: Target, scenario: ScenarioRun) -> PlatformSession:
    """The partner's platform this run drives (only platform scenarios ask for it; other targets never run them)."""
    session = target.driven_platform()
    if session is None:
        pytest.skip(f"not applicable: the {target.name} target drives no platform")
    return session
