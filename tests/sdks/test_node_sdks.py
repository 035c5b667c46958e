"""Two Node SDKs from npm (pinned in tests/sdks/node), unchanged but for base URL, path and key header.

Each driver (tests/sdks/node/*.mjs) runs the same operations once per surface and reports what the SDK resolved
or threw and which of its webhook handlers were called for which message id; these tests judge that report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorServer
from tests.sdks.node_sdks import NodeSdks
from tests.sdks.sdk_helpers import (
    APP_SECRET,
    DIALOG360,
    GRAPH_VERSION,
    PHONE_NUMBER_ID,
    RECIPIENT,
    SURFACES,
    US_RECIPIENT,
    WRONG_KEY,
    sdk_config,
)

pytestmark = pytest.mark.integration

Report = dict[str, Any]
DRIVERS = {"whatsapp-api-js": "whatsapp_api_js.mjs", "@kapso/whatsapp-cloud-api": "kapso.mjs"}


@pytest.fixture(scope="module", params=[(sdk, surface) for sdk in DRIVERS for surface in SURFACES], ids=str)
def report(request: pytest.FixtureRequest, node_sdks: NodeSdks) -> Iterator[Report]:
    sdk, surface = request.param
    with EmulatorServer(sdk_config(surface)) as emulator:
        settings = {
            "base_url": emulator.base_url,
            "surface": surface,
            "api_key": DEFAULT_API_KEY,
            "wrong_key": WRONG_KEY,
            "phone_number_id": PHONE_NUMBER_ID,
            "recipient": RECIPIENT,
            "us_recipient": US_RECIPIENT,
            "app_secret": APP_SECRET,
            "graph_version": GRAPH_VERSION,
        }
        yield {"sdk": sdk, "surface": surface, **node_sdks.run(DRIVERS[sdk], settings)}


def _sent_id(report: Report, name: str) -> str:
    result = report["results"][name]
    assert "resolved" in result, f"{report['sdk']} {name}: {result}"
    message_id: str = result["resolved"]["messages"][0]["id"]
    assert message_id.startswith("wamid."), result
    return message_id


def _graph_error(report: Report, name: str) -> dict[str, Any]:
    """The Graph error object as the SDK surfaces it: whatsapp-api-js resolves the body, kapso throws GraphApiError.

    On the 360dialog surface MM Lite errors are wrapped in `detail` (CONTRACT §6.1), which neither SDK unwraps:
    the Graph error is then read from the body (whatsapp-api-js) or the error's raw body (kapso).
    """
    result = report["results"][name]
    if report["sdk"] == "whatsapp-api-js":
        assert "resolved" in result, f"whatsapp-api-js resolves API errors as the body; got {result}"
        body = result["resolved"]
    else:
        assert result.get("thrown", {}).get("class") == "GraphApiError", f"kapso must throw GraphApiError: {result}"
        thrown = result["thrown"]
        raw = thrown.get("raw")
        raw = json.loads(raw) if isinstance(raw, str) else raw  # a body it cannot read is kept as text
        if isinstance(raw, dict) and "detail" in raw:
            body = raw
        else:
            return {"code": thrown["code"], "message": thrown["message"], "http_status": thrown["httpStatus"]}
    if "detail" in body:
        body = body["detail"]
    error: dict[str, Any] = body["error"] if isinstance(body["error"], dict) else {"message": body["error"]}
    return error


def _handler_calls(report: Report, handler: str, message_id: str) -> list[dict[str, Any]]:
    return [e["detail"] for e in report["events"] if e["handler"] == handler and e["message_id"] == message_id]


def test_text_send(report: Report) -> None:
    _sent_id(report, "text")


def test_template_via_messages(report: Report) -> None:
    _sent_id(report, "template_messages")


def test_template_via_marketing_messages(report: Report) -> None:
    _sent_id(report, "template_mm_lite")
    message = report["results"]["template_mm_lite"]["resolved"]["messages"][0]
    assert message.get("message_status", message.get("messageStatus")) == "accepted"


def test_mm_lite_refuses_a_text_with_code_100(report: Report) -> None:
    assert _graph_error(report, "mm_lite_text")["code"] == 100


def test_mm_lite_refuses_a_utility_template_with_131055(report: Report) -> None:
    assert _graph_error(report, "mm_lite_utility")["code"] == 131055


def test_wrong_key(report: Report) -> None:
    error = _graph_error(report, "wrong_key")
    if report["surface"] == DIALOG360:
        assert error["message"] == "Invalid api token.", error  # 360dialog's flat 401 (CONTRACT §2)
    else:
        assert error["code"] == 190, error  # Graph: OAuthException 190


def test_mark_as_read(report: Report) -> None:
    result = report["results"]["mark_read"]
    assert result == {"resolved": {"success": True}}, result
    assert not _handler_calls(report, "status", report["results"]["inbound_id"]), "mark-as-read posted a status"


@pytest.mark.parametrize("send", ["text", "template_mm_lite"])
def test_status_webhooks_reach_the_status_handler(report: Report, send: str) -> None:
    message_id = _sent_id(report, send)
    statuses = sorted(call["status"] for call in _handler_calls(report, "status", message_id))
    assert statuses == ["delivered", "read", "sent"], _context(report, message_id)


def test_failed_status_reaches_the_status_handler(report: Report) -> None:
    message_id = _sent_id(report, "failed")
    calls = _handler_calls(report, "status", message_id)
    assert [(c["status"], c["error_code"]) for c in calls] == [("failed", 131049)], _context(report, message_id)


def test_inbound_text_reaches_the_message_handler(report: Report) -> None:
    message_id = report["results"]["inbound_id"]
    calls = _handler_calls(report, "message", message_id)
    assert calls == [{"text": "hello business", "from": RECIPIENT}], _context(report, message_id)


def test_every_webhook_was_accepted_by_the_sdk(report: Report) -> None:
    """The SDK's own handling verified X-Hub-Signature-256 and answered 200 to each delivery."""
    answers: list[int] = report["webhook_answers"]
    assert answers, "no webhook reached the SDK"
    assert set(answers) == {200}, answers


def _context(report: Report, message_id: str) -> str:
    calls = [e for e in report["events"] if e["message_id"] == message_id]
    return f"handler calls for {message_id}: {calls}; stderr: {report['stderr'][-2000:]}"
