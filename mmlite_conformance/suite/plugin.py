"""pytest plugin: options, settings and the fixtures that wire target, recorder, receiver, client and evidence."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mmlite_conformance.version import suite_version
from mmlite_conformance.suite import report as reporting
from mmlite_conformance.suite.checks import Checker, ConformanceError
from mmlite_conformance.suite.client import ApiClient
from mmlite_conformance.suite.config import OFFLINE_RECIPIENT, ConfigError, Settings, load_settings
from mmlite_conformance.suite.constants import RECEIVER_PLACEHOLDER_URL
from mmlite_conformance.suite.evidence import Observation, ScenarioEvidence
from mmlite_conformance.suite.netguard import block_network
from mmlite_conformance.suite.recording import (
    EMULATOR_NOTE,
    LIVE_NOTE,
    CassetteError,
    Recorder,
    RecordingSession,
    cassette_name,
    make_provenance,
)
from mmlite_conformance.suite.redaction import Redactor, derive_pseudonym_key
from mmlite_conformance.suite.schemas import SchemaRegistry
from mmlite_conformance.suite.targets import (
    EMULATOR_SEED,
    EMULATOR_START_TIME,
    Target,
    TargetUnavailableError,
    create_target,
)
from mmlite_conformance.suite.webhooks import WebhookEvent, WebhookStore, to_tape

SETTINGS = pytest.StashKey[Settings]()
SETTINGS_REDACTOR = pytest.StashKey[Redactor]()
CALL_PASSED = pytest.StashKey[bool]()
#: the shipped cassettes say this date, so that re-recording them from the emulator changes no byte
EMULATOR_RECORDING_DATE = datetime.fromtimestamp(EMULATOR_START_TIME, UTC).date().isoformat()
SUITE_DIRS = ("steps", "features")
REQUIREMENT_TAG = re.compile(r"S[0-9A-Z][0-9A-Za-z]*")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mmlite", "MM Lite conformance suite")
    group.addoption(
        "--target",
        default=None,
        metavar="NAME",
        help="replay (default: offline, from cassettes) | emulator | live. Env: MMLITE_TARGET",
    )
    group.addoption(
        "--record",
        nargs="?",
        const="new",
        default=None,
        choices=("new", "overwrite"),
        help="with --target emulator|live: write cassettes; 'new' (default) refuses to replace one",
    )
    group.addoption("--cassette-dir", default=None, metavar="DIR", help="where cassettes live (default cassettes/)")
    group.addoption(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="run the embedded emulator with this deviation (proves that scenarios can fail)",
    )


def is_suite_run(config: pytest.Config) -> bool:
    """True when the run collects the Gherkin scenarios (not the project's own tests)."""
    root = config.rootpath.resolve()
    suite_dirs = [root / name for name in SUITE_DIRS]
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if any(path == d or d in path.parents or path in d.parents for d in suite_dirs) and path != root.parent:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not is_suite_run(config):
        return
    options = {
        "target": config.getoption("target"),
        "record": config.getoption("record"),
        "emulator_faults": tuple(config.getoption("emulator_fault")),
    }
    try:
        settings = load_settings(options, os.environ)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[SETTINGS] = settings
    config.stash[SETTINGS_REDACTOR] = config.stash[reporting.REDACTOR] = build_redactor(settings)
    config.stash[reporting.RUN_INFO] = reporting.RunInfo(
        target=settings.target,
        cloud_base_url=settings.cloud_base_url,
        mm_lite_url=settings.mm_lite_url,
        suite_version=suite_version(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        cassette_provenance=_provenance_summary(settings, config),
        # moves into the targets package
        simulation_banner={
            "replay": "Cassettes recorded from the embedded emulator",
            "emulator": "Run against the embedded emulator",
        }.get(settings.target, ""),
    )
    _default_artefacts(config)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    if not is_suite_run(session.config):
        return
    # Everything alive now (modules, plugins, the collected scenarios) lives until the process ends. Freezing it
    # keeps the cyclic garbage collector from walking all of it again at each full collection and once more at
    # exit: about a sixth of a replay run's wall time. The cost: garbage not yet collected at this point is kept.
    gc.freeze()


def build_redactor(settings: Settings) -> Redactor:
    secrets = [settings.api_key.reveal()]
    if settings.not_onboarded_api_key is not None:
        secrets.append(settings.not_onboarded_api_key.reveal())
    return Redactor(secrets=secrets, phone_numbers=[settings.recipient], pseudonym_key=pseudonym_key(settings))


def pseudonym_key(settings: Settings) -> bytes:
    """Only the offline recipient gets the public key (the shipped cassettes must re-record byte for byte). A real
    number gets a key nobody else has, so its pseudonym cannot be brute-forced back: derived from the live key,
    or random for this run (replay takes its recipient from the tape, so no later run needs the same key)."""
    if settings.recipient == OFFLINE_RECIPIENT:
        return derive_pseudonym_key(None)
    if settings.target == "live":
        return derive_pseudonym_key(settings.api_key.reveal())
    return os.urandom(32)


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


def _cassette_dir(config: pytest.Config) -> Path:
    given = config.getoption("cassette_dir")
    return Path(given).resolve() if given else config.rootpath / "cassettes"


def _provenance_summary(settings: Settings, config: pytest.Config) -> str:
    if settings.target == "replay":
        return f"replayed from cassettes in {_cassette_dir(config).name}/ (each scenario shows where it was recorded)"
    if settings.record:
        return f"recording new cassettes from the {settings.target} target"
    return f"run directly against the {settings.target} target"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[CALL_PASSED] = report.passed
    return report


# --- session fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    found = pytestconfig.stash.get(SETTINGS, None)
    if found is None:
        pytest.fail("the conformance fixtures need a suite run (pytest steps/ or features/)", pytrace=False)
    return found


@pytest.fixture(scope="session")
def redactor(pytestconfig: pytest.Config, settings: Settings) -> Redactor:
    return pytestconfig.stash[SETTINGS_REDACTOR]


@pytest.fixture(scope="session")
def target(settings: Settings, pytestconfig: pytest.Config) -> Iterator[Target]:
    runtime = create_target(settings)
    with contextlib.ExitStack() as stack:
        if settings.target == "replay":
            stack.enter_context(block_network())
        try:
            runtime.start()
        except OSError as error:
            pytest.fail(f"cannot start the {settings.target} target: {error}", pytrace=False)
        stack.callback(runtime.stop)
        info = pytestconfig.stash.get(reporting.RUN_INFO, None)
        if info is not None:
            info.cloud_base_url, info.mm_lite_url = runtime.settings.cloud_base_url, runtime.settings.mm_lite_url
        yield runtime


@pytest.fixture(scope="session")
def http_client(target: Target) -> Iterator[httpx.Client]:
    with target.http_client() as client:
        yield client


@pytest.fixture(scope="session")
def recorder(settings: Settings, redactor: Redactor, target: Target, pytestconfig: pytest.Config) -> Recorder:
    if settings.target == "replay":
        mode = "replay"
    elif settings.record:
        mode = f"record-{settings.record}"
    else:
        mode = "off"
    return Recorder(
        cassette_dir=_cassette_dir(pytestconfig),
        redactor=redactor,
        mode=mode,  # type: ignore[arg-type]
        canonical_replacements={target.webhook_url(): RECEIVER_PLACEHOLDER_URL},
        ignored_origins=_receiver_origins(target),
    )


def _receiver_origins(target: Target) -> tuple[str, ...]:
    """Posts to our own receiver (the emulator's deliveries, the test notification, also through a live
    tunnel) are webhook events, not API exchanges: never record them."""
    if target.receiver is None:
        return ()
    origins = []
    for address in {target.receiver.url, target.webhook_url()}:
        url = httpx.URL(address)
        origins.append(f"{url.host}:{url.port or {'http': 80, 'https': 443}[url.scheme]}")
    return tuple(sorted(origins))


@pytest.fixture(scope="session")
def schemas(pytestconfig: pytest.Config) -> SchemaRegistry:
    # The shipped schemas are checked against the metaschema by tests/unit/test_schemas.py; repeating that on every
    # run cost about 0.06 s (measured with benchmarks/replay_bench.py).
    return SchemaRegistry.from_directory(pytestconfig.rootpath / "schemas", check_metaschema=False)


@pytest.fixture(scope="session")
def check(redactor: Redactor) -> Checker:
    return Checker(redact_json=redactor.redact_json, redact_text=redactor.redact_text)


# --- scenario fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def scenario_evidence(request: pytest.FixtureRequest, settings: Settings) -> ScenarioEvidence:
    evidence = reporting.evidence_for(request.node)
    evidence.target = settings.target
    return evidence


def _scenario_cassette_name(item: pytest.Item) -> str:
    """`<feature file>/<scenario function>[exNNN].yaml`: stable, and free of example values (phone numbers)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    callspec = getattr(item, "callspec", None)
    example = callspec.indices.get("_pytest_bdd_example") if callspec is not None else None
    function = getattr(item, "obj", None)
    template = scenario_wrapper_template_registry.get(function) if function is not None else None
    feature = Path(template.feature.filename).stem if template is not None else Path(str(item.path)).stem
    return cassette_name(feature, getattr(item, "originalname", item.name), example)


@pytest.fixture
def cassette(
    request: pytest.FixtureRequest,
    settings: Settings,
    recorder: Recorder,
    target: Target,
    redactor: Redactor,
    scenario_evidence: ScenarioEvidence,
) -> Iterator[RecordingSession]:
    """The scenario's recording session: replayed, recorded, or a pass-through when neither."""
    item = request.node
    provenance: dict[str, Any] = {"target": settings.target}
    if settings.target != "replay":
        from_emulator = settings.target == "emulator"
        provenance = make_provenance(
            target=settings.target,
            note=EMULATOR_NOTE if from_emulator else LIVE_NOTE,
            recorded_at=date.fromisoformat(EMULATOR_RECORDING_DATE) if from_emulator else datetime.now(UTC).date(),
            scenario=item.nodeid.split("::")[-1],
            requirement_ids=requirement_ids(item),
            emulator_seed=EMULATOR_SEED if from_emulator else None,
        )
        # replay needs both to rebuild the very requests that were recorded
        provenance["nonce"] = _fresh_nonce(item.nodeid, settings)
        provenance["recipient"] = redactor.pseudonym(settings.recipient)
    try:
        target.begin_scenario()
        with recorder.session(_scenario_cassette_name(item), provenance) as session:
            scenario_evidence.provenance = dict(session.provenance or provenance)
            # moves into the targets package
            scenario_evidence.simulated = (
                str(scenario_evidence.provenance.get("target", "")) == "emulator" or settings.target == "emulator"
            )
            yield session
            if not item.stash.get(CALL_PASSED, False):
                raise _ScenarioNotPassedError  # failed or skipped: every recorded file stays as it was
    except _ScenarioNotPassedError:
        pass
    except (CassetteError, TargetUnavailableError) as error:
        pytest.fail(str(error), pytrace=False)


class _ScenarioNotPassedError(Exception):
    """Aborts a recording session without saving anything."""


def requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    """The scenario's requirement tags (S1a, SCb, …), from its Gherkin tags."""
    return tuple(sorted(mark.name for mark in item.iter_markers() if REQUIREMENT_TAG.fullmatch(mark.name)))


def _fresh_nonce(nodeid: str, settings: Settings) -> str:
    """A short tag that correlates a user's message with its webhook; live runs need a new one each time."""
    seed = nodeid if settings.target != "live" else f"{nodeid}{os.urandom(8).hex()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:8]


@pytest.fixture
def nonce(cassette: RecordingSession, scenario_evidence: ScenarioEvidence) -> str:
    """Replay uses the nonce that was recorded, so that requests match the cassette."""
    return str(scenario_evidence.provenance.get("nonce", ""))


@pytest.fixture
def recipient(settings: Settings, cassette: RecordingSession, scenario_evidence: ScenarioEvidence) -> str:
    """The test recipient; replay uses the one the cassette was recorded with (a live recording holds the
    pseudonym of the partner's own number, which an offline run cannot know)."""
    if settings.target == "replay":
        return str(scenario_evidence.provenance.get("recipient") or settings.recipient)
    return settings.recipient


@pytest.fixture
def webhooks(cassette: RecordingSession, target: Target, redactor: Redactor) -> Iterator[WebhookStore]:
    receiver = target.scenario_receiver(cassette.tape_events)
    yield receiver
    target.end_scenario()  # every delivery the scenario caused has arrived before the tape is taken
    if cassette.is_recording:
        cassette.save_tape(to_tape(receiver.events(), redactor))


@pytest.fixture
def api(
    cassette: RecordingSession,
    http_client: httpx.Client,
    target: Target,
    redactor: Redactor,
    scenario_evidence: ScenarioEvidence,
) -> ApiClient:
    return ApiClient(http_client, target.settings, redactor, record=scenario_evidence.add_exchange)


@dataclass(slots=True)
class User:
    """The person on the other phone: simulated by the emulator, prompted in live, recorded in replay."""

    target: Target
    request: pytest.FixtureRequest

    def _prompt(self, message: str) -> None:
        capture = self.request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\n>>> {message}", flush=True)

    def sends_text(self, text: str) -> None:
        self._run(lambda: self.target.send_inbound_text(text, self._prompt))

    def reads(self, message_id: str) -> None:
        self._run(lambda: self.target.read_message(message_id, self._prompt))

    def waits_for_template_sync(self, seconds: float) -> None:
        self._run(lambda: self.target.wait_for_template_sync(seconds, self._prompt))

    @staticmethod
    def _run(action: Callable[[], None]) -> None:
        try:
            action()
        except TargetUnavailableError as reason:
            pytest.skip(str(reason))


@pytest.fixture
def user(target: Target, request: pytest.FixtureRequest, cassette: RecordingSession) -> User:
    return User(target=target, request=request)


@dataclass(slots=True)
class Conformance:
    """What a Then-step needs: schema validation and observations, both written into the evidence."""

    schemas: SchemaRegistry
    evidence: ScenarioEvidence
    check: Checker

    def validate(self, kind: str, body: Any) -> None:
        """Validates what the target sent; only the verdict's messages, which quote values, are redacted."""
        verdict = self.schemas.validate(kind, body)
        verdict = dataclasses.replace(verdict, errors=tuple(self.check.redact_text(e) for e in verdict.errors))
        self.evidence.add_verdict(verdict)
        if not verdict.valid:
            raise ConformanceError(self.check.redact_text(verdict.summary()))

    def observe(self, observation: Observation) -> None:
        self.evidence.add_observation(observation)

    def show_webhooks(self, events: Iterable[WebhookEvent]) -> None:
        """The webhook events a step relied on, redacted, shown under that step in the report."""
        for event in events:
            self.evidence.add_webhook(self.check.redact_json({"path": event.path, "body": event.body}))


@pytest.fixture
def conformance(schemas: SchemaRegistry, scenario_evidence: ScenarioEvidence, check: Checker) -> Conformance:
    return Conformance(schemas=schemas, evidence=scenario_evidence, check=check)
