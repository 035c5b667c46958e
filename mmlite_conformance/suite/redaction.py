"""The single redaction layer: keys become their placeholders, phone numbers stable pseudonyms, in every artefact."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote

from mmlite_conformance.suite.constants import (
    API_KEY_PLACEHOLDER,
    SECRET_PLACEHOLDERS,
    UNKNOWN_CREDENTIAL_PLACEHOLDER,
)

#: the pseudonym key of offline targets (emulator, replay): no real number is ever seen there
OFFLINE_PSEUDONYM_KEY: Final = b"mmlite-conformance/offline-pseudonyms/v1"

#: headers whose whole value is a credential, whatever it looks like
SENSITIVE_HEADERS: Final = frozenset(
    {"d360-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)

#: JSON keys whose value is a phone number or a WhatsApp ID derived from one (Cloud API requests and webhooks)
PHONE_KEYS: Final = frozenset(
    {"to", "input", "wa_id", "from", "recipient_id", "display_phone_number", "phone_number", "recipient", "phone"}
)
#: JSON keys whose value may be a business-scoped user id (BSUID): a per-business id of a person, as personal as
#: their number (`recipient` of a send request; user ids of responses and, since 2026, of webhooks)
BSUID_KEYS: Final = frozenset(
    {"recipient", "to", "input", "user_id", "parent_user_id", "from_user_id", "from_parent_user_id"}
    | {"recipient_user_id", "recipient_parent_user_id"}
)


# ITU-T E.164 country calling codes are prefix-free: 1 and 7 have one digit, exactly these have two, and every
# other prefix is a three-digit code (assigned or spare). Reading the code this way, a pseudonym's code reads back
# as the original's, which keeps redaction idempotent.
_ONE_DIGIT_CODES = frozenset({"1", "7"})
_TWO_DIGIT_CODES = frozenset(
    {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49"}
    | {"51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84"}
    | {"86", "90", "91", "92", "93", "94", "95", "98"}
)
_PSEUDONYM_MARK: Final = "000"  # subscriber part of every pseudonym starts with it; no real national number does
_MAX_TAG_DIGITS: Final = 8

_LOOKS_LIKE_PHONE = re.compile(r"(\+?)([0-9]{8,15})")
_PHONE_FORMATTING = re.compile(r"[\s\-().]")
_DIGITS = re.compile(r"[0-9]{8,15}")
# 8 or more digits, a single space or dash allowed between two of them: the shape of every phone-number match
_DIGIT_RUN = re.compile(r"[0-9](?:[\s\-]?[0-9]){7,}")
_SHORTEST_NUMBER: Final = 8
# a BSUID in every form the schemas accept (common.schema.json, user_id): today's two-letter country code, a dot and
# letters and digits (`ENT.` first for a parent BSUID), or the earlier `user.` and 64 hexadecimal digits
_BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9._-]+|user\.[0-9a-fA-F]{64}")
# the same shapes met in free text before any user-id field carried them: today's with 10 or more letters and digits,
# one a digit, so that ordinary words after an abbreviation ("OK.Thanks") are left alone; the earlier one as it is
# (the check on the character before a match comes after its first letter, so that the regex engine can skip ahead
# to the next capital or `u`: a third faster on a long report than a pattern opening with that look-behind)
_BSUID_IN_TEXT = re.compile(
    r"(?:[A-Z](?<![A-Za-z0-9.][A-Z])[A-Z]\.(?:ENT\.)?(?=[A-Za-z]*[0-9])[A-Za-z0-9]{10,128}"
    r"|u(?<![A-Za-z0-9.]u)ser\.[0-9a-fA-F]{64})"
    r"(?![A-Za-z0-9])"
)
_BSUID_PSEUDONYM_MARK: Final = "PSEUDO"
# the earlier form's pseudonym must stay hexadecimal: 16 zeros (a real id starts so once in 2^64), then a keyed tag
_HEX_BSUID_PREFIX: Final = "user"
_HEX_BSUID_PSEUDONYM_MARK: Final = "0" * 16
_LEARNED_KEYS: Final = PHONE_KEYS | BSUID_KEYS
#: exact types a JSON walk returns as they are (a subclass of one still takes the general path)
_LEAVES_KEPT: Final = frozenset({int, float, bool, type(None)})
# wamid.<base64>: the message id embeds the recipient's number in clear inside the base64 payload
_WAMID = re.compile(r"wamid\.([A-Za-z0-9+/]+={0,2})")
# the scheme a credential header may carry before the key (the guide's tables write `Bearer <token>`)
_BEARER = re.compile(r"(?i:bearer)\s+")
# placeholders a credential header may already show: redacting twice changes nothing
_CREDENTIAL_PLACEHOLDERS: Final = frozenset(SECRET_PLACEHOLDERS) | {UNKNOWN_CREDENTIAL_PLACEHOLDER}
_SEPARATORS = re.compile(r"[\s\-]")
# redact_text remembers its answers for texts up to this long (the same keys, ids and header values come back
# thousands of times in a run: ~19,000 calls on ~1,000 distinct texts in a replay), at most this many at a time
_MEMO_MAX_TEXT: Final = 1024
_MEMO_MAX_ENTRIES: Final = 4096


def derive_pseudonym_key(api_key: str | None) -> bytes:
    """The key of a run's pseudonyms: derived from the live API key, so that nobody without it can brute-force
    the 10^11-odd candidate numbers back out of a pseudonym; a fixed constant offline."""
    if not api_key:
        return OFFLINE_PSEUDONYM_KEY
    return hmac.new(b"mmlite-conformance/pseudonym-key/v1", str.__str__(api_key).encode(), hashlib.sha256).digest()


def country_code(digits: str) -> str:
    """The E.164 country calling code at the start of `digits` (1, 2 or 3 digits)."""
    if digits[:1] in _ONE_DIGIT_CODES:
        return digits[:1]
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


def is_pseudonym(digits: str) -> bool:
    cc = country_code(digits)
    return digits[len(cc) :].startswith(_PSEUDONYM_MARK)


def is_bsuid_pseudonym(value: str) -> bool:
    prefix, _, local = value.rpartition(".")
    if prefix == _HEX_BSUID_PREFIX:
        return local.startswith(_HEX_BSUID_PSEUDONYM_MARK)
    return local.startswith(_BSUID_PSEUDONYM_MARK)


def whatsapp_id_variants(digits: str) -> set[str]:
    """The number plus the WhatsApp IDs Meta may report for it instead (CONTRACT.md §8: BR/MX prefixes change)."""
    variants = {digits}
    if digits.startswith("55") and len(digits) == 13 and digits[4] == "9":
        variants.add(digits[:4] + digits[5:])  # Brazil: wa_id drops the mobile ninth digit
    if digits.startswith("55") and len(digits) == 12:
        variants.add(digits[:4] + "9" + digits[4:])
    if digits.startswith("521") and len(digits) == 13:
        variants.add("52" + digits[3:])  # Mexico: the legacy mobile "1" comes and goes
    if digits.startswith("52") and len(digits) == 12:
        variants.add("521" + digits[2:])
    return variants


def _mobile_long_form(digits: str) -> str | None:
    """The 13-digit form of a 12-digit Brazilian (ninth digit) or Mexican (mobile '1') number, else None."""
    if len(digits) != 12:
        return None
    if digits.startswith("55"):
        return digits[:4] + "9" + digits[4:]
    if digits.startswith("52"):
        return "521" + digits[2:]
    return None


class Redactor:
    """Redacts text, JSON, headers and bodies for every artefact; idempotent: redact(redact(x)) == redact(x).

    Numbers seen under phone-number keys (`to`, `wa_id`, ...) and BSUIDs seen under user-id keys (`user_id`,
    `from_user_id`, ...) are learned, so later free-text mentions of them (error messages, URLs) are pseudonymised too.
    """

    __slots__ = (
        "_bsuid_pattern",
        "_bsuids",
        "_lock",
        "_mac",
        "_memo",
        "_numbers",
        "_phone_pattern",
        "_placeholders",
        "_secret_pattern",
        "_secrets",
        "_shortest_match",
        "_shown_credentials",
    )

    def __init__(
        self,
        secrets: Iterable[str] | Mapping[str, str],
        phone_numbers: Iterable[str],
        pseudonym_key: bytes,
        *,
        public_credentials: Iterable[str] = (),
    ) -> None:
        """`secrets`: each secret with its placeholder (a mapping), or secrets that all stand for the run's key;
        `public_credentials`: keys that are no secret (a wrong key the suite sends), shown in headers as sent."""
        if not pseudonym_key:
            raise ValueError("pseudonym_key must not be empty")
        self._mac = hmac.new(pseudonym_key, digestmod=hashlib.sha256)  # the key itself is not kept in a field
        self._lock = threading.Lock()
        named = secrets if isinstance(secrets, Mapping) else dict.fromkeys(secrets, API_KEY_PLACEHOLDER)
        plain = {str.__str__(s): placeholder for s, placeholder in named.items() if s}
        #: each secret, as given and URL-encoded -> its placeholder
        self._placeholders = plain | {quote(s, safe=""): placeholder for s, placeholder in plain.items()}
        self._secrets = frozenset(self._placeholders)
        self._secret_pattern = _alternation(self._secrets, prefix="")
        self._shown_credentials = frozenset(public_credentials) | _CREDENTIAL_PLACEHOLDERS | set(plain.values())
        #: a text shorter than this holds no secret, phone number, learned BSUID, nor a wamid embedding a number
        self._shortest_match = min([_SHORTEST_NUMBER, *(len(s) for s in self._secrets)])
        self._numbers: frozenset[str] = frozenset()
        #: text -> its redaction under what is known now; replaced by an empty one (after the patterns) whenever a
        #: number or BSUID is learned, so a redaction computed before cannot be stored into the new one
        self._memo: dict[str, str] = {}
        self._phone_pattern: re.Pattern[str] | None = None
        #: learned BSUID -> its pseudonym
        self._bsuids: dict[str, str] = {}
        self._bsuid_pattern: re.Pattern[str] | None = None
        for number in phone_numbers:
            self.add_phone_number(number)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets, {len(self._numbers)} phone numbers)"

    def add_phone_number(self, number: str) -> None:
        """Treat `number` (and its WhatsApp ID variants) as known: pseudonymise it wherever it appears."""
        digits = _PHONE_FORMATTING.sub("", number).removeprefix("+")
        if not _DIGITS.fullmatch(digits) or is_pseudonym(digits):
            return
        with self._lock:
            new = whatsapp_id_variants(digits) - self._numbers
            if not new:
                return
            self._numbers = self._numbers | new
            # digits may be written with spaces or dashes between them in free text
            forms = "|".join(r"[\s\-]?".join(n) for n in sorted(self._numbers, key=len, reverse=True))
            self._phone_pattern = re.compile(r"(?<![0-9])(\+|%2B)?(" + forms + r")(?![0-9])")
            self._memo = {}

    def add_bsuid(self, value: str) -> None:
        """Treat `value`, if it is a BSUID, as known: replace it by its pseudonym wherever it appears."""
        if not _BSUID.fullmatch(value) or is_bsuid_pseudonym(value) or value in self._bsuids:
            return
        with self._lock:
            bsuids = {**self._bsuids, value: self.bsuid_pseudonym(value)}
            alternation = "|".join(re.escape(b) for b in sorted(bsuids, key=len, reverse=True))
            self._bsuid_pattern = re.compile(r"(?<![A-Za-z0-9.])(?:" + alternation + r")(?![A-Za-z0-9])")
            self._bsuids = bsuids
            self._shortest_match = min(self._shortest_match, len(value))
            self._memo = {}

    def bsuid_pseudonym(self, value: str) -> str:
        """A stable stand-in for a BSUID, in its own form: the country (and `ENT`) prefix kept and the id 'PSEUDO' +
        a keyed tag; or, for the earlier `user.<64 hex>` form, 64 hex digits: 16 zeros + a keyed tag (case kept)."""
        mac = self._mac.copy()
        mac.update(b"bsuid:" + value.encode())
        prefix, _, local = value.partition(".")
        if prefix == _HEX_BSUID_PREFIX:
            tag = _HEX_BSUID_PSEUDONYM_MARK + mac.digest()[:24].hex()
            return f"{prefix}.{tag.upper() if local.isupper() else tag}"
        if local.startswith("ENT."):  # a parent BSUID; any other segment is part of the id, so hidden
            prefix += ".ENT"
        tag = str(int.from_bytes(mac.digest()[:8], "big") % 10**16).zfill(16)
        return f"{prefix}.{_BSUID_PSEUDONYM_MARK}{tag}"

    def pseudonym(self, number: str) -> str:
        """A stable stand-in for `number`: same length, same country code, subscriber part '000' + keyed tag.

        A leading '+' is kept; spaces, dashes and brackets are dropped. Pseudonyms map to themselves.
        """
        plus = "+" if number.lstrip().startswith("+") else ""
        digits = _PHONE_FORMATTING.sub("", number).removeprefix("+")
        if not _DIGITS.fullmatch(digits):
            return number
        if is_pseudonym(digits):
            return plus + digits
        canonical = _mobile_long_form(digits)
        if canonical is not None:
            # a Brazilian or Mexican mobile in its short form: the pseudonym of its long form without the sixth
            # digit, so that replayed numbers keep the relation WhatsApp reports them with (suite/numbers.py)
            long_pseudonym = self.pseudonym(canonical)
            return plus + long_pseudonym[:5] + long_pseudonym[6:]
        cc = country_code(digits)
        width = len(digits) - len(cc)
        tag_digits = max(0, min(_MAX_TAG_DIGITS, width - len(_PSEUDONYM_MARK)))
        mac = self._mac.copy()
        mac.update(digits.encode())
        tag = str(int.from_bytes(mac.digest()[:8], "big") % 10**tag_digits).zfill(tag_digits) if tag_digits else ""
        return plus + cc + tag.rjust(width, "0")

    def redact_text(self, text: str) -> str:
        """Secrets (also URL-encoded) become their placeholders, a `Bearer ` before one stays; known numbers and
        BSUIDs their pseudonyms."""
        if len(text) < self._shortest_match:
            return text
        memo = self._memo
        known = memo.get(text)
        if known is not None:
            return known
        redacted = self._redact_text(text)
        if len(text) <= _MEMO_MAX_TEXT:
            if len(memo) >= _MEMO_MAX_ENTRIES:
                memo.clear()
            memo[text] = redacted
        return redacted

    def _redact_text(self, text: str) -> str:
        # The patterns are slow to try at every position of a long text (a report is most of a megabyte), so each
        # runs only where a fast scan found what any match must contain: a secret or BSUID verbatim, a digit run.
        if self._secret_pattern is not None and any(secret in text for secret in self._secrets):
            placeholders = self._placeholders
            text = self._secret_pattern.sub(lambda m: placeholders[m.group(0)], text)
        bsuids = self._bsuids
        if self._bsuid_pattern is not None and any(bsuid in text for bsuid in bsuids):
            text = self._bsuid_pattern.sub(lambda m: bsuids[m.group(0)], text)
        if "." in text:
            text = _BSUID_IN_TEXT.sub(self._unknown_bsuid, text)
        pattern = self._phone_pattern
        if pattern is None:
            return text
        text = self._pseudonymise_numbers(text, pattern)
        return _WAMID.sub(self._redact_wamid, text) if "wamid." in text else text

    def learn(self, obj: Any) -> None:
        """Know every phone number and BSUID that `obj` (JSON data) carries under a number or user-id key, so that
        they are hidden wherever they appear later, in any text."""
        for key, value in _keyed_values(obj, _LEARNED_KEYS):
            if key in PHONE_KEYS:
                self.add_phone_number(value)
            if key in BSUID_KEYS:
                self.add_bsuid(value)

    def redact_json(self, obj: Any) -> Any:
        """A redacted deep copy; phone-looking values under phone-number keys are pseudonymised even if unknown."""
        self.learn(obj)
        return self._redact_node(obj, phone_key=False)

    def redact_headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        items = headers.items() if isinstance(headers, Mapping) else headers
        return {
            name: self.redact_credential(value) if name.lower() in SENSITIVE_HEADERS else self.redact_text(value)
            for name, value in items
        }

    def redact_credential(self, value: str) -> str:
        """A credential header's value as evidence shows it: a known secret becomes its own placeholder, a public
        credential stays as sent, a `Bearer ` before either stays; anything else is hidden."""
        bearer = _BEARER.match(value)
        scheme, token = (value[: bearer.end()], value[bearer.end() :]) if bearer else ("", value)
        if token in self._placeholders:
            return scheme + self._placeholders[token]
        if token in self._shown_credentials and self.redact_text(token) == token:
            return scheme + token
        return scheme + UNKNOWN_CREDENTIAL_PLACEHOLDER

    def redact_bytes(self, body: bytes, content_type: str | None = None) -> bytes:
        """A redacted HTTP body: JSON is re-serialised compactly, anything else redacted as text."""
        if not body:
            return body
        text = body.decode("utf-8", errors="surrogateescape")
        if content_type is None or "json" in content_type.lower():
            try:
                parsed = json.loads(text)
            except ValueError:
                pass
            else:
                return dump_json(self.redact_json(parsed)).encode("utf-8", errors="surrogateescape")
        return self.redact_text(text).encode("utf-8", errors="surrogateescape")

    def _pseudonymise_numbers(self, text: str, pattern: re.Pattern[str]) -> str:
        """`pattern.sub`, tried only inside the maximal digit runs that hold a known number: every match's digits
        lie inside one such run (a `+` or `%2B` before them stays in the text as it is, as with `pattern.sub`)."""
        pieces: list[str] = []
        done = 0
        for run in _DIGIT_RUN.finditer(text):
            digits = _strip_separators(run.group())
            if not any(number in digits for number in self._numbers):
                continue
            for match in pattern.finditer(text, max(done, run.start()), run.end()):
                pseudonym = self.pseudonym(_strip_separators(match.group(2)))
                pieces += (text[done : match.start()], pseudonym)
                done = match.end()
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)

    def _unknown_bsuid(self, match: re.Match[str]) -> str:
        value = match.group(0)
        if is_bsuid_pseudonym(value):
            return value
        self.add_bsuid(value)
        return self._bsuids[value]

    def _redact_node(self, node: Any, *, phone_key: bool) -> Any:
        kind = type(node)
        if kind in _LEAVES_KEPT:  # the exact types JSON numbers, booleans and null come as
            return node
        if kind is str or isinstance(node, str):
            redacted = self.redact_text(node)
            if phone_key:
                candidate = _PHONE_FORMATTING.sub("", redacted)
                if _LOOKS_LIKE_PHONE.fullmatch(candidate):
                    return self.pseudonym(candidate)
            return redacted
        if kind is list:  # not a Mapping: the check below, cheaper
            return [self._redact_node(v, phone_key=phone_key) for v in node]
        if kind is dict or isinstance(node, Mapping):
            return {
                (self.redact_text(k) if isinstance(k, str) else k): self._redact_node(v, phone_key=k in PHONE_KEYS)
                for k, v in node.items()
            }
        if isinstance(node, list | tuple):
            items = [self._redact_node(v, phone_key=phone_key) for v in node]
            return tuple(items) if isinstance(node, tuple) else items
        return node

    def _redact_wamid(self, match: re.Match[str]) -> str:
        payload = match.group(1)
        try:
            raw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return match.group(0)
        if base64.b64encode(raw).decode() != payload:
            return match.group(0)
        changed = raw
        for number in self._numbers:
            encoded = number.encode()
            if encoded in changed:
                changed = changed.replace(encoded, self.pseudonym(number).encode())
        return "wamid." + base64.b64encode(changed).decode() if changed != raw else match.group(0)


def parse_json(text: str) -> Any:
    """The JSON value of `text`, or None when it is empty or not JSON (a finding, not an exception)."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def dump_json(obj: Any) -> str:
    """The compact, stable serialisation used for redacted bodies (re-serialising it gives the same text)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _alternation(values: Iterable[str], prefix: str) -> re.Pattern[str] | None:
    ordered = sorted(values, key=len, reverse=True)  # longest first, so a key that contains another wins
    if not ordered:
        return None
    return re.compile(prefix + "(?:" + "|".join(re.escape(v) for v in ordered) + ")")


def _strip_separators(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _keyed_values(node: Any, keys: frozenset[str], key: str | None = None) -> list[tuple[str, str]]:
    """(key, value) of every string value found under one of `keys`, at any depth (list items keep their key), in
    document order."""
    found: list[tuple[str, str]] = []
    _collect_keyed_values(node, keys, key, found)
    return found


def _collect_keyed_values(node: Any, keys: frozenset[str], key: str | None, found: list[tuple[str, str]]) -> None:
    kind = type(node)
    if kind in _LEAVES_KEPT:
        return
    if kind is str or isinstance(node, str):
        if key is not None:
            found.append((key, node))
    elif kind is dict or isinstance(node, Mapping):
        for name, value in node.items():
            _collect_keyed_values(value, keys, name if name in keys else None, found)
    elif kind is list or isinstance(node, list | tuple):
        for value in node:
            _collect_keyed_values(value, keys, key, found)
