"""Certifying a partner's platform: the reference platform passes, benign variants pass, and each broken platform of
the catalog fails exactly its pinned scenarios, at the pinned step, with the pinned message."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mmlite_conformance.bundle import pack, verify
from mmlite_conformance.suite.schemas import SchemaRegistry
from tests.integration.conftest import ROOT, SuiteRun, suite_process
from tests.integration.platform_kit import DRIVER, REFERENCE, Failure, failures, platform_env, standalone_service

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RunSuite = Callable[..., SuiteRun]
P1 = {
    "test_a_marketing_template_goes_to_mm_lite_in_explicit_routing_to_messages_in_delegated_routing",
    "test_a_category_template_goes_to_messages[UTILITY]",
    "test_a_category_template_goes_to_messages[AUTHENTICATION]",
    "test_a_text_message_goes_to_messages",
    "test_a_utility_template_that_becomes_marketing_moves_to_mm_lite_when_the_change_is_completed",
    "test_a_marketing_template_that_becomes_utility_moves_back_to_messages_when_the_change_is_completed",
    "test_the_mm_lite_request_is_the_cloud_api_request_with_at_most_message_activity_sharing_added",
    "test_the_webhook_url_the_platform_registers_is_https_with_no_explicit_port_and_no___in_its_host",
}
P2_EXPLICIT = {
    "test_code_from_mm_lite_no_retry_there_at_most_one_fallback_to_messages[100-(#100) Invalid parameter-Message "
    "must be a template message.]",
    "test_code_from_mm_lite_no_retry_there_at_most_one_fallback_to_messages[131055-(#131055) Method not allowed-Only "
    "marketing template messages are supported]",
    "test_after_the_terms_error_the_platform_stops_using_mm_lite_and_sends_the_message_once_via_messages",
    "test_a_template_created_a_moment_ago_meets_131009_at_most_once_and_is_not_retried_on_mm_lite_at_once",
}
RETRY_130429 = (
    "test_code_every_retry_waits_at_least_retryafter_the_second_wait_is_no_shorter_the_message_is_sent[130429-on the "
    "account-(#130429) Rate limit hit-Cloud API message throughput has been reached.]"
)
RETRY_131056 = (
    "test_code_every_retry_waits_at_least_retryafter_the_second_wait_is_no_shorter_the_message_is_sent[131056-to that "
    "one recipient-(#131056) (Business Account, Consumer Account) pair rate limit hit-Too many messages sent from this "
    "number to the same number.]"
)
P2 = P2_EXPLICIT | {
    "test_after_invalid_api_token_the_platform_sends_at_most_one_more_request_for_the_message",
    RETRY_130429,
    RETRY_131056,
    "test_after_a_failed_status_with_131049_for_a_1_recipient_nothing_more_is_sent_to_that_recipient",
    "test_an_unknown_code_in_the_documented_envelope_is_retried_at_most_twice_and_the_platform_still_works",
}
P3A_KINDS = (
    "a sent status priced marketing_lite",
    "a delivered status priced marketing",
    "a read status",
    "a failed status with error 131049",
    "an inbound text message",
    "several statuses in one notification",
    "the same delivered status twice",
    "the statuses of one message in reverse order",
    "an account_update saying the MM Lite terms were signed",
    "a user_actions link click",
    "an impending template_category_update",
    "a completed template_category_update",
    "a status with fields nobody has documented yet",
    "a notification of a kind nobody has documented yet",
)


def p3a(kind: str) -> str:
    return f"test_notification_is_answered_2xx_within_5_s_on_its_first_attempt[{kind}]"


BURST = "test_notifications_released_within_1_s_over_16_connections_are_each_answered_2xx_within_5_s"
SIGNATURE = "test_a_status_signed_with_a_wrong_key_in_both_header_forms_gets_a_4xx"
#: the scenarios a person attests: skipped without one ("needs a person")
P3D = {
    "test_messages_sent_through_mm_lite_are_billed_as_marketing_lite_in_the_platforms_reports",
    "test_a_message_held_for_quality_assessment_is_not_shown_as_delivered",
    "test_a_recipient_who_stopped_marketing_is_not_sent_marketing_again",
}
P3 = {p3a(kind) for kind in P3A_KINDS} | {BURST, SIGNATURE}
#: judged without a person: every scenario but the attested ones
ALL = P1 | P2 | P3
EXPLICIT_ONLY = P2_EXPLICIT | {
    "test_a_utility_template_that_becomes_marketing_moves_to_mm_lite_when_the_change_is_completed",
    "test_a_marketing_template_that_becomes_utility_moves_back_to_messages_when_the_change_is_completed",
    "test_the_mm_lite_request_is_the_cloud_api_request_with_at_most_message_activity_sharing_added",
}

ROUTE = "Then the platform sent it to {} only"
SENT = "expected send the template"
#: defect -> {scenario: (failing step, message fragment)}; every other platform scenario must pass
CATALOG: dict[str, dict[str, tuple[str, str]]] = {
    "utility_via_mm_lite": {
        "test_a_category_template_goes_to_messages[UTILITY]": (
            ROUTE.format("/messages"),
            "to go to /messages only; the platform sent POST /marketing_messages",
        ),
        "test_a_utility_template_that_becomes_marketing_moves_to_mm_lite_when_the_change_is_completed": (
            ROUTE.format("/messages"),
            "to go to /messages only; the platform sent POST /marketing_messages",
        ),
        "test_a_marketing_template_that_becomes_utility_moves_back_to_messages_when_the_change_is_completed": (
            ROUTE.format("/messages"),
            "to go to /messages only; the platform sent POST /marketing_messages",
        ),
    },
    "never_mm_lite": {
        "test_a_marketing_template_goes_to_mm_lite_in_explicit_routing_to_messages_in_delegated_routing": (
            "Then the platform sent it to the endpoint its routing mode gives marketing templates",
            "to go to /marketing_messages only; the platform sent POST /messages",
        ),
        "test_a_utility_template_that_becomes_marketing_moves_to_mm_lite_when_the_change_is_completed": (
            ROUTE.format("/marketing_messages"),
            "to go to /marketing_messages only; the platform sent POST /messages",
        ),
        "test_a_marketing_template_that_becomes_utility_moves_back_to_messages_when_the_change_is_completed": (
            ROUTE.format("/marketing_messages"),
            "to go to /marketing_messages only; the platform sent POST /messages",
        ),
        "test_the_mm_lite_request_is_the_cloud_api_request_with_at_most_message_activity_sharing_added": (
            "Then the MM Lite body equals the Cloud API body apart from message_activity_sharing",
            "expected one send on each endpoint to compare",
        ),
        # an arranged MM Lite answer is never met by a platform that never uses MM Lite
        **{
            name: ("Then the platform met the arranged answer", "the platform never met")
            for name in (
                *(n for n in P2_EXPLICIT if n.startswith("test_code_from_mm_lite")),
                RETRY_130429,
                RETRY_131056,
                "test_an_unknown_code_in_the_documented_envelope_is_retried_at_most_twice_and_the_platform_still_works",
            )
        },
        "test_after_the_terms_error_the_platform_stops_using_mm_lite_and_sends_the_message_once_via_messages": (
            "Then the platform met the terms error",
            "the platform never met the terms error",
        ),
    },
    "text_via_mm_lite": {
        "test_a_text_message_goes_to_messages": (
            ROUTE.format("/messages"),
            "to go to /messages only; the platform sent POST /marketing_messages",
        ),
    },
    "bearer_key": {
        name: ("And every request it sent carried the bare key in D360-API-KEY", "carried it as 'bearer'")
        for name in (
            "test_a_marketing_template_goes_to_mm_lite_in_explicit_routing_to_messages_in_delegated_routing",
            "test_a_category_template_goes_to_messages[UTILITY]",
            "test_a_category_template_goes_to_messages[AUTHENTICATION]",
        )
    },
    "body_differs": {
        "test_the_mm_lite_request_is_the_cloud_api_request_with_at_most_message_activity_sharing_added": (
            "Then the MM Lite body equals the Cloud API body apart from message_activity_sharing",
            "they differ in $.campaign (only on MM Lite)",
        ),
    },
    "webhook_host_underscore": {
        "test_the_webhook_url_the_platform_registers_is_https_with_no_explicit_port_and_no___in_its_host": (
            "Then every URL it registered is one 360dialog accepts",
            "360dialog refuses a host with '_'",
        ),
    },
    "webhook_host_port": {
        "test_the_webhook_url_the_platform_registers_is_https_with_no_explicit_port_and_no___in_its_host": (
            "Then every URL it registered is one 360dialog accepts",
            "360dialog refuses a URL with an explicit port",
        ),
    },
    "retries_non_template": {
        name: ("And it sent no further MM Lite request for that recipient", "more request(s) to /marketing_messages")
        for name in P2_EXPLICIT
        if name.startswith("test_code_from_mm_lite")
    },
    "loops_on_terms": {
        "test_after_the_terms_error_the_platform_stops_using_mm_lite_and_sends_the_message_once_via_messages": (
            "And it sent no further MM Lite request for that recipient",
            "more request(s) to /marketing_messages",
        ),
    },
    "retries_syncing_at_once": {
        "test_a_template_created_a_moment_ago_meets_131009_at_most_once_and_is_not_retried_on_mm_lite_at_once": (
            "Then it sent at most one MM Lite request for that recipient before the sync delay ended",
            "expected at most 1 MM Lite request",
        ),
    },
    "retries_invalid_key": {
        "test_after_invalid_api_token_the_platform_sends_at_most_one_more_request_for_the_message": (
            "And it sent at most one further request for that recipient",
            "expected at most 2 requests after an invalid-token answer",
        ),
    },
    "ignores_retry_after": {
        name: (
            "And every retry came at least Retry-After after the 429 before it, and the second wait was no shorter",
            "after a 429 with Retry-After 1 s",
        )
        for name in (RETRY_130429, RETRY_131056)
    },
    "resends_after_131049": {
        "test_after_a_failed_status_with_131049_for_a_1_recipient_nothing_more_is_sent_to_that_recipient": (
            "Then it sent nothing for that recipient the second time, or refused the action",
            "expected at most 0 requests to a recipient that failed with 131049",
        ),
    },
    "webhook_500_on_unknown": {
        p3a(kind): ("Then every notification was answered 2xx within 5.0 s on its first attempt", "HTTP 500")
        for kind in (
            "a user_actions link click",
            "a status with fields nobody has documented yet",
            "a notification of a kind nobody has documented yet",
        )
    },
    "webhook_500_on_duplicate": {
        p3a("the same delivered status twice"): (
            "Then every notification was answered 2xx within 5.0 s on its first attempt",
            "HTTP 500",
        ),
        BURST: ("Then every notification was answered 2xx within 5.0 s on its first attempt", "HTTP 500"),
    },
    "webhook_small_backlog": {
        BURST: ("Then every notification was answered 2xx within 5.0 s on its first attempt", "status notification"),
    },
    "slow_webhook": {
        **{
            p3a(kind): ("Then every notification was answered 2xx within 5.0 s on its first attempt", "notification")
            for kind in P3A_KINDS
        },
        BURST: ("Then every notification was answered 2xx within 5.0 s on its first attempt", "notification"),
        SIGNATURE: ("Then the platform refused it with a 4xx", "expected a 4xx for a wrongly signed notification"),
    },
    "accepts_bad_signature": {
        SIGNATURE: ("Then the platform refused it with a 4xx", "the platform answered 200"),
    },
    "routes_on_impending": {
        "test_a_utility_template_that_becomes_marketing_moves_to_mm_lite_when_the_change_is_completed": (
            ROUTE.format("/messages"),
            "to go to /messages only; the platform sent POST /marketing_messages",
        ),
        "test_a_marketing_template_that_becomes_utility_moves_back_to_messages_when_the_change_is_completed": (
            ROUTE.format("/marketing_messages"),
            "to go to /marketing_messages only; the platform sent POST /messages",
        ),
    },
}


def _platform_run(run_suite: RunSuite, tmp_path: Path, *args: str, answers: str | None = None, **env: str) -> SuiteRun:
    environment = platform_env(tmp_path / "platform-state", **env)
    if answers is None:
        return run_suite("--target", "platform", *args, env=environment)
    return suite_process("--target", "platform", *args, reports=tmp_path / "reports", env=environment, answers=answers)


def test_the_reference_platform_passes_every_platform_scenario_and_its_actions_follow_the_protocol(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    captured = tmp_path / "actions.jsonl"
    recording = tmp_path / "recording-driver"
    recording.write_text(
        f'#!/bin/sh\naction=$(cat)\nprintf "%s\\n" "$action" >> {captured}\nprintf "%s\\n" "$action" | exec {DRIVER}\n'
    )
    recording.chmod(0o755)
    run = _platform_run(run_suite, tmp_path, MMLITE_PLATFORM_DRIVER=str(recording))
    assert run.returncode == 0, run.output[-3000:]
    assert run.outcomes == dict.fromkeys(ALL, "passed") | dict.fromkeys(P3D, "skipped")
    assert "30 deselected" in run.output  # the guide's scenarios are deselected, not skipped
    actions = [json.loads(line) for line in captured.read_text().splitlines()]
    assert {a["action"] for a in actions} == {"connect", "register_webhook", "send_template", "send_text", "disconnect"}
    schemas = SchemaRegistry.from_directory(ROOT / "schemas")
    for action in [*actions, *({**a, "sent_by": "a later suite", "priority": 2} for a in actions)]:
        assert schemas.validate("platform-driver-action", action).valid, action
    assert not schemas.validate("platform-driver-action", {"action": "send_text", "to": "+55 11"}).valid
    # the run's record and the emulator's journal, redacted, beside the reports; the bundle carries both
    record = json.loads((run.reports / "run.json").read_text())
    assert (record["contract_profile"], record["target_files"], record["cassettes"]["files"]) == (
        "platform",
        ["journal.json"],
        [],
    )
    assert "the final scrub had to redact" not in run.output  # every capture redacted what it held
    journal = json.loads((run.reports / "journal.json").read_text())["entries"]
    assert {entry["path"] for entry in journal} >= {"/messages", "/marketing_messages"}
    found = verify(pack(run.reports))
    assert found.ok, found.lines()


#: a webhook slower than the limit makes every scenario wait on it (each arranging notification takes its 6 s): its
#: run is limited to the webhook requirements, where the slowness is what is judged
ONLY = {"slow_webhook": ("-m", "P3a or P3b or P3c")}
SLOW_ONLY = {p3a(kind) for kind in P3A_KINDS} | {BURST, SIGNATURE}


@pytest.fixture(scope="module")
def catalog_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """Every broken platform certified once, concurrently (each run mostly waits on its observation windows)."""

    def certify(defect: str) -> SuiteRun:
        base = tmp_path_factory.mktemp(defect)
        env = platform_env(base / "platform-state", REFERENCE_PLATFORM_DEFECT=defect)
        return suite_process("--target", "platform", *ONLY.get(defect, ()), reports=base / "reports", env=env)

    with ThreadPoolExecutor(max_workers=len(CATALOG)) as pool:
        return dict(zip(CATALOG, pool.map(certify, CATALOG), strict=True))


@pytest.mark.parametrize("defect", sorted(CATALOG))
def test_a_broken_platform_fails_exactly_its_pinned_scenarios(catalog_runs: dict[str, SuiteRun], defect: str) -> None:
    run = catalog_runs[defect]
    pinned = CATALOG[defect]
    judged = SLOW_ONLY if defect in ONLY else ALL
    assert run.failed() == set(pinned), run.output[-3000:]
    assert run.passed() == judged - set(pinned)
    if defect not in ONLY:
        assert {name for name, outcome in run.outcomes.items() if outcome == "skipped"} >= P3D
    found = failures(run.reports)
    for scenario, (step, message) in pinned.items():
        assert found[scenario].step == step, (scenario, found[scenario])
        assert message in found[scenario].message, (scenario, found[scenario])


def test_delegated_routing_passes_where_it_applies(run_suite: RunSuite, tmp_path: Path) -> None:
    run = _platform_run(run_suite, tmp_path, "-rs", MMLITE_PLATFORM_ROUTING="delegated")
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed() == ALL - EXPLICIT_ONLY
    assert {name for name, outcome in run.outcomes.items() if outcome == "skipped"} == EXPLICIT_ONLY | P3D
    assert "not applicable: the platform delegates routing to 360dialog" in run.output


@pytest.mark.parametrize("carrier", ["a shell driver", "a driver URL"])
def test_actions_reaching_a_running_service_pass(run_suite: RunSuite, tmp_path: Path, carrier: str) -> None:
    """A driver written in shell that forwards to a long-running service, or actions POSTed to its URL."""
    if carrier == "a shell driver" and shutil.which("curl") is None:
        pytest.skip("needs curl for the shell driver")
    with standalone_service(tmp_path / "service") as control_url:
        driver = (
            {"MMLITE_PLATFORM_DRIVER": str(REFERENCE / "driver.sh"), "REFERENCE_PLATFORM_URL": control_url}
            if carrier == "a shell driver"
            else {"MMLITE_PLATFORM_DRIVER": "", "MMLITE_PLATFORM_DRIVER_URL": f"{control_url}/actions"}
        )
        run = _platform_run(run_suite, tmp_path, "-m", "P1a", **driver)
    assert run.returncode == 0, run.output[-3000:]
    assert len(run.passed()) == 4


def test_an_action_the_driver_does_not_support_skips_its_scenario_with_that_reason(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    partial = tmp_path / "texts-unsupported"
    partial.write_text(
        f'#!/bin/sh\naction=$(cat)\ncase "$action" in *send_text*) exit 3;; esac\n'
        f'printf "%s\\n" "$action" | exec {DRIVER}\n'
    )
    partial.chmod(0o755)
    run = _platform_run(run_suite, tmp_path, "-rs", "-m", "P1a", MMLITE_PLATFORM_DRIVER=str(partial))
    assert run.returncode == 0, run.output[-3000:]
    assert run.outcomes["test_a_text_message_goes_to_messages"] == "skipped"
    assert "not supported: the platform's driver cannot send the text" in run.output
    assert len(run.passed()) == 3


def test_a_driver_that_cannot_register_a_webhook_ends_the_run_with_one_message(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    minimal = tmp_path / "connect-only"
    minimal.write_text('#!/bin/sh\ngrep -q \'"action": "connect"\' && exit 0\nexit 3\n')
    minimal.chmod(0o755)
    run = _platform_run(run_suite, tmp_path, MMLITE_PLATFORM_DRIVER=str(minimal))
    assert run.returncode == 4, run.output[-3000:]
    assert run.output.count("the platform refused to register its webhook (not_supported: exit status 3)") == 1


def test_the_operator_attests_what_no_request_shows_and_the_verdict_says_attested(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    attested = _platform_run(run_suite, tmp_path, "-m", "P3d", MMLITE_INTERACTIVE="1", answers="y\ny\ny\n")
    assert attested.returncode == 0, attested.output[-3000:]
    assert attested.outcomes == dict.fromkeys(P3D, "passed")
    junit = (attested.reports / "junit.xml").read_text()
    assert junit.count('name="verdict" value="attested"') == 3
    assert "attested" in (attested.reports / "report.html").read_text()
    refused = _platform_run(run_suite, tmp_path, "-m", "P3d", MMLITE_INTERACTIVE="1", answers="n\nn\nn\n")
    assert set(refused.failed()) == P3D
    assert "the operator did not confirm that" in refused.output


def test_failures_are_read_from_the_cucumber_report(tmp_path: Path) -> None:
    (tmp_path / "cucumber.json").write_text(
        '[{"elements": [{"id": "test_x[a]", "steps": [{"keyword": "Then ", "name": "it works", '
        '"result": {"status": "failed", "error_message": "trace\\nE   ConformanceError: it did not"}}]}]}]'
    )
    assert failures(tmp_path) == {"test_x[a]": Failure("Then it works", "ConformanceError: it did not")}
    assert DRIVER.endswith("driver")
