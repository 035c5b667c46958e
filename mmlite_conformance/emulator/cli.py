"""`mmlite-conformance emulator`: options, validation and serving on loopback."""

from __future__ import annotations

import argparse
import gc
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from mmlite_conformance.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_START_TIME,
    AccountConfig,
    ConfigError,
    DeliveryDelays,
    EmulatorConfig,
    RateLimits,
    WebhookSettings,
    default_accounts,
)
from mmlite_conformance.emulator.faults import FAULTS
from mmlite_conformance.emulator.realism import EXACT, PROFILES, VARIATIONS

if TYPE_CHECKING:
    import socket

T = TypeVar("T")
#: --webhook-signature-form -> WebhookSettings.signature_headers
SIGNATURE_FORM_CHOICES: dict[str, tuple[str, ...]] = {
    "360dialog": ("360dialog",),
    "meta": ("meta",),
    "both": ("360dialog", "meta"),
}
_DELAYS, _LIMITS, _HOOKS = DeliveryDelays(), RateLimits(), WebhookSettings()


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


class NumberOption(NamedTuple):
    flag: str
    default: float
    help: str
    integer: bool = False


# numbers are parsed here rather than by argparse so that a bad value is one clear line, not usage + error
NUMBER_OPTIONS = (
    NumberOption("--port", 0, "TCP port; 0 picks a free one (default 0)", integer=True),
    NumberOption("--seed", 0, "seed of ids, fbtrace ids and the profile's variations (default 0)", integer=True),
    NumberOption("--start-time", DEFAULT_START_TIME, "fixed clock origin, epoch seconds (default: the wall clock)"),
    NumberOption("--template-sync-delay", 600.0, "seconds before a new template is usable via MM Lite (default 600)"),
    NumberOption("--template-approval-delay", 0.0, "seconds before a new template is APPROVED (default 0)"),
    NumberOption("--sent-delay", _DELAYS.sent, "seconds from send to the 'sent' status (default 0)"),
    NumberOption("--delivered-delay", _DELAYS.delivered, "seconds to 'delivered' (default 0.5)"),
    NumberOption("--read-delay", _DELAYS.read, "seconds to 'read' (default 1.0)"),
    NumberOption("--rate-limit-mps", _LIMITS.messages_per_second, "messages per second per number (default 80)"),
    NumberOption("--pair-rate-burst", _LIMITS.pair_burst, "messages to one recipient before pacing (default 45)", True),
    NumberOption("--pair-rate-interval", _LIMITS.pair_interval, "seconds per message to one recipient (default 6)"),
    NumberOption("--webhook-timeout", _HOOKS.timeout, "seconds a webhook receiver may take (default 5)"),
    NumberOption("--webhook-max-attempts", _HOOKS.max_attempts, "delivery attempts in all (default 5)", True),
    NumberOption("--webhook-backoff", _HOOKS.backoff_initial, "first retry delay, doubled each time (0.5)"),
    NumberOption("--webhook-backoff-max", _HOOKS.backoff_max, "longest retry delay (default 8)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind, IPv4 or IPv6 (default 127.0.0.1)")
    for option in NUMBER_OPTIONS:
        parser.add_argument(option.flag, default=None, metavar="N", help=option.help)
    parser.add_argument(
        "--api-key", default=DEFAULT_API_KEY, help=f"key of the default account (default {DEFAULT_API_KEY})"
    )
    parser.add_argument("--accounts", type=Path, metavar="FILE", help="TOML or JSON file with extra accounts")
    parser.add_argument("--frozen-clock", action="store_true", help="time moves only via /_emulator/clock/advance")
    parser.add_argument("--no-auto-read", action="store_true", help="post 'read' only via the control endpoint")
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 130429 / 131056")
    parser.add_argument(
        "--webhook-secret", help="sign webhooks with HMAC-SHA256 (X-360dialog-Signature and X-Hub-Signature-256)"
    )
    parser.add_argument(
        "--webhook-signature-form",
        default="both",
        metavar="FORM",
        help="signature sent with --webhook-secret: both (the default), 360dialog (X-360dialog-Signature only) "
        "or meta (X-Hub-Signature-256 only)",
    )
    parser.add_argument("--webhook-ca-bundle", metavar="FILE", help="PEM CA file the webhook client trusts")
    parser.add_argument(
        "--deliver-anywhere", action="store_true", help="deliver webhooks to any host, not only loopback"
    )
    parser.add_argument("--journal", action="store_true", help="record API requests (GET /_emulator/journal)")
    parser.add_argument(
        "--graph-alias",
        action="store_true",
        help="also serve POST /{version}/{phone_number_id}/messages and .../marketing_messages with "
        "Authorization: Bearer <key>, for Graph-native SDKs (360dialog serves no such paths; A80-A83)",
    )
    parser.add_argument(
        "--smart-routing",
        action="store_true",
        help="route MARKETING templates on /messages via MM Lite (marketing_lite), falling back to the Cloud API "
        "when the number is not onboarded or the template not synced, as 360dialog's GA does (A84-A86)",
    )
    parser.add_argument(
        "--mm-lite-fallback",
        action="store_true",
        help="deliver an MM Lite send for a number not onboarded through the Cloud API (billed 'marketing') instead "
        "of the terms error, as Meta's default product policy does (A87)",
    )
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="enable a fault (repeatable)")
    parser.add_argument("--list-faults", action="store_true", help="describe every fault and exit")
    parser.add_argument(
        "--profile",
        default=EXACT,
        metavar="NAME",
        help=f"{' | '.join(PROFILES)}: {EXACT} answers plainly (default); realistic adds seeded variations the real "
        "platform documents (see --list-profiles)",
    )
    parser.add_argument("--list-profiles", action="store_true", help="describe every profile and variation and exit")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level on stderr; info also logs start-up and shutdown (default warning)",
    )


def _number(args: argparse.Namespace, flag: str, cast: Callable[[str], T], default: T) -> T:
    raw = getattr(args, flag.lstrip("-").replace("-", "_"))
    if raw is None:
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise UsageError(f"{flag}: not a valid number: {raw!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{flag}: not a finite number: {raw!r}")
    return value


def _numbers(args: argparse.Namespace) -> dict[str, float]:
    out: dict[str, float] = {}
    for option in NUMBER_OPTIONS:
        value: float = (
            _number(args, option.flag, int, int(option.default))
            if option.integer
            else _number(args, option.flag, float, float(option.default))
        )
        if value < 0:
            raise UsageError(f"{option.flag}: must not be negative: {value}")
        out[option.flag] = value
    if out["--port"] > 65535:
        raise UsageError(f"--port: out of range: {out['--port']:g}")
    return out


def _accounts(args: argparse.Namespace) -> tuple[AccountConfig, ...]:
    accounts = {a.api_key: a for a in default_accounts(args.api_key)}
    if args.accounts is not None:
        from mmlite_conformance.emulator.accounts import load_accounts

        for account in load_accounts(args.accounts):
            accounts[account.api_key] = account
    return tuple(accounts.values())


def build_config(args: argparse.Namespace) -> EmulatorConfig:
    unknown = sorted(set(args.fault) - FAULTS.keys())
    if unknown:
        raise UsageError(f"unknown fault: {', '.join(unknown)} (see --list-faults)")
    if args.profile not in PROFILES:
        raise UsageError(f"--profile: unknown profile {args.profile!r} (choose one of: {', '.join(PROFILES)})")
    n = _numbers(args)
    signature_forms = SIGNATURE_FORM_CHOICES.get(args.webhook_signature_form)
    if signature_forms is None:
        raise UsageError(f"--webhook-signature-form: one of {', '.join(SIGNATURE_FORM_CHOICES)}")
    if not args.api_key.strip():
        raise UsageError("--api-key: must not be empty")
    if args.webhook_secret is not None and not args.webhook_secret.strip():
        raise UsageError("--webhook-secret: must not be empty (leave the option out to send webhooks unsigned)")
    return EmulatorConfig(
        accounts=_accounts(args),
        seed=int(n["--seed"]),
        start_time=n["--start-time"] if args.start_time is not None else None,  # None: the wall clock (A32)
        frozen_clock=args.frozen_clock,
        template_sync_delay=n["--template-sync-delay"],
        template_approval_delay=n["--template-approval-delay"],
        delays=DeliveryDelays(n["--sent-delay"], n["--delivered-delay"], n["--read-delay"]),
        auto_read=not args.no_auto_read,
        rate_limits=RateLimits(
            not args.no_rate_limits, n["--rate-limit-mps"], int(n["--pair-rate-burst"]), n["--pair-rate-interval"]
        ),
        webhooks=WebhookSettings(
            args.webhook_secret,
            n["--webhook-timeout"],
            int(n["--webhook-max-attempts"]),
            n["--webhook-backoff"],
            n["--webhook-backoff-max"],
            args.webhook_ca_bundle,
            signature_forms,
        ),
        faults=frozenset(args.fault),
        journal=args.journal,
        graph_alias=args.graph_alias,
        smart_routing=args.smart_routing,
        mm_lite_fallback=args.mm_lite_fallback,
        deliver_to_any_host=args.deliver_anywhere,
        profile=args.profile,
    )


def list_faults() -> str:
    width = max(len(name) for name in FAULTS)
    return "\n".join(f"{f.name:<{width}}  [{f.area}]  {f.description}" for f in FAULTS.values())


def list_profiles() -> str:
    lines = [f"{p.name}: {p.description}" for p in PROFILES.values()]
    width = max(len(name) for name in VARIATIONS)
    lines.append("variations (the chance per opportunity is in GET /_emulator/profile):")
    lines += [f"  {v.name:<{width}}  [{v.assumption}]  {v.description}" for v in VARIATIONS.values()]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        print(list_faults())
        return 0
    if args.list_profiles:
        print(list_profiles())
        return 0
    try:
        config = build_config(args)
    except (UsageError, ConfigError) as exc:
        print(f"mmlite-conformance emulator: error: {exc}", file=sys.stderr)
        return 2
    return _serve(config, args.host, int(_numbers(args)["--port"]), args.log_level)


@contextmanager
def _no_collections() -> Iterator[None]:
    """Start-up makes thousands of objects and frees almost none: no cycle collection until it is over (the collections
    took about 4% of the emulator's start-up instructions); then what it made is frozen out of every later one."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # start-up objects never die: keep them out of every later collection (shorter gc pauses)
        gc.enable()


def _serve(config: EmulatorConfig, host: str, port: int, log_level: str) -> int:
    with _no_collections():
        import uvicorn

        from mmlite_conformance.emulator.app import create_app
        from mmlite_conformance.emulator.server import bind_socket, http_url
        from mmlite_conformance.emulator.stack import uvicorn_config

        try:
            sock = bind_socket(host, port)
        except OSError as exc:
            where = http_url(host, port).removeprefix("http://")
            print(f"mmlite-conformance emulator: error: cannot listen on {where}: {exc.strerror}", file=sys.stderr)
            return 2

        class AnnouncingServer(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets)
                if self.started:
                    print(f"listening on {http_url(host, sock.getsockname()[1])}", flush=True)

        server = AnnouncingServer(uvicorn_config(create_app(config), log_level))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown: that is a normal stop
        pass
    finally:
        sock.close()
    return 0
