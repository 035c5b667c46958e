"""The emulator's /openapi.json and the suite's JSON Schemas agree on documented payloads and real answers."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mmlite_conformance.emulator import EmulatorConfig, EmulatorServer
from mmlite_conformance.emulator.openapi import build_openapi
from mmlite_conformance.suite.schemas import SchemaRegistry
from tests.integration.conftest import ROOT
from tests.shared import EXAMPLES, require_shared

pytestmark = pytest.mark.integration

OPENAPI_ID = "urn:mmlite-emulator:openapi"
#: OpenAPI component -> the suite's schema kind for the same payload
PAIRS = {
    "GraphError": "error-graph",
    "DetailError": "error-wrapped",
    "InvalidTokenError": "error-api-key",
    "SendResponse": "send-response",
    "CloudMessage": "send-request",
    "MarketingMessage": "marketing-send-request",
    "WebhookConfig": "webhook-config-request",
    "TemplateCreate": "template-create-request",
    "TemplateCreated": "template-create-response",
    "TemplateList": "template-list",
}
#: documented examples (CONTRACT examples/) and the component they show; placeholders are made concrete below
DOCUMENTED = {
    "01_360_mmlite_send_request_beta.json": "MarketingMessage",
    "02_360_mmlite_send_request_client_docs.json": "MarketingMessage",
    "03_360_cloudapi_marketing_template_request.json": "CloudMessage",
    "04_360_cloudapi_text_request.json": "CloudMessage",
    "06_360_template_send_success_response.json": "SendResponse",
    "07_360_mm_error_100_non_template.json": "DetailError",
    "08_360_mm_error_131055_non_marketing_template.json": "DetailError",
    "09_360_mmlite_error_terms_not_accepted_alpha.json": "DetailError",
    "10_360_error_invalid_api_token.json": "InvalidTokenError",
    "11_meta_mm_error_100_non_template.json": "GraphError",
    "12_meta_cloud_error_130429_rate_limit.json": "GraphError",
    "16_meta_mm_send_request_reference.json": "MarketingMessage",
    "18_meta_mm_send_response_phone.json": "SendResponse",
    "20_meta_text_send_request.json": "CloudMessage",
    "21_meta_text_send_response.json": "SendResponse",
    "32_meta_template_create_response.json": "TemplateCreated",
    "39_360_sandbox_set_webhook_request.json": "WebhookConfig",
}


def _concrete(payload: Any) -> Any:
    """Documented placeholders (`<number>`, `WHATSAPP_ID`, `<template_name>`) replaced by realistic values."""
    concrete = copy.deepcopy(payload)
    if isinstance(concrete, dict):
        if isinstance(concrete.get("to"), str) and not concrete["to"].lstrip("+").isdigit():
            concrete["to"] = "5511987650001"
        for contact in concrete.get("contacts", []):
            contact.update({k: "5511987650001" for k in ("input", "wa_id") if not str(contact.get(k)).isdigit()})
        template = concrete.get("template")
        if isinstance(template, dict) and str(template.get("name", "")).startswith("<"):
            template["name"] = "marketing_text_no_param"
            template["language"]["code"] = "en"
    return concrete


@pytest.fixture(scope="module")
def openapi_validators() -> dict[str, Draft202012Validator]:
    document = build_openapi()
    registry: Registry[Any] = Registry().with_resource(OPENAPI_ID, DRAFT202012.create_resource(document))
    return {
        name: Draft202012Validator({"$ref": f"{OPENAPI_ID}#/components/schemas/{name}"}, registry=registry)
        for name in document["components"]["schemas"]
    }


@pytest.fixture(scope="module")
def suite_schemas() -> SchemaRegistry:
    return SchemaRegistry.from_directory(ROOT / "schemas")


def test_every_paired_component_exists(openapi_validators: dict[str, Draft202012Validator]) -> None:
    assert set(PAIRS) <= set(openapi_validators)


@pytest.mark.parametrize(("example", "component"), sorted(DOCUMENTED.items()))
def test_documented_examples_are_valid_for_both(
    example: str, component: str, openapi_validators: dict[str, Draft202012Validator], suite_schemas: SchemaRegistry
) -> None:
    payload = _concrete(json.loads(require_shared(EXAMPLES / example).read_text()))
    openapi_errors = [e.message for e in openapi_validators[component].iter_errors(payload)]
    verdict = suite_schemas.validate(PAIRS[component], payload)
    assert openapi_errors == [], f"the emulator's OpenAPI rejects a documented {component}"
    assert verdict.valid, verdict.summary()


def _real_answers(base_url: str) -> list[tuple[str, Any]]:
    key = {"D360-API-KEY": "emulator-sandbox-key"}
    to = "5511987650001"
    template = {"name": "marketing_text_no_param", "language": {"code": "en", "policy": "deterministic"}}
    send = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    }
    text = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": "hi"},
    }
    with httpx.Client(base_url=base_url, headers=key) as client:
        return [
            ("SendResponse", client.post("/messages", json=text).json()),
            ("SendResponse", client.post("/messages", json=send).json()),
            ("SendResponse", client.post("/marketing_messages", json=send).json()),
            ("DetailError", client.post("/marketing_messages", json=text).json()),
            ("InvalidTokenError", client.post("/messages", json=send, headers={"D360-API-KEY": "wrong"}).json()),
            ("GraphError", client.post("/messages", content=b"{not json").json()),
            (
                "TemplateCreated",
                client.post(
                    "/v1/configs/templates",
                    json={
                        "name": "consistency_check",
                        "category": "MARKETING",
                        "language": "en",
                        "components": [{"type": "BODY", "text": "Hello"}],
                    },
                ).json(),
            ),
            ("TemplateList", client.get("/v1/configs/templates").json()),
        ]


def test_real_emulator_answers_are_valid_for_both(
    openapi_validators: dict[str, Draft202012Validator], suite_schemas: SchemaRegistry
) -> None:
    with EmulatorServer(EmulatorConfig(frozen_clock=True)) as server:
        answers = _real_answers(server.base_url)
    for component, body in answers:
        assert [e.message for e in openapi_validators[component].iter_errors(body)] == [], component
        verdict = suite_schemas.validate(PAIRS[component], body)
        assert verdict.valid, verdict.summary()


def test_the_served_document_is_the_built_one() -> None:
    with EmulatorServer(EmulatorConfig()) as server:
        served = httpx.get(f"{server.base_url}/openapi.json").json()
    assert served == json.loads(json.dumps(build_openapi()))
    assert served["openapi"].startswith("3.1")
    assert served["x-assumptions"], "every assumption is published with the description"


#: payloads the contract rules out: both descriptions must reject them
RULED_OUT = [
    ("SendResponse", {"messaging_product": "whatsapp", "contacts": [{"input": "1", "wa_id": "1"}]}),
    (
        "SendResponse",
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": "1", "wa_id": "1"}],
            "messages": [{"id": "not-a-wamid"}],
        },
    ),
    ("DetailError", {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}),
    ("GraphError", {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": "100"}}),
    ("InvalidTokenError", {"error": {"message": "Invalid api token."}}),
    (
        "MarketingMessage",
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "5511987650001",
            "type": "text",
            "text": {"body": "hi"},
        },
    ),
    ("CloudMessage", {"recipient_type": "individual", "to": "5511987650001", "type": "text", "text": {"body": "hi"}}),
    ("TemplateCreate", {"name": "x", "category": "PROMOTIONAL", "language": "en", "components": []}),
]


@pytest.mark.parametrize(("component", "payload"), RULED_OUT, ids=[f"{c}-{i}" for i, (c, _) in enumerate(RULED_OUT)])
def test_what_the_contract_rules_out_is_rejected_by_both(
    component: str, payload: Any, openapi_validators: dict[str, Draft202012Validator], suite_schemas: SchemaRegistry
) -> None:
    assert not suite_schemas.validate(PAIRS[component], payload).valid, "the suite schema accepts it"
    assert list(openapi_validators[component].iter_errors(payload)), "the emulator's OpenAPI accepts it"
