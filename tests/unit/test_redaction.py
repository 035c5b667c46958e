"""Redactor: keys become the placeholder, phone numbers stable pseudonyms, and redacting twice changes nothing."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER, UNKNOWN_CREDENTIAL_PLACEHOLDER
from mmlite_conformance.suite.evidence import Exchange
from mmlite_conformance.suite.redaction import (
    BSUID_KEYS,
    OFFLINE_PSEUDONYM_KEY,
    Redactor,
    country_code,
    derive_pseudonym_key,
    is_bsuid_pseudonym,
    is_pseudonym,
)
from tests.payloads import DISPLAY_NUMBER, PHONE_NUMBER_ID, WABA_ID, webhook

pytestmark = pytest.mark.unit

KEY = "Sk7_live-Key.0123456789abcdef"
OTHER_KEY = "NotOnboarded_key_98765"
RECIPIENT = "5521998765432"


@pytest.fixture
def redactor() -> Redactor:
    return Redactor([KEY, OTHER_KEY], ["+55 21 99876-5432"], OFFLINE_PSEUDONYM_KEY)


def test_placeholder_is_the_one_of_evidence(redactor: Redactor) -> None:
    exchange = Exchange.capture(
        redactor,
        label="send",
        method="POST",
        url="https://example.test/messages",
        request_headers={"D360-API-KEY": KEY},
        request_body=None,
        status=200,
        response_headers={},
        response_body=None,
        elapsed_ms=1.0,
    )
    assert exchange.to_curl().endswith('-H "D360-API-KEY: $D360_API_KEY"')


def test_secrets_become_the_placeholder(redactor: Redactor) -> None:
    text = f"key={KEY} other={OTHER_KEY} auth: Bearer {KEY} lower: bearer  {KEY} url=?k={KEY}"
    redacted = redactor.redact_text(text)
    assert KEY not in redacted and OTHER_KEY not in redacted
    assert redacted.count(API_KEY_PLACEHOLDER) == 5
    # the scheme is no secret: the text still says which form carried the key
    assert f"auth: Bearer {API_KEY_PLACEHOLDER} lower: bearer  {API_KEY_PLACEHOLDER}" in redacted


def test_url_encoded_secret_is_redacted() -> None:
    redactor = Redactor(["a/b+c=d"], [], OFFLINE_PSEUDONYM_KEY)
    assert redactor.redact_text("?key=a%2Fb%2Bc%3Dd") == f"?key={API_KEY_PLACEHOLDER}"


def test_repr_shows_no_secret(redactor: Redactor) -> None:
    assert KEY not in repr(redactor) and RECIPIENT not in repr(redactor)


def test_pseudonym_keeps_country_code_and_length(redactor: Redactor) -> None:
    pseudonym = redactor.pseudonym(RECIPIENT)
    assert pseudonym != RECIPIENT
    assert len(pseudonym) == len(RECIPIENT)
    assert pseudonym.startswith("55000")
    assert pseudonym.isdigit()
    assert redactor.pseudonym("+" + RECIPIENT) == "+" + pseudonym
    assert redactor.pseudonym("+55 21 99876-5432") == "+" + pseudonym


def test_pseudonym_is_deterministic_and_keyed() -> None:
    a = Redactor([], [], OFFLINE_PSEUDONYM_KEY).pseudonym(RECIPIENT)
    b = Redactor([], [], OFFLINE_PSEUDONYM_KEY).pseudonym(RECIPIENT)
    c = Redactor([], [], derive_pseudonym_key(KEY)).pseudonym(RECIPIENT)
    assert a == b != c
    assert derive_pseudonym_key(None) == OFFLINE_PSEUDONYM_KEY
    assert derive_pseudonym_key(KEY) != KEY.encode()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("14155550100", "1"),
        ("79161234567", "7"),
        ("447700900123", "44"),
        ("4915123456789", "49"),
        ("51987654321", "51"),
        ("5215512345678", "52"),
        ("5511987650001", "55"),
        ("56912345678", "56"),
        ("573001234567", "57"),
        ("6281234567890", "62"),
        ("919876543210", "91"),
        ("351912345678", "351"),
        ("353871234567", "353"),
        ("2348012345678", "234"),
        ("8001234567", "800"),
        ("2891234567", "289"),  # spare prefix: still a three-digit code (E.164 codes are prefix-free)
    ],
)
def test_country_codes(number: str, code: str) -> None:
    assert country_code(number) == code


def test_pseudonyms_are_recognised_and_left_alone(redactor: Redactor) -> None:
    pseudonym = redactor.pseudonym(RECIPIENT)
    assert is_pseudonym(pseudonym)
    assert not is_pseudonym(RECIPIENT)
    assert redactor.pseudonym(pseudonym) == pseudonym
    assert redactor.redact_text(f"to {pseudonym}") == f"to {pseudonym}"


def test_known_number_in_free_text_and_urls(redactor: Redactor) -> None:
    pseudonym = redactor.pseudonym(RECIPIENT)
    text = (
        f"Recipient +{RECIPIENT} failed; retry {RECIPIENT}; formatted +55 21 99876-5432; "
        f"url https://x.invalid/c/{RECIPIENT}?to=%2B{RECIPIENT}; longer 9{RECIPIENT}1 stays"
    )
    redacted = redactor.redact_text(text)
    assert RECIPIENT not in redacted.replace(f"9{RECIPIENT}1", "")
    assert f"+{pseudonym} failed" in redacted
    assert f"retry {pseudonym};" in redacted
    assert f"formatted +{pseudonym};" in redacted
    assert f"/c/{pseudonym}?to=%2B{pseudonym}" in redacted
    assert f"longer 9{RECIPIENT}1 stays" in redacted  # part of another digit run: not this number


def test_brazilian_wa_id_without_ninth_digit_is_known_too(redactor: Redactor) -> None:
    wa_id = "552198765432"  # 5521998765432 as WhatsApp reports it, without the mobile 9
    redacted = redactor.redact_text(f"wa_id {wa_id}")
    assert wa_id not in redacted
    assert redacted == f"wa_id {redactor.pseudonym(wa_id)}"


def test_wamid_embedding_the_number_is_rewritten(redactor: Redactor) -> None:
    payload = b"\x15\x02\x00\x11\x18\x0d" + RECIPIENT.encode() + b"\x15\x02\x00\x12\x18\x14ABCDEF"
    wamid = "wamid." + base64.b64encode(payload).decode()
    redacted = redactor.redact_text(f'{{"id":"{wamid}"}}')
    new_id = json.loads(redacted)["id"]
    assert new_id != wamid and len(new_id) == len(wamid)
    decoded = base64.b64decode(new_id.removeprefix("wamid."))
    assert RECIPIENT.encode() not in decoded
    assert redactor.pseudonym(RECIPIENT).encode() in decoded
    assert redactor.redact_text(redacted) == redacted
    unrelated = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    assert redactor.redact_text(unrelated) == unrelated


def send_response() -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+44 7700 900123", "wa_id": "447700900123"}],
        "messages": [{"id": "wamid.ABC"}],
    }


def status_webhook() -> dict[str, Any]:
    return webhook(
        {
            "statuses": [
                {"id": "wamid.ABC", "status": "delivered", "timestamp": "1750263773", "recipient_id": "447700900123"}
            ]
        }
    )


def test_json_pseudonymises_phone_keys_even_when_unknown(redactor: Redactor) -> None:
    original = send_response()
    redacted = redactor.redact_json(original)
    assert original == send_response()  # a copy, the input is untouched
    contact = redacted["contacts"][0]
    assert contact["wa_id"] == redactor.pseudonym("447700900123")
    assert contact["input"] == "+" + redactor.pseudonym("447700900123")
    assert redacted["messages"][0]["id"] == "wamid.ABC"


def test_json_leaves_other_long_digit_strings_alone(redactor: Redactor) -> None:
    redacted = redactor.redact_json(status_webhook())
    value = redacted["entry"][0]["changes"][0]["value"]
    assert redacted["entry"][0]["id"] == WABA_ID
    assert value["metadata"]["phone_number_id"] == PHONE_NUMBER_ID
    assert value["metadata"]["display_phone_number"] == redactor.pseudonym(DISPLAY_NUMBER)
    assert value["statuses"][0]["timestamp"] == "1750263773"
    assert value["statuses"][0]["recipient_id"] == redactor.pseudonym("447700900123")


def test_numbers_learned_from_phone_keys_are_redacted_in_free_text() -> None:
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    body = {"to": "447700900123", "error": {"message": "Recipient 447700900123 is not a WhatsApp user"}}
    redacted = redactor.redact_json(body)
    assert "447700900123" not in json.dumps(redacted)
    assert redactor.redact_text("later: 447700900123") == f"later: {redactor.pseudonym('447700900123')}"


BSUID = "BR.1502576394655843"
PARENT_BSUID = "US.ENT.11815799212886844830"


def test_bsuids_in_webhooks_and_send_requests_become_stable_pseudonyms() -> None:
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    inbound = {
        "contacts": [{"profile": {"name": "Ana", "username": "ana"}, "user_id": BSUID, "parent_user_id": PARENT_BSUID}],
        "messages": [{"from_user_id": BSUID, "id": "wamid.X", "type": "text", "text": {"body": f"I am {BSUID}"}}],
    }
    redacted = redactor.redact_json(inbound)
    text = json.dumps(redacted)
    assert BSUID not in text and PARENT_BSUID not in text
    pseudonym, parent = redacted["contacts"][0]["user_id"], redacted["contacts"][0]["parent_user_id"]
    assert pseudonym == redactor.bsuid_pseudonym(BSUID) == redacted["messages"][0]["from_user_id"]
    assert re.fullmatch(r"BR\.PSEUDO[0-9]{16}", pseudonym) and re.fullmatch(r"US\.ENT\.PSEUDO[0-9]{16}", parent)
    assert redacted["messages"][0]["text"]["body"] == f"I am {pseudonym}"  # learned, so free text follows
    assert redactor.redact_json(redacted) == redacted  # idempotent
    assert redactor.redact_text(f"later: {BSUID}.") == f"later: {pseudonym}."
    # whole ids only: a longer id is another person's, with a pseudonym of its own; glued to a word, no id at all
    longer = redactor.redact_text(f"{BSUID}0 and X{BSUID}")
    assert longer == f"{redactor.bsuid_pseudonym(BSUID + '0')} and X{BSUID}" and pseudonym not in longer
    send = redactor.redact_json({"recipient": "MX.42", "to": "not a number", "user_id": "not a bsuid"})
    assert send == {"recipient": redactor.bsuid_pseudonym("MX.42"), "to": "not a number", "user_id": "not a bsuid"}


def test_a_bsuid_first_met_in_free_text_is_hidden_and_then_known() -> None:
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    said = redactor.redact_text(f"(#131062) recipient {BSUID} cannot receive this template")
    assert BSUID not in said and redactor.bsuid_pseudonym(BSUID) in said
    assert redactor.redact_json({"user_id": BSUID}) == {"user_id": redactor.bsuid_pseudonym(BSUID)}
    assert redactor.redact_text(said) == said  # idempotent
    for ordinary in ("OK.Thanks", "see RFC.1234", "ID.abcdefghij", "wamid.HBgMNTUxMTk4NzY1MDAwMRUCABEYEg=="):
        assert redactor.redact_text(ordinary) == ordinary, ordinary


def test_bsuid_pseudonyms_depend_on_the_key() -> None:
    offline, other = Redactor([], [], OFFLINE_PSEUDONYM_KEY), Redactor([], [], derive_pseudonym_key(KEY))
    assert offline.bsuid_pseudonym(BSUID) != other.bsuid_pseudonym(BSUID)


#: a user id as an earlier revision of Meta's BSUID page wrote it: "user." and 64 hex digits (made up)
HEX_BSUID = "user.64dcc91ac16f75101c03c5fbb3f439f9da9e03ff43fb54b461467514b55d4e5b"
_HEX_PSEUDONYM = re.compile(r"user\.0{16}[0-9a-f]{48}")


def test_earlier_form_user_ids_become_stable_hexadecimal_pseudonyms() -> None:
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    answer = {"contacts": [{"input": HEX_BSUID, "wa_id": "", "user_id": HEX_BSUID}], "messages": [{"id": "wamid.X"}]}
    redacted = redactor.redact_json(answer)
    pseudonym = redactor.bsuid_pseudonym(HEX_BSUID)
    assert redacted["contacts"] == [{"input": pseudonym, "wa_id": "", "user_id": pseudonym}]
    assert _HEX_PSEUDONYM.fullmatch(pseudonym) and is_bsuid_pseudonym(pseudonym)  # the schemas still accept it
    assert redactor.redact_json(redacted) == redacted and redactor.bsuid_pseudonym(pseudonym) != pseudonym
    # learned from the answer, so free text follows; the same id gets the same pseudonym in another redactor
    assert redactor.redact_text(f"sent to {HEX_BSUID}.") == f"sent to {pseudonym}."
    assert Redactor([], [], OFFLINE_PSEUDONYM_KEY).bsuid_pseudonym(HEX_BSUID) == pseudonym
    assert Redactor([], [], derive_pseudonym_key(KEY)).bsuid_pseudonym(HEX_BSUID) != pseudonym
    statuses = {"statuses": [{"recipient_id": "", "recipient_user_id": HEX_BSUID, "recipient_parent_user_id": BSUID}]}
    assert redactor.redact_json(statuses)["statuses"][0]["recipient_user_id"] == pseudonym
    upper = "user." + HEX_BSUID[5:].upper()
    assert re.fullmatch(r"user\.0{16}[0-9A-F]{48}", redactor.bsuid_pseudonym(upper))  # the case is kept


def test_an_earlier_form_user_id_first_met_in_free_text_is_hidden() -> None:
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    said = redactor.redact_text(f"(#131062) recipient {HEX_BSUID} cannot receive this template")
    assert HEX_BSUID not in said and HEX_BSUID[5:] not in said
    assert said == f"(#131062) recipient {redactor.bsuid_pseudonym(HEX_BSUID)} cannot receive this template"
    assert redactor.redact_text(said) == said
    assert redactor.redact_json({"from_user_id": HEX_BSUID}) == {"from_user_id": redactor.bsuid_pseudonym(HEX_BSUID)}
    # only the whole form: a digest without the prefix, or with a hex digit too many or too few, is no user id
    for ordinary in (HEX_BSUID[5:], HEX_BSUID + "0", HEX_BSUID[:-1], "user.cafe", "x" + HEX_BSUID):
        assert Redactor([], [], OFFLINE_PSEUDONYM_KEY).redact_text(ordinary) == ordinary, ordinary


def _schema_user_id_pattern() -> str:
    common = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "common.schema.json").read_text())
    pattern: str = common["$defs"]["user_id"]["pattern"]
    return pattern


@settings(max_examples=300, deadline=None)
@given(st.from_regex(_schema_user_id_pattern(), fullmatch=True), st.sampled_from(sorted(BSUID_KEYS)))
def test_every_user_id_the_schemas_accept_is_pseudonymised(user_id: str, key: str) -> None:
    """Whatever a valid payload may carry as a user id is replaced under a user-id key, in its own form."""
    assume(not is_bsuid_pseudonym(user_id))
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    redacted = redactor.redact_json({key: user_id, "note": f"for {user_id}"})
    pseudonym = redactor.bsuid_pseudonym(user_id)
    assert redacted[key] == pseudonym and redacted["note"] == f"for {pseudonym}"
    assert re.fullmatch(_schema_user_id_pattern(), pseudonym) and is_bsuid_pseudonym(pseudonym)
    assert user_id.split(".")[0] in {"user", pseudonym.split(".")[0]}  # the country code is kept
    assert redactor.redact_json(redacted) == redacted


def test_json_handles_non_phone_values_under_phone_keys(redactor: Redactor) -> None:
    body = {"to": "not a number", "recipient": {"id": 1}, "from": None, "input": 5511987650001, "wa_id": "123"}
    assert redactor.redact_json(body) == body


def test_headers(redactor: Redactor) -> None:
    headers = {
        "D360-API-KEY": KEY,
        "authorization": "Bearer whatever",
        "Cookie": "session=1",
        "Set-Cookie": "a=b",
        "X-Api-Key": "k",
        "Content-Type": "application/json",
        "X-Debug": f"called with {KEY} for {RECIPIENT}",
    }
    redacted = redactor.redact_headers(headers)
    assert redacted["D360-API-KEY"] == API_KEY_PLACEHOLDER
    assert redacted["authorization"] == f"Bearer {UNKNOWN_CREDENTIAL_PLACEHOLDER}"  # a token it does not know
    for name in ("Cookie", "Set-Cookie", "X-Api-Key"):
        assert redacted[name] == UNKNOWN_CREDENTIAL_PLACEHOLDER
    assert redacted["Content-Type"] == "application/json"
    assert redacted["X-Debug"] == f"called with {API_KEY_PLACEHOLDER} for {redactor.pseudonym(RECIPIENT)}"
    assert redactor.redact_headers(list(headers.items())) == redacted
    assert redactor.redact_headers(redacted) == redacted


def test_bytes_json_is_reserialised_compactly(redactor: Redactor) -> None:
    body = json.dumps({"to": RECIPIENT, "text": {"body": "olá"}}, indent=2).encode()
    redacted = redactor.redact_bytes(body, "application/json; charset=utf-8")
    assert redacted == f'{{"to":"{redactor.pseudonym(RECIPIENT)}","text":{{"body":"olá"}}}}'.encode()
    assert redactor.redact_bytes(redacted, "application/json") == redacted
    assert redactor.redact_bytes(body, None) == redacted  # sniffed


def test_bytes_non_json_is_redacted_as_text(redactor: Redactor) -> None:
    assert redactor.redact_bytes(f"key={KEY}&to=%2B{RECIPIENT}".encode(), "application/x-www-form-urlencoded") == (
        f"key={API_KEY_PLACEHOLDER}&to=%2B{redactor.pseudonym(RECIPIENT)}".encode()
    )
    assert redactor.redact_bytes(b"{not json " + KEY.encode(), "application/json") == (
        b"{not json " + API_KEY_PLACEHOLDER.encode()
    )
    assert redactor.redact_bytes(b"", "application/json") == b""
    binary = b"\xff\xfe" + KEY.encode()
    assert redactor.redact_bytes(binary, "application/octet-stream") == b"\xff\xfe" + API_KEY_PLACEHOLDER.encode()


def test_empty_pseudonym_key_is_refused() -> None:
    with pytest.raises(ValueError, match="pseudonym_key"):
        Redactor([], [], b"")


# -- properties ------------------------------------------------------------------------------------------------

phones = st.from_regex(r"\A[1-9][0-9]{7,14}\Z")
fragments = st.one_of(
    st.text(max_size=12),
    st.sampled_from([KEY, OTHER_KEY, f"Bearer {KEY}", RECIPIENT, "+" + RECIPIENT, "552198765432", "%2B"]),
    phones,
    phones.map(lambda p: "+" + p),
)
texts = st.lists(fragments, max_size=8).map(" ".join)
USER_IDS = [BSUID, PARENT_BSUID, HEX_BSUID]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), texts, phones, st.sampled_from(USER_IDS)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["to", "wa_id", "from", "input", "id", "text", "timestamp", "user_id", "recipient"]),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_redact_text_is_idempotent_and_leaves_no_secret(text: str) -> None:
    redactor = Redactor([KEY, OTHER_KEY], [RECIPIENT], OFFLINE_PSEUDONYM_KEY)
    once = redactor.redact_text(text)
    assert redactor.redact_text(once) == once
    assert KEY not in once and OTHER_KEY not in once


def _redact_text_by_brute_force(redactor: Redactor, text: str) -> str:
    """What redact_text did before its fast scans: both patterns tried at every position of the text."""
    if redactor._secret_pattern is not None:
        text = redactor._secret_pattern.sub(lambda m: redactor._placeholders[m.group(0)], text)
    assert redactor._phone_pattern is not None
    text = redactor._phone_pattern.sub(
        lambda m: (m.group(1) or "") + redactor.pseudonym(re.sub(r"[\s\-]", "", m.group(2))), text
    )
    return re.sub(r"wamid\.([A-Za-z0-9+/]+={0,2})", redactor._redact_wamid, text) if "wamid." in text else text


formatted_numbers = st.sampled_from(
    ["+55 21 99876-5432", "55-21-9-9876-5432", "%2B5521998765432", "5 5 2 1 9 9 8 7 6 5 4 3 2", "155219987654321"]
)
dense_texts = st.lists(st.one_of(fragments, formatted_numbers, st.sampled_from(["0", "7", " ", "-", "+"])), max_size=10)


@settings(max_examples=300, deadline=None)
@given(dense_texts, st.sampled_from(["", " ", "-"]))
def test_fast_scans_redact_exactly_like_trying_every_position(pieces: list[str], separator: str) -> None:
    text = separator.join(pieces)
    redactor = Redactor([KEY, OTHER_KEY], [RECIPIENT], OFFLINE_PSEUDONYM_KEY)
    assert redactor.redact_text(text) == _redact_text_by_brute_force(redactor, text)


@settings(max_examples=200, deadline=None)
@given(phones)
def test_pseudonym_properties(number: str) -> None:
    redactor = Redactor([], [], derive_pseudonym_key(KEY))
    pseudonym = redactor.pseudonym(number)
    assert len(pseudonym) == len(number) and pseudonym.isdigit()
    assert pseudonym.startswith(country_code(number))
    assert is_pseudonym(pseudonym)
    assert redactor.pseudonym(pseudonym) == pseudonym


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_redact_json_is_idempotent(value: Any) -> None:
    redactor = Redactor([KEY], [RECIPIENT], OFFLINE_PSEUDONYM_KEY)
    once = redactor.redact_json(value)
    assert redactor.redact_json(once) == once
    as_bytes = redactor.redact_bytes(json.dumps(value).encode(), "application/json")
    assert redactor.redact_bytes(as_bytes, "application/json") == as_bytes
    assert KEY not in json.dumps(once)
    for bsuid in _values_under(value, BSUID_KEYS) & set(USER_IDS):
        assert bsuid not in json.dumps(once)  # once seen under a user-id key, nowhere in clear


def _values_under(node: Any, keys: frozenset[str], under: bool = False) -> set[str]:
    if isinstance(node, str):
        return {node} if under else set()
    if isinstance(node, dict):
        return set().union(*(_values_under(v, keys, k in keys) for k, v in node.items()))
    if isinstance(node, list):
        return set().union(*(_values_under(v, keys, under) for v in node))
    return set()


def test_non_ascii_digits_are_not_phone_numbers(redactor: Redactor) -> None:
    body = {"to": "٥٥١١٩٨٧٦٥٠٠٠١"}
    assert redactor.redact_json(body) == body
