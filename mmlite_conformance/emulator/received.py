"""The users' messages an account was sent (the ids a mark-as-read may name), bounded and oldest-first."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, NamedTuple


class UserMessage(NamedTuple):
    id: str
    sender: str  # the user's wa_id ("from")
    received_at: float  # emulator time the emulator queued it for the business


class ReceivedMessages:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._messages: OrderedDict[str, UserMessage] = OrderedDict()

    def __len__(self) -> int:
        return len(self._messages)

    def get(self, message_id: str) -> UserMessage | None:
        return self._messages.get(message_id)

    def remember(self, message: UserMessage) -> None:
        self._messages[message.id] = message
        self._messages.move_to_end(message.id)
        if len(self._messages) > self.limit:
            self._messages.popitem(last=False)

    def remember_from(self, notification: Any, at: float) -> int:
        """Every user message in a webhook body (entry[].changes[].value.messages[] with a string id); how many.

        Control-built bodies (custom, raw) may have any shape: anything that is not one is skipped, never raised on.
        """
        found = 0
        for value in _change_values(notification):
            messages = value.get("messages")
            for item in messages if isinstance(messages, list) else ():
                if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
                    sender = item.get("from")
                    self.remember(UserMessage(item["id"], sender if isinstance(sender, str) else "", at))
                    found += 1
        return found


def _change_values(notification: Any) -> list[dict[str, Any]]:
    entries = notification.get("entry") if isinstance(notification, dict) else None
    values: list[dict[str, Any]] = []
    for entry in entries if isinstance(entries, list) else ():
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else ():
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                values.append(value)
    return values
