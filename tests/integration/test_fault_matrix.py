"""Proof that every scenario can fail: the suite against the emulator with one fault at a time."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mmlite_conformance.emulator.faults import FAULTS
from tests.integration.conftest import SuiteRun

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

#: fault -> the scenarios that must fail when the emulator commits it (others may fail too)
MUST_FAIL: dict[str, set[str]] = {
    "mm_lite_accepts_text": {S3A},
    "mm_lite_accepts_non_marketing": set(S3B),
    "not_onboarded_allowed": {S3C},
    "sync_delay_ignored": {S2C_SYNC},
    "template_list_missing_created": {S2C_LIST, S2C_SYNC},
    "ttl_not_validated": set(S2B_OUT),
    "wrong_error_code": {S3A, *S3B},
    "missing_detail_wrapper": {S3A, *S3B, S3C},
    "http_200_on_errors": {S3A, *S3B, S3C, *S2B_OUT, *S3D, S2C_SYNC},
    "wrong_key_accepted": {S3D[0], S3D[1]},
    "invalid_token_body_changed": set(S3D),
    "missing_wa_id": {S2A, S1C, S1D, *S2B_IN, *SCC, *S3D_BEARER},
    "non_wamid_ids": {S2A, SCA, S1B, SCB_CLOUD, SCB_MM, *S3D_BEARER},
    "no_status_webhooks": {S1C, S1D, SCB_CLOUD, SCB_MM},
    "statuses_out_of_order": {S1D, SCB_CLOUD, SCB_MM},
    "marketing_instead_of_marketing_lite": {SCB_MM},
    "inbound_not_delivered": {S1B, S1C},
    "webhook_url_not_stored": {S1A_GET, S1B, S1C, S1D, SCB_CLOUD},
    "webhook_url_rejected": {S1A_SET, S1A_GET, S1B, S1C, S1D},
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
def test_the_scenarios_fail_when_the_emulator_commits(fault: str, run_suite: RunSuite) -> None:
    # a short webhook wait: a missing status fails in 2 s rather than 10
    run = run_suite("--target", "emulator", "--emulator-fault", fault, env={"MMLITE_WEBHOOK_TIMEOUT": "2"})
    assert run.outcomes, run.output[-2000:]
    still_passing = MUST_FAIL[fault] - run.failed()
    assert still_passing == set(), f"{fault}: these scenarios did not notice the deviation"
