"""The reference platform, driven through the driver protocol against the emulator over loopback.

Every test starts its own emulator (which records every request it gets) and its own platform service; what
the platform did is judged from the requests that reached the emulator and from the emulator's message store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mmlite_conformance.emulator import NOT_ONBOARDED_API_KEY, RateLimits
from tests.examples import payloads
from tests.examples.conftest import Connect, EmulatorFactory, PlatformFactory
from tests.examples.harness import (
    NO_PROXY,
    RECIPIENT,
    SERVICE,
    SHELL_DRIVER,
    PlatformUnderTest,
    defect_env,
    pid_alive,
    template,
    text,
    wait_for,
)

pytestmark = pytest.mark.integration

MARKETING, UTILITY, AUTHENTICATION = "marketing_text_no_param", "utility_order_update", "authentication_code"
US_RECIPIENT = "15555550123"


def apis(platform: PlatformUnderTest) -> list[str]:
    """`api` of every message the emulator accepted, in order."""
    account = platform.server.state.accounts[platform.api_key]
    return [record.api for record in list(account.messages.values())]


def cloud_body(name: str, to: str = RECIPIENT) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "en"}},
    }


# --- protocol ----------------------------------------------------------------------------------------------------
def test_connect_register_webhook_and_route_by_category(connect: Connect) -> None:
    platform = connect(webhook=True)
    account = platform.server.state.accounts[platform.api_key]
    assert account.waba_webhook.url == platform.webhook_url()
    assert account.waba_webhook.url.startswith("http://127.0.0.1:")

    for action in (template(MARKETING), template(UTILITY), template(AUTHENTICATION), text("hi")):
        platform.act(action)
    platform.wait_idle()

    assert platform.paths() == ["/marketing_messages", "/messages", "/messages", "/messages"]
    assert apis(platform) == ["mm_lite", "cloud", "cloud", "cloud"]
    marketing = platform.sends()[0]
    assert marketing.json == cloud_body(MARKETING)  # MM Lite gets the Cloud API body
    assert platform.sends()[1].json == cloud_body(UTILITY)
    for exchange in platform.sends():
        assert exchange.headers["d360-api-key"] == platform.api_key
        assert exchange.headers["content-type"] == "application/json"


def test_statuses_come_back_to_the_platform(connect: Connect) -> None:
    platform = connect(webhook=True)
    platform.act(template(MARKETING))
    message_id = wait_for(lambda: platform.wait_idle()["platform"]["messages"][0]["message_id"], what="a message id")
    statuses = wait_for(
        lambda: "read" in (s := platform.status()["platform"]["statuses"].get(message_id, [])) and s, what="read"
    )
    assert statuses == ["sent", "delivered", "read"]


def test_delegated_routing_sends_everything_to_messages(connect: Connect) -> None:
    platform = connect(MMLITE_PLATFORM_ROUTING="delegated")
    for action in (template(MARKETING), template(UTILITY), text()):
        platform.act(action)
    platform.wait_idle()
    assert platform.paths() == ["/messages"] * 3


def test_unknown_and_malformed_actions(emulator_factory: EmulatorFactory, platform_factory: PlatformFactory) -> None:
    server, exchanges = emulator_factory()
    platform = platform_factory(server, exchanges)
    assert platform.run({"action": "send_template", "to": RECIPIENT}).returncode not in (0, 3)  # not connected
    assert platform.run({"action": "teleport"}).returncode == 3
    platform.connect()
    assert platform.run({"action": "create_template", "name": "x"}).returncode == 3
    assert platform.run({"action": "connect_v2", "future_field": 1}).returncode == 3
    assert platform.run("not json\n").returncode not in (0, 3)
    assert platform.run({"action": "send_text", "to": RECIPIENT}).returncode not in (0, 3)  # no text
    unknown_fields = {**text(), "priority": "high", "metadata": {"a": 1}}
    assert platform.run(unknown_fields).returncode == 0


def test_disconnect_stops_the_service(connect: Connect) -> None:
    platform = connect()
    pid = platform.service_pid()
    assert pid is not None and pid_alive(pid)
    platform.act({"action": "disconnect"})
    wait_for(lambda: not pid_alive(pid), 5, "the service to exit")
    assert platform.service_pid() is None
    platform.act({"action": "disconnect"})  # idempotent
    platform.connect()  # and a new connect starts a new service
    new_pid = platform.service_pid()
    assert new_pid is not None and new_pid != pid and pid_alive(new_pid)


def test_connect_twice_reuses_the_service_with_new_settings(connect: Connect) -> None:
    platform = connect()
    pid = platform.service_pid()
    platform.env["MMLITE_PLATFORM_ROUTING"] = "delegated"
    platform.connect()
    assert platform.service_pid() == pid
    platform.act(template(MARKETING))
    platform.wait_idle()
    assert platform.paths() == ["/messages"]


# --- routing defects ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("defect", "action", "first_path"),
    [
        ("utility_via_mm_lite", template(UTILITY), "/marketing_messages"),
        ("never_mm_lite", template(MARKETING), "/messages"),
        ("text_via_mm_lite", text(), "/marketing_messages"),
    ],
)
def test_routing_defects_change_the_route(
    connect: Connect,
    defect: str,
    action: dict[str, Any],
    first_path: str,
) -> None:
    platform = connect(defect=defect)
    platform.act(action)
    platform.wait_idle()
    assert platform.paths()[0] == first_path


def test_request_shape_defects(connect: Connect) -> None:
    bearer = connect(defect="bearer_key")
    bearer.act(template(MARKETING))
    bearer.wait_idle()
    assert bearer.sends()[0].headers["d360-api-key"] == f"Bearer {bearer.api_key}"

    differs = connect(defect="body_differs")
    differs.act(template(MARKETING))
    differs.wait_idle()
    assert differs.sends()[0].json == {**cloud_body(MARKETING), "campaign": "x"}


def test_unknown_defect_refuses_connect(emulator_factory: EmulatorFactory, platform_factory: PlatformFactory) -> None:
    server, exchanges = emulator_factory()
    platform = platform_factory(server, exchanges, REFERENCE_PLATFORM_DEFECT="no_such_defect")
    result = platform.run({"action": "connect", "base_url": server.base_url, "api_key": platform.api_key})
    assert result.returncode not in (0, 3)
    assert "no_such_defect" in result.stderr


@pytest.mark.parametrize(
    ("defect", "production_url"),
    [
        ("webhook_host_underscore", "https://hooks_platform.example.com/webhook"),
        ("webhook_host_port", "https://hooks.example.com:8443/webhook"),
    ],
)
def test_webhook_host_defects_register_a_bad_production_url(connect: Connect, defect: str, production_url: str) -> None:
    platform = connect(webhook=True, defect=defect)
    registrations = [(e.path, e.json["url"]) for e in platform.exchanges if e.method == "POST" and "webhook" in e.path]
    assert registrations == [("/waba_webhook", production_url), ("/v1/configs/webhook", platform.webhook_url())]
    assert platform.server.state.accounts[platform.api_key].phone_webhook.url == platform.webhook_url()


# --- templates and categories ------------------------------------------------------------------------------------
def test_category_changes_only_when_completed(connect: Connect) -> None:
    platform = connect(webhook=True)
    assert platform.post_webhook(payloads.category_impending(UTILITY, "UTILITY", "MARKETING")) == 200
    platform.act(template(UTILITY))
    platform.wait_idle()
    assert platform.paths() == ["/messages"]  # impending: routing unchanged

    assert platform.post_webhook(payloads.category_completed(UTILITY, "UTILITY", "MARKETING")) == 200
    platform.act(template(UTILITY))
    platform.wait_idle()
    assert platform.paths()[1] == "/marketing_messages"  # completed: now a marketing template


def test_routes_on_impending_defect(connect: Connect) -> None:
    platform = connect(webhook=True, defect="routes_on_impending")
    assert platform.post_webhook(payloads.category_impending(UTILITY, "UTILITY", "MARKETING")) == 200
    platform.act(template(UTILITY))
    platform.wait_idle()
    assert platform.paths()[0] == "/marketing_messages"


def create_template(platform: PlatformUnderTest, name: str, category: str = "MARKETING") -> None:
    body = {"name": name, "category": category, "language": "en", "components": [{"type": "BODY", "text": "Hi"}]}
    request = json.dumps(body).encode()
    headers = {"D360-API-KEY": platform.api_key, "Content-Type": "application/json"}
    url = f"{platform.server.base_url}/v1/configs/templates"
    with NO_PROXY.open(urllib.request.Request(url, data=request, headers=headers), timeout=5) as response:
        assert response.status == 200


def test_new_template_is_learned_from_the_list(connect: Connect) -> None:
    platform = connect(webhook=True)
    create_template(platform, "spring_sale")
    assert platform.post_webhook(payloads.template_approved("spring_sale")) == 200
    wait_for(
        lambda: any(t["name"] == "spring_sale" and t["category"] for t in platform.status()["platform"]["templates"]),
        what="the template list to be fetched again",
    )
    platform.act(template("spring_sale"))
    platform.wait_idle()
    assert platform.paths() == ["/marketing_messages"]
    assert apis(platform) == ["mm_lite"]


# --- error reactions ---------------------------------------------------------------------------------------------
def test_terms_error_falls_back_until_terms_are_signed(
    emulator_factory: EmulatorFactory, platform_factory: PlatformFactory
) -> None:
    server, exchanges = emulator_factory()
    platform = platform_factory(server, exchanges)
    platform.connect(NOT_ONBOARDED_API_KEY)
    platform.act({"action": "register_webhook"})
    platform.act(template(MARKETING))
    platform.wait_idle()
    assert platform.paths() == ["/marketing_messages", "/messages"]  # the terms error, then one fallback
    platform.act(template(MARKETING))
    platform.wait_idle()
    assert platform.paths()[2:] == ["/messages"]  # not onboarded: straight to the Cloud API

    server.state.accounts[NOT_ONBOARDED_API_KEY].mm_lite_onboarded = True
    assert platform.post_webhook(payloads.terms_signed()) == 200
    platform.act(template(MARKETING))
    platform.wait_idle()
    assert platform.paths()[3:] == ["/marketing_messages"]
    assert apis(platform) == ["cloud", "cloud", "mm_lite"]


def test_loops_on_terms_defect(emulator_factory: EmulatorFactory, platform_factory: PlatformFactory) -> None:
    server, exchanges = emulator_factory()
    platform = platform_factory(server, exchanges, REFERENCE_PLATFORM_DEFECT="loops_on_terms")
    platform.connect(NOT_ONBOARDED_API_KEY)
    platform.act(template(MARKETING))
    platform.wait_idle()
    assert platform.paths() == ["/marketing_messages"] * 4


@pytest.mark.parametrize(
    ("defect", "expected"),
    [(None, ["/marketing_messages", "/messages"]), ("retries_syncing_at_once", ["/marketing_messages"] * 4)],
)
def test_template_still_syncing(
    emulator_factory: EmulatorFactory, platform_factory: PlatformFactory, defect: str | None, expected: list[str]
) -> None:
    server, exchanges = emulator_factory(template_sync_delay=600)
    platform = platform_factory(server, exchanges, **defect_env(defect))
    platform.connect()
    create_template(platform, "fresh_offer")
    platform.act(template("fresh_offer"))
    platform.wait_idle()
    assert platform.paths() == expected
    attempts = platform.status()["platform"]["messages"][0]["attempts"]
    assert [code for _, _, code, _ in attempts if code] == [131009] * (len(expected) - (defect is None))
    assert apis(platform) == (["cloud"] if defect is None else [])


@pytest.mark.parametrize(("defect", "requests"), [(None, 1), ("retries_invalid_key", 4)])
def test_invalid_key_is_not_retried(
    emulator_factory: EmulatorFactory, platform_factory: PlatformFactory, defect: str | None, requests: int
) -> None:
    server, exchanges = emulator_factory()
    platform = platform_factory(server, exchanges, **defect_env(defect))
    platform.api_key = "not-a-key"
    platform.env["D360_API_KEY"] = "not-a-key"
    platform.act({"action": "connect", "base_url": server.base_url, "api_key": "not-a-key"})
    before = len(platform.exchanges)
    platform.act(template(MARKETING))
    platform.wait_idle()
    time.sleep(0.3)
    after = platform.exchanges[before:]
    assert len(after) == requests
    assert all(e.status == 401 for e in after)


@pytest.mark.parametrize("defect", [None, "ignores_retry_after"])
def test_rate_limit_waits_for_retry_after(
    emulator_factory: EmulatorFactory, platform_factory: PlatformFactory, defect: str | None
) -> None:
    server, exchanges = emulator_factory(rate_limits=RateLimits(enabled=True, pair_burst=1, pair_interval=1.0))
    platform = platform_factory(server, exchanges, **defect_env(defect))
    platform.connect()
    platform.act(template(MARKETING))
    platform.act(template(MARKETING))
    platform.wait_idle()
    sends = platform.sends()
    assert [e.status for e in sends][:2] == [200, 429]
    assert sends[-1].status == 200  # delivered in the end
    assert apis(platform) == ["mm_lite", "mm_lite"]
    retry_after = float(sends[1].response_headers["retry-after"])
    gap = sends[2].started - sends[1].started
    if defect is None:
        assert len(sends) == 3
        assert gap >= retry_after
    else:
        assert gap < 0.5


@pytest.mark.parametrize("defect", [None, "resends_after_131049"])
def test_no_more_sends_after_131049(connect: Connect, defect: str | None) -> None:
    platform = connect(webhook=True, defect=defect)
    platform.act(template(MARKETING, to=US_RECIPIENT))
    wait_for(lambda: US_RECIPIENT in platform.status()["platform"]["suppressed"], what="the failed status")
    again = platform.run(template(MARKETING, to=US_RECIPIENT))
    platform.wait_idle()
    if defect is None:
        assert again.returncode == 2
        assert "131049" in again.stderr
        assert len(platform.sends()) == 1
        platform.act(template(MARKETING))  # other recipients are not affected
    else:
        assert again.returncode == 0
        assert len(platform.sends()) == 2


# --- the webhook endpoint ----------------------------------------------------------------------------------------
def test_webhook_endpoint_is_tolerant(connect: Connect) -> None:
    platform = connect()
    assert platform.post_webhook(b"not json") == 400
    assert platform.post_webhook({"object": "whatsapp_business_account", "entry": [], "new_top_level": 1}) == 200
    assert platform.post_webhook(payloads.notification("brand_new_field", {"anything": [1, 2]})) == 200
    assert platform.post_webhook(payloads.notification("messages", {"user_actions": [{"action_type": "x"}]})) == 200
    read_first = payloads.status("wamid.A", "read")
    assert platform.post_webhook(read_first) == 200
    assert platform.post_webhook(payloads.status("wamid.A", "delivered")) == 200  # out of order
    assert platform.post_webhook(read_first) == 200  # duplicate
    assert platform.status()["platform"]["statuses"]["wamid.A"] == ["read", "delivered"]


def test_webhook_burst_is_answered(connect: Connect) -> None:
    platform = connect()
    started = time.monotonic()
    with ThreadPoolExecutor(80) as pool:
        codes = list(
            pool.map(lambda i: platform.post_webhook(payloads.status(f"wamid.{i}", "sent"), timeout=5), range(80))
        )
    assert codes == [200] * 80
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("defect", "payload", "second"),
    [
        ("webhook_500_on_unknown", payloads.notification("brand_new_field", {}), 500),
        ("webhook_500_on_duplicate", payloads.status("wamid.D", "sent"), 500),
    ],
)
def test_webhook_defects(connect: Connect, defect: str, payload: dict[str, Any], second: int) -> None:
    platform = connect(defect=defect)
    assert [platform.post_webhook(payload), platform.post_webhook(payload)] == [
        500 if defect == "webhook_500_on_unknown" else 200,
        second,
    ]


def test_slow_webhook_defect(connect: Connect) -> None:
    platform = connect(defect="slow_webhook")
    with pytest.raises(TimeoutError):
        platform.post_webhook(payloads.status("wamid.S", "sent"), timeout=1)


def test_small_backlog_defect_fails_a_burst(connect: Connect) -> None:
    platform = connect(defect="webhook_small_backlog")

    def post(i: int) -> int:
        try:
            return platform.post_webhook(payloads.status(f"wamid.{i}", "sent"), timeout=5)
        except OSError:  # reset or refused: the backlog overflowed
            return 0

    burst = 20
    started = time.monotonic()
    with ThreadPoolExecutor(burst) as pool:
        codes = list(pool.map(post, range(burst)))
    # either some notifications were dropped, or they were answered one after the other (100 ms each)
    assert codes != [200] * burst or time.monotonic() - started >= burst * 0.05


@pytest.mark.parametrize("defect", [None, "accepts_bad_signature"])
def test_webhook_signature(connect: Connect, defect: str | None) -> None:
    platform = connect(defect=defect, MMLITE_PLATFORM_WEBHOOK_SECRET="s3cret")
    body = json.dumps(payloads.status("wamid.X", "sent")).encode()
    good = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert platform.post_webhook(body, {"X-360dialog-Signature": good}) == 200
    assert platform.post_webhook(body, {"X-Hub-Signature-256": f"sha256={good}"}) == 200
    bad = [platform.post_webhook(body, {"X-360dialog-Signature": "0" * 64}), platform.post_webhook(body)]
    assert bad == ([401, 401] if defect is None else [200, 200])


# --- a driver written in shell -----------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("curl") is None, reason="driver.sh needs curl")
def test_shell_driver_forwards_to_a_running_service(
    emulator_factory: EmulatorFactory, platform_factory: PlatformFactory
) -> None:
    server, exchanges = emulator_factory()
    platform = platform_factory(server, exchanges)
    service = subprocess.Popen(
        [sys.executable, str(SERVICE), "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=platform.env,
    )
    try:
        assert service.stdout is not None
        line = service.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]

        def shell(action: dict[str, Any]) -> int:
            return platform.run(action, driver=SHELL_DRIVER, REFERENCE_PLATFORM_URL=url).returncode

        assert shell({"action": "connect", "base_url": server.base_url, "api_key": platform.api_key}) == 0
        assert shell(template(MARKETING)) == 0
        assert shell({"action": "teleport"}) == 3
        assert shell({"action": "send_text", "to": RECIPIENT}) == 1  # malformed: refused
        wait_for(lambda: apis(platform) == ["mm_lite"], what="the message")
        assert shell({"action": "disconnect"}) == 0
        assert service.wait(timeout=10) == 0
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
