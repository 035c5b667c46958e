"""The reference platform's logic without processes or sockets: error reactions with a scripted 360dialog,
webhook parsing, signatures, error classification and the defect catalogue."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from refplatform import webhooks
from refplatform.api import ApiResult, ErrorKind, Route, classify
from refplatform.core import Outgoing, Platform, RefusedError, Settings
from refplatform.defects import DESCRIPTIONS, Defect, parse_defect
from refplatform.statefile import state_dir

from tests.examples import payloads
from tests.examples.harness import REFERENCE_PLATFORM

pytestmark = pytest.mark.unit

TEMPLATES = [
    {"name": "promo", "language": "en", "category": "MARKETING", "status": "APPROVED", "id": "1"},
    {"name": "order", "language": "en", "category": "UTILITY", "status": "APPROVED", "id": "2"},
]
OK = ApiResult(200, {"messages": [{"id": "wamid.OK", "message_status": "accepted"}]})


def mm_error(code: int, message: str = "(#1) error", status: int = 400, **extra: Any) -> ApiResult:
    return ApiResult(status, {"detail": {"error": {"code": code, "message": message, **extra}}})


def graph_error(code: int, status: int = 400, retry_after: float | None = None) -> ApiResult:
    return ApiResult(status, {"error": {"code": code, "message": f"(#{code}) error"}}, retry_after)


TERMS = mm_error(131055, "(#200) You must accept the Marketing Messages Lite API terms to use the API.", 403)
INVALID_TOKEN = ApiResult(401, {"error": "Invalid api token."})


class ScriptedApi:
    """Answers each route from a script (then OK), and records every request."""

    def __init__(self, **script: list[ApiResult]) -> None:
        self.script = {Route.MM_LITE: list(script.get("mm_lite", [])), Route.CLOUD: list(script.get("cloud", []))}
        self.requests: list[tuple[Route, dict[str, Any]]] = []
        self.template_lists = 0

    def send(self, route: Route, body: dict[str, Any]) -> ApiResult:
        self.requests.append((route, body))
        answers = self.script[route]
        return answers.pop(0) if answers else OK

    def list_templates(self) -> ApiResult | list[dict[str, Any]]:
        self.template_lists += 1
        return [dict(t) for t in TEMPLATES]

    @property
    def routes(self) -> list[str]:
        return [route.name for route, _ in self.requests]


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make(api: ScriptedApi, defect: Defect | None = None, routing: str = "explicit") -> tuple[Platform, FakeTime]:
    clock = FakeTime()
    settings = Settings("http://127.0.0.1:9", "key", routing, defect)
    platform = Platform(settings, api, sleep=clock.sleep, clock=lambda: clock.now, jitter=lambda: 0.1)
    assert platform.load_templates() is None
    return platform, clock


def send(platform: Platform, name: str = "promo", to: str = "5521912345678") -> str:
    action = {"action": "send_template", "to": to, "template": {"name": name, "language": "en"}}
    return platform.deliver(platform.accept(action)).outcome


# --- error reactions -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "defect", "routes"),
    [
        (mm_error(131055, "(#131055) Method not allowed"), None, ["MM_LITE", "CLOUD"]),
        (mm_error(100, "(#100) Invalid parameter"), None, ["MM_LITE", "CLOUD"]),
        (mm_error(134100), None, ["MM_LITE", "CLOUD"]),
        (mm_error(131055), Defect.RETRIES_NON_TEMPLATE, ["MM_LITE"] * 4),
        (mm_error(131009), None, ["MM_LITE", "CLOUD"]),
        (mm_error(131009), Defect.RETRIES_SYNCING_AT_ONCE, ["MM_LITE"] * 4),
        (TERMS, None, ["MM_LITE", "CLOUD"]),
        (TERMS, Defect.LOOPS_ON_TERMS, ["MM_LITE"] * 4),
        (INVALID_TOKEN, None, ["MM_LITE"]),
        (INVALID_TOKEN, Defect.RETRIES_INVALID_KEY, ["MM_LITE"] * 4),
        (mm_error(999999, status=500), None, ["MM_LITE"] * 3),
        (ApiResult(-1, "no answer: timed out"), None, ["MM_LITE"]),
        (mm_error(132001), None, ["MM_LITE"]),
    ],
)
def test_reaction_to_a_persistent_error(answer: ApiResult, defect: Defect | None, routes: list[str]) -> None:
    api = ScriptedApi(mm_lite=[answer] * 10)
    platform, _ = make(api, defect)
    send(platform)
    assert api.routes == routes


def test_terms_error_sends_marketing_to_the_cloud_api_until_signed() -> None:
    api = ScriptedApi(mm_lite=[TERMS])
    platform, _ = make(api)
    assert send(platform) == "accepted"
    assert send(platform) == "accepted"
    assert api.routes == ["MM_LITE", "CLOUD", "CLOUD"]
    platform.handle(webhooks.parse(payloads.terms_signed()))
    send(platform)
    assert api.routes[-1] == "MM_LITE"


def test_rate_limits_wait_for_retry_after_and_back_off() -> None:
    limited = graph_error(130429, 429, retry_after=2)
    api = ScriptedApi(mm_lite=[mm_error(130429, status=429), limited], cloud=[limited, limited])
    api.script[Route.MM_LITE] = [ApiResult(429, limited.body, 2), ApiResult(429, limited.body, 2)]
    platform, clock = make(api)
    assert send(platform) == "accepted"
    assert clock.sleeps == [pytest.approx(2.1), pytest.approx(4.1)]  # Retry-After, then doubled; plus jitter
    assert send(platform, "order") == "accepted"  # a success resets the backoff
    assert clock.sleeps[2:] == [pytest.approx(2.1), pytest.approx(4.1)]


def test_ignores_retry_after_defect() -> None:
    api = ScriptedApi(mm_lite=[ApiResult(429, {}, 5)])
    platform, clock = make(api, Defect.IGNORES_RETRY_AFTER)
    send(platform)
    assert clock.sleeps == [pytest.approx(0.1)]


def test_unknown_errors_back_off_between_retries() -> None:
    api = ScriptedApi(cloud=[graph_error(123456, 500)] * 2)
    platform, clock = make(api)
    assert send(platform, "order") == "accepted"
    assert clock.sleeps == [pytest.approx(0.6), pytest.approx(1.1)]


def test_marketing_refused_on_the_cloud_api_moves_to_mm_lite_once() -> None:
    api = ScriptedApi(cloud=[graph_error(131063)])
    platform, _ = make(api, routing="delegated")
    send(platform)
    assert api.routes == ["CLOUD", "MM_LITE"]


def test_recipient_with_131049_is_refused() -> None:
    api = ScriptedApi()
    platform, _ = make(api)
    failed = payloads.status("wamid.F", "failed", "15555550123", errors=[{"code": 131049, "title": "x"}])
    platform.handle(webhooks.parse(failed))
    with pytest.raises(RefusedError, match="131049"):
        send(platform, to="+1 555 555 0123")
    send(platform, to="5521912345678")
    resending, _ = make(ScriptedApi(), Defect.RESENDS_AFTER_131049)
    resending.handle(webhooks.parse(failed))
    assert send(resending, to="15555550123") == "accepted"


def test_unknown_template_is_looked_up_once_per_message() -> None:
    api = ScriptedApi()
    platform, _ = make(api)
    send(platform, "brand_new")
    assert api.template_lists == 2  # connect, then once for the unknown template
    assert api.routes == ["CLOUD"]  # still unknown: /messages decides


def test_mm_lite_body_equals_the_cloud_body() -> None:
    api = ScriptedApi()
    platform, _ = make(api)
    message = Outgoing(1, "5521912345678", "promo", "en")
    assert platform.body_for(message, Route.MM_LITE) == platform.body_for(message, Route.CLOUD)
    broken, _ = make(api, Defect.BODY_DIFFERS)
    assert broken.body_for(message, Route.MM_LITE) == {**broken.body_for(message, Route.CLOUD), "campaign": "x"}


# --- templates and categories ------------------------------------------------------------------------------------
def category(platform: Platform, name: str) -> str | None:
    return platform.templates[(name, "en")].category


@pytest.mark.parametrize("defect", [None, Defect.ROUTES_ON_IMPENDING])
def test_category_update_applies_only_when_completed(defect: Defect | None) -> None:
    platform, _ = make(ScriptedApi(), defect)
    platform.handle(webhooks.parse(payloads.category_impending("order", "UTILITY", "MARKETING")))
    assert category(platform, "order") == ("UTILITY" if defect is None else "MARKETING")
    platform.handle(webhooks.parse(payloads.category_completed("order", "UTILITY", "MARKETING")))
    assert category(platform, "order") == "MARKETING"


def test_approved_template_triggers_a_refresh_unless_it_names_its_category() -> None:
    platform, _ = make(ScriptedApi())
    assert platform.handle(webhooks.parse(payloads.template_approved("brand_new"))) is True
    assert ("brand_new", "en") in platform.templates
    with_category = payloads.template_approved("other", template_id="555")
    with_category["entry"][0]["changes"][0]["value"]["message_template_category"] = "UTILITY"
    assert platform.handle(webhooks.parse(with_category)) is False
    assert category(platform, "other") == "UTILITY"


# --- webhook parsing ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "impending"),
    [
        ({"new_category": "UTILITY", "correct_category": "MARKETING"}, True),  # Meta's impending shape
        ({"new_category": "MARKETING", "previous_category": "UTILITY"}, False),  # Meta's completed shape
        ({"new_category": "MARKETING", "event": "IMPENDING"}, True),
        ({"new_category": "MARKETING", "status": "impending_category_update"}, True),
        ({"new_category": "MARKETING", "phase": "Impending"}, True),
        ({"new_category": "MARKETING", "event": "COMPLETED", "correct_category": "MARKETING"}, False),
        ({"new_category": "MARKETING", "previous_category": "UTILITY", "correct_category": "MARKETING"}, False),
        ({"new_category": "MARKETING"}, False),
    ],
)
def test_category_update_phase(value: dict[str, Any], impending: bool) -> None:
    events = webhooks.parse(payloads.notification("template_category_update", {"message_template_name": "t", **value}))
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, webhooks.CategoryUpdate)
    assert event.impending is impending


def test_parse_reads_every_kind() -> None:
    assert webhooks.parse(payloads.template_approved("t", template_id="7")) == [
        webhooks.TemplateStatusUpdate("APPROVED", "7", "t", "en", None)
    ]
    assert webhooks.parse(payloads.terms_signed()) == [webhooks.AccountUpdate("MM_LITE_TERMS_SIGNED")]
    failed = payloads.status("wamid.F", "failed", "15555550123", errors=[{"code": 131049}])
    assert webhooks.parse(failed) == [webhooks.MessageStatus("wamid.F", "failed", "15555550123", (131049,), None)]
    inbound = payloads.notification(
        "messages", {"messages": [{"id": "m", "from": "55", "type": "text", "text": {"body": "Hi"}}]}
    )
    assert webhooks.parse(inbound) == [webhooks.InboundMessage("m", "55", "text", "Hi")]
    clicks = payloads.notification("messages", {"user_actions": [{"action_type": "marketing_messages_link_click"}]})
    assert webhooks.parse(clicks) == [webhooks.Other("user_actions")]
    assert webhooks.parse(payloads.notification("something_new", {"x": 1})) == [webhooks.Other("something_new")]


@pytest.mark.parametrize(
    "payload",
    [None, [], "text", 3, {"entry": "x"}, {"entry": [{"changes": [None, {"field": 1, "value": []}]}]}],
)
def test_parse_never_raises(payload: Any) -> None:
    webhooks.parse(payload)
    webhooks.has_unknown_parts(payload)


def test_signature() -> None:
    body = b'{"a":1}'
    good = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert webhooks.signature_valid("secret", body, {"X-360dialog-Signature": good})
    assert webhooks.signature_valid("secret", body, {"x-hub-signature-256": f"sha256={good.upper()}"})
    assert not webhooks.signature_valid("secret", body, {"X-360dialog-Signature": "0" * 64})
    assert not webhooks.signature_valid("secret", body, {})
    assert not webhooks.signature_valid("other", body, {"X-360dialog-Signature": good})


# --- error classification ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("result", "route", "kind"),
    [
        (OK, Route.MM_LITE, ErrorKind.NONE),
        (INVALID_TOKEN, Route.CLOUD, ErrorKind.INVALID_TOKEN),
        (ApiResult(200, {"error": "Invalid api token."}), Route.CLOUD, ErrorKind.NONE),
        (ApiResult(400, {"error": "Invalid api token."}), Route.CLOUD, ErrorKind.INVALID_TOKEN),
        (TERMS, Route.MM_LITE, ErrorKind.TERMS_NOT_ACCEPTED),
        (mm_error(131055), Route.MM_LITE, ErrorKind.NOT_FOR_MM_LITE),
        (mm_error(100), Route.MM_LITE, ErrorKind.NOT_FOR_MM_LITE),
        (graph_error(100), Route.CLOUD, ErrorKind.PERMANENT),
        (mm_error(131009), Route.MM_LITE, ErrorKind.TEMPLATE_SYNCING),
        (mm_error(134101), Route.MM_LITE, ErrorKind.TEMPLATE_SYNCING),
        (graph_error(131056, 429), Route.CLOUD, ErrorKind.RATE_LIMITED),
        (graph_error(130429, 400), Route.CLOUD, ErrorKind.RATE_LIMITED),
        (graph_error(131063), Route.CLOUD, ErrorKind.MARKETING_OFF_ON_CLOUD),
        (ApiResult(502, "Bad Gateway"), Route.CLOUD, ErrorKind.UNKNOWN),
        (ApiResult(0, "not sent"), Route.CLOUD, ErrorKind.UNKNOWN),
        (ApiResult(-1, "no answer"), Route.CLOUD, ErrorKind.NO_ANSWER),
    ],
)
def test_classify(result: ApiResult, route: Route, kind: ErrorKind) -> None:
    assert classify(result, route) is kind


# --- configuration -----------------------------------------------------------------------------------------------
def test_every_defect_is_described_and_documented() -> None:
    readme = (REFERENCE_PLATFORM / "README.md").read_text()
    assert set(DESCRIPTIONS) == set(Defect)
    for defect in Defect:
        assert f"`{defect.value}`" in readme
        assert parse_defect(f" {defect.value} ") is defect
    assert parse_defect("") is None
    with pytest.raises(ValueError, match="unknown"):
        parse_defect("typo")


def test_state_dir_is_keyed_by_the_emulator_url(tmp_path: Path) -> None:
    assert state_dir({"REFERENCE_PLATFORM_STATE_DIR": str(tmp_path)}) == tmp_path
    one = state_dir({"MMLITE_EMULATOR_URL": "http://127.0.0.1:1"})
    two = state_dir({"MMLITE_EMULATOR_URL": "http://127.0.0.1:2"})
    assert one != two
    assert one == state_dir({"MMLITE_EMULATOR_URL": "http://127.0.0.1:1"})
