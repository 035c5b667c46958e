"""Send endpoints: Cloud API /messages and MM Lite /marketing_messages (plus the alpha route)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator import realism as rx
from mmlite_conformance.emulator.delivery import Attempt, Planned, TargetResolver, arrival_plan
from mmlite_conformance.emulator.errors import ApiError
from mmlite_conformance.emulator.http import JsonBytesResponse, RouteSpec, authenticate, read_json
from mmlite_conformance.emulator.jsonio import dumps, dumps_without_floats
from mmlite_conformance.emulator.notifications import status_item, statuses_notification, user_id_of
from mmlite_conformance.emulator.read_receipts import is_read_receipt, mark_as_read
from mmlite_conformance.emulator.routing import route_cloud_send
from mmlite_conformance.emulator.state import AccountState, EmulatorState, MessageRecord
from mmlite_conformance.emulator.templates import Template
from mmlite_conformance.emulator.validation import (
    SendRequest,
    activity_sharing,
    parse_envelope,
    template_not_found,
    ttl_value,
    validate_type,
)

CLOUD_RECIPIENT_TYPES = frozenset({"individual", "group"})
MM_RECIPIENT_TYPES = frozenset({"individual"})


def _approved_template(account: AccountState, request: SendRequest, now: float) -> Template:
    template = account.templates.get((request.template_name, request.template_language))
    if template is None or template.status(now) != "APPROVED":
        raise template_not_found(request.template_name, request.template_language)
    return template


def _check_rate(state: EmulatorState, account: AccountState, wa_id: str, now: float) -> None:
    if state.realism.refuses_send():  # the realistic profile's occasional 429, limits on or off (A48)
        raise ApiError("throughput", retry_after=1)
    if not state.config.rate_limits.enabled or fx.RATE_LIMITS_IGNORED in state.faults:
        return
    verdict = account.rate_limiter.check(wa_id, now)
    if verdict is not None:
        key, retry_after = verdict
        raise ApiError(key, retry_after=retry_after)


async def send_cloud(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    payload = await read_json(request, state)
    if is_read_receipt(payload):  # mark-as-read (and the typing indicator) share the route with sends (A70)
        return mark_as_read(account, payload)
    send = parse_envelope(payload, CLOUD_RECIPIENT_TYPES)
    validate_type(send)
    now = state.clock.now()
    template = _approved_template(account, send, now) if send.type == "template" else None
    route = route_cloud_send(state, account, template, now)  # Cloud API, or MM Lite under smart routing (A84)
    _check_rate(state, account, send.recipient_key, now)
    return _accept(state, account, send, now, route.api, route.category, template, route.ttl, cloud_answer=True)


async def send_mm_lite(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    payload = await read_json(request, state)
    send = parse_envelope(payload, MM_RECIPIENT_TYPES)
    faults = state.faults
    fallback = False
    if not account.mm_lite_onboarded and fx.NOT_ONBOARDED_ALLOWED not in faults:  # the fault: MM Lite serves it
        if not state.config.mm_lite_fallback:
            raise ApiError("terms_not_accepted")
        fallback = True  # the Cloud API serves it (A87)
    if send.type != "template" and fx.MM_LITE_ACCEPTS_TEXT not in faults:
        raise ApiError("non_template")
    validate_type(send)
    activity_sharing(payload)
    ttl = ttl_value(payload, enforce=fx.TTL_NOT_VALIDATED not in faults)
    now = state.clock.now()
    template: Template | None = None
    if send.type == "template":
        template = _approved_template(account, send, now)
        if template.category != "MARKETING" and fx.MM_LITE_ACCEPTS_NON_MARKETING not in faults:
            raise ApiError("non_marketing_template")
        synced = template.created_at + state.config.template_sync_delay <= now
        if not template.predefined and not synced and fx.SYNC_DELAY_IGNORED not in faults:
            raise ApiError("template_syncing")
        if ttl is None:
            ttl = template.ttl_seconds
    _check_rate(state, account, send.recipient_key, now)
    if fallback:  # answered in the Cloud API's shape (no message_status), billed as the Cloud API bills marketing
        return _accept(state, account, send, now, "cloud", "marketing", template, None, cloud_answer=True)
    category = "marketing" if fx.MARKETING_INSTEAD_OF_MARKETING_LITE in faults else "marketing_lite"
    return _accept(state, account, send, now, "mm_lite", category, template, ttl)


def _accept(
    state: EmulatorState,
    account: AccountState,
    send: SendRequest,
    now: float,
    api: str,
    category: str,
    template: Template | None,
    ttl: int | None,
    *,
    cloud_answer: bool = False,  # /messages answers in the Cloud API's shape whichever API took the send (A86)
) -> Response:
    faults = state.faults
    if send.user_id:  # a send to a BSUID: no number is known (A62)
        wa_id, user_id = "", send.user_id
    else:
        wa_id = state.realism.whatsapp_id(send.wa_id)  # A27; BR/MX forms under the realistic profile (A47)
        user_id = user_id_of(account.config, wa_id)
    message_id = state.ids.wamid(wa_id or user_id, plain=fx.NON_WAMID_IDS in faults)
    expires_at = now + ttl if ttl is not None and ttl > 0 else None
    record = MessageRecord(message_id, send.to, wa_id, api, category, now, expires_at, user_id)
    account.remember(record)
    if account.webhook_target() is not None and fx.NO_STATUS_WEBHOOKS not in faults:
        us_user = wa_id.startswith("1") if wa_id else user_id.startswith("US.")
        us_marketing = template is not None and template.category == "MARKETING" and us_user
        _schedule_statuses(state, account, record, failed=us_marketing and fx.US_RECIPIENTS_DELIVERED not in faults)
    contact: dict[str, Any] = {"input": send.to}
    if send.user_id:
        contact["user_id"] = send.user_id  # and no wa_id (R18, A62)
    elif fx.MISSING_WA_ID not in faults:
        contact["wa_id"] = wa_id
    message: dict[str, Any] = {"id": message_id}
    if api == "mm_lite" and not cloud_answer and fx.MISSING_MESSAGE_STATUS not in faults:
        message["message_status"] = "accepted"
    body = {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}
    state.realism.add_unknown_field(rx.UNKNOWN_RESPONSE_FIELD, [body, contact, message])
    return JsonBytesResponse(dumps_without_floats(body))  # strings only: orjson writes json's bytes


def _schedule_statuses(state: EmulatorState, account: AccountState, record: MessageRecord, *, failed: bool) -> None:
    delays = state.config.delays
    plan: list[tuple[str, float]]
    if failed:
        plan = [("failed", delays.sent)]
    else:
        plan = [("sent", delays.sent), ("delivered", delays.delivered)]
        if state.config.auto_read:
            plan.append(("read", max(delays.read, delays.delivered)))
    planned = [
        Planned(s, record.sent_at + d, record.sent_at + d)
        for s, d in plan
        if record.expires_at is None or record.sent_at + d <= record.expires_at
    ]
    if fx.STATUSES_OUT_OF_ORDER in state.faults:
        planned = contradicting(planned)
    schedule_statuses(state, account, record, planned)


def contradicting(planned: list[Planned]) -> list[Planned]:
    """The fault statuses_out_of_order: posted in order, stamped against it (each a second before the one it
    follows, so 'read' is stamped two seconds before 'sent')."""
    top = max((p.stamp for p in planned), default=0.0)
    last = len(planned) - 1
    return [Planned(p.status, top + (last - i), p.due) for i, p in enumerate(planned)]


def schedule_statuses(
    state: EmulatorState, account: AccountState, record: MessageRecord, planned: list[Planned]
) -> None:
    """Queue a message's statuses as the arrival plan posts them (one each, in order, under the exact profile)."""
    conversation_id = state.ids.conversation(record.id)
    for post in arrival_plan(planned, state.realism, running=not state.clock.frozen):
        items = [
            status_item(
                record.id,
                s.status,
                s.stamp,
                record.wa_id or None,
                record.category,
                conversation_id,
                record.sent_at,
                user_id=record.user_id or None,
            )
            for s in post.statuses
        ]
        body = statuses_notification(account.config, items, state.realism)
        schedule_webhook(state, account, body, post.due, "status")


def schedule_webhook(
    state: EmulatorState, account: AccountState, body: dict[str, Any], due: float, kind: str, **options: Any
) -> asyncio.Future[Attempt] | None:
    """Queue a webhook on the account's ordered queue; options (max_attempts, timeout, wait, signature) go on."""
    account.received.remember_from(body, state.clock.now())  # a user's message in it may be marked as read (A72)
    return state.dispatcher.schedule(
        account.config.phone_number_id, due, dumps(body), webhook_resolver(account), kind, **options
    )


def webhook_resolver(account: AccountState) -> TargetResolver:
    """The account's webhook (url, headers) as it is when the delivery starts."""

    def resolve() -> tuple[str, dict[str, str]] | None:
        target = account.webhook_target()
        return None if target is None or target.url is None else (target.url, dict(target.headers))

    return resolve


ROUTES = [
    RouteSpec("/messages", ("POST",), send_cloud, "graph"),
    RouteSpec("/marketing_messages", ("POST",), send_mm_lite, "detail"),
    RouteSpec("/mmlite/marketing_messages", ("POST",), send_mm_lite, "detail"),
]
