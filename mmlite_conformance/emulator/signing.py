"""Webhook signatures: the header forms (360dialog's and Meta's), and valid, wrong or absent signatures per delivery."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import NamedTuple

SIGNATURE_HEADER = "X-360dialog-Signature"  # 360dialog's form: the lowercase hex digest
META_SIGNATURE_HEADER = "X-Hub-Signature-256"  # Meta's form: "sha256=" and the digest
SIGNATURES = ("valid", "wrong", "none")  # what a control-posted notification may ask for
WRONG_KEY_PREFIX = "emulator-wrong-key:"  # prefixed to the secret, so a wrong digest never matches the right one


class SignatureForm(NamedTuple):
    name: str
    header: str
    render: Callable[[str], str]  # lowercase hex digest -> header value


#: form name -> how it is sent (WebhookSettings.signature_headers and --webhook-signature-form name these)
FORMS: dict[str, SignatureForm] = {
    form.name: form
    for form in (
        SignatureForm("360dialog", SIGNATURE_HEADER, lambda digest: digest),
        SignatureForm("meta", META_SIGNATURE_HEADER, lambda digest: f"sha256={digest}"),
    )
}


def digest(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_headers(
    secret: str | None, forms: tuple[str, ...], body: bytes, signature: str = "valid", suppressed: bool = False
) -> tuple[dict[str, str], str]:
    """The signature headers of one delivery and the signature actually sent (valid, wrong or none).

    valid: every configured form, when a secret is set and the signature is not `suppressed` (a fault);
    wrong: every configured form signed with another key (both forms when no secret is set); none: no header.
    """
    if signature == "wrong":
        chosen = forms if secret else tuple(FORMS)
        value = digest(WRONG_KEY_PREFIX + (secret or ""), body)
        return {FORMS[name].header: FORMS[name].render(value) for name in chosen}, "wrong"
    if signature == "none" or not secret or suppressed:
        return {}, "none"
    value = digest(secret, body)
    return {FORMS[name].header: FORMS[name].render(value) for name in forms}, "valid"
