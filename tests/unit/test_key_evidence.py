"""Evidence of the key: each credential form keeps its own placeholder, and each reproducer sends what was sent."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

import httpx
import pytest
from vcr.request import Request as VcrRequest

from mmlite_conformance.contract import ALPHA_MM_LITE_URL, API_KEY_HEADER
from mmlite_conformance.suite.client import ApiClient, Endpoints
from mmlite_conformance.suite.config import PRODUCTION_BASE_URL, Secret, Settings
from mmlite_conformance.suite.constants import (
    API_KEY_PLACEHOLDER,
    NOT_ONBOARDED_API_KEY_PLACEHOLDER,
    UNKNOWN_CREDENTIAL_PLACEHOLDER,
)
from mmlite_conformance.suite.evidence import Exchange, shell_word
from mmlite_conformance.suite.plugin import build_redactor
from mmlite_conformance.suite.recording import CanonicalForm
from mmlite_conformance.suite.recording.canonical import FILTER_HEADERS
from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
from mmlite_conformance.suite.report import html
from mmlite_conformance.suite.targets import EmulatorTarget, ReplayTarget
from mmlite_conformance.suite.vocabulary import WRONG_API_KEY, Credentials, send_via

pytestmark = pytest.mark.unit

KEY = "Live_key_0123456789abcdef"
NOT_ONBOARDED_KEY = "NotOnboarded_key_98765"
RECIPIENT = "5521998765432"
ENVIRONMENT = {"D360_API_KEY": KEY, "D360_NOT_ONBOARDED_API_KEY": NOT_ONBOARDED_KEY}
SETTINGS = Settings("emulator", None, Secret(KEY), Secret(NOT_ONBOARDED_KEY), RECIPIENT)
BODY = {"messaging_product": "whatsapp", "to": RECIPIENT, "type": "template", "template": {"name": "t"}}


@dataclass(slots=True, frozen=True)
class Form:
    """One way the suite authenticates a request, and what its evidence and reproducer must say."""

    credentials: Credentials
    sent: str | None  # the header value on the wire (None: no header)
    shown: str | None  # the header value in every artefact
    curl_header: str | None  # the header as the reproducer writes it
    variables: tuple[str, ...]  # what the reproducer reads from the environment


FORMS = {
    "valid key": Form(Credentials(), KEY, API_KEY_PLACEHOLDER, '-H "D360-API-KEY: $D360_API_KEY"', ("D360_API_KEY",)),
    "not-onboarded key": Form(
        Credentials(api_key=Secret(NOT_ONBOARDED_KEY)),
        NOT_ONBOARDED_KEY,
        NOT_ONBOARDED_API_KEY_PLACEHOLDER,
        '-H "D360-API-KEY: $D360_NOT_ONBOARDED_API_KEY"',
        ("D360_NOT_ONBOARDED_API_KEY",),
    ),
    "wrong key": Form(
        Credentials.for_header("wrong"), WRONG_API_KEY, WRONG_API_KEY, f"-H 'D360-API-KEY: {WRONG_API_KEY}'", ()
    ),
    "bearer": Form(
        Credentials.for_header("bearer"),
        f"Bearer {KEY}",
        f"Bearer {API_KEY_PLACEHOLDER}",
        '-H "D360-API-KEY: Bearer $D360_API_KEY"',
        ("D360_API_KEY",),
    ),
    "missing": Form(Credentials.for_header("missing"), None, None, None, ()),
}


@pytest.fixture
def redactor() -> Redactor:
    return build_redactor(SETTINGS, EmulatorTarget(SETTINGS))


@dataclass(slots=True)
class Sent:
    request: httpx.Request
    exchange: Exchange


def _send(redactor: Redactor, credentials: Credentials) -> Sent:
    """One send through the path a step takes (vocabulary -> ApiClient -> Exchange.capture)."""
    seen: list[httpx.Request] = []
    recorded: list[Exchange] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"error": "Invalid api token."})

    endpoints = Endpoints(PRODUCTION_BASE_URL, ALPHA_MM_LITE_URL)
    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        api = ApiClient(http, endpoints, Secret(KEY), redactor, recorded.append)
        send_via(api, "cloud_api", BODY, credentials)
    return Sent(seen[0], recorded[0])


def _as_bash_runs_it(command: str) -> list[str]:
    """The arguments curl would get from `command`, expanded by bash with the keys in the environment."""
    bash = shutil.which("bash")
    if bash is None:  # pragma: no cover - every supported machine has bash
        pytest.skip("needs bash to expand the reproducer")
    script = 'curl() { printf "%s\\0" "$@"; }\n' + command
    done = subprocess.run([bash, "-c", script], env=ENVIRONMENT, capture_output=True, text=True, check=True)
    return done.stdout.split("\0")[:-1]


def _header_sent_by(arguments: list[str]) -> str | None:
    headers = [arguments[i + 1] for i, a in enumerate(arguments) if a == "-H"]
    values = [h.split(": ", 1)[1] for h in headers if h.lower().startswith(API_KEY_HEADER.lower() + ":")]
    return values[0] if values else None


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_each_form_keeps_its_own_evidence(redactor: Redactor, form: Form) -> None:
    sent = _send(redactor, form.credentials)
    assert sent.request.headers.get(API_KEY_HEADER) == form.sent
    assert sent.exchange.request_headers.get(API_KEY_HEADER) == form.shown
    everything = json.dumps(sent.exchange.as_dict())
    assert KEY not in everything and NOT_ONBOARDED_KEY not in everything


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_each_reproducer_names_the_form_it_sends(redactor: Redactor, form: Form) -> None:
    exchange = _send(redactor, form.credentials).exchange
    curl = exchange.to_curl()
    if form.curl_header is None:
        assert API_KEY_HEADER not in curl  # a missing key: no header at all
    else:
        assert form.curl_header in curl
    assert exchange.reads_from_environment() == form.variables


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_each_reproducer_sends_what_was_sent(redactor: Redactor, form: Form) -> None:
    sent = _send(redactor, form.credentials)
    arguments = _as_bash_runs_it(sent.exchange.to_curl())
    assert _header_sent_by(arguments) == form.sent
    assert arguments[arguments.index("-X") + 2] == str(sent.request.url)


def test_the_wrong_key_is_shown_only_because_it_is_registered_public() -> None:
    unregistered = Redactor({KEY: API_KEY_PLACEHOLDER}, [], OFFLINE_PSEUDONYM_KEY)
    assert unregistered.redact_headers({API_KEY_HEADER: WRONG_API_KEY}) == {API_KEY_HEADER: "<REDACTED>"}
    registered = Redactor({KEY: API_KEY_PLACEHOLDER}, [], OFFLINE_PSEUDONYM_KEY, public_credentials=[WRONG_API_KEY])
    assert registered.redact_headers({API_KEY_HEADER: WRONG_API_KEY}) == {API_KEY_HEADER: WRONG_API_KEY}


def test_a_public_key_that_holds_a_secret_is_hidden() -> None:
    redactor = Redactor(
        {"0123456789": API_KEY_PLACEHOLDER}, [], OFFLINE_PSEUDONYM_KEY, public_credentials=["k-0123456789"]
    )
    assert redactor.redact_credential("k-0123456789") == UNKNOWN_CREDENTIAL_PLACEHOLDER


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (KEY, API_KEY_PLACEHOLDER),
        (NOT_ONBOARDED_KEY, NOT_ONBOARDED_API_KEY_PLACEHOLDER),
        (f"Bearer {NOT_ONBOARDED_KEY}", f"Bearer {NOT_ONBOARDED_API_KEY_PLACEHOLDER}"),
        (f"bearer  {KEY}", f"bearer  {API_KEY_PLACEHOLDER}"),  # the scheme as it was sent
        (f"Bearer {WRONG_API_KEY}", f"Bearer {WRONG_API_KEY}"),
        ("someone-elses-token", UNKNOWN_CREDENTIAL_PLACEHOLDER),
        ("Bearer someone-elses-token", f"Bearer {UNKNOWN_CREDENTIAL_PLACEHOLDER}"),
        (f"{KEY}x", UNKNOWN_CREDENTIAL_PLACEHOLDER),  # not the key, but close to it: nothing of it is shown
        (f"session={KEY}", UNKNOWN_CREDENTIAL_PLACEHOLDER),
    ],
)
def test_a_credential_is_shown_by_its_form_and_redacting_twice_changes_nothing(
    redactor: Redactor, value: str, shown: str
) -> None:
    assert redactor.redact_credential(value) == shown
    assert redactor.redact_credential(shown) == shown


def test_the_run_registers_each_key_with_its_placeholder(redactor: Redactor) -> None:
    text = f"{KEY} {NOT_ONBOARDED_KEY} Bearer {KEY} {WRONG_API_KEY}"
    expected = f"{API_KEY_PLACEHOLDER} {NOT_ONBOARDED_API_KEY_PLACEHOLDER} Bearer {API_KEY_PLACEHOLDER} {WRONG_API_KEY}"
    assert redactor.redact_text(text) == expected
    same_keys = Settings("replay", None, Secret(KEY), Secret(KEY), RECIPIENT)  # the run's key wins
    assert build_redactor(same_keys, ReplayTarget(same_keys)).redact_text(KEY) == API_KEY_PLACEHOLDER


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("D360-API-KEY: wrong-key", "'D360-API-KEY: wrong-key'"),
        (f"D360-API-KEY: {API_KEY_PLACEHOLDER}", '"D360-API-KEY: $D360_API_KEY"'),
        (f"?k={API_KEY_PLACEHOLDER}_x", '"?k=${D360_API_KEY}_x"'),  # the name would run on
        (f'say "$HOME" {API_KEY_PLACEHOLDER}', '"say \\"\\$HOME\\" $D360_API_KEY"'),
        (f"hi! {API_KEY_PLACEHOLDER}", "'hi! '\"$D360_API_KEY\""),  # no history expansion inside "..."
    ],
)
def test_shell_words_expand_only_the_placeholders(text: str, word: str) -> None:
    assert shell_word(text) == word
    expected = text.replace(API_KEY_PLACEHOLDER, KEY)
    assert _as_bash_runs_it(f"curl {word}") == [expected]


def test_the_caption_names_the_variables_the_reproducer_reads(redactor: Redactor) -> None:
    captions = {
        name: html.reproduce_caption(_send(redactor, form.credentials).exchange) for name, form in FORMS.items()
    }
    assert captions["valid key"] == "Reproduce (the key is read from <code>$D360_API_KEY</code>):"
    assert captions["not-onboarded key"] == "Reproduce (the key is read from <code>$D360_NOT_ONBOARDED_API_KEY</code>):"
    assert captions["wrong key"] == captions["missing"] == "Reproduce (no key is read from the environment):"


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_a_cassette_keeps_the_form_of_the_key(redactor: Redactor, form: Form) -> None:
    headers = {"Content-Type": "application/json"} | ({API_KEY_HEADER: form.sent} if form.sent else {})
    request = VcrRequest("POST", f"{PRODUCTION_BASE_URL}/messages", json.dumps(BODY).encode(), headers)
    recorded = CanonicalForm(redactor).before_record_request(request)
    assert recorded.headers.get(API_KEY_HEADER.lower()) == form.shown


def test_vcrpy_does_not_overwrite_the_key_header_before_the_redactor_sees_it() -> None:
    assert API_KEY_HEADER.lower() not in {name.lower() for name, _ in FILTER_HEADERS}
