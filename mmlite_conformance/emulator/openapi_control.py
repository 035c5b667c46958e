"""OpenAPI building blocks shared by the description, and the /_emulator/ control paths with their schemas."""

from __future__ import annotations

from typing import Any

from mmlite_conformance.emulator.answers import error_keys
from mmlite_conformance.emulator.burst import MAX_CONCURRENCY, MAX_COUNT, MAX_WITHIN
from mmlite_conformance.emulator.notifications import KINDS
from mmlite_conformance.emulator.realism import PROFILES, VARIATIONS
from mmlite_conformance.emulator.signing import SIGNATURES
from mmlite_conformance.emulator.templates import CATEGORIES, STATUSES

JSON = "application/json"
_OBJECT: dict[str, Any] = {"type": "object"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {JSON: {"schema": schema}}
    return out


def errors(envelope: str, *statuses: str) -> dict[str, Any]:
    texts = {
        "400": "Invalid parameter (code 100) or a documented MM Lite error",
        "403": "MM Lite terms not accepted (code 131055)",
        "404": "Unknown resource",
        "429": "Rate limit (130429 throughput, 131056 pair rate); Retry-After header",
    }
    out = {"401": resp("Invalid or missing D360-API-KEY", ref("InvalidTokenError"))}
    for status in statuses:
        out[status] = resp(texts[status], ref(envelope))
    return out


def control(
    summary: str, request: dict[str, Any] | None, method: str = "post", auth: bool = False, **answers: Any
) -> dict[str, Any]:
    """One control operation; `answers` adds responses by status (e.g. r202=resp(...))."""
    op: dict[str, Any] = {"summary": summary, "tags": ["emulator-control"], "responses": {"200": resp("OK")}}
    if not auth:
        op["security"] = []
        if request is not None:
            op["responses"]["400"] = resp("Invalid parameter (code 100)", ref("GraphError"))
    else:
        op["responses"].update(errors("GraphError", "400"))
    op["responses"].update({status.lstrip("r"): value for status, value in answers.items()})
    if request is not None:
        op["requestBody"] = body(request)
    return {method: op}


def _props(required: list[str] | None = None, **props: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


_DELIVERY_OPTIONS: dict[str, Any] = {
    "wait": {"type": "boolean"},
    "attempts": {"type": "integer", "minimum": 1, "maximum": 10},
    "timeout": {"type": "number", "minimum": 0.001, "maximum": 30},
}
_SIGNATURE: dict[str, Any] = {"enum": list(SIGNATURES)}
_NOTIFICATION: dict[str, Any] = {"kind": {"enum": list(KINDS)}, "params": _OBJECT, "signature": _SIGNATURE}


def _burst_schemas() -> dict[str, Any]:
    nullable_int, nullable_number = {"type": ["integer", "null"]}, {"type": ["number", "null"]}
    return {
        "BurstRequest": _props(
            ["kind", "count"],
            **_NOTIFICATION,
            count={"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
            concurrency={"type": "integer", "minimum": 1, "maximum": MAX_CONCURRENCY},
            within={"type": "number", "minimum": 0, "maximum": MAX_WITHIN},
            timeout=_DELIVERY_OPTIONS["timeout"],
        ),
        "BurstAnswer": _props(
            ["count", "concurrency", "released_within_s", "deliveries", "delivered_2xx"],
            payload=_OBJECT,
            count={"type": "integer"},
            concurrency={"type": "integer"},
            within={"type": "number"},
            timeout={"type": "number"},
            url={"type": ["string", "null"]},
            signature=_SIGNATURE,
            released_within_s=nullable_number,
            deliveries={
                "type": "array",
                "items": _props(
                    ["status", "latency_ms", "outcome"],
                    status=nullable_int,
                    latency_ms=nullable_number,
                    outcome={"enum": ["delivered", "failed", "not_sent", "no_webhook", "skipped_non_loopback"]},
                ),
            },
            delivered_2xx={"type": "integer"},
            max_latency_ms=nullable_number,
            p99_latency_ms=nullable_number,
        ),
    }


def _profile_schema() -> dict[str, Any]:
    text = {"type": "string"}
    variation = _props(
        ["name", "area", "assumption", "description", "chance", "injected"],
        name={"enum": list(VARIATIONS)},
        area=text,
        assumption={"type": "string", "pattern": "^A[0-9]{2}$"},
        description=text,
        chance={"type": "number", "minimum": 0, "maximum": 1},
        injected={"type": "integer", "minimum": 0},
    )
    return _props(
        ["profile", "description", "seed", "variations", "profiles"],
        profile={"enum": list(PROFILES)},
        description=text,
        seed={"type": "integer"},
        variations={"type": "array", "items": variation},
        profiles={
            "type": "array",
            "items": _props(["name", "description"], name={"enum": list(PROFILES)}, description=text),
        },
    )


def control_schemas() -> dict[str, Any]:
    nullable_int, nullable_number = {"type": ["integer", "null"]}, {"type": ["number", "null"]}
    return {
        "Account": {
            **_props(mm_lite_onboarded={"type": "boolean"}, api_key_valid={"type": "boolean"}),
            "anyOf": [{"required": ["mm_lite_onboarded"]}, {"required": ["api_key_valid"]}],
        },
        "Now": _props(["now"], now={"type": "number"}),
        "DeliveryReport": _props(
            ["url", "status", "latency_ms", "outcome", "attempts", "signature"],
            url={"type": ["string", "null"]},
            status=nullable_int,
            latency_ms=nullable_number,
            outcome={"enum": ["delivered", "failed", "no_webhook", "skipped_non_loopback", "dropped"]},
            attempts={"type": "integer"},
            signature=_SIGNATURE,
        ),
        "NotificationRequest": _props(
            ["kind"], **_NOTIFICATION, **_DELIVERY_OPTIONS, repeat={"type": "integer", "minimum": 1, "maximum": 10}
        ),
        "NotificationAnswer": _props(
            ["payload"],
            payload=_OBJECT,
            delivery={"anyOf": [ref("DeliveryReport"), {"type": "null"}]},
            deliveries={"type": "array", "items": ref("DeliveryReport")},
            queued={"type": "boolean"},
        ),
        **_burst_schemas(),
        "TemplateControl": _props(
            ["name", "language", "category"],
            name={"type": "string", "pattern": "^[a-z0-9_]{1,512}$"},
            language={"type": "string", "minLength": 1},
            category={"enum": list(CATEGORIES)},
            status={"enum": list(STATUSES)},
            synced={"type": "boolean"},
            components={"type": "array", "minItems": 1, "items": _OBJECT},
            message_send_ttl_seconds={"type": "integer"},
        ),
        "TemplateChange": _props(category={"enum": list(CATEGORIES)}, status={"enum": list(STATUSES)}),
        "ArmedAnswer": _props(
            ["method", "path"],
            method={"enum": ["GET", "POST"]},
            path={"type": "string"},
            status={"type": "integer", "minimum": 200, "maximum": 599},
            body={},
            text={"type": "string"},
            headers={"type": "object", "additionalProperties": {"type": "string"}},
            times={"type": "integer", "minimum": 1, "maximum": 1_000_000},
            to={"type": "string"},
            error={"enum": error_keys()},
            retry_after={"type": "integer", "minimum": 0, "maximum": 86_400},
        ),
        "Profile": _profile_schema(),
        "JournalPage": _props(
            ["entries", "last"], entries={"type": "array", "items": _OBJECT}, last={"type": "integer"}
        ),
    }


def _optional_body(operations: dict[str, Any]) -> dict[str, Any]:
    for op in operations.values():
        op["requestBody"]["required"] = False
    return operations


def _unknown(what: str) -> dict[str, Any]:
    return resp(f"Unknown {what} for this account (code 100)", ref("GraphError"))


def control_paths() -> dict[str, Any]:
    template_path = [
        {"name": key, "in": "path", "required": True, "schema": {"type": "string"}} for key in ("name", "language")
    ]
    return {
        "/_emulator/reset": control("Restore every account to its initial state", None),
        "/_emulator/clock": control("Current emulator time", None, "get"),
        "/_emulator/clock/advance": control(
            "Move the clock forward and run what became due",
            _props(["seconds"], seconds={"type": "number", "minimum": 0}),
        ),
        "/_emulator/inbound": control(
            "Simulate a user message (posts a messages webhook; wait=true reports the delivery)",
            _props(
                ["from", "text"],
                **{"from": {"type": "string", "pattern": "^\\+?[0-9]{7,15}$"}},
                text={"type": "string", "minLength": 1},
                name={"type": "string"},
                **_DELIVERY_OPTIONS,
            ),
            auth=True,
        ),
        "/_emulator/messages/{message_id}/read": {
            "post": {
                **control("Post the read status of a message", None, auth=True, r404=_unknown("message id"))["post"],
                "parameters": [{"name": "message_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            }
        },
        "/_emulator/account": {
            **control("Describe the key's account", None, "get", auth=True),
            **control("Change the key's onboarding state or disable its key", ref("Account"), "put", auth=True),
        },
        "/_emulator/deliveries/drain": _optional_body(
            control(
                "Wait until every due webhook delivery has been attempted",
                _props(timeout={"type": "number", "minimum": 0, "maximum": 60}),
            )
        ),
        "/_emulator/deliveries": control("Recent webhook delivery attempts", None, "get"),
        "/_emulator/faults": control("Active faults and the catalogue", None, "get"),
        "/_emulator/profile": control(
            "The profile in use, its variations and how often each was injected (counted since start; reset keeps "
            "the counts)",
            None,
            "get",
            r200=resp("The profile", ref("Profile")),
        ),
        "/_emulator/notifications": control(
            "Build a webhook of a kind and post it through the account's ordered queue",
            ref("NotificationRequest"),
            auth=True,
            r200=resp("Delivered or not (wait=true)", ref("NotificationAnswer")),
            r202=resp("Queued (wait=false)", ref("NotificationAnswer")),
        ),
        "/_emulator/notifications/burst": control(
            "Post copies of a notification at once (not queued), one attempt each, and report every answer",
            ref("BurstRequest"),
            auth=True,
            r200=resp("Every copy delivered, failed or not sent", ref("BurstAnswer")),
        ),
        "/_emulator/notifications/kinds": control("The notification kinds and their parameters", None, "get"),
        "/_emulator/templates": control(
            "Create or replace a template of the key's account", ref("TemplateControl"), auth=True
        ),
        "/_emulator/templates/{name}/{language}": {
            "patch": {
                **control(
                    "Change a template's category or status",
                    ref("TemplateChange"),
                    auth=True,
                    r404=_unknown("template"),
                )["post"],
                "parameters": template_path,
            }
        },
        "/_emulator/answers": {
            **control("Arm an answer for the next matching requests", ref("ArmedAnswer"), auth=True),
            **control("The key's armed answers with served counts", None, "get", auth=True),
            **control("Forget the key's armed answers", None, "delete", auth=True),
        },
        "/_emulator/journal": {
            "get": {
                **control("Journal entries after a sequence number", None, "get", r400=resp("Journal off"))["get"],
                "parameters": [{"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            },
            **control("Forget the journal entries (sequence numbers go on)", None, "delete"),
        },
    }
