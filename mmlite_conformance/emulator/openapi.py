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
from mmlite_conformance.emulator.templates import CATEGORIES, TTL_MAX, TTL_MIN


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
    template_send = {
        "type": "object",
        "required": ["name", "language"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "language": {
                "type": "object",
                "required": ["code"],
                "properties": {"code": {"type": "string", "minLength": 1}, "policy": {"const": "deterministic"}},
            },
            "components": {"type": "array", "items": {"type": "object"}},
        },
    }
    envelope_props: dict[str, Any] = {
        "messaging_product": {"const": "whatsapp"},
        "recipient_type": {"type": "string", "enum": ["individual", "group"]},
        "to": {"type": "string", "description": "phone number, 7-15 digits after removing + - ( ) and spaces"},
        "type": {"type": "string"},
        "template": template_send,
        "text": {
            "type": "object",
            "required": ["body"],
            "properties": {"body": {"type": "string", "maxLength": 4096}, "preview_url": {"type": "boolean"}},
        },
    }
    return {
        "GraphError": {"type": "object", "required": ["error"], "properties": {"error": graph_error}},
        "DetailError": {
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "object", "required": ["error"], "properties": {"error": graph_error}}},
        },
        "InvalidTokenError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "CloudMessage": {
            "type": "object",
            "required": ["messaging_product", "to", "type"],
            "properties": envelope_props,
        },
        "MarketingMessage": {
            "type": "object",
            "required": ["messaging_product", "to", "type", "template"],
            "properties": {
                **envelope_props,
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
                        "properties": {"input": {"type": "string"}, "wa_id": {"type": "string"}},
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
                "url": {"type": "string", "format": "uri"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
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
                "language": {"type": "string", "minLength": 1},
                "components": {"type": "array", "items": {"type": "object"}},
                "message_send_ttl_seconds": {"type": "integer"},
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


def build_openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/messages": {
            "post": {
                "summary": "Send a Cloud API message (text, template, media, ...)",
                "requestBody": _body(_ref("CloudMessage")),
                "responses": {"200": _resp("Accepted", _ref("SendResponse")), **_errors("GraphError", "400", "429")},
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
            "securitySchemes": {"D360-API-KEY": {"type": "apiKey", "in": "header", "name": "D360-API-KEY"}},
            "schemas": _schemas(),
        },
        "x-assumptions": as_dicts(),
        "x-faults": catalogue(),
    }
