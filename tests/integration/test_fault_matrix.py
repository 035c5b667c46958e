"""Proof that every scenario can fail, where and why: the suite against the emulator with one fault at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mmlite_conformance.emulator.faults import FAULTS
from tests.integration.conftest import SuiteRun
from tests.integration.platform_kit import failures

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RunSuite = Callable[..., SuiteRun]

S1A_SET = "test_the_webhook_url_of_the_sandbox_number_is_set"
S1A_GET = "test_the_webhook_url_currently_set_can_be_read_back"
S1B = "test_a_text_message_from_the_user_arrives_as_an_inbound_webhook"
S1C = "test_the_partner_replies_with_a_text_message_through_the_cloud_api"
S1D = "test_the_marketing_template_is_sent_through_the_cloud_api"
SCA = "test_the_same_request_goes_to_both_endpoints_and_only_the_url_changes"
SCB_CLOUD = "test_the_pricing_category_tells_which_api_carried_the_message[the Cloud API-marketing]"
SCB_MM = "test_the_pricing_category_tells_which_api_carried_the_message[MM Lite-marketing_lite]"
SCC = [f"test_mm_lite_accepts_the_permessage_activity_sharing_switch[{v}]" for v in ("true", "false")]
S2A = "test_a_marketing_template_is_sent_through_mm_lite"
S2B_IN = [f"test_a_ttl_inside_the_marketing_range_is_accepted[{v}]" for v in ("43200", "2592000")]
S2B_OUT = [f"test_a_ttl_outside_the_marketing_range_is_refused[{v}]" for v in ("43199", "2592001", "0", "-1")]
S2C_LIST = "test_a_newly_created_marketing_template_shows_up_in_the_template_list"
S2C_SYNC = "test_a_send_before_the_sync_delay_fails_with_131009_a_send_after_it_succeeds"
S3A = "test_mm_lite_refuses_a_plain_text_message"
S3B = [f"test_mm_lite_refuses_authentication_and_utility_templates[{c}]" for c in ("authentication", "utility")]
S3C = "test_mm_lite_refuses_a_number_whose_business_has_not_accepted_the_terms"
S3D = [
    f"test_a_request_without_a_valid_api_key_is_refused[{k}-{e}]"
    for k in ("a wrong key", "missing")
    for e in ("the Cloud API", "MM Lite")
]
S3D_BEARER = [f"test_the_api_key_written_with_a_bearer_prefix[{e}]" for e in ("the Cloud API", "MM Lite")]


@dataclass(slots=True, frozen=True)
class Pin:
    """Where and why a scenario must fail: its failing Gherkin step, and how its error begins (class name, message)."""

    step: str
    error: str


def failing(step: str, error: str, *scenarios: str) -> dict[str, Pin]:
    return dict.fromkeys(scenarios, Pin(step, error))


REJECTED_200 = "ConformanceError: expected the request to be rejected (HTTP 4xx), got HTTP 200"
REFUSED = "Then the request is rejected with an error response"
S3B_CODE = "Then the request is rejected with the contract profile's error code: alpha 131055, ga 134100 or 131055"
S3C_ANSWER = "Then the answer is the contract profile's: alpha a refusal, ga a refusal or a Cloud API fallback"
SERVED_200 = "ConformanceError: expected a refusal, got a Cloud API fallback (HTTP 200"
SEND_SCHEMA = 'And the response matches the "send-response" schema'
NO_WA_ID = (
    "ConformanceError: send-response: INVALID (https://schemas.mmlite-conformance.dev/send-response.schema.json): "
    "$.contacts[0]: no alternative matched: 'wa_id' is a required property"
)
NOT_WAMID = "ConformanceError: expected a message id starting with 'wamid.', got 'HBgN"
EITHER = "Then the answer is either a valid send or the documented invalid-token error"
SUCCESSFUL = "Then the response is a successful send"
READ_TRAIL = "And status webhooks for the message report sent, then delivered, then read"
DELIVERED_TRAIL = "And status webhooks for the message report sent, then delivered"
NO_STATUS = "WebhookTimeoutError: no webhook event matched: status failed or sent for wamid."
NO_INBOUND = "WebhookTimeoutError: no webhook event matched: inbound text containing 'Hello "
INBOUND_ARRIVES = "Then an inbound text webhook containing the nonce arrives"
USER_WROTE = "Given the user has written to the sandbox number within the last 24 hours"
NOT_2XX_400 = "ConformanceError: expected the request to succeed (HTTP 2xx), got HTTP 400"
UNWRAPPED = "ConformanceError: expected the error object to be wrapped as {'detail': {'error': …}}"
CONTRADICTED = "ConformanceError: the status timestamps contradict the progression sent -> delivered -> read: "
S1 = (S1B, S1C, S1D, SCB_CLOUD, SCB_MM)

#: fault -> every scenario that fails when the emulator commits it, at which step and why; every other scenario passes
MUST_FAIL: dict[str, dict[str, Pin]] = {
    "mm_lite_accepts_text": failing("Then the request is rejected with error code 100", REJECTED_200, S3A),
    "mm_lite_accepts_non_marketing": failing(S3B_CODE, REJECTED_200, *S3B),
    "not_onboarded_allowed": failing(S3C_ANSWER, SERVED_200, S3C),
    "sync_delay_ignored": failing("Then the request is rejected with error code 131009", REJECTED_200, S2C_SYNC),
    "template_list_missing_created": {
        **failing(
            'And the template list shows the new template with category "MARKETING"',
            "ConformanceError: expected template 'mmlite_conformance_",
            S2C_LIST,
        ),
        **failing(
            "Given the partner has created a new marketing template that is approved",
            "ConformanceError: expected template 'mmlite_conformance_",
            S2C_SYNC,
        ),
    },
    "ttl_not_validated": failing(REFUSED, REJECTED_200, *S2B_OUT),
    "wrong_error_code": {
        **failing(
            "Then the request is rejected with error code 100",
            "ConformanceError: expected error code 100, got 131008",
            S3A,
        ),
        **failing(S3B_CODE, "ConformanceError: expected error code 131055, got 134100", *S3B),
        **failing(
            "Then the request is rejected with error code 131009",
            "ConformanceError: expected error code 131009, got 134101",
            S2C_SYNC,
        ),
    },
    "missing_detail_wrapper": {
        **failing('And the error is wrapped in "detail"', UNWRAPPED, S3A, *S3B),
        **failing('And a refusal is wrapped in "detail"', UNWRAPPED, S3C),
    },
    "http_200_on_errors": {
        **failing(REFUSED, REJECTED_200, *S2B_OUT, *S3D),
        **failing(S3C_ANSWER, SERVED_200, S3C),
        **failing("Then the request is rejected with error code 100", REJECTED_200, S3A),
        **failing(S3B_CODE, REJECTED_200, *S3B),
        **failing("Then the request is rejected with error code 131009", REJECTED_200, S2C_SYNC),
    },
    "wrong_key_accepted": failing(REFUSED, REJECTED_200, S3D[0], S3D[1]),
    "invalid_token_body_changed": failing(
        "And the response body is exactly:", 'ConformanceError: expected the body {"error": "Invalid api token."}', *S3D
    ),
    "missing_wa_id": {
        **failing(SEND_SCHEMA, NO_WA_ID, S2A, S2C_SYNC, S1C, S1D, *S2B_IN, *SCC),
        **failing(EITHER, NO_WA_ID, *S3D_BEARER),
    },
    "non_wamid_ids": {
        **failing(SUCCESSFUL, NOT_WAMID, S2A, S2C_SYNC, S1C, S1D, SCB_CLOUD, SCB_MM, *S2B_IN, *SCC),
        **failing(EITHER, NOT_WAMID, *S3D_BEARER),
        **failing("Then both responses are successful sends", NOT_WAMID, SCA),
        **failing(
            'And the inbound webhook matches the "webhook-notification" schema',
            "ConformanceError: webhook-notification: INVALID",
            S1B,
        ),
    },
    "no_status_webhooks": {
        **failing(READ_TRAIL, NO_STATUS, S1C, S1D),
        **failing(DELIVERED_TRAIL, NO_STATUS, SCB_CLOUD, SCB_MM),
    },
    "marketing_instead_of_marketing_lite": failing(
        'And every status webhook with pricing says the contract profile\'s category: alpha "marketing_lite", '
        'ga "marketing_lite"',
        "ConformanceError: expected pricing.category 'marketing_lite' on every priced status, got ['marketing'",
        SCB_MM,
    ),
    "inbound_not_delivered": {**failing(INBOUND_ARRIVES, NO_INBOUND, S1B), **failing(USER_WROTE, NO_INBOUND, S1C)},
    "webhook_url_not_stored": {
        **failing(
            "And the reported webhook URL is the suite's receiver",
            "ConformanceError: expected the webhook URL 'http://127.0.0.1:",
            S1A_GET,
        ),
        **failing(INBOUND_ARRIVES, NO_INBOUND, S1B),
        **failing(USER_WROTE, NO_INBOUND, S1C),
        **failing(READ_TRAIL, NO_STATUS, S1D),
        **failing(DELIVERED_TRAIL, NO_STATUS, SCB_CLOUD, SCB_MM),
    },
    "webhook_url_rejected": {
        **failing("Then the request succeeds", NOT_2XX_400, S1A_SET),
        **failing("Given the webhook URL points to the suite's receiver", NOT_2XX_400, S1A_GET, *S1),
        **failing("And that number's webhook URL points to the suite's receiver", NOT_2XX_400, S3C),
    },
    # redefined with issue 11: timestamps that contradict the progression (a plain reversal of arrival is legitimate
    # and belongs to the realistic profile); statuses are judged by meaning, so only the timestamps can fail it
    "statuses_out_of_order": {
        **failing(READ_TRAIL, CONTRADICTED, S1C, S1D),
        **failing(DELIVERED_TRAIL, CONTRADICTED, SCB_CLOUD, SCB_MM),
    },
}

#: faults in areas the guide's scenarios do not reach; each is proven by tests/emulator/test_faults.py
NOT_IN_THE_GUIDE = {
    "server_error_on_malformed": "the guide sends no malformed JSON",
    "missing_message_status": "message_status is optional and contradictory in the contract (CONTRACT §10.7)",
    "us_recipients_delivered": "the guide's recipient is in BR/MX/IN/ID/PE/CL, never +1",
    "signature_missing": "the guide does not configure a webhook secret (CONTRACT §11.9)",
    "rate_limits_ignored": "the guide forbids bulk sends on the sandbox key",
    "retry_after_missing": "the guide forbids bulk sends on the sandbox key",
}

#: scenarios no emulator fault can reach, with where their failure is proven instead
EXEMPT = {
    "test_the_suites_own_webhook_receiver_can_be_reached": (
        "checks the partner's own receiver, not the API: tests/integration/test_receiver_check.py shows it fails when "
        "the webhook URL does not reach the receiver"
    ),
}


def test_every_fault_is_in_the_matrix_or_explained() -> None:
    assert set(MUST_FAIL) | set(NOT_IN_THE_GUIDE) == set(FAULTS)
    assert not set(MUST_FAIL) & set(NOT_IN_THE_GUIDE)


def test_every_scenario_is_proven_able_to_fail(run_suite: RunSuite) -> None:
    run = run_suite("--collect-only")
    collected = {line.split("::", 1)[1] for line in run.output.splitlines() if line.startswith("steps/")}
    proven = set().union(*MUST_FAIL.values()) | set(EXEMPT)
    assert collected, run.output[-2000:]
    assert collected - proven == set(), "scenarios with no fault that makes them fail"
    assert proven - collected == set(), "the matrix names scenarios that no longer exist"


# the baseline (no fault: every scenario passes) is test_suite_runs.py::test_emulator_target_passes_over_loopback
@pytest.mark.parametrize("fault", sorted(MUST_FAIL))
def test_the_scenarios_fail_where_and_why_pinned_and_only_they(fault: str, run_suite: RunSuite) -> None:
    # a short webhook wait: a missing status fails in 2 s rather than 10
    run = run_suite("--target", "emulator", "--emulator-fault", fault, env={"MMLITE_WEBHOOK_TIMEOUT": "2"})
    pinned = MUST_FAIL[fault]
    assert run.outcomes, run.output[-2000:]
    not_passed = {name: outcome for name, outcome in run.outcomes.items() if outcome != "passed"}
    assert not_passed == dict.fromkeys(pinned, "failed"), f"{fault}: the scenarios failing are not the pinned ones"
    found = failures(run.reports)
    for scenario, pin in pinned.items():
        where = found[scenario]
        assert (where.step, short_error(where.message)[: len(pin.error)]) == (pin.step, pin.error), scenario


def short_error(message: str) -> str:
    """'pkg.module.ConformanceError: text' -> 'ConformanceError: text'."""
    kind, colon, text = message.partition(": ")
    return f"{kind.rsplit('.', 1)[-1]}{colon}{text}"


def test_short_error_keeps_the_class_name_and_the_message() -> None:
    assert (
        short_error("mmlite_conformance.suite.checks.ConformanceError: expected x: y")
        == "ConformanceError: expected x: y"
    )
    assert short_error("Failed: no cassette") == "Failed: no cassette"
