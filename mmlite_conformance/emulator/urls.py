"""Webhook URL rules: scheme, underscore and port restrictions, loopback detection, delivery permission."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_problem(url: str) -> str | None:
    """Why 360dialog would refuse this webhook URL, or None when it is acceptable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The webhook URL is not a valid URL."
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host:
        return "The webhook URL must be an absolute http or https URL."
    if any(ch.isspace() for ch in url):
        return "The webhook URL must not contain whitespace."
    if is_loopback_host(host):
        return None
    if "_" in host:
        return "The webhook URL host must not contain '_'."
    if port is not None:
        return "The webhook URL host must not contain an explicit port."
    return None


def is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname or "")
    except ValueError:
        return False


def delivery_allowed(url: str, any_host: bool) -> bool:
    """Whether a webhook may be posted to `url`: loopback only, unless lifted for platform certification (A26)."""
    return any_host or is_loopback_url(url)
