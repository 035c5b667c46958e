"""The checks that read webhooks and numbers by meaning: each proven to pass real platform behaviour and to fire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mmlite_conformance.suite.checks import Checker, ConformanceError
from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.numbers import Match, compare, digits_of, same_person
from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.webhooks.progression import progression, stand_ins
from tests.unit.conformance_kit import judging

BR_MOBILE = "5511987654321"
BR_SHORT = "551187654321"
MX_LONG = "5215512345678"
MX_SHORT = "525512345678"
EXPECTED = ("sent", "delivered", "read")


@pytest.fixture
def check() -> Checker:
    redactor = Redactor([], [BR_MOBILE], b"test-pseudonyms")
    return Checker(redact_json=redactor.redact_json, redact_text=redactor.redact_text)


def status(name: str, at: int | str | None = 1_700_000_000, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": "wamid.X", "status": name, **extra}
    if at is not None:
        item["timestamp"] = str(at)
    return item


@dataclass(slots=True)
class SendAnswer:
    body: Any
    status: int = 200

    @property
    def text(self) -> str:
        return str(self.body)


def send_answer(**contact: str) -> SendAnswer:
    return SendAnswer({"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": "wamid.A"}]})


# --- numbers -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "expected", "match"),
    [
        (BR_MOBILE, BR_MOBILE, Match.IDENTICAL),
        ("+55 (11) 98765-4321", BR_MOBILE, Match.FORMATTING),
        (BR_SHORT, BR_MOBILE, Match.BRAZIL_NINTH_DIGIT),
        (BR_MOBILE, BR_SHORT, Match.BRAZIL_NINTH_DIGIT),
        (MX_SHORT, MX_LONG, Match.MEXICO_MOBILE_ONE),
        ("+52 1 55 1234 5678", MX_SHORT, Match.MEXICO_MOBILE_ONE),
    ],
)
def test_numbers_that_whatsapp_treats_as_one_match(reported: str, expected: str, match: Match) -> None:
    assert compare(reported, expected) is match


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("5511987654320", BR_MOBILE),  # one digit off
        ("551187654320", BR_MOBILE),  # a short form of another number
        ("5511887654321", BR_MOBILE),  # a 13-digit number whose fifth digit is no ninth digit
        ("4411987654321", BR_MOBILE),  # the same digits in another country
        ("BR.13491208655302741918", BR_MOBILE),  # a user id is not a number
        ("", BR_MOBILE),
    ],
)
def test_a_different_number_does_not_match(reported: str, expected: str) -> None:
    assert compare(reported, expected) is None


def test_digits_of_reads_written_numbers_and_refuses_the_rest() -> None:
    assert digits_of("+55 (11) 98765-4321") == BR_MOBILE
    assert digits_of("US.13491208655302741918") is None


def test_replayed_pseudonyms_keep_the_brazil_and_mexico_relation() -> None:
    redactor = Redactor([], [BR_MOBILE, MX_LONG], b"k")
    assert compare(redactor.pseudonym(BR_SHORT), redactor.pseudonym(BR_MOBILE)) is Match.BRAZIL_NINTH_DIGIT
    assert compare(redactor.pseudonym(MX_SHORT), redactor.pseudonym(MX_LONG)) is Match.MEXICO_MOBILE_ONE
    assert compare(redactor.pseudonym("551187654320"), redactor.pseudonym(BR_MOBILE)) is None


def test_a_user_id_matches_through_the_contacts_of_its_notification() -> None:
    linked = [{"user_id": "BR.ABC123456789", "wa_id": BR_SHORT}]
    assert same_person(None, "BR.ABC123456789", BR_MOBILE, linked)[0] is Match.USER_ID
    unlinked_match, why = same_person("", "BR.ABC123456789", BR_MOBILE, [])
    assert unlinked_match is None and "no contact" in why
    other = [{"user_id": "BR.ABC123456789", "wa_id": "5511900000000"}]
    assert same_person(None, "BR.ABC123456789", BR_MOBILE, other)[0] is None


def test_same_number_passes_real_forms_and_names_a_different_one(check: Checker) -> None:
    assert check.same_number(BR_SHORT, BR_MOBILE, "`from`") is Match.BRAZIL_NINTH_DIGIT
    contacts = [{"user_id": "BR.ABC123456789", "wa_id": BR_MOBILE}]
    assert check.same_number("", BR_MOBILE, "`from`", user_id="BR.ABC123456789", contacts=contacts) is Match.USER_ID
    with pytest.raises(ConformanceError, match=r"expected `from` to be the test recipient \(the number\)"):
        check.same_number("5511900000000", BR_MOBILE, "`from`")
    with pytest.raises(ConformanceError, match="no contact of the notification links"):
        check.same_number(None, BR_MOBILE, "`from`", user_id="BR.ABC123456789")


def test_same_number_never_quotes_the_number_in_clear(check: Checker) -> None:
    with pytest.raises(ConformanceError) as raised:
        check.same_number("5511987654320", BR_MOBILE, "`from`")
    assert BR_MOBILE not in str(raised.value)


def test_recipient_echoed_accepts_a_normalised_wa_id(check: Checker) -> None:
    matches = check.recipient_echoed(send_answer(input=BR_MOBILE, wa_id=BR_SHORT), BR_MOBILE)
    assert matches == [Match.IDENTICAL, Match.BRAZIL_NINTH_DIGIT]


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        ({"input": "5511900000000", "wa_id": BR_MOBILE}, r"`contacts\[0\].input` to echo the recipient"),
        ({"input": BR_MOBILE}, r"`contacts\[0\].wa_id` for a phone-number recipient"),
        ({"input": BR_MOBILE, "wa_id": ""}, r"`contacts\[0\].wa_id` for a phone-number recipient"),
        ({"input": BR_MOBILE, "wa_id": "5511900000000"}, r"`contacts\[0\].wa_id` to be the recipient's WhatsApp id"),
    ],
)
def test_recipient_echoed_fires_for_its_reason(check: Checker, contact: dict[str, str], message: str) -> None:
    with pytest.raises(ConformanceError, match=message):
        check.recipient_echoed(send_answer(**contact), BR_MOBILE)


# --- status progression --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arrived",
    [
        [status("sent", 10), status("delivered", 11), status("read", 12)],
        [status("delivered", 11), status("sent", 10), status("read", 12)],  # out of order
        [status("sent", 10), status("delivered", 10), status("sent", 10), status("read", 12)],  # duplicate
        [status("sent", 10), status("read", 12)],  # delivered skipped, read stands for it
        [status("read", None), status("sent", None), status("delivered", None)],  # no timestamps to judge
    ],
    ids=["in order", "reordered", "duplicated", "delivered skipped", "unstamped"],
)
def test_status_progression_accepts_what_whatsapp_does(check: Checker, arrived: list[dict[str, Any]]) -> None:
    check.status_progression(arrived, EXPECTED)


def test_status_progression_tells_what_was_legitimate_but_unusual(check: Checker) -> None:
    remarks = check.status_progression(
        [status("delivered", 11), status("sent", 10), status("sent", 10), status("read", 12)], EXPECTED
    )
    assert any("arrived as delivered, sent, sent, read" in r for r in remarks)
    assert any("sent arrived more than once" in r for r in remarks)
    skipped = check.status_progression([status("sent", 10), status("read", 12)], EXPECTED)
    assert any("read stands for it" in r for r in skipped)


@pytest.mark.parametrize(
    ("arrived", "message"),
    [
        ([status("sent"), status("delivered")], "missing read"),
        ([status("delivered"), status("read")], "missing sent"),
        ([], r"missing sent, delivered, read \(arrived: none\)"),
        ([status("sent", 20), status("delivered", 21), status("read", 15)], "read is stamped 15, before sent"),
        ([status("sent", 20), status("delivered", 19), status("read", 25)], "delivered is stamped 19, before sent"),
    ],
)
def test_status_progression_fires_for_its_reason(check: Checker, arrived: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConformanceError, match=message):
        check.status_progression(arrived, EXPECTED)


def test_a_later_duplicate_does_not_move_a_status_earlier() -> None:
    found = progression([status("sent", 10), status("read", 12), status("sent", 30)], EXPECTED)
    assert found.stamped["sent"] == 10 and not found.contradictions


def test_a_wait_ends_on_the_status_or_on_what_stands_for_it() -> None:
    assert stand_ins("delivered") == ("delivered", "read", "failed")
    assert stand_ins("sent") == ("sent", "failed")


# --- what Conformance records beside these verdicts ---------------------------------------------------------------


def _judge() -> Conformance:
    return judging("S1c", "the reply", "the statuses arrive", numbers=[BR_MOBILE])


def test_a_number_in_another_form_is_an_observation_naming_the_form_never_the_number() -> None:
    judge = _judge()
    judge.is_test_recipient(BR_SHORT, BR_MOBILE, "`from`")
    (observation,) = judge.evidence.observations
    assert observation.topic == "`from`: the test recipient in another form (the reply)"
    assert observation.observed == str(Match.BRAZIL_NINTH_DIGIT) and "CONTRACT §8" in observation.source
    assert BR_MOBILE not in observation.summary() and BR_SHORT not in observation.summary()
    judge.is_test_recipient(BR_MOBILE, BR_MOBILE, "`from`")
    assert len(judge.evidence.observations) == 1  # identical: nothing to observe
    with pytest.raises(ConformanceError):
        judge.is_test_recipient("5511900000000", BR_MOBILE, "`from`")


def test_number_forms_observes_each_form_once() -> None:
    judge = _judge()
    judge.number_forms([Match.IDENTICAL, Match.FORMATTING, Match.FORMATTING, Match.USER_ID], "`contacts[0]`")
    assert [o.observed for o in judge.evidence.observations] == [str(Match.FORMATTING), str(Match.USER_ID)]


def test_statuses_progress_notes_the_legitimate_and_fails_the_contradiction() -> None:
    judge = _judge()
    judge.statuses_progress([status("delivered", 11), status("sent", 10), status("read", 12)], EXPECTED)
    assert judge.evidence.current.notes == [
        "the statuses arrived as delivered, sent, read (arrival order is not guaranteed)"
    ]
    with pytest.raises(ConformanceError, match="read is stamped 9, before sent"):
        judge.statuses_progress([status("sent", 10), status("read", 9)], EXPECTED)
