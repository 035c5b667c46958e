"""The schemas' `uri` format gives rfc3986-validator's verdict (jsonschema's checker when it is installed)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rfc3986_validator import validate_rfc3986

from mmlite_conformance.suite.schemas import format_checker
from mmlite_conformance.suite.uri_format import is_uri

pytestmark = pytest.mark.unit

CASES = [
    "https://waba-v2.360dialog.io/marketing_messages?x=1#f", "http://example.com", "urn:isbn:0451450523", "h:",
    "mailto:a@b.c", "file:///etc/passwd", "http://[::1]:8080/x", "http://[v1.fe]/", "http://[::ffff:1.2.3.4]/",
    "http://[::]/", "http://%41", "http://a:b@c:99999/%20", "a+b.c-d:x", "http://x?#", "http://x?a?b/c",
    "http://[0000:0000:0000:0000:0000:0000:0000:0001]/",
    # refused
    "http://[fe80::1%25eth0]/", "http://[1.2.3.4]/", "http://exa mple.com", "relative/path", "//host/x", "http://%zz",
    "1http://x", "http://[::1", "http://]", "http://a]b", "ht tp://x", "http://x/y z", "http://x/\u00e9", "http://[]/",
    "http://[1::2::3]/", "http://[00000::1]/", "http://x#a#b", "",
]  # fmt: skip

#: where the reference is wrong and the suite follows RFC 3986: its `$` lets a trailing newline through, and its
#: dec-octet takes a leading zero (`01`), which the RFC's grammar does not
REFERENCE_ERRORS = {"http://a\n": False, "http://[::ffff:01.2.3.4]/": False}


def _reference(text: str) -> bool:
    return validate_rfc3986(text, rule="URI") is not None


@pytest.mark.parametrize("text", CASES)
def test_the_suite_agrees_with_the_reference(text: str) -> None:
    assert is_uri(text) is _reference(text)


def test_the_cases_hold_both_verdicts() -> None:
    assert {_reference(text) for text in CASES} == {True, False}


@pytest.mark.parametrize(("text", "expected"), REFERENCE_ERRORS.items())
def test_where_the_reference_is_wrong_the_rfc_decides(text: str, expected: bool) -> None:
    assert _reference(text) is not expected and is_uri(text) is expected


_PIECES = st.sampled_from([
    *"ahz09:/?#[]@!$&'()*+,;=-._~%fAF .v\u00e9", "::", "//", "http://", "%2F", "[::1]", "1.2.3.4", "[v1.x]", "ffff:",
])  # fmt: skip


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_generated_strings_get_the_references_verdict(text: str) -> None:
    assert is_uri(text) is _reference(text)


def test_anything_but_a_string_is_not_judged() -> None:
    assert is_uri(42) and is_uri(None)


def test_the_schemas_check_uri_with_it_and_keep_jsonschemas_other_formats() -> None:
    checker = format_checker()
    assert checker.checkers["uri"][0] is is_uri
    assert not checker.conforms("not a uri", "uri") and checker.conforms("https://x.example/", "uri")
    assert "date-time" in checker.checkers and not checker.conforms("yesterday", "date-time")
