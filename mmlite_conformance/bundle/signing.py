"""Optional Ed25519 signatures of the manifest (PyNaCl: `pip install 'mmlite-conformance[signing]'`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from mmlite_conformance.bundle.manifest import SIGNATURE, BundleError

ALGORITHM = "ed25519"
_MISSING = "signing needs PyNaCl: pip install 'mmlite-conformance[signing]' (or pip install pynacl)"


def _nacl() -> ModuleType:
    try:
        import nacl.exceptions
        import nacl.signing
    except ImportError:
        raise BundleError(_MISSING) from None
    return nacl


def fingerprint(public_key: bytes) -> str:
    """OpenSSH's form: `SHA256:` and the unpadded base64 of the key's SHA-256."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(public_key).digest()).decode().rstrip("=")


def _read_key(path: Path, what: str) -> bytes:
    try:
        raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except OSError as error:
        raise BundleError(f"cannot read the {what} {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, binascii.Error, ValueError):
        raise BundleError(
            f"{path} is not a {what}: expected one line of base64 (see `mmlite-conformance keygen`)"
        ) from None
    if len(raw) != 32:
        raise BundleError(f"{path} is not a {what}: an Ed25519 key is 32 bytes, this one {len(raw)}")
    return raw


def fingerprint_of_file(public_key_path: Path) -> str:
    return fingerprint(_read_key(public_key_path, "public key"))


def generate(private_path: Path) -> tuple[Path, str]:
    """A new key pair: the private key (owner-only) at `private_path`, the public one beside it (`.pub`)."""
    key = _nacl().signing.SigningKey.generate()
    public = bytes(key.verify_key)
    if private_path.exists():
        raise BundleError(f"{private_path} exists: refusing to overwrite a key")
    handle = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(base64.b64encode(bytes(key)).decode() + "\n")
    public_path = private_path.with_name(private_path.name + ".pub")
    public_path.write_text(base64.b64encode(public).decode() + "\n", encoding="ascii")
    return public_path, fingerprint(public)


def sign(manifest: bytes, private_path: Path) -> bytes:
    """manifest.sig: the algorithm, the signer's public key, the signature of the manifest's exact bytes."""
    key = _nacl().signing.SigningKey(_read_key(private_path, "private key"))
    signature = key.sign(manifest).signature
    document = {
        "algorithm": ALGORITHM,
        "public_key": base64.b64encode(bytes(key.verify_key)).decode(),
        "signature": base64.b64encode(signature).decode(),
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


@dataclass(slots=True, frozen=True)
class SignatureCheck:
    """Who signed (the public key's fingerprint) and whether the signature holds for the manifest as it is."""

    signer: str
    holds: bool
    expected: str | None = None

    @property
    def ok(self) -> bool:
        return self.holds and (self.expected is None or self.expected == self.signer)


def _field(document: Any, name: str) -> bytes:
    value = document.get(name) if isinstance(document, dict) else None
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(f"corrupt {SIGNATURE}: its {name} is not base64") from None


def check(manifest: bytes, signature_file: bytes, public_key_path: Path | None) -> SignatureCheck:
    try:
        document = json.loads(signature_file.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError(f"corrupt {SIGNATURE}: not JSON") from None
    if not isinstance(document, dict) or document.get("algorithm") != ALGORITHM:
        raise BundleError(f"corrupt {SIGNATURE}: not an {ALGORITHM} signature")
    public, signature = _field(document, "public_key"), _field(document, "signature")
    expected = fingerprint_of_file(public_key_path) if public_key_path is not None else None
    nacl = _nacl()
    try:
        nacl.signing.VerifyKey(public).verify(manifest, signature)
        holds = True
    except nacl.exceptions.CryptoError:  # a bad signature, or a key or signature of the wrong length
        holds = False
    return SignatureCheck(signer=fingerprint(public), holds=holds, expected=expected)
