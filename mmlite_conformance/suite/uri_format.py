"""The schemas' `uri` format: an RFC 3986 URI (section 3), its expression compiled the first time one is checked."""

from __future__ import annotations

import functools
import ipaddress
import re

__all__ = ["is_uri"]

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT_ENCODED = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT_ENCODED})"
_IP_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")


@functools.cache
def _uri() -> re.Pattern[str]:
    """RFC 3986 `URI`; an IP literal's inside is left to `_ip_literal` (the address grammar is long to compile, and
    a run that sends no URL to a schema never needs any of it)."""
    segment = f"{_PCHAR}*"
    userinfo = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT_ENCODED})*"
    reg_name = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT_ENCODED})*"  # also every IPv4 address
    authority = rf"(?:{userinfo}@)?(?P<host>\[[^\[\]]*\]|{reg_name})(?::[0-9]*)?"
    hier_part = (
        rf"//{authority}(?:/{segment})*"  # authority, path-abempty
        rf"|/(?:{_PCHAR}+(?:/{segment})*)?"  # path-absolute
        rf"|{_PCHAR}+(?:/{segment})*"  # path-rootless
        r"|"  # path-empty
    )
    rest = rf"(?:{_PCHAR}|[/?])*"  # query and fragment
    return re.compile(rf"[A-Za-z][A-Za-z0-9+\-.]*:(?:{hier_part})(?:\?{rest})?(?:#{rest})?")


def _ip_literal(inside: str) -> bool:
    """IPv6address / IPvFuture (RFC 3986 3.2.2): an address without a zone (RFC 6874 adds zones with `%25`)."""
    if _IP_FUTURE.fullmatch(inside):
        return True
    if "%" in inside:
        return False
    try:
        ipaddress.IPv6Address(inside)
    except ValueError:
        return False
    return True


def is_uri(instance: object) -> bool:
    """True for a string that is an RFC 3986 URI, and for anything not a string (JSON Schema formats apply to
    strings only)."""
    if not isinstance(instance, str):
        return True
    found = _uri().fullmatch(instance)
    if found is None:
        return False
    host = found.group("host")
    return not (host and host.startswith("[")) or _ip_literal(host[1:-1])
