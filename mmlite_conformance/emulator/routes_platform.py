"""Control routes of a platform certification: templates, notifications, armed answers and the request journal."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mmlite_conformance.emulator import notifications as nx
from mmlite_conformance.emulator import routes_config, routes_send
from mmlite_conformance.emulator.answers import error_keys
from mmlite_conformance.emulator.burst import MAX_CONCURRENCY, MAX_COUNT, MAX_WITHIN, BurstPlan
from mmlite_conformance.emulator.delivery import Attempt
from mmlite_conformance.emulator.errors import ApiError, invalid_parameter
from mmlite_conformance.emulator.http import authenticate, json_response, read_json, routes
from mmlite_conformance.emulator.journal import Journal
from mmlite_conformance.emulator.jsonio import dumps
from mmlite_conformance.emulator.params import REQUIRED, Params
from mmlite_conformance.emulator.routes_config import TEMPLATE_NAME, store_template, template_ttl
from mmlite_conformance.emulator.routes_send import schedule_webhook, webhook_resolver
from mmlite_conformance.emulator.signing import SIGNATURES
from mmlite_conformance.emulator.state import AccountState, EmulatorState
from mmlite_conformance.emulator.templates import CATEGORIES, STATUSES

#: (method, path) -> error envelope of every API route an answer can be armed for
API_ROUTES: dict[tuple[str, str], str] = {
    (method, r.path): r.envelope for r in (*routes_send.ROUTES, *routes_config.ROUTES) for method in r.methods
}
MAX_WAIT = 120.0  # a waiting notification answers 202 (still queued) after this many real seconds
MAX_ATTEMPTS = 10
MAX_TIMEOUT = 30.0
DEFAULT_CONCURRENCY = 16


# deliveries ---------------------------------------------------------------------------------------------------------
#: what a waited notification says about its delivery
DELIVERY_REPORT = ("url", "status", "latency_ms", "outcome", "attempts", "signature")
MAX_REPEAT = 10


def delivery_report(attempt: Attempt) -> dict[str, Any]:
    return {name: getattr(attempt, name) for name in DELIVERY_REPORT}


def delivery_options(state: EmulatorState, p: Params) -> dict[str, Any]:
    """wait / attempts / timeout of a control-posted webhook (attempts default to 1 when waiting)."""
    wait = p.flag("wait", False)
    configured = 1 if wait else state.config.webhooks.max_attempts
    return {
        "wait": wait,
        "max_attempts": p.integer("attempts", configured, 1, MAX_ATTEMPTS),
        "timeout": p.number("timeout", state.config.webhooks.timeout, 0.001, MAX_TIMEOUT),
    }


async def post_notification(
    state: EmulatorState,
    account: AccountState,
    payload: dict[str, Any],
    kind: str,
    options: dict[str, Any],
    repeat: int = 1,
) -> tuple[int, dict[str, Any]]:
    """Queue `payload` now, `repeat` times back to back, on the account's ordered queue; with wait, answer once every
    copy is over (`delivery`: the last copy; `deliveries`: each copy, when repeated)."""
    dropped = state.dispatcher.dropped
    now = state.clock.now()
    copies = [schedule_webhook(state, account, payload, now, kind, **options) for _ in range(repeat)]
    done = [copy for copy in copies if copy is not None]
    if len(done) < repeat:  # not waiting, or the queue is full (then what did not fit is not queued)
        return 202, {"payload": payload, "queued": state.dispatcher.dropped == dropped}
    try:
        attempts = await asyncio.wait_for(asyncio.shield(asyncio.gather(*done)), MAX_WAIT)
    except TimeoutError:
        return 202, {"payload": payload, "queued": True, "delivery": None}
    answer: dict[str, Any] = {"payload": payload, "delivery": delivery_report(attempts[-1])}
    if repeat > 1:
        answer["deliveries"] = [delivery_report(attempt) for attempt in attempts]
    return 200, answer


async def notify(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state, control=True)
    p = Params(await read_json(request, state))
    kind = p.text("kind", choices=nx.KINDS)
    options = {**delivery_options(state, p), "signature": p.text("signature", "valid", SIGNATURES)}
    repeat = p.integer("repeat", 1, 1, MAX_REPEAT)
    payload = nx.build(kind, nx.Context(state, account, state.clock.now()), p.value("params", {}))
    p.done()
    status, answer = await post_notification(state, account, payload, kind, options, repeat)
    return json_response(answer, status)


async def notify_burst(request: Request, state: EmulatorState) -> Response:
    """Copies of one notification posted at once, outside the ordered queue; answers once every copy is over."""
    account = authenticate(request, state, control=True)
    p = Params(await read_json(request, state))
    kind = p.text("kind", choices=nx.KINDS)
    plan = BurstPlan(
        count=p.integer("count", REQUIRED, 1, MAX_COUNT),
        concurrency=p.integer("concurrency", DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY),
        within=p.number("within", 1.0, 0.0, MAX_WITHIN),
        timeout=p.number("timeout", state.config.webhooks.timeout, 0.001, MAX_TIMEOUT),
    )
    signature = p.text("signature", "valid", SIGNATURES)
    payload = nx.build(kind, nx.Context(state, account, state.clock.now()), p.value("params", {}))
    p.done()
    result = await state.dispatcher.burst(dumps(payload), webhook_resolver(account), plan, signature)
    return json_response({"payload": payload, **result.report(plan)})


async def notification_kinds(request: Request, state: EmulatorState) -> Response:
    return json_response({"kinds": nx.kinds()})


# templates ----------------------------------------------------------------------------------------------------------
async def put_template(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state, control=True)
    body = await read_json(request, state)
    p = Params(body)
    name, language = p.text("name"), p.text("language")
    if not TEMPLATE_NAME.fullmatch(name):
        raise invalid_parameter("The parameter name must be up to 512 lowercase letters, digits or '_'.")
    category = p.text("category", choices=CATEGORIES)
    status = p.text("status", "APPROVED", STATUSES)
    synced = p.flag("synced", True)
    components = p.objects("components", [{"type": "BODY", "text": f"Template {name}"}])
    p.value("message_send_ttl_seconds")
    ttl = template_ttl(body, category)
    p.done()
    replaced = (name, language) in account.templates
    now = state.clock.now()
    created = now - state.config.template_sync_delay if synced else now
    template = store_template(state, account, (name, language), category, components, ttl, created, created, status)
    return json_response({**template.listing(now), "synced": synced, "replaced": replaced})


async def patch_template(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state, control=True)
    key = (request.path_params["name"], request.path_params["language"])
    template = account.templates.get(key)
    if template is None:
        raise ApiError("not_found", "Unknown template name and language for this account.")
    p = Params(await read_json(request, state))
    category, status = p.text("category", None, CATEGORIES), p.text("status", None, STATUSES)
    p.done()
    if category is None and status is None:
        raise invalid_parameter("Give category and/or status.")
    template.category = category or template.category
    template.fixed_status = status or template.fixed_status
    return json_response(template.listing(state.clock.now()))


# armed answers ------------------------------------------------------------------------------------------------------
async def arm_answer(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state, control=True)
    answer = state.answers.arm(account.config.api_key, await read_json(request, state), API_ROUTES)
    return json_response(answer.describe())


async def list_answers(request: Request, state: EmulatorState) -> Response:
    key = authenticate(request, state, control=True).config.api_key
    answers = [a.describe() for a in state.answers.answers if a.account == key]
    return json_response({"answers": answers, "errors": error_keys()})


async def clear_answers(request: Request, state: EmulatorState) -> Response:
    key = authenticate(request, state, control=True).config.api_key
    return json_response({"cleared": state.answers.clear(key)})


# journal ------------------------------------------------------------------------------------------------------------
def _journal(state: EmulatorState) -> Journal:
    if state.journal is None:
        raise invalid_parameter("The request journal is off: start the emulator with --journal.")
    return state.journal


async def get_journal(request: Request, state: EmulatorState) -> Response:
    journal = _journal(state)
    raw = request.query_params.get("after", "0")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise invalid_parameter("The parameter after must be a sequence number (an integer >= 0).")
    return json_response({"entries": journal.after(int(raw)), "last": journal.last})


async def clear_journal(request: Request, state: EmulatorState) -> Response:
    journal = _journal(state)
    cleared = len(journal.entries)
    journal.clear()
    return json_response({"cleared": cleared, "last": journal.last})


ROUTES = [
    *routes("/_emulator/notifications", POST=notify),
    *routes("/_emulator/notifications/kinds", GET=notification_kinds),
    *routes("/_emulator/notifications/burst", POST=notify_burst),
    *routes("/_emulator/templates", POST=put_template),
    *routes("/_emulator/templates/{name}/{language}", PATCH=patch_template),
    *routes("/_emulator/answers", POST=arm_answer, GET=list_answers, DELETE=clear_answers),
    *routes("/_emulator/journal", GET=get_journal, DELETE=clear_journal),
]
