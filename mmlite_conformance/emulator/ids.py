"""Deterministic identifiers (wamid, fbtrace, template, conversation) derived from the seed and counters."""

from __future__ import annotations

import base64
import binascii
import hashlib


class IdFactory:
    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counters: dict[str, int] = {}
        # the hash of "<seed>:<kind>:" per kind and size, computed once and copied per id: the same digests as
        # hashing "<seed>:<kind>:<n>" afresh, at half the cost
        self._prefixes: dict[tuple[str, int], hashlib.blake2b] = {}

    def reset(self) -> None:
        self._counters.clear()

    def _digest(self, kind: str, size: int) -> bytes:
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        prefix = self._prefixes.get((kind, size))
        if prefix is None:
            prefix = self._prefixes[kind, size] = hashlib.blake2b(f"{self._seed}:{kind}:".encode(), digest_size=size)
        digest = prefix.copy()
        digest.update(b"%d" % n)
        return digest.digest()

    def wamid(self, wa_id: str, plain: bool = False) -> str:
        token = self._digest("wamid", 9).hex().upper().encode()
        # shaped like the real ids: a small binary frame around the recipient and a random token
        raw = b"\x1c\x18" + bytes([len(wa_id)]) + wa_id.encode() + b"\x15\x02\x00\x11\x18\x12" + token + b"\x00"
        encoded = binascii.b2a_base64(raw, newline=False).decode()  # base64.b64encode without its Python frame
        return encoded if plain else f"wamid.{encoded}"

    def fbtrace(self) -> str:
        return "A" + base64.urlsafe_b64encode(self._digest("fbtrace", 18)).decode()[:22]

    def numeric(self, kind: str) -> str:
        value = int.from_bytes(self._digest(kind, 8), "big")
        return str(100_000_000_000_000 + value % 900_000_000_000_000)

    def conversation(self, message_id: str) -> str:
        return hashlib.blake2b(f"{self._seed}:conversation:{message_id}".encode(), digest_size=16).hexdigest()
