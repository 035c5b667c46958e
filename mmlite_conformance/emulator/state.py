"""Mutable sandbox state: accounts, templates, bounded message stores, clock, ids, profile and the dispatcher."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.answers import AnswerBook
from mmlite_conformance.emulator.clock import Clock
from mmlite_conformance.emulator.config import AccountConfig, EmulatorConfig
from mmlite_conformance.emulator.delivery import Dispatcher
from mmlite_conformance.emulator.ids import IdFactory
from mmlite_conformance.emulator.journal import Journal
from mmlite_conformance.emulator.ratelimit import RateLimiter
from mmlite_conformance.emulator.realism import Realism
from mmlite_conformance.emulator.received import ReceivedMessages
from mmlite_conformance.emulator.templates import Template, predefined_templates


class MessageRecord(NamedTuple):
    # a tuple of atoms: the collector untracks it, so a full store adds nothing to gc passes
    id: str
    to: str
    wa_id: str
    api: str  # "cloud" or "mm_lite"
    category: str  # pricing category: service, marketing, marketing_lite, utility, authentication
    sent_at: float
    expires_at: float | None
    user_id: str = ""  # the recipient's business-scoped user id (BSUID); wa_id is "" after a send to a BSUID


@dataclass(slots=True)
class WebhookTarget:
    """Where an account's webhooks go (no url: nowhere) and the extra headers they carry."""

    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class AccountState:
    def __init__(self, config: AccountConfig, emulator: EmulatorConfig, now: float) -> None:
        self.config = config
        self._emulator = emulator
        self.reset(now)

    def reset(self, now: float) -> None:
        cfg = self.config
        self.mm_lite_onboarded = cfg.mm_lite_onboarded
        self.api_key_valid = True  # False: every API request with this key gets the invalid-token answer
        self.phone_webhook = WebhookTarget()
        self.waba_webhook = WebhookTarget()
        self.namespace = f"emu_{cfg.waba_id}"
        self.templates: dict[tuple[str, str], Template] = {
            (t.name, t.language): t
            for t in predefined_templates(cfg.display_phone_number, self.namespace, "3" + cfg.phone_number_id[-12:])
        }
        self.messages: OrderedDict[str, MessageRecord] = OrderedDict()
        self.received = ReceivedMessages(self._emulator.max_messages_per_account)  # users' messages (mark-as-read)
        limits = self._emulator.rate_limits
        self.rate_limiter = RateLimiter(
            limits.messages_per_second, limits.pair_burst, limits.pair_interval, now, max_pairs=10_000
        )

    def remember(self, record: MessageRecord) -> None:
        self.messages[record.id] = record
        if len(self.messages) > self._emulator.max_messages_per_account:
            self.messages.popitem(last=False)

    def webhook_target(self) -> WebhookTarget | None:
        for target in (self.phone_webhook, self.waba_webhook):
            if target.url:
                return target
        return None

    def visible_templates(self, faults: frozenset[str]) -> list[Template]:
        hide_created = fx.TEMPLATE_LIST_MISSING_CREATED in faults
        return [t for t in self.templates.values() if t.predefined or not hide_created]

    def describe(self) -> dict[str, object]:
        cfg = self.config
        return {
            "name": cfg.name,
            "display_phone_number": cfg.display_phone_number,
            "phone_number_id": cfg.phone_number_id,
            "waba_id": cfg.waba_id,
            "mm_lite_onboarded": self.mm_lite_onboarded,
            "api_key_valid": self.api_key_valid,
            "webhook_url": self.phone_webhook.url,
            "waba_webhook_url": self.waba_webhook.url,
            "messages": len(self.messages),
            "templates": len(self.templates),
        }


class EmulatorState:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.faults = config.faults
        self.clock = Clock(config.start_time, config.frozen_clock)
        self.ids = IdFactory(config.seed)
        self.realism = Realism(config.profile, config.seed if config.profile_seed is None else config.profile_seed)
        self.dispatcher = Dispatcher(
            self.clock, config.webhooks, config.max_pending_deliveries, config.faults, config.deliver_to_any_host
        )
        self.answers = AnswerBook()
        self.journal = Journal(config.max_journal_entries) if config.journal else None
        now = self.clock.now()
        self.accounts: dict[str, AccountState] = {a.api_key: AccountState(a, config, now) for a in config.accounts}
        self.default_account = self.accounts[config.default_account.api_key]

    def reset(self) -> None:
        self.clock.reset()
        self.ids.reset()
        self.dispatcher.reset()
        self.answers.clear()
        now = self.clock.now()
        for account in self.accounts.values():
            account.reset(now)

    def account_for(self, header: str | None) -> AccountState | None:
        if not header:
            return None
        key = header.strip()
        if key[:7].lower() == "bearer ":
            key = key[7:].strip()
        account = self.accounts.get(key)
        if account is None and key and fx.WRONG_KEY_ACCEPTED in self.faults:
            return self.default_account
        return account

    async def aclose(self) -> None:
        await self.dispatcher.aclose()
