"""Hand-written OpenAPI 3.1 description of the emulator, with the assumptions as `x-assumptions`."""

from __future__ import annotations

from typing import Any

from mmlite_conformance.emulator.assumptions import as_dicts
from mmlite_conformance.emulator.faults import catalogue
from mmlite_conformance.emulator.openapi_control import body as _body
from mmlite_conformance.emulator.openapi_control import control_paths, control_schemas
from mmlite_conformance.emulator.openapi_control import errors as _errors
from mmlite_conformance.emulator.openapi_control import ref as _ref
from mmlite_conformance.emulator.openapi_control import resp as _resp
from mmlite_conformance.emulator.openapi_graph import GRAPH_SECURITY, graph_paths
from mmlite_conformance.emulator.read_receipts import READ_RECEIPT_KEYS, TYPING_INDICATOR_TYPES
from mmlite_conformance.emulator.templates import CATEGORIES, TTL_MAX, TTL_MIN
from mmlite_conformance.emulator.validation import TEXT_MAX


def _schemas() -> dict[str, Any]:
    graph_error = {
        "type": "object",
        "required": ["message", "type", "code", "fbtrace_id"],
        "properties": {
            "message": {"type": "string"},
            "type": {"type": "string"},
            "code": {"type": "integer"},
            "error_data": {
                "type": "object",
                "properties": {"messaging_product": {"const": "whatsapp"}, "details": {"type": "string"}},
            },
            "fbtrace_id": {"type": "string"},
        },
    }
    nonblank = {"type": "string", "pattern": "\\S"}  # the server strips (str.strip) and refuses what is left empty
    template_send = {
        "type": "object",
        "required": ["name", "language"],
        "properties": {
            "name": nonblank,
            "language": {
                "type": "object",
                "required": ["code"],
                "properties": {"code": nonblank, "policy": {"const": "deterministic"}},
            },
            "components": {"type": "array", "items": {"type": "object"}},
        },
    }
    envelope_props: dict[str, Any] = {
        "messaging_product": {"const": "whatsapp"},
        "recipient_type": {"type": "string", "enum": ["individual", "group"]},
        "to": {
            "type": "string",
            "pattern": PHONE_PATTERN,
            "description": "7-15 digits after removing + - ( ) and spaces",
        },
        "recipient": {
            "type": "string",
            "pattern": "^[A-Z]{2}\\.(?:ENT\\.)?[A-Za-z0-9]+$",
            "description": "a business-scoped user id instead of 'to' ('to' wins when both are given; A62)",
        },
        "type": {"type": "string"},
    }
    type_bodies: dict[str, Any] = {
        "text": {
            "type": "object",
            "required": ["body"],
            "properties": {
                "body": {**nonblank, "maxLength": TEXT_MAX},
                "preview_url": {"type": "boolean"},
            },
        },
        "template": template_send,
        **{kind: _media() for kind in ("image", "audio", "video", "document", "sticker")},
        **{kind: {"type": "object"} for kind in ("location", "interactive", "reaction")},
        "contacts": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    }
    cloud_branches: list[dict[str, Any]] = [
        {
            "type": "object",
            "required": ["messaging_product", "type", kind],
            "anyOf": TO_OR_RECIPIENT,
            "properties": {**envelope_props, "type": {"const": kind}, kind: body},
        }
        for kind, body in type_bodies.items()
    ]
    return {
        "GraphError": {"type": "object", "required": ["error"], "properties": {"error": graph_error}},
        "DetailError": {
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "object", "required": ["error"], "properties": {"error": graph_error}}},
        },
        "InvalidTokenError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        # a body with status or typing_indicator is a read receipt (MarkAsRead), never a send
        "CloudMessage": {"anyOf": cloud_branches, "not": {"anyOf": [{"required": [k]} for k in READ_RECEIPT_KEYS]}},
        **read_receipt_schemas(nonblank),
        "MarketingMessage": {
            "type": "object",
            "required": ["messaging_product", "type", "template"],
            "anyOf": TO_OR_RECIPIENT,
            "properties": {
                **envelope_props,
                "template": template_send,
                "recipient_type": {"const": "individual"},
                "type": {"const": "template"},
                "message_activity_sharing": {"type": "boolean"},
                "message_send_ttl_seconds": {"type": "integer", "minimum": TTL_MIN, "maximum": TTL_MAX},
            },
        },
        "SendResponse": {
            "type": "object",
            "required": ["messaging_product", "contacts", "messages"],
            "properties": {
                "messaging_product": {"const": "whatsapp"},
                "contacts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "input": {"type": "string"},
                            "wa_id": {"type": "string"},
                            "user_id": {"type": "string", "description": "after a send to a BSUID, instead of wa_id"},
                        },
                    },
                },
                "messages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": {"type": "string", "pattern": "^wamid\\."},
                            "message_status": {"const": "accepted"},
                        },
                    },
                },
            },
        },
        "WebhookConfig": {
            "type": "object",
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "minLength": 1, "description": "http(s); rules of A15 (400 otherwise)"},
                "headers": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[\\x00-\\x7f]*[\\x00-\\x08\\x0e-\\x1b\\x21-\\x7f][\\x00-\\x7f]*$"},
                    "additionalProperties": {"type": "string", "pattern": "^[\\x00-\\x7f]*$"},
                },
                "override_all": {"type": "boolean"},
            },
        },
        "WebhookUrl": {"type": "object", "properties": {"url": {"type": ["string", "null"]}}},
        "TemplateCreate": {
            "type": "object",
            "required": ["name", "category", "language", "components"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9_]{1,512}$"},
                "category": {"enum": list(CATEGORIES)},
                "language": nonblank,
                "components": {"type": "array", "items": {"type": "object"}},
                "message_send_ttl_seconds": {
                    "anyOf": [{"type": "integer", "minimum": TTL_MIN, "maximum": TTL_MAX}, {"const": -1}],
                    "description": "-1 (no TTL) only on UTILITY and AUTHENTICATION templates (400 otherwise)",
                },
            },
        },
        "TemplateCreated": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "status": {"const": "PENDING"}, "category": {"type": "string"}},
        },
        "TemplateList": {
            "type": "object",
            "required": ["count", "total", "offset", "limit", "waba_templates"],
            "properties": {
                "count": {"type": "integer"},
                "total": {"type": "integer"},
                "offset": {"type": "integer"},
                "limit": {"type": "integer"},
                "waba_templates": {"type": "array", "items": {"type": "object"}},
            },
        },
        **control_schemas(),
    }


def read_receipt_schemas(nonblank: dict[str, Any]) -> dict[str, Any]:
    """Mark-as-read and its typing indicator (A70-A72): the request on /messages and its answer."""
    return {
        "MarkAsRead": {
            "type": "object",
            "required": ["messaging_product", "status", "message_id"],
            "properties": {
                "messaging_product": {"const": "whatsapp"},
                "status": {"const": "read"},
                "message_id": {**nonblank, "description": "a message a user sent to the number (A72)"},
                "typing_indicator": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {"type": {"enum": list(TYPING_INDICATOR_TYPES)}},
                },
            },
        },
        "MarkAsReadResponse": {
            "type": "object",
            "required": ["success"],
            "properties": {"success": {"const": True}},
        },
    }


PHONE_PATTERN = "^[-+() ]*(?:[0-9][-+() ]*){7,15}$"
TO_OR_RECIPIENT = [{"required": ["to"]}, {"required": ["recipient"]}]  # a number or a BSUID (A62)


def _media() -> dict[str, Any]:
    """An object with a string id or a string link."""
    return {
        "type": "object",
        "anyOf": [
            {"required": ["id"], "properties": {"id": {"type": "string"}}},
            {"required": ["link"], "properties": {"link": {"type": "string"}}},
        ],
    }


def _webhook_ops(level: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"Set the {level} webhook URL",
            "requestBody": _body(_ref("WebhookConfig")),
            "responses": {"200": _resp("Stored", _ref("WebhookConfig")), **_errors("GraphError", "400")},
        },
        "get": {
            "summary": f"Get the {level} webhook URL",
            "responses": {"200": _resp("Current URL", _ref("WebhookUrl")), **_errors("GraphError")},
        },
    }


def _mm_send(summary: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": _body(_ref("MarketingMessage")),
            "responses": {
                "200": _resp("Accepted", _ref("SendResponse")),
                **_errors("DetailError", "400", "403", "429"),
            },
        }
    }


def build_openapi(*, graph_alias: bool = False, smart_routing: bool = False) -> dict[str, Any]:
    """The description; the Graph alias's paths only when it is served (A80); x-modes says which modes are on."""
    paths: dict[str, Any] = {
        "/messages": {
            "post": {
                "summary": "Send a Cloud API message (text, template, media, ...), or mark a user's message as read",
                "requestBody": _body({"oneOf": [_ref("CloudMessage"), _ref("MarkAsRead")]}),
                "responses": {
                    "200": _resp(
                        "Accepted (a send) or marked as read (A70)",
                        {"oneOf": [_ref("SendResponse"), _ref("MarkAsReadResponse")]},
                    ),
                    **_errors("GraphError", "400", "429"),
                },
            }
        },
        "/marketing_messages": _mm_send("Send an MM Lite marketing template"),
        "/mmlite/marketing_messages": _mm_send("Send an MM Lite marketing template (alpha route)"),
        "/waba_webhook": _webhook_ops("WABA-level"),
        "/v1/configs/webhook": _webhook_ops("phone-level"),
        "/v1/configs/templates": {
            "post": {
                "summary": "Create a message template",
                "requestBody": _body(_ref("TemplateCreate")),
                "responses": {"200": _resp("Created", _ref("TemplateCreated")), **_errors("GraphError", "400")},
            },
            "get": {
                "summary": "List message templates",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000000}},
                ],
                "responses": {"200": _resp("Templates", _ref("TemplateList")), **_errors("GraphError", "400")},
            },
        },
        "/openapi.json": {"get": {"summary": "This description", "security": [], "responses": {"200": _resp("OK")}}},
        **control_paths(),
        **(graph_paths() if graph_alias else {}),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MM Lite sandbox emulator",
            "version": "1.0.0",
            "description": "An HTTP double of 360dialog's WhatsApp MM Lite sandbox. Values the contract leaves "
            "open are listed in x-assumptions.",
        },
        "servers": [{"url": "/"}],
        "security": [{"D360-API-KEY": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "D360-API-KEY": {"type": "apiKey", "in": "header", "name": "D360-API-KEY"},
                **(GRAPH_SECURITY if graph_alias else {}),
            },
            "schemas": _schemas(),
        },
        "x-assumptions": as_dicts(),
        "x-modes": {"graph_alias": graph_alias, "smart_routing": smart_routing},  # A80, A84
        "x-faults": catalogue(),
    }
