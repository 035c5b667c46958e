"""The emulator's control endpoints as a platform run uses them: arrange state, post notifications, read the journal.

Never the public API: the journal must hold only the platform's own requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from mmlite_conformance.contract import API_KEY_HEADER
from mmlite_conformance.suite.constants import EMULATOR_CONTROL_PREFIX

#: how long a notification that arranges a scenario may take to be answered: only P3 judges the platform's speed
ARRANGING_TIMEOUT_S = 30.0


class ControlError(Exception):
    """The emulator refused a control call: the run cannot arrange what a scenario needs."""


@dataclass(slots=True, frozen=True)
class Delivery:
    """How the platform's webhook endpoint answered one notification."""

    kind: str
    url: str | None
    status: int | None
    latency_ms: float | None
    outcome: str

    @property
    def answered_2xx(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class EmulatorControl:
    """A client of `/_emulator/` for one account (its key authenticates the calls that act on the account)."""

    def __init__(self, base_url: str, api_key: str, limits: httpx.Limits) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + EMULATOR_CONTROL_PREFIX,
            headers={API_KEY_HEADER: api_key},
            timeout=httpx.Timeout(150.0, connect=10.0),  # a waited notification may take the platform's 5 s and more
            limits=limits,
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        answer = self._http.request(method, path, json=dict(body) if body is not None else None)
        if answer.status_code >= 400:
            raise ControlError(
                f"emulator control {method} {path} answered HTTP {answer.status_code}: {answer.text[:300]}"
            )
        return answer.json()

    def journal(self, after: int) -> tuple[list[dict[str, Any]], int]:
        answer = self._call("GET", f"/journal?after={after}")
        return list(answer["entries"]), int(answer["last"])

    def put_template(self, name: str, language: str, category: str, *, synced: bool = True) -> dict[str, Any]:
        body = {"name": name, "language": language, "category": category, "synced": synced}
        return dict(self._call("POST", "/templates", body))

    def change_category(self, name: str, language: str, category: str) -> None:
        self._call("PATCH", f"/templates/{quote(name)}/{quote(language)}", {"category": category})

    def set_account(self, **fields: bool) -> None:
        self._call("PUT", "/account", fields)

    def arm(
        self,
        path: str,
        status: int,
        body: Any,
        *,
        times: int = 1,
        to: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """The next `times` matching requests of the account get this answer instead of being processed."""
        answer: dict[str, Any] = {"method": "POST", "path": path, "status": status, "body": body, "times": times}
        if to is not None:
            answer["to"] = to
        if headers:
            answer["headers"] = dict(headers)
        return str(self._call("POST", "/answers", answer)["id"])

    def drain(self, timeout: float) -> None:
        """Returns once every due webhook delivery was attempted (or after `timeout` s)."""
        self._call("POST", "/deliveries/drain", {"timeout": timeout})

    def deliveries(self) -> list[dict[str, Any]]:
        """The emulator's recent delivery attempts (oldest first)."""
        return list(self._call("GET", "/deliveries")["attempts"])

    def notify(
        self, kind: str, params: Mapping[str, Any], *, timeout: float = ARRANGING_TIMEOUT_S, signature: str = "valid"
    ) -> Delivery:
        """Post one notification to the platform's webhook, one attempt, and wait for its answer."""
        body = {"kind": kind, "params": dict(params), "wait": True, "attempts": 1, "timeout": timeout}
        if signature != "valid":
            body["signature"] = signature
        return _delivery(kind, self._call("POST", "/notifications", body).get("delivery"))

    def burst(
        self, kind: str, params: Mapping[str, Any], *, count: int, concurrency: int, within: float, timeout: float
    ) -> list[Delivery]:
        """`count` copies of a notification released within `within` s over up to `concurrency` connections."""
        answer = self._call(
            "POST",
            "/notifications/burst",
            {
                "kind": kind,
                "params": dict(params),
                "count": count,
                "concurrency": concurrency,
                "within": within,
                "timeout": timeout,
            },
        )
        return [_delivery(kind, report) for report in answer["deliveries"]]

    def inbound_text(self, sender: str, text: str, *, timeout: float = ARRANGING_TIMEOUT_S) -> Delivery:
        answer = self._call(
            "POST", "/inbound", {"from": sender, "text": text, "wait": True, "attempts": 1, "timeout": timeout}
        )
        return _delivery("inbound_text", answer.get("delivery"))


def _delivery(kind: str, report: Mapping[str, Any] | None) -> Delivery:
    if report is None:
        return Delivery(kind, None, None, None, "not delivered in time")
    return Delivery(
        kind=kind,
        url=report.get("url"),
        status=report.get("status"),
        latency_ms=report.get("latency_ms"),
        outcome=str(report.get("outcome")),
    )
