"""The /_emulator/ control surface: reset, clock, simulated users, onboarding, deliveries, faults."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.delivery import attempt_dict
from mmlite_conformance.emulator.errors import ApiError, invalid_parameter
from mmlite_conformance.emulator.http import RouteSpec, authenticate, json_response, read_json
from mmlite_conformance.emulator.routes_send import schedule_status, schedule_webhook
from mmlite_conformance.emulator.state import EmulatorState
from mmlite_conformance.emulator.validation import PHONE_PUNCTUATION
from mmlite_conformance.emulator.webhooks import inbound_payload

MAX_ADVANCE = 10 * 365 * 86_400.0
MAX_DRAIN_TIMEOUT = 60.0
DEFAULT_DRAIN_TIMEOUT = 5.0
DEFAULT_PROFILE_NAME = "Sandbox User"


def _number(value: object, key: str, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid_parameter(f"The parameter {key} must be a number.")
    if not 0 <= value <= maximum:
        raise invalid_parameter(f"The parameter {key} must be between 0 and {maximum:g}.")
    return float(value)


async def reset(request: Request, state: EmulatorState) -> Response:
    state.reset()
    return json_response({"reset": True})


async def get_clock(request: Request, state: EmulatorState) -> Response:
    return json_response({"now": state.clock.now()})


async def advance_clock(request: Request, state: EmulatorState) -> Response:
    body = await read_json(request, state)
    if "seconds" not in body:
        raise invalid_parameter("The parameter seconds is required.")
    now = state.clock.advance(_number(body["seconds"], "seconds", MAX_ADVANCE))
    state.dispatcher.wake_all()
    return json_response({"now": now})


async def inbound(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    body = await read_json(request, state)
    sender, text, name = body.get("from"), body.get("text"), body.get("name", DEFAULT_PROFILE_NAME)
    sender = sender.translate(PHONE_PUNCTUATION) if isinstance(sender, str) else None
    if not sender or not sender.isascii() or not sender.isdigit() or not 7 <= len(sender) <= 15:
        raise invalid_parameter("The parameter from must be a phone number of 7 to 15 digits.")
    if not isinstance(text, str) or not text:
        raise invalid_parameter("The parameter text is required.")
    if not isinstance(name, str):
        raise invalid_parameter("The parameter name must be a string.")
    now = state.clock.now()
    message_id = state.ids.wamid(sender, plain=fx.NON_WAMID_IDS in state.faults)
    if fx.INBOUND_NOT_DELIVERED not in state.faults:
        payload = inbound_payload(
            account.config, sender=sender, name=name, message_id=message_id, timestamp=now, text=text
        )
        schedule_webhook(state, account, payload, now, "inbound")
    return json_response({"message_id": message_id})


async def mark_read(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    message_id = request.path_params["message_id"]
    record = account.messages.get(message_id)
    if record is None:
        raise ApiError("not_found", "Unknown message id for this account.")
    if fx.NO_STATUS_WEBHOOKS not in state.faults:
        schedule_status(state, account, record, "read", state.clock.now())
    return json_response({"message_id": message_id, "status": "read"})


async def get_account(request: Request, state: EmulatorState) -> Response:
    return json_response(authenticate(request, state).describe())


async def put_account(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state)
    body = await read_json(request, state)
    onboarded = body.get("mm_lite_onboarded")
    if not isinstance(onboarded, bool):
        raise invalid_parameter("The parameter mm_lite_onboarded must be a boolean.")
    account.mm_lite_onboarded = onboarded
    return json_response(account.describe())


async def drain(request: Request, state: EmulatorState) -> Response:
    body = await read_json(request, state, optional=True)
    timeout = _number(body.get("timeout", DEFAULT_DRAIN_TIMEOUT), "timeout", MAX_DRAIN_TIMEOUT)
    return json_response({"pending": await state.dispatcher.drain(timeout)})


async def deliveries(request: Request, state: EmulatorState) -> Response:
    dispatcher = state.dispatcher
    return json_response(
        {
            "pending": dispatcher.pending(),
            "dropped": dispatcher.dropped,
            "attempts": [attempt_dict(a) for a in dispatcher.log],
        }
    )


async def list_faults(request: Request, state: EmulatorState) -> Response:
    return json_response({"active": sorted(state.faults), "catalogue": fx.catalogue()})


ROUTES = [
    RouteSpec("/_emulator/reset", ("POST",), reset),
    RouteSpec("/_emulator/clock", ("GET",), get_clock),
    RouteSpec("/_emulator/clock/advance", ("POST",), advance_clock),
    RouteSpec("/_emulator/inbound", ("POST",), inbound),
    RouteSpec("/_emulator/messages/{message_id:path}/read", ("POST",), mark_read),
    RouteSpec("/_emulator/account", ("GET",), get_account),
    RouteSpec("/_emulator/account", ("PUT",), put_account),
    RouteSpec("/_emulator/deliveries/drain", ("POST",), drain),
    RouteSpec("/_emulator/deliveries", ("GET",), deliveries),
    RouteSpec("/_emulator/faults", ("GET",), list_faults),
]
