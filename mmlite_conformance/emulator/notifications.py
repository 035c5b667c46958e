"""Every webhook kind the emulator can post: envelopes, status and inbound items, and the kind -> builder registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator import realism as rx
from mmlite_conformance.emulator.bsuid import business_scoped_id
from mmlite_conformance.emulator.config import AccountConfig
from mmlite_conformance.emulator.errors import invalid_parameter
from mmlite_conformance.emulator.params import REQUIRED, Params
from mmlite_conformance.emulator.templates import Template
from mmlite_conformance.emulator.validation import PHONE_PUNCTUATION

if TYPE_CHECKING:
    from mmlite_conformance.emulator.state import AccountState, EmulatorState, MessageRecord

US_PAUSE_ERROR: dict[str, Any] = {
    "code": 131049,
    "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    "message": "This message was not delivered to maintain healthy ecosystem engagement.",
    "error_data": {
        "details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
    },
    "href": "/documentation/business-messaging/whatsapp/support/error-codes",
}
CONVERSATION_LIFETIME = 86_400
CATEGORY_UPDATE_NOTICE = 86_400  # impending category change: effective 24 h later unless told (A34)
DEFAULT_PROFILE_NAME = "Sandbox User"
STATUS_VALUES = ("sent", "delivered", "read", "failed", "played")
LINK_CLICK = "marketing_messages_link_click"


# envelopes ----------------------------------------------------------------------------------------------------------
def envelope(entry_id: str, field: str, values: list[dict[str, Any]], time: float | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": entry_id}
    if time is not None:
        entry["time"] = int(time)
    entry["changes"] = [{"value": value, "field": field} for value in values]
    return {"object": "whatsapp_business_account", "entry": [entry]}


def messages_notification(account: AccountConfig, value: dict[str, Any]) -> dict[str, Any]:
    """A `messages`-field notification (statuses, inbound messages, user actions) of the account's number."""
    metadata = {"display_phone_number": account.display_phone_number, "phone_number_id": account.phone_number_id}
    return envelope(account.waba_id, "messages", [{"messaging_product": "whatsapp", "metadata": metadata, **value}])


def statuses_notification(account: AccountConfig, items: list[dict[str, Any]], realism: rx.Realism) -> dict[str, Any]:
    """The notification of one or several statuses the emulator posts on its own (after a send or a read)."""
    value = statuses_value(items)
    realism.add_unknown_field(rx.UNKNOWN_WEBHOOK_FIELD, [value, *items])
    return messages_notification(account, value)


def statuses_value(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A change value of statuses, led by the contacts of their recipients (A60) when any is known."""
    contacts = status_contacts(items)
    return {"contacts": contacts, "statuses": items} if contacts else {"statuses": items}


def status_contacts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One contact per recipient of a status that is not failed: wa_id when the number is known, and user_id
    (no profile: Meta documents none for statuses). Failed statuses bring none (A60)."""
    contacts: list[dict[str, Any]] = []
    for item in items:
        if item.get("status") == "failed" or "recipient_user_id" not in item:
            continue
        contact = {"wa_id": item["recipient_id"]} if item.get("recipient_id") else {}
        contact["user_id"] = item["recipient_user_id"]
        if contact not in contacts:
            contacts.append(contact)
    return contacts


def business_id(account: AccountConfig) -> str:
    """A stable owner business id for an account (no such id in the account config): the WABA id, led by 4."""
    return "4" + account.waba_id[1:]


def user_id_of(account: AccountConfig, wa_id: str) -> str:
    """The business-scoped user id (BSUID) of the user of `wa_id` for the account's business (A61)."""
    return business_scoped_id(business_id(account), wa_id)


# items --------------------------------------------------------------------------------------------------------------
def status_item(
    message_id: str,
    status: str,
    timestamp: float,
    recipient_id: str | None,
    category: str,
    conversation_id: str,
    conversation_started: float,
    *,
    conversation: bool = True,
    pricing: bool = True,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """A status item: recipient_id when the number is known (absent after a send to a BSUID) and recipient_user_id
    beside it, except on a failed status of a message sent to a number (A60)."""
    item: dict[str, Any] = {"id": message_id, "status": status, "timestamp": str(int(timestamp))}
    if recipient_id:
        item["recipient_id"] = recipient_id
    if user_id and not (status == "failed" and recipient_id):
        item["recipient_user_id"] = user_id
    if status in {"sent", "delivered"}:  # A25
        if conversation:
            conv: dict[str, Any] = {"id": conversation_id, "origin": {"type": category}}
            if status == "sent":
                conv["expiration_timestamp"] = str(int(conversation_started) + CONVERSATION_LIFETIME)
            item["conversation"] = conv
        if pricing:
            item["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}
    if status == "failed":
        item["errors"] = errors if errors is not None else [US_PAUSE_ERROR]
    item.update(extra or {})
    return item


def inbound_text_value(
    sender: str, user_id: str, name: str, message_id: str, timestamp: float, text: str
) -> dict[str, Any]:
    """A user's text: the sender's contact (profile name, wa_id, user_id) and the message (from, from_user_id)."""
    message = {"from": sender, "from_user_id": user_id, "id": message_id, "timestamp": str(int(timestamp))}
    return {
        "contacts": [{"profile": {"name": name}, "wa_id": sender, "user_id": user_id}],
        "messages": [{**message, "type": "text", "text": {"body": text}}],
    }


# builders -----------------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Context:
    """What a notification builder reads besides its parameters: the state, the account and the emulator time."""

    state: EmulatorState
    account: AccountState
    now: float


Builder = Callable[["Context", Params], dict[str, Any]]


class Kind(NamedTuple):
    name: str
    field: str | None  # the change field it posts (None: any)
    description: str
    params: str
    build: Builder
    extendable: bool = True  # accepts extra_fields, merged into every change value


KINDS: dict[str, Kind] = {}


def _kind(
    name: str, field: str | None, description: str, params: str, extendable: bool = True
) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        KINDS[name] = Kind(name, field, description, params, build, extendable)
        return build

    return register


def _status_one(ctx: Context, p: Params) -> dict[str, Any]:
    messages = ctx.account.messages
    message_id = p.text("message_id", None)
    record = messages.get(message_id) if message_id else next(reversed(messages.values()), None)
    if record is None and message_id is None:
        raise invalid_parameter(f"The parameter {p.where}message_id is required: the account has sent no message.")
    if message_id is None and record is not None:
        message_id = record.id
    extra = {"biz_opaque_callback_data": p.text("biz_opaque_callback_data", None)}
    recipient_id, user_id = _recipient(ctx, p, record)
    if "recipient_user_id" in p.raw:  # given: kept even on a failed status
        extra["recipient_user_id"] = user_id
    item = status_item(
        message_id,
        p.text("status", "delivered", STATUS_VALUES),
        p.integer("timestamp", int(ctx.now)),
        recipient_id,
        p.text("category", record.category if record else "marketing_lite"),
        ctx.state.ids.conversation(message_id),
        record.sent_at if record else ctx.now,
        conversation=p.flag("conversation", True),
        pricing=p.flag("pricing", True),
        errors=p.objects("errors", None),
        extra={k: v for k, v in extra.items() if v is not None},
        user_id=user_id,
    )
    p.done()
    return item


def _recipient(ctx: Context, p: Params, record: MessageRecord | None) -> tuple[str | None, str | None]:
    """recipient_id and recipient_user_id of a control-built status: given, else the message's; a number given
    without its user id gets the account's BSUID for it."""
    recipient_id = p.text("recipient_id", (record.wa_id or None) if record else None)
    given_user_id = p.text("recipient_user_id", None)
    if given_user_id is not None:
        return recipient_id, given_user_id
    if recipient_id is None:
        if record is None or not record.user_id:
            raise invalid_parameter(f"The parameter {p.where}recipient_id is required.")
        return None, record.user_id
    return recipient_id, user_id_of(ctx.account.config, recipient_id) if recipient_id.isdigit() else None


@_kind(
    "status",
    "messages",
    "Message status (pricing category, errors on failed).",
    "message_id (default: the latest sent), status (sent|delivered|read|failed|played, default delivered), "
    "recipient_id, recipient_user_id, category, timestamp, conversation, pricing, errors, biz_opaque_callback_data; "
    "or statuses: [{...}, ...] for several in one notification",
)
def _status(ctx: Context, p: Params) -> dict[str, Any]:
    several = p.objects("statuses", None)
    if several is None:
        items = [_status_one(ctx, p)]
    else:
        items = [_status_one(ctx, Params(raw, f"{p.where}statuses[{i}].")) for i, raw in enumerate(several)]
    return messages_notification(ctx.account.config, statuses_value(items))


@_kind("inbound_text", "messages", "A user's text message.", "from, text, name, message_id, timestamp")
def _inbound_text(ctx: Context, p: Params) -> dict[str, Any]:
    sender, text, name = p.value("from"), p.value("text"), p.value("name", DEFAULT_PROFILE_NAME)
    sender = sender.translate(PHONE_PUNCTUATION) if isinstance(sender, str) else None
    if not sender or not sender.isascii() or not sender.isdigit() or not 7 <= len(sender) <= 15:
        raise invalid_parameter(f"The parameter {p.where}from must be a phone number of 7 to 15 digits.")
    if not isinstance(text, str) or not text:
        raise invalid_parameter(f"The parameter {p.where}text is required.")
    if not isinstance(name, str):
        raise invalid_parameter(f"The parameter {p.where}name must be a string.")
    realism = ctx.state.realism
    sender = realism.whatsapp_id(sender)  # a user writes from their wa_id (A47)
    message_id = p.text("message_id", None) or ctx.state.ids.wamid(sender, plain=fx.NON_WAMID_IDS in ctx.state.faults)
    user_id = user_id_of(ctx.account.config, sender)
    value = inbound_text_value(sender, user_id, name, message_id, p.integer("timestamp", int(ctx.now)), text)
    realism.add_unknown_field(rx.UNKNOWN_WEBHOOK_FIELD, [value, value["messages"][0]])
    return messages_notification(ctx.account.config, value)


def _template_ref(ctx: Context, p: Params) -> tuple[Template | None, dict[str, Any]]:
    name, language = p.text("name"), p.text("language", "en")
    template = ctx.account.templates.get((name, language))
    template_id = p.integer("message_template_id", int(template.id) if template else REQUIRED)
    ref = {"message_template_id": template_id, "message_template_name": name, "message_template_language": language}
    return template, ref


@_kind(
    "message_template_status_update",
    "message_template_status_update",
    "Template status event.",
    "name, language (en), event (APPROVED), reason (NONE), message_template_id, category",
)
def _template_status(ctx: Context, p: Params) -> dict[str, Any]:
    template, ref = _template_ref(ctx, p)
    value = {"event": p.text("event", "APPROVED"), **ref, "reason": p.text("reason", "NONE")}
    category = p.text("category", template.category if template else None)
    if category is not None:
        value["message_template_category"] = category
    return envelope(ctx.account.config.waba_id, "message_template_status_update", [value], ctx.now)


@_kind(
    "template_category_update",
    "template_category_update",
    "Impending or completed category change.",
    "name, language, phase (impending|completed), correct_category, previous_category, new_category, "
    "category_update_timestamp, message_template_id",
)
def _category_update(ctx: Context, p: Params) -> dict[str, Any]:
    template, value = _template_ref(ctx, p)
    current = template.category if template else REQUIRED
    if p.text("phase", REQUIRED, ("impending", "completed")) == "impending":
        value["correct_category"] = p.text("correct_category")
        value["new_category"] = p.text("new_category", current)  # Meta: the current category, until the change
        value["category_update_timestamp"] = p.integer(
            "category_update_timestamp", int(ctx.now) + CATEGORY_UPDATE_NOTICE
        )
    else:
        value["previous_category"] = p.text("previous_category")
        value["new_category"] = p.text("new_category", current)
    return envelope(ctx.account.config.waba_id, "template_category_update", [value], ctx.now)


@_kind(
    "account_update",
    "account_update",
    "Account event (MM_LITE_TERMS_SIGNED by default).",
    "event, waba_id, owner_business_id, entry_id",
)
def _account_update(ctx: Context, p: Params) -> dict[str, Any]:
    config = ctx.account.config
    owner = p.text("owner_business_id", business_id(config))
    waba_info = {"waba_id": p.text("waba_id", config.waba_id), "owner_business_id": owner}
    value = {"event": p.text("event", "MM_LITE_TERMS_SIGNED"), "waba_info": waba_info}
    return envelope(p.text("entry_id", owner), "account_update", [value], ctx.now)


@_kind(
    "user_actions",
    "messages",
    "Marketing message link click (or another action_type with data).",
    "action_type, click_component (cta|body), product_id, click_id, tracking_token, timestamp, data",
)
def _user_actions(ctx: Context, p: Params) -> dict[str, Any]:
    action = p.text("action_type", LINK_CLICK)
    data = p.obj("data", None)
    if data is None and action == LINK_CLICK:
        data = {"click_component": p.text("click_component", "cta", ("cta", "body"))}
        product = p.text("product_id", None)
        if product is not None:
            data["product_id"] = product
        data["click_id"] = p.text("click_id", None) or ctx.state.ids.numeric("click")
        data["tracking_token"] = p.text("tracking_token", None) or "emu." + ctx.state.ids.numeric("tracking_token")
    item = {"action_type": action, "timestamp": str(p.integer("timestamp", int(ctx.now))), f"{action}_data": data or {}}
    return messages_notification(ctx.account.config, {"user_actions": [item]})


@_kind("custom", None, "Any change field and value (future kinds).", "field, value, entry_id")
def _custom(ctx: Context, p: Params) -> dict[str, Any]:
    entry_id = p.text("entry_id", ctx.account.config.waba_id)
    return envelope(entry_id, p.text("field"), [p.obj("value")], ctx.now)


@_kind("raw", None, "A payload posted verbatim (duplicates, malformed shapes).", "payload", extendable=False)
def _raw(ctx: Context, p: Params) -> dict[str, Any]:
    payload: dict[str, Any] = p.obj("payload")
    return payload


def build(kind: str, ctx: Context, params: Any, where: str = "params.") -> dict[str, Any]:
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise invalid_parameter(f"The parameter kind must be one of: {', '.join(KINDS)}.")
    p = Params({} if params is None else params, where)
    extra = p.obj("extra_fields", None) if spec.extendable else None
    payload = spec.build(ctx, p)
    p.done()
    for entry in payload["entry"] if extra else ():
        for change in entry["changes"]:
            change["value"].update(extra)
    return payload


def kinds() -> list[dict[str, Any]]:
    return [
        {"kind": k.name, "field": k.field, "description": k.description, "params": k.params} for k in KINDS.values()
    ]
