"""Checks over what a partner's platform sent, read from the emulator's journal; each fails with a redacted reason."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from mmlite_conformance.contract import PHONE_WEBHOOK_PATH, WABA_WEBHOOK_PATH
from mmlite_conformance.suite.checks import Checker
from mmlite_conformance.suite.platform.journal import Request, Window

WEBHOOK_PATHS = (WABA_WEBHOOK_PATH, PHONE_WEBHOOK_PATH)
#: the one field an MM Lite body may add to the Cloud API body (360dialog: "can be removed if not needed")
MM_LITE_ONLY_FIELD = "message_activity_sharing"


class PlatformChecks(Checker):
    """The platform's requests judged: where they went, how they authenticated, what they carried."""

    __slots__ = ()

    def sent_something(self, window: Window, action: str) -> Sequence[Request]:
        if not window.requests:
            raise self.fail(f"the platform sent nothing for {action} ({window.ended})")
        return window.requests

    def routed_to(self, window: Window, path: str, action: str) -> None:
        """Every request the action caused went to `path`."""
        elsewhere = [r for r in self.sent_something(window, action) if r.path != path]
        if elsewhere:
            went = ", ".join(f"{r.method} {r.path}" for r in elsewhere)
            raise self.fail(f"expected {action} to go to {path} only; the platform sent {went}")

    def bare_key(self, requests: Iterable[Request]) -> None:
        """360dialog's examples send the bare key in D360-API-KEY (no 'Bearer ' prefix, no other header)."""
        for request in requests:
            if request.auth_form != "bare":
                raise self.fail(
                    f"expected the bare key in D360-API-KEY; {request.method} {request.path} carried it as "
                    f"{request.auth_form!r}"
                )

    def on_360dialog_surface(self, requests: Iterable[Request]) -> None:
        for request in requests:
            if request.surface != "360dialog":
                raise self.fail(f"expected 360dialog's routes; the platform called {request.method} {request.path}")

    def same_body_on_both_endpoints(self, mm_lite: Request, cloud: Request) -> None:
        """The MM Lite body is the Cloud API body (recipient and template aside, which differ by scenario), with at
        most `message_activity_sharing` added, a boolean."""
        mm_body, cloud_body = mm_lite.body, cloud.body
        if not isinstance(mm_body, Mapping) or not isinstance(cloud_body, Mapping):
            raise self.fail("expected JSON object bodies on both endpoints", {"mm_lite": mm_body, "cloud": cloud_body})
        sharing = mm_body.get(MM_LITE_ONLY_FIELD, False)
        if not isinstance(sharing, bool):
            raise self.fail(f"expected {MM_LITE_ONLY_FIELD} to be a boolean, got {sharing!r}")
        differences = _differences(_comparable(mm_body, drop=MM_LITE_ONLY_FIELD), _comparable(cloud_body))
        if differences:
            raise self.fail(
                "expected the MM Lite body to equal the Cloud API body apart from message_activity_sharing; "
                f"they differ in {', '.join(differences)}"
            )

    def no_mm_lite_field_on_cloud(self, requests: Iterable[Request]) -> None:
        for request in requests:
            if isinstance(request.body, Mapping) and MM_LITE_ONLY_FIELD in request.body:
                raise self.fail(f"expected {MM_LITE_ONLY_FIELD} only on MM Lite; it was sent to {request.path}")

    def registered_webhook(self, window: Window) -> list[str]:
        """Each URL the platform registered is one 360dialog accepts: https, no explicit port, no '_' in the host.
        A loopback host may use http and a port (a local rehearsal): returned, to be recorded as an observation."""
        sent = self.sent_something(window, "register_webhook")
        registrations = [r for r in sent if r.method == "POST" and r.path in WEBHOOK_PATHS]  # a read-back GET: allowed
        if not registrations:
            raise self.fail(f"expected a POST to {' or '.join(WEBHOOK_PATHS)}; the platform did not register")
        local: list[str] = []
        for request in registrations:
            url = request.body.get("url") if isinstance(request.body, Mapping) else None
            if not isinstance(url, str):
                raise self.fail(f"expected {{'url': ...}} in the body of POST {request.path}")
            problem = _url_problem(url)
            if problem == "local":
                local.append(f"{request.path}: {url}")
            elif problem:
                raise self.fail(f"the platform registered {url!r} with POST {request.path}: {problem}")
        return local


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number"
    if _is_loopback(host):
        return "local" if parts.scheme == "http" or port is not None else None
    if parts.scheme != "https":
        return "360dialog requires https"
    if "_" in host:
        return "360dialog refuses a host with '_'"
    if port is not None:
        return "360dialog refuses a URL with an explicit port"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _comparable(body: Mapping[str, Any], drop: str | None = None) -> dict[str, Any]:
    """The body without what legitimately differs between two sends: the recipient and the template's identity."""
    kept = {k: v for k, v in body.items() if k not in {"to", drop}}
    template = kept.get("template")
    if isinstance(template, Mapping):
        language = template.get("language")
        language = {k: v for k, v in language.items() if k != "code"} if isinstance(language, Mapping) else language
        kept["template"] = {**{k: v for k, v in template.items() if k != "name"}, "language": language}
    return kept


def _differences(first: Any, second: Any, path: str = "$") -> list[str]:
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        found: list[str] = []
        for key in sorted(set(first) | set(second)):
            if key not in second:
                found.append(f"{path}.{key} (only on MM Lite)")
            elif key not in first:
                found.append(f"{path}.{key} (only on the Cloud API)")
            else:
                found += _differences(first[key], second[key], f"{path}.{key}")
        return found
    return [] if first == second else [f"{path} ({first!r} vs {second!r})"]
