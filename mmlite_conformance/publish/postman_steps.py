"""A scenario instance as Postman requests in step order: which steps made requests, which need a person (registry)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mmlite_conformance.publish.catalog import Exchange, Instance, Step
from mmlite_conformance.publish.postman_checks import (
    REPORTED_URL,
    SUCCEEDS,
    Check,
    Note,
    checks_for,
    template_listed,
)
from mmlite_conformance.publish.postman_requests import (
    RequestItem,
    Substitutions,
    endpoint_of,
    recorded_request,
    saved_example,
)

__all__ = ["UNIQUE_TEMPLATE_NAME", "ExportError", "items_of"]

#: a pre-request script: a template name of this run only, so a second run never collides with the first
UNIQUE_TEMPLATE_NAME = (
    'pm.collectionVariables.set("template_name", '
    '"mmlite_conformance_" + Date.now().toString(16) + Math.floor(Math.random() * 0xffff).toString(16));'
)
#: a pre-request script: wait out the template sync window (live: 11 minutes; the emulator's tests set a short one)
SYNC_WAIT = """const seconds = Number(pm.variables.get("template_sync_wait_seconds") || 0);
setTimeout(() => {}, seconds * 1000);"""


class ExportError(ValueError):
    """The features and the cassettes disagree, or a step has no Postman form: the export stops."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """A step that made requests: one Postman request per exchange, each with its own title, set-up and check."""

    titles: tuple[str, ...]
    prerequest: tuple[str, ...] = ()
    implied: tuple[Check | None, ...] = ()


@dataclass(frozen=True, slots=True)
class ByHand:
    """A step no single API request performs: a request that helps, and what the partner does around it."""

    build: Callable[[str], RequestItem]


Action = Recorded | ByHand
_ACTIONS: list[tuple[re.Pattern[str], Action]] = []


def _action(pattern: str, action: Action) -> None:
    _ACTIONS.append((re.compile(pattern + r"\Z"), action))


def _read_webhook(item_id: str, name: str, description: str) -> RequestItem:
    """A step a person does, as the one request it can be: reading back where the webhooks go (checked)."""
    request = {
        "method": "GET",
        "header": [{"key": "D360-API-KEY", "value": "{{D360_API_KEY}}"}],
        "url": "{{base_url}}/waba_webhook",
        "description": description,
    }
    item = RequestItem(item_id, name, "", request)
    item.checks.append(REPORTED_URL)
    return item


def _user_writes(item_id: str) -> RequestItem:
    return _read_webhook(
        item_id,
        'By hand: the user sends "Hello" from the test phone',
        'From the phone {{recipient}}, send "Hello" followed by a word of your own to the sandbox number. '
        "This request only confirms where the message will be delivered: {{webhook_url}}. "
        "Then look at your listener: a `messages` notification carrying your text must arrive.",
    )


def _user_reads(item_id: str) -> RequestItem:
    return _read_webhook(
        item_id,
        "By hand: the user reads the message on the test phone",
        "Open the chat on the phone {{recipient}} so the message is read (the phone must have read receipts on). "
        "This request only confirms where its statuses go: {{webhook_url}}. Then look at your listener: the "
        "statuses sent, delivered and read must arrive for the message the send above stored in the collection "
        "variable message_id.",
    )


def _sync_wait(item_id: str) -> RequestItem:
    request = {
        "method": "GET",
        "header": [{"key": "D360-API-KEY", "value": "{{D360_API_KEY}}"}],
        "url": "{{base_url}}/v1/configs/templates",
        "description": "Wait: a new template needs up to 10 minutes to sync with the ad account (guide 2.c). The "
        "pre-request script waits {{template_sync_wait_seconds}} seconds (11 minutes by default), then the "
        "template list is read: {{template_name}} must still be there. Against the emulator, start it with "
        "`--template-sync-delay 2` and set template_sync_wait_seconds to 3: the wait stays real and short, and the "
        "collection calls nothing but the API (the project's Newman test does this).",
    }
    item = RequestItem(item_id, "Wait out the template sync window", "", request, prerequest=[SYNC_WAIT])
    item.checks.append(template_listed("MARKETING"))
    return item


def _test_notification(item_id: str) -> RequestItem:
    notification = {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"field": "test"}]}]}
    request = {
        "method": "POST",
        "header": [{"key": "Content-Type", "value": "application/json"}],
        "url": "{{webhook_url}}",
        "body": {"mode": "raw", "raw": json.dumps(notification, indent=2), "options": {"raw": {"language": "json"}}},
        "description": "Posts a test notification to your own listener ({{webhook_url}}) before the sandbox is "
        "pointed at it (guide 1.a.ii): the listener must accept it.",
    }
    return RequestItem(item_id, "A test notification to your listener", "", request)


_action(
    r"(?:the|that number's) webhook URL points to the suite's receiver",
    Recorded(("Set the webhook URL to {{webhook_url}}",), implied=(SUCCEEDS,)),
)
_action(
    r"the partner sets the webhook URL to the suite's receiver", Recorded(("Set the webhook URL to {{webhook_url}}",))
)
_action(r"the partner reads the webhook URL", Recorded(("Read the webhook URL",)))
_action(r"the partner sends the message via (?:the Cloud API|MM Lite)", Recorded(("Send the message",)))
_action(
    r"the partner creates a new marketing template with a unique name",
    Recorded(("Create a marketing template {{template_name}}",), prerequest=(UNIQUE_TEMPLATE_NAME,)),
)
_action(
    r"the partner has created a new marketing template that is approved",
    Recorded(
        ("Create a marketing template {{template_name}}", "The template list: {{template_name}} is APPROVED"),
        prerequest=(UNIQUE_TEMPLATE_NAME, ""),
        implied=(SUCCEEDS, template_listed("MARKETING", "APPROVED")),
    ),
)
_action(r"the template list shows the new template with category \"\w+\"", Recorded(("Read the template list",)))
_action(r"the sync window has passed since the template was created", ByHand(_sync_wait))
_action(r'the user sends "Hello" followed by a fresh nonce from their phone', ByHand(_user_writes))
_action(r"a test notification is posted to the suite's receiver URL", ByHand(_test_notification))
_action(r"status webhooks for the message report .*, then read", ByHand(_user_reads))


def _find_action(step: Step) -> Action | None:
    for pattern, action in _ACTIONS:
        if pattern.match(step.text):
            return action
    if step.kind == "when":
        raise ExportError(f"no Postman form for the step {step.text!r}: add one to publish/postman_steps.py")
    return None


def items_of(instance: Instance, prefix: str) -> list[RequestItem]:
    """The instance's requests in step order; Then-steps add their checks to the requests they judge."""
    exchanges = iter(instance.exchanges)
    substitutions = Substitutions()
    items: list[RequestItem] = []
    group: list[RequestItem] = []  # the requests the next Then-steps judge
    context: list[str] = []  # Given-steps (and their body) that shaped the next request
    previous_kind = ""
    for step in instance.steps:
        if step.kind == "when" and previous_kind != "when":
            group = []
        made = list(_made(step, exchanges, substitutions, context, f"{prefix}/{len(items) + 1}"))
        if made:
            context = []
            items += made
            group = made if step.kind == "given" else group + made
        elif step.kind == "given" and not step.background:
            context.append(_written(step))
        if step.kind == "then":
            _judge(step, group)
        previous_kind = step.kind
    leftover = list(exchanges)
    if leftover:
        raise ExportError(f"{instance.cassette}: {len(leftover)} recorded exchange(s) no step claims")
    return items


def _made(
    step: Step, exchanges: Iterator[Exchange], substitutions: Substitutions, context: list[str], item_id: str
) -> Iterator[RequestItem]:
    action = _find_action(step)
    if isinstance(action, ByHand):
        yield action.build(item_id)
    elif isinstance(action, Recorded):
        for position, title in enumerate(action.titles):
            exchange = next(exchanges, None)
            if exchange is None:
                raise ExportError(f"the step {step.text!r} made a request the cassette does not hold")
            description = "\n".join([*context, _written(step)])
            request = recorded_request(exchange, substitutions, description)
            name = title if len(action.titles) > 1 else f"{title} ({endpoint_of(exchange)})".replace(" ()", "")
            item = RequestItem(f"{item_id}.{position}", name, endpoint_of(exchange), request)
            item.examples.append(saved_example("recorded answer (redacted)", exchange, request))
            if position < len(action.prerequest) and action.prerequest[position]:
                item.prerequest.append(action.prerequest[position])
            if position < len(action.implied) and action.implied[position] is not None:
                item.checks.append(action.implied[position])  # type: ignore[arg-type]
            yield item


def _judge(step: Step, group: list[RequestItem]) -> None:
    if not group:
        raise ExportError(f"the step {step.text!r} judges a request, and no request came before it")
    for placed in checks_for(step.text, step.docstring, [item.endpoint for item in group]):
        target = group[placed.position]
        if isinstance(placed.check, Note):
            target.notes.append(placed.check)
        elif placed.check not in target.checks:
            target.checks.append(placed.check)


def _written(step: Step) -> str:
    docstring = f"\n```json\n{step.docstring}\n```" if step.docstring else ""
    return f"{step.keyword} {step.text}{docstring}"
