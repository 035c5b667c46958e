"""The conformance suite; its public names (what steps/ may use) are imported on first use, so that importing one
suite module, or the early `suite.options` plugin, does not pay for all of them."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mmlite_conformance.suite.client import ApiClient as ApiClient
    from mmlite_conformance.suite.client import ApiResponse as ApiResponse
    from mmlite_conformance.suite.client import template_message as template_message
    from mmlite_conformance.suite.client import text_message as text_message
    from mmlite_conformance.suite.config import Settings as Settings
    from mmlite_conformance.suite.conformance import REFUSAL as REFUSAL
    from mmlite_conformance.suite.conformance import Conformance as Conformance
    from mmlite_conformance.suite.evidence import Observation as Observation
    from mmlite_conformance.suite.person import Operator as Operator
    from mmlite_conformance.suite.person import User as User
    from mmlite_conformance.suite.platform.control import Delivery as Delivery
    from mmlite_conformance.suite.platform.reactions import CLOUD_API_PATH as CLOUD_API_PATH
    from mmlite_conformance.suite.platform.reactions import INVALID_TOKEN_BODY as INVALID_TOKEN_BODY
    from mmlite_conformance.suite.platform.reactions import MM_LITE_PATH as MM_LITE_PATH
    from mmlite_conformance.suite.platform.reactions import TERMS_MESSAGE as TERMS_MESSAGE
    from mmlite_conformance.suite.platform.reactions import error_code as error_code
    from mmlite_conformance.suite.platform.reactions import error_message as error_message
    from mmlite_conformance.suite.platform.session import US_PREFIX as US_PREFIX
    from mmlite_conformance.suite.platform.session import ActionResult as ActionResult
    from mmlite_conformance.suite.platform.session import PlatformSession as PlatformSession
    from mmlite_conformance.suite.targets import Target as Target
    from mmlite_conformance.suite.vocabulary import ENDPOINT_TITLES as ENDPOINT_TITLES
    from mmlite_conformance.suite.vocabulary import STEP_TYPES as STEP_TYPES
    from mmlite_conformance.suite.vocabulary import Credentials as Credentials
    from mmlite_conformance.suite.vocabulary import Sent as Sent
    from mmlite_conformance.suite.vocabulary import contacts_of as contacts_of
    from mmlite_conformance.suite.vocabulary import first_inbound_message as first_inbound_message
    from mmlite_conformance.suite.vocabulary import json_from_docstring as json_from_docstring
    from mmlite_conformance.suite.vocabulary import marketing_template_definition as marketing_template_definition
    from mmlite_conformance.suite.vocabulary import message_from_docstring as message_from_docstring
    from mmlite_conformance.suite.vocabulary import new_template_name as new_template_name
    from mmlite_conformance.suite.vocabulary import recipients_of as recipients_of
    from mmlite_conformance.suite.vocabulary import send_via as send_via
    from mmlite_conformance.suite.vocabulary import status_trail as status_trail
    from mmlite_conformance.suite.vocabulary import statuses_of as statuses_of
    from mmlite_conformance.suite.vocabulary import wait_until_approved as wait_until_approved
    from mmlite_conformance.suite.vocabulary import with_field as with_field
    from mmlite_conformance.suite.webhooks import WebhookEvent as WebhookEvent
    from mmlite_conformance.suite.webhooks import WebhookStore as WebhookStore
    from mmlite_conformance.suite.webhooks import is_inbound_text as is_inbound_text

#: public name -> the suite module that defines it
_PUBLIC = {
    **dict.fromkeys(("ApiClient", "ApiResponse", "template_message", "text_message"), "client"),
    "Settings": "config",
    **dict.fromkeys(("Conformance", "REFUSAL"), "conformance"),
    "Observation": "evidence",
    **dict.fromkeys(("Operator", "User"), "person"),
    "Delivery": "platform.control",
    **dict.fromkeys(("ActionResult", "PlatformSession", "US_PREFIX"), "platform.session"),
    **dict.fromkeys(
        ("CLOUD_API_PATH", "INVALID_TOKEN_BODY", "MM_LITE_PATH", "TERMS_MESSAGE", "error_code", "error_message"),
        "platform.reactions",
    ),
    "Target": "targets",
    **dict.fromkeys(("WebhookStore", "WebhookEvent", "is_inbound_text"), "webhooks"),
    **dict.fromkeys(
        (
            "ENDPOINT_TITLES",
            "STEP_TYPES",
            "Credentials",
            "Sent",
            "contacts_of",
            "first_inbound_message",
            "json_from_docstring",
            "marketing_template_definition",
            "message_from_docstring",
            "new_template_name",
            "recipients_of",
            "send_via",
            "status_trail",
            "statuses_of",
            "wait_until_approved",
            "with_field",
        ),
        "vocabulary",
    ),
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
