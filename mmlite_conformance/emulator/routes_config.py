"""Configuration endpoints: webhook URLs (phone and WABA level) and message templates."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.errors import invalid_parameter
from mmlite_conformance.emulator.http import authenticate, json_response, read_json, routes
from mmlite_conformance.emulator.state import AccountState, EmulatorState, WebhookTarget
from mmlite_conformance.emulator.templates import CATEGORIES, TTL_MAX, TTL_MIN, Template
from mmlite_conformance.emulator.urls import webhook_url_problem

TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
MAX_TEMPLATES = 250
DEFAULT_LIST_LIMIT = 1000


def _webhook_handlers(
    pick: Callable[[AccountState], WebhookTarget],
) -> tuple[Callable[[Request, EmulatorState], Any], Callable[[Request, EmulatorState], Any]]:
    async def set_webhook(request: Request, state: EmulatorState) -> Response:
        account = authenticate(request, state)
        body = await read_json(request, state)
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise invalid_parameter("The parameter url is required.")
        problem = webhook_url_problem(url)
        if fx.WEBHOOK_URL_REJECTED in state.faults:
            problem = "The parameter url is invalid."
        if problem:
            raise invalid_parameter(problem)
        headers = body.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k.isascii() and v.isascii() and k.strip()
            for k, v in headers.items()
        ):
            raise invalid_parameter("The parameter headers must be an object of ASCII string values.")
        if "override_all" in body and not isinstance(body["override_all"], bool):
            raise invalid_parameter("The parameter override_all must be a boolean.")
        if fx.WEBHOOK_URL_NOT_STORED not in state.faults:
            target = pick(account)
            target.url, target.headers = url, dict(headers)
        return json_response({"url": url, "headers": headers})

    async def get_webhook(request: Request, state: EmulatorState) -> Response:
        account = authenticate(request, state)
        return json_response({"url": pick(account).url})

    return set_webhook, get_webhook


set_phone_webhook, get_phone_webhook = _webhook_handlers(lambda account: account.phone_webhook)
set_waba_webhook, get_waba_webhook = _webhook_handlers(lambda account: account.waba_webhook)


def template_ttl(body: dict[str, Any], category: str) -> int | None:
    if "message_send_ttl_seconds" not in body:
        return None
    value = body["message_send_ttl_seconds"]
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_int and (TTL_MIN <= value <= TTL_MAX or (value == -1 and category != "MARKETING")):
        return int(value)
    raise invalid_parameter(
        f"The parameter message_send_ttl_seconds must be an integer between {TTL_MIN} and {TTL_MAX}."
    )


def store_template(
    state: EmulatorState,
    account: AccountState,
    key: tuple[str, str],
    category: str,
    components: list[Any],
    ttl: int | None,
    created_at: float,
    approved_at: float,
    fixed_status: str | None = None,
) -> Template:
    """Store the template `key` (name, language) on the account: a new one under a new id (within the account's
    limit), or in place of the one it replaces, keeping its id; it syncs `template_sync_delay` after creation."""
    existing = account.templates.get(key)
    if existing is None and len(account.templates) >= MAX_TEMPLATES:
        raise invalid_parameter(f"The account already has {MAX_TEMPLATES} templates.")
    account.templates[key] = template = Template(
        id=existing.id if existing else state.ids.numeric("template"),
        name=key[0],
        language=key[1],
        category=category,
        components=components,
        created_at=created_at,
        approved_at=approved_at,
        synced_at=created_at + state.config.template_sync_delay,
        namespace=account.namespace,
        ttl_seconds=ttl,
        fixed_status=fixed_status,
    )
    return template


async def create_template(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    body = await read_json(request, state)
    name = body.get("name")
    if not isinstance(name, str) or not TEMPLATE_NAME.fullmatch(name):
        raise invalid_parameter("The parameter name is required: up to 512 lowercase letters, digits or '_'.")
    category = body.get("category")
    if category not in CATEGORIES:
        raise invalid_parameter(f"The parameter category must be one of: {', '.join(CATEGORIES)}.")
    language = body.get("language")
    if not isinstance(language, str) or not language.strip():
        raise invalid_parameter("The parameter language is required.")
    components = body.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise invalid_parameter("The parameter components is required: an array of objects.")
    ttl = template_ttl(body, category)
    if (name, language) in account.templates:
        raise invalid_parameter("A template with this name already exists in this language.")
    now = state.clock.now()
    approved = now + state.config.template_approval_delay
    template = store_template(state, account, (name, language), category, components, ttl, now, approved)
    return json_response({"id": template.id, "status": "PENDING", "category": category})


def _query_int(request: Request, key: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    # the length first: int() of more than 4300 digits raises instead of answering
    if not raw.isascii() or not raw.isdigit() or len(raw.lstrip("0")) > len(str(maximum)) or int(raw) > maximum:
        raise invalid_parameter(f"The parameter {key} must be an integer between 0 and {maximum}.")
    return int(raw)


async def list_templates(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    limit = _query_int(request, "limit", DEFAULT_LIST_LIMIT, 10_000)
    offset = _query_int(request, "offset", 0, 1_000_000)
    now = state.clock.now()
    visible = account.visible_templates(state.faults)
    page = [t.listing(now) for t in visible[offset : offset + limit]]
    return json_response(
        {"count": len(page), "total": len(visible), "offset": offset, "limit": limit, "waba_templates": page}
    )


ROUTES = [
    *routes("/waba_webhook", POST=set_waba_webhook, GET=get_waba_webhook),
    *routes("/v1/configs/webhook", POST=set_phone_webhook, GET=get_phone_webhook),
    *routes("/v1/configs/templates", POST=create_template, GET=list_templates),
]
