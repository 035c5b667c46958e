"""The long-running platform process: a control API for the driver, the webhook endpoint and the send worker.

Control API (loopback only, JSON):

* ``POST /actions`` with a driver action -> 200 accepted, 501 not supported, 409 refused, 400 malformed
* ``GET /health`` -> {"pid", "connected"}; ``GET /status`` -> what the platform knows and what it sent

Run it standalone with ``python3 examples/reference_platform/service.py --port 8090``; the driver starts it on
its own otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from refplatform import statefile
from refplatform.api import PHONE_WEBHOOK_PATH, WABA_WEBHOOK_PATH, Api, classify
from refplatform.core import BadActionError, Outgoing, Platform, RefusedError, Settings
from refplatform.defects import ENV_VAR as DEFECT_ENV
from refplatform.defects import Defect, parse_defect
from refplatform.webhooks import has_unknown_parts, parse, signature_valid

log = logging.getLogger("refplatform")

ROUTING_ENV = "MMLITE_PLATFORM_ROUTING"
SECRET_ENV = "MMLITE_PLATFORM_WEBHOOK_SECRET"
WEBHOOK_PATH = "/webhook"
MAX_BODY = 1_000_000
PRODUCTION_URLS = {  # what the webhook_host_* defects register besides their loopback URL
    Defect.WEBHOOK_HOST_UNDERSCORE: "https://hooks_platform.example.com/webhook",
    Defect.WEBHOOK_HOST_PORT: "https://hooks.example.com:8443/webhook",
}


class ActionError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _reply(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _json_reply(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    _reply(handler, status, json.dumps(body).encode(), "application/json")


def _read_body(handler: BaseHTTPRequestHandler) -> bytes | None:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        return None
    if not 0 <= length <= MAX_BODY:
        return None
    return handler.rfile.read(length)


def webhook_url(server: HTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{WEBHOOK_PATH}"


# --- webhook endpoint -----------------------------------------------------------------------------------------
class WebhookServer(ThreadingHTTPServer):
    """One thread per notification and a real listen backlog: a burst of notifications is answered at once."""

    request_queue_size = 512
    daemon_threads = True

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        super().__init__(("127.0.0.1", 0), WebhookHandler)


class SmallBacklogWebhookServer(HTTPServer):
    """Only for the webhook_small_backlog defect: one request at a time, listen backlog 1."""

    request_queue_size = 1
    platform: Platform

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        super().__init__(("127.0.0.1", 0), WebhookHandler)


class WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookServer | SmallBacklogWebhookServer

    def do_GET(self) -> None:  # Meta-style verification: echo hub.challenge
        challenge = parse_qs(urlsplit(self.path).query).get("hub.challenge", [""])[0]
        _reply(self, 200, challenge.encode(), "text/plain")

    def do_POST(self) -> None:
        platform = self.server.platform
        defect = platform.defect
        if defect is Defect.SLOW_WEBHOOK:
            time.sleep(6)
        if defect is Defect.WEBHOOK_SMALL_BACKLOG:
            time.sleep(0.1)  # 80 notifications take 8 s one after the other: past the 5 s limit
        if urlsplit(self.path).path != WEBHOOK_PATH:
            _json_reply(self, 404, {"error": "not found"})
            return
        raw = _read_body(self)
        if raw is None:
            _json_reply(self, 413, {"error": "body too large or without a length"})
            return
        secret = platform.settings.webhook_secret
        if (
            secret
            and defect is not Defect.ACCEPTS_BAD_SIGNATURE
            and not signature_valid(secret, raw, dict(self.headers.items()))
        ):
            _json_reply(self, 401, {"error": "missing or wrong signature"})
            return
        try:
            payload = json.loads(raw)
        except ValueError:
            _json_reply(self, 400, {"error": "not JSON"})
            return
        if defect is Defect.WEBHOOK_500_ON_UNKNOWN and has_unknown_parts(payload):
            _json_reply(self, 500, {"error": "unexpected notification"})
            return
        events = parse(payload)
        if defect is Defect.WEBHOOK_500_ON_DUPLICATE and any(platform.seen(e) for e in events):
            _json_reply(self, 500, {"error": "duplicate"})
            return
        if platform.handle(events):  # the list is fetched off the request: answer well within 5 s
            threading.Thread(target=platform.load_templates, daemon=True).start()
        _json_reply(self, 200, {"received": len(events)})

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("webhook %s", format % args)


# --- the service ----------------------------------------------------------------------------------------------
def settings_from(action: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Connect settings: the action, then what the driver forwarded from its environment, then ours."""
    forwarded = action.get("platform_settings")
    env = {**environ, **(forwarded if isinstance(forwarded, dict) else {})}
    base_url = action.get("base_url") or env.get("MMLITE_EMULATOR_URL")
    api_key = action.get("api_key") or env.get("D360_API_KEY")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ActionError(409, "connect needs a base_url (http or https)")
    if not isinstance(api_key, str) or not api_key:
        raise ActionError(409, "connect needs an api_key")
    try:
        defect = parse_defect(env.get(DEFECT_ENV))
    except ValueError as error:
        raise ActionError(409, str(error)) from None
    routing = (env.get(ROUTING_ENV) or "explicit").strip().lower()
    if routing not in ("explicit", "delegated"):
        raise ActionError(409, f"{ROUTING_ENV} must be explicit or delegated, got {routing!r}")
    return Settings(base_url.rstrip("/"), api_key, routing, defect, env.get(SECRET_ENV) or None)


class Service:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.platform: Platform | None = None
        self.api: Api | None = None
        self.webhooks: WebhookServer | SmallBacklogWebhookServer | None = None
        self._queue: queue.Queue[tuple[Platform, Outgoing]] = queue.Queue()
        self._pending = 0
        self._worker = threading.Thread(target=self._work, name="send-worker", daemon=True)
        self._worker.start()

    # send worker: one message at a time, so a Retry-After pause holds back every send of the account
    def _work(self) -> None:
        while not self._stopping.is_set():
            platform, message = self._queue.get()
            try:
                if platform is self.platform:  # drop what a previous connection queued
                    record = platform.deliver(message)
                    log.info("message %s: %s via %s", message.seq, record.outcome, record.route)
            except Exception:
                log.exception("message %s: unexpected error", message.seq)
            finally:
                with self._lock:
                    self._pending -= 1

    def _interruptible_sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def act(self, action: Mapping[str, Any]) -> dict[str, Any]:
        name = action.get("action")
        if name == "connect":
            return self.connect(action)
        if name == "disconnect":
            return {"disconnected": True}
        if name not in ("register_webhook", "send_template", "send_text"):
            raise ActionError(501, f"action {name!r} is not supported")
        platform = self.platform
        if platform is None:
            raise ActionError(409, "not connected: send a connect action first")
        if name == "register_webhook":
            return self.register_webhook(platform)
        try:
            message = platform.accept(action)
        except BadActionError as error:
            raise ActionError(400, str(error)) from None
        except RefusedError as error:
            raise ActionError(409, str(error)) from None
        with self._lock:
            self._pending += 1
        self._queue.put((platform, message))
        return {"accepted": True, "seq": message.seq}

    def connect(self, action: Mapping[str, Any]) -> dict[str, Any]:
        settings = settings_from(action, os.environ)
        api = Api(settings.base_url, settings.api_key, bearer=settings.defect is Defect.BEARER_KEY)
        platform = Platform(settings, api, sleep=self._interruptible_sleep)
        failed = platform.load_templates()
        if failed is not None and not platform.credentials_rejected:
            raise ActionError(409, f"cannot list templates at {settings.base_url}: HTTP {failed.status}")
        # a rejected key is accepted here: every later message then gets one request and no retry
        server_type = SmallBacklogWebhookServer if settings.defect is Defect.WEBHOOK_SMALL_BACKLOG else WebhookServer
        webhooks = server_type(platform)
        threading.Thread(target=webhooks.serve_forever, name="webhooks", daemon=True).start()
        old = self.webhooks
        self.platform, self.api, self.webhooks = platform, api, webhooks
        if old is not None:
            old.shutdown()
            old.server_close()
        log.info("connected to %s (routing %s, defect %s)", settings.base_url, settings.routing, settings.defect)
        return {"connected": True, "templates": len(platform.templates), "webhook_url": webhook_url(webhooks)}

    def register_webhook(self, platform: Platform) -> dict[str, Any]:
        assert self.webhooks is not None and self.api is not None
        url = webhook_url(self.webhooks)
        production = PRODUCTION_URLS.get(platform.defect) if platform.defect else None
        if production is not None:
            result = self.api.set_webhook(WABA_WEBHOOK_PATH, production)
            log.info("registered %s at WABA level: HTTP %s", production, result.status)
            path = PHONE_WEBHOOK_PATH
        else:
            path = WABA_WEBHOOK_PATH
        result = self.api.set_webhook(path, url)
        if not result.ok:
            raise ActionError(409, f"webhook registration failed: HTTP {result.status} {classify(result).value}")
        return {"webhook_url": url}

    def status(self) -> dict[str, Any]:
        platform = self.platform
        with self._lock:
            pending = self._pending
        return {
            "pid": os.getpid(),
            "connected": platform is not None,
            "pending": pending,
            "webhook_url": webhook_url(self.webhooks) if self.webhooks else None,
            "platform": platform.snapshot() if platform else None,
        }

    def stop(self) -> None:
        self._stopping.set()
        if self.webhooks is not None:
            self.webhooks.shutdown()
            self.webhooks.server_close()


class ControlServer(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: Service) -> None:
        self.service = service
        super().__init__(address, ControlHandler)

    def stop_soon(self) -> None:
        """Stop serving from another thread (shutdown() waits for serve_forever, which runs elsewhere)."""
        threading.Thread(target=self.shutdown, daemon=True).start()


class ControlHandler(BaseHTTPRequestHandler):
    server: ControlServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/health":
            _json_reply(self, 200, {"pid": os.getpid(), "connected": self.server.service.platform is not None})
        elif path == "/status":
            _json_reply(self, 200, self.server.service.status())
        else:
            _json_reply(self, 404, {"error": "not found"})

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/actions":
            _json_reply(self, 404, {"error": "not found"})
            return
        raw = _read_body(self)
        try:
            action = json.loads(raw or b"")
        except ValueError:
            action = None
        if not isinstance(action, dict):
            _json_reply(self, 400, {"error": "the body must be a JSON object with an 'action'"})
            return
        try:
            _json_reply(self, 200, self.server.service.act(action))
        except ActionError as error:
            _json_reply(self, error.status, {"error": str(error)})
        except Exception as error:  # a bug must not look like an acceptance
            log.exception("action %s failed", action.get("action"))
            _json_reply(self, 500, {"error": f"internal error: {error}"})
        if action.get("action") == "disconnect":
            self.server.service.stop()
            self.server.stop_soon()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("control %s", format % args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference MM Lite platform service (waits for a connect action)")
    parser.add_argument("--host", default="127.0.0.1", help="control API address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="control API port (default: any free port)")
    parser.add_argument("--state-dir", type=Path, help="write service.json (pid, control URL) here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    service = Service()
    control = ControlServer((args.host, args.port), service)
    url = f"http://{args.host}:{control.server_address[1]}"
    if args.state_dir is not None:
        statefile.write(args.state_dir, {"pid": os.getpid(), "control_url": url, "started_at": time.time()})
    signal.signal(signal.SIGTERM, lambda *_: control.stop_soon())
    print(f"listening on {url}", flush=True)
    try:
        control.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
        control.server_close()
        if args.state_dir is not None:
            statefile.remove(args.state_dir, os.getpid())
        log.info("stopped")
    return 0
