"""The platform itself: what it knows (templates, onboarding, recipients), where it sends, how it reacts to errors.

Everything here is plain state behind one lock plus `deliver`, which the service's single send worker calls for
one queued message at a time. No HTTP server code lives here, so tests can drive it with a scripted client.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from refplatform.api import ApiResult, ErrorKind, Route, SendsRequests, classify
from refplatform.defects import Defect
from refplatform.webhooks import (
    AccountUpdate,
    CategoryUpdate,
    Event,
    InboundMessage,
    MessageStatus,
    Other,
    TemplateStatusUpdate,
)

log = logging.getLogger("refplatform")

ROUTINGS = ("explicit", "delegated")
MARKETING = "MARKETING"
US_MARKETING_LIMIT = 131049  # per-user marketing limit: do not send to that recipient again
UNKNOWN_ERROR_RETRIES = 2
UNKNOWN_ERROR_BACKOFF = 0.5  # seconds, doubled per retry
RATE_LIMIT_RETRIES = 10
RATE_LIMIT_DEFAULT_WAIT = 1.0  # when a 429 carries no Retry-After
RATE_LIMIT_MAX_WAIT = 300.0
DEFECT_RETRIES = 3  # how often the broken variants retry what must not be retried
MAX_REMEMBERED = 10_000


class RefusedError(Exception):
    """The platform will not act on this action (the driver exits 2)."""


class BadActionError(ValueError):
    """The action is malformed (the driver exits 1)."""


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str
    api_key: str
    routing: str = "explicit"  # explicit: MARKETING to /marketing_messages; delegated: all to /messages
    defect: Defect | None = None
    webhook_secret: str | None = None


@dataclass(slots=True)
class TemplateInfo:
    name: str
    language: str
    category: str | None
    status: str | None
    template_id: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One logical message: it may take several requests, and must end as at most one accepted send."""

    seq: int
    to: str
    template_name: str | None = None
    template_language: str | None = None
    text: str | None = None

    @property
    def is_template(self) -> bool:
        return self.template_name is not None


@dataclass(slots=True)
class Attempt:
    route: str
    status: int
    code: int | None
    kind: str


@dataclass(slots=True)
class Record:
    seq: int
    to: str
    what: str
    outcome: str = "queued"  # queued, accepted, failed: <kind>, suppressed
    route: str | None = None
    message_id: str | None = None
    message_status: str | None = None
    attempts: list[Attempt] = field(default_factory=list)


def digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def cloud_body(message: Outgoing) -> dict[str, Any]:
    """The Cloud API request body; MM Lite gets exactly the same one."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to}
    if message.is_template:
        body["type"] = "template"
        body["template"] = {"name": message.template_name, "language": {"code": message.template_language}}
    else:
        body["type"] = "text"
        body["text"] = {"body": message.text}
    return body


class Platform:
    def __init__(
        self,
        settings: Settings,
        api: SendsRequests,
        *,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = lambda: random.uniform(0.05, 0.25),
    ) -> None:
        if settings.routing not in ROUTINGS:
            raise ValueError(f"routing must be one of {', '.join(ROUTINGS)}, got {settings.routing!r}")
        self.settings = settings
        self.api = api
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        self._lock = threading.RLock()
        self._seq = 0
        self.templates: dict[tuple[str, str], TemplateInfo] = {}
        self.onboarded = True  # assumed until MM Lite says otherwise; MM_LITE_TERMS_SIGNED confirms it
        self.credentials_rejected = False
        self.suppressed: set[str] = set()  # recipients whose marketing failed with 131049
        self.statuses: OrderedDict[str, list[str]] = OrderedDict()  # message id -> statuses seen, in order
        self.inbound: deque[InboundMessage] = deque(maxlen=1000)
        self.other_events: Counter[str] = Counter()
        self.records: deque[Record] = deque(maxlen=1000)
        self._not_before = 0.0  # no send on the account before this clock value (rate limits)
        self._rate_strikes = 0

    @property
    def defect(self) -> Defect | None:
        return self.settings.defect

    # --- templates ---------------------------------------------------------------------------------------------
    def load_templates(self) -> ApiResult | None:
        """Replace the template list from GET /v1/configs/templates; returns the failed answer, if any."""
        result = self.api.list_templates()
        if isinstance(result, ApiResult):
            if classify(result) is ErrorKind.INVALID_TOKEN:
                self.credentials_rejected = True
            log.warning("template list failed: HTTP %s %s", result.status, result.text or result.body)
            return result
        with self._lock:
            for item in result:
                name, language = item.get("name"), item.get("language")
                if isinstance(name, str) and isinstance(language, str):
                    category, status = item.get("category"), item.get("status")
                    self.templates[(name, language)] = TemplateInfo(
                        name,
                        language,
                        category.upper() if isinstance(category, str) else None,
                        status.upper() if isinstance(status, str) else None,
                        str(item["id"]) if isinstance(item.get("id"), str | int) else None,
                    )
        return None

    def category_of(self, name: str, language: str) -> str | None:
        with self._lock:
            known = self.templates.get((name, language))
        if known is None and not self.credentials_rejected:
            self.load_templates()  # maybe created since: ask once per message
            with self._lock:
                known = self.templates.get((name, language))
        return known.category if known is not None else None

    def _matching(self, template_id: str | None, name: str | None, language: str | None) -> list[TemplateInfo]:
        """Templates a notification is about: by id, else by name (and language when given); a new one if none."""
        found = [t for t in self.templates.values() if template_id is not None and t.template_id == template_id]
        if not found:
            found = [t for t in self.templates.values() if t.name == name and language in (None, t.language)]
        if not found and name is not None and language is not None:
            info = TemplateInfo(name, language, None, None, template_id)
            self.templates[(name, language)] = info
            found = [info]
        return found

    # --- actions -----------------------------------------------------------------------------------------------
    def accept(self, action: Mapping[str, Any]) -> Outgoing:
        """Validate a send_template / send_text action and decide whether the platform takes it."""
        to = action.get("to")
        if not isinstance(to, str) or not digits(to):
            raise BadActionError("'to' must be a phone number")
        kind = action.get("action")
        if kind == "send_template":
            template = action.get("template")
            name = template.get("name") if isinstance(template, dict) else None
            language = template.get("language") if isinstance(template, dict) else None
            if isinstance(language, dict):  # tolerate the Cloud API shape {"code": ...}
                language = language.get("code")
            if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
                raise BadActionError("'template' must have a 'name' and a 'language'")
            fields: dict[str, Any] = {"template_name": name, "template_language": language}
        elif kind == "send_text":
            text = action.get("text")
            if not isinstance(text, str) or not text:
                raise BadActionError("'text' must be a non-empty string")
            fields = {"text": text}
        else:
            raise BadActionError(f"not a send action: {kind!r}")
        if self._is_suppressed(to):
            raise RefusedError(
                f"recipient {to} failed with {US_MARKETING_LIMIT} before: the platform no longer sends to it"
            )
        with self._lock:
            self._seq += 1
            message = Outgoing(self._seq, to, **fields)
            self.records.append(Record(message.seq, to, message.template_name or "text"))
        return message

    def _is_suppressed(self, to: str) -> bool:
        if self.defect is Defect.RESENDS_AFTER_131049:
            return False
        with self._lock:
            return digits(to) in self.suppressed

    # --- routing -----------------------------------------------------------------------------------------------
    def route_for(self, message: Outgoing) -> Route:
        defect = self.defect
        if not message.is_template:
            return Route.MM_LITE if defect is Defect.TEXT_VIA_MM_LITE else Route.CLOUD
        assert message.template_name is not None and message.template_language is not None
        category = self.category_of(message.template_name, message.template_language)
        if defect is Defect.UTILITY_VIA_MM_LITE and category == "UTILITY":
            return Route.MM_LITE
        if self.settings.routing == "delegated":
            return Route.CLOUD  # 360dialog's smart routing takes MARKETING on to MM Lite
        if category != MARKETING or defect is Defect.NEVER_MM_LITE:
            return Route.CLOUD  # UTILITY, AUTHENTICATION, unknown templates
        with self._lock:
            return Route.MM_LITE if self.onboarded else Route.CLOUD

    def body_for(self, message: Outgoing, route: Route) -> dict[str, Any]:
        body = cloud_body(message)
        if route is Route.MM_LITE and self.defect is Defect.BODY_DIFFERS:
            body["campaign"] = "x"
        return body

    # --- sending -----------------------------------------------------------------------------------------------
    def _record(self, seq: int) -> Record:
        with self._lock:
            for record in reversed(self.records):
                if record.seq == seq:
                    return record
        return Record(seq, "", "")  # fell out of the bounded log: keep going, unrecorded

    def _wait_for_turn(self) -> None:
        with self._lock:
            wait = self._not_before - self._clock()
        if wait > 0:
            self._sleep(wait)

    def deliver(self, message: Outgoing) -> Record:
        """Send one message, reacting to errors; at most one request is ever accepted for it."""
        record = self._record(message.seq)
        if self._is_suppressed(message.to):
            record.outcome = "suppressed"
            return record
        route = self.route_for(message)
        fallen_back = False
        retries: Counter[ErrorKind] = Counter()
        while True:
            self._wait_for_turn()
            result = self.api.send(route, self.body_for(message, route))
            kind = classify(result, route)
            record.attempts.append(Attempt(route.value, result.status, result.code, kind.value))
            if kind is ErrorKind.NONE:
                with self._lock:
                    self._rate_strikes = 0
                record.outcome, record.route = "accepted", route.value
                record.message_id, record.message_status = result.message_id, result.message_status
                return record
            log.info("message %s via %s: HTTP %s %s (%s)", message.seq, route.value, result.status, result.code, kind)
            next_route = self._reaction(message, route, kind, result, retries[kind], fallen_back)
            retries[kind] += 1
            if next_route is None:
                record.outcome = f"failed: {kind.value}"
                return record
            fallen_back = fallen_back or next_route is not route
            route = next_route

    def _reaction(
        self, message: Outgoing, route: Route, kind: ErrorKind, result: ApiResult, retried: int, fallen_back: bool
    ) -> Route | None:
        """Where to send next after an error (None: give up on this message)."""
        defect = self.defect
        fallback = Route.CLOUD if route is Route.MM_LITE and not fallen_back else None
        if kind is ErrorKind.INVALID_TOKEN:
            self.credentials_rejected = True  # stop: another attempt cannot succeed
            if defect is Defect.RETRIES_INVALID_KEY and retried < DEFECT_RETRIES:
                return route
            return None
        if kind is ErrorKind.TERMS_NOT_ACCEPTED:
            if defect is Defect.LOOPS_ON_TERMS:
                return route if retried < DEFECT_RETRIES else None
            with self._lock:
                self.onboarded = False  # marketing goes to /messages until MM_LITE_TERMS_SIGNED arrives
            return fallback
        if kind is ErrorKind.NOT_FOR_MM_LITE:
            if defect is Defect.RETRIES_NON_TEMPLATE and route is Route.MM_LITE:
                return route if retried < DEFECT_RETRIES else None
            return fallback  # never the same request again; /messages takes every kind of message
        if kind is ErrorKind.TEMPLATE_SYNCING:
            if defect is Defect.RETRIES_SYNCING_AT_ONCE and route is Route.MM_LITE:
                return route if retried < DEFECT_RETRIES else None
            return fallback  # the template is usable on /messages already
        if kind is ErrorKind.MARKETING_OFF_ON_CLOUD:
            onboarded = self.onboarded
            return (
                Route.MM_LITE
                if route is Route.CLOUD and message.is_template and onboarded and not fallen_back
                else None
            )
        if kind is ErrorKind.RATE_LIMITED:
            if retried >= RATE_LIMIT_RETRIES:
                return None
            self._back_off(result.retry_after)
            return route
        if kind is ErrorKind.UNKNOWN and retried < UNKNOWN_ERROR_RETRIES:
            self._sleep(UNKNOWN_ERROR_BACKOFF * 2**retried + self._jitter())
            return route
        return None  # PERMANENT, or UNKNOWN out of retries

    def _back_off(self, retry_after: float | None) -> None:
        """No send on this account for at least Retry-After (doubled for each 429 in a row), plus jitter."""
        with self._lock:
            self._rate_strikes += 1
            if self.defect is Defect.IGNORES_RETRY_AFTER:
                wait = 0.1
            else:
                base = retry_after if retry_after is not None else RATE_LIMIT_DEFAULT_WAIT
                wait = min(base * 2 ** (self._rate_strikes - 1), RATE_LIMIT_MAX_WAIT) + self._jitter()
            self._not_before = max(self._not_before, self._clock() + wait)

    # --- webhooks ----------------------------------------------------------------------------------------------
    def seen(self, event: Event) -> bool:
        """Whether this exact status was already received (duplicates are normal: webhooks are retried)."""
        with self._lock:
            return isinstance(event, MessageStatus) and event.status in self.statuses.get(event.message_id, [])

    def handle(self, events: Iterable[Event]) -> bool:
        """Apply notifications; True when the template list should be fetched again (done off the request)."""
        refresh = False
        with self._lock:
            for event in events:
                refresh = self._apply(event) or refresh
        return refresh

    def _apply(self, event: Event) -> bool:
        if isinstance(event, CategoryUpdate):
            if event.impending and self.defect is not Defect.ROUTES_ON_IMPENDING:
                log.info("category of %s will change to %s: routing unchanged", event.name, event.correct_category)
                return False
            category = (event.correct_category or event.new_category) if event.impending else event.new_category
            for template in self._matching(event.template_id, event.name, event.language):
                template.category = category
            return False
        if isinstance(event, TemplateStatusUpdate):
            matches = self._matching(event.template_id, event.name, event.language)
            for template in matches:
                template.status = event.event
                template.category = event.category or template.category
            return event.event == "APPROVED" and event.category is None  # fetch its category from the list
        if isinstance(event, AccountUpdate):
            if event.event == "MM_LITE_TERMS_SIGNED":
                self.onboarded = True
            return False
        if isinstance(event, MessageStatus):
            seen = self.statuses.setdefault(event.message_id, [])
            if event.status not in seen:
                seen.append(event.status)
            if len(self.statuses) > MAX_REMEMBERED:
                self.statuses.popitem(last=False)
            if event.status == "failed" and US_MARKETING_LIMIT in event.error_codes and digits(event.recipient):
                self.suppressed.add(digits(event.recipient))
            return False
        if isinstance(event, InboundMessage):
            self.inbound.append(event)
            return False
        if isinstance(event, Other):
            self.other_events[event.field] += 1
        return False

    # --- observation -------------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "routing": self.settings.routing,
                "defect": self.defect.value if self.defect else None,
                "onboarded": self.onboarded,
                "credentials_rejected": self.credentials_rejected,
                "templates": [
                    {"name": t.name, "language": t.language, "category": t.category, "status": t.status}
                    for t in self.templates.values()
                ],
                "suppressed": sorted(self.suppressed),
                "statuses": {k: list(v) for k, v in self.statuses.items()},
                "inbound": [{"id": m.message_id, "from": m.sender, "text": m.text} for m in self.inbound],
                "other_events": dict(self.other_events),
                "messages": [
                    {
                        "seq": r.seq,
                        "to": r.to,
                        "what": r.what,
                        "outcome": r.outcome,
                        "route": r.route,
                        "message_id": r.message_id,
                        "message_status": r.message_status,
                        "attempts": [[a.route, a.status, a.code, a.kind] for a in r.attempts],
                    }
                    for r in self.records
                ],
            }
