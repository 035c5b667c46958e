"""360dialog's smart routing of /messages (opt-in, A84-A86): a MARKETING template via MM Lite when it can go there."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.state import AccountState, EmulatorState
from mmlite_conformance.emulator.templates import Template

#: why the Cloud API keeps a marketing template under smart routing, first match wins (A85)
Fallback = Callable[[EmulatorState, AccountState, Template, float], bool]
FALLBACKS: dict[str, Fallback] = {
    "not_onboarded": lambda state, account, template, now: (
        not account.mm_lite_onboarded and fx.NOT_ONBOARDED_ALLOWED not in state.faults
    ),
    "template_not_synced": lambda state, account, template, now: (
        not template.predefined
        and template.created_at + state.config.template_sync_delay > now
        and fx.SYNC_DELAY_IGNORED not in state.faults
    ),
}


class Route(NamedTuple):
    """Which API took a /messages send and what its statuses bill; `fallback` names why MM Lite did not."""

    api: str  # "cloud" or "mm_lite"
    category: str  # pricing.category of the statuses
    ttl: int | None = None  # the template's TTL, on the MM Lite leg only (as on /marketing_messages)
    fallback: str | None = None


def route_cloud_send(state: EmulatorState, account: AccountState, template: Template | None, now: float) -> Route:
    """The route of a /messages send: a non-template, a non-marketing template or smart routing off stay on the
    Cloud API (A23); a MARKETING template goes via MM Lite unless a fallback applies."""
    if template is None:
        return Route("cloud", "service")
    category = template.category.lower()
    if not state.config.smart_routing or template.category != "MARKETING":
        return Route("cloud", category)
    for reason, applies in FALLBACKS.items():
        if applies(state, account, template, now):
            return Route("cloud", category, fallback=reason)
    billed = "marketing" if fx.MARKETING_INSTEAD_OF_MARKETING_LITE in state.faults else "marketing_lite"
    return Route("mm_lite", billed, template.ttl_seconds)
