"""Message templates: the record type and the templates every account starts with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
STATUSES = ("APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED")  # what the control surface can set
TTL_MIN = 43_200
TTL_MAX = 2_592_000


@dataclass(slots=True)
class Template:
    """A message template of one account, with its times (created, approved, synced) and where it came from."""

    id: str
    name: str
    language: str
    category: str
    components: list[Any]
    created_at: float
    approved_at: float
    synced_at: float
    namespace: str
    ttl_seconds: int | None = None
    predefined: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    fixed_status: str | None = None  # set through the control surface; None: derived from approved_at

    def status(self, now: float) -> str:
        if self.fixed_status is not None:
            return self.fixed_status
        return "APPROVED" if now >= self.approved_at else "PENDING"

    def listing(self, now: float) -> dict[str, Any]:
        item: dict[str, Any] = {
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "status": self.status(now),
            "components": self.components,
            "id": self.id,
            "namespace": self.namespace,
            "rejected_reason": "NONE",
        }
        if self.ttl_seconds is not None:
            item["message_send_ttl_seconds"] = self.ttl_seconds
        return item


def _pretty_number(digits: str) -> str:
    # "+55 11 95555-0100" for Brazilian numbers, plain "+<digits>" otherwise
    if digits.startswith("55") and len(digits) == 13:
        return f"+55 {digits[2:4]} {digits[4:9]}-{digits[9:]}"
    return f"+{digits}"


def predefined_templates(display_number: str, namespace: str, id_prefix: str) -> list[Template]:
    """Templates that exist (approved and synced) from the start; ids derive from the account, not the seed."""
    origin = float("-inf")
    specs: list[tuple[str, str, list[Any]]] = [
        (
            "marketing_text_no_param",
            "MARKETING",
            [{"type": "BODY", "text": f"Marketing Text message from {_pretty_number(display_number)}"}],
        ),
        (
            "utility_order_update",
            "UTILITY",
            [{"type": "BODY", "text": "Your order {{1}} has shipped.", "example": {"body_text": [["A-1001"]]}}],
        ),
        (
            "authentication_code",
            "AUTHENTICATION",
            [
                {"type": "BODY", "add_security_recommendation": True},
                {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]},
            ],
        ),
    ]
    return [
        Template(f"{id_prefix}{i:02d}", name, "en", category, components, origin, origin, origin, namespace, None, True)
        for i, (name, category, components) in enumerate(specs, start=1)
    ]
