"""The /_emulator/ control surface: reset, clock, simulated users, onboarding, deliveries, faults, profile."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator import notifications as nx
from mmlite_conformance.emulator.delivery import Planned, logged
from mmlite_conformance.emulator.errors import ApiError, invalid_parameter
from mmlite_conformance.emulator.http import authenticate, json_response, read_json, routes
from mmlite_conformance.emulator.params import Params
from mmlite_conformance.emulator.routes_platform import delivery_options, post_notification
from mmlite_conformance.emulator.routes_send import schedule_statuses
from mmlite_conformance.emulator.state import EmulatorState

MAX_ADVANCE = 10 * 365 * 86_400.0
MAX_DRAIN_TIMEOUT = 60.0
DEFAULT_DRAIN_TIMEOUT = 5.0


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
    account = authenticate(request, state, control=True)
    body = await read_json(request, state)
    fields = {k: body[k] for k in ("from", "text", "name") if k in body}  # other keys are ignored, as before
    payload = nx.build("inbound_text", nx.Context(state, account, state.clock.now()), fields, where="")
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    options = delivery_options(state, Params({k: body[k] for k in ("wait", "attempts", "timeout") if k in body}))
    if fx.INBOUND_NOT_DELIVERED in state.faults:
        return json_response({"message_id": message_id, **({"delivery": None} if options["wait"] else {})})
    status, answer = await post_notification(state, account, payload, "inbound", options)
    if not options["wait"]:
        return json_response({"message_id": message_id})
    return json_response({"message_id": message_id, **answer}, status)


async def mark_read(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state, control=True)
    message_id = request.path_params["message_id"]
    record = account.messages.get(message_id)
    if record is None:
        raise ApiError("not_found", "Unknown message id for this account.")
    if fx.NO_STATUS_WEBHOOKS not in state.faults:
        now = state.clock.now()
        schedule_statuses(state, account, record, [Planned("read", now, now)])
    return json_response({"message_id": message_id, "status": "read"})


async def get_account(request: Request, state: EmulatorState) -> Response:
    return json_response(authenticate(request, state, control=True).describe())


async def put_account(request: Request, state: EmulatorState) -> Response:
    account = authenticate(request, state, control=True)
    body = await read_json(request, state)
    changes = {k: body[k] for k in ("mm_lite_onboarded", "api_key_valid") if k in body}
    if not changes:
        raise invalid_parameter("Give mm_lite_onboarded and/or api_key_valid.")
    for key, value in changes.items():
        if not isinstance(value, bool):
            raise invalid_parameter(f"The parameter {key} must be a boolean.")
    account.mm_lite_onboarded = changes.get("mm_lite_onboarded", account.mm_lite_onboarded)
    account.api_key_valid = changes.get("api_key_valid", account.api_key_valid)
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
            "attempts": [logged(a) for a in dispatcher.log],
        }
    )


async def list_faults(request: Request, state: EmulatorState) -> Response:
    return json_response({"active": sorted(state.faults), "catalogue": fx.catalogue()})


async def get_profile(request: Request, state: EmulatorState) -> Response:
    return json_response(state.realism.describe())


ROUTES = [
    *routes("/_emulator/reset", POST=reset),
    *routes("/_emulator/clock", GET=get_clock),
    *routes("/_emulator/clock/advance", POST=advance_clock),
    *routes("/_emulator/inbound", POST=inbound),
    *routes("/_emulator/messages/{message_id:path}/read", POST=mark_read),
    *routes("/_emulator/account", GET=get_account, PUT=put_account),
    *routes("/_emulator/deliveries/drain", POST=drain),
    *routes("/_emulator/deliveries", GET=deliveries),
    *routes("/_emulator/faults", GET=list_faults),
    *routes("/_emulator/profile", GET=get_profile),
]
