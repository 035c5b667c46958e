"""One scenario instance's recordings as HTML: each exchange with its reproducers as tabs, the tape's webhooks."""

from __future__ import annotations

import json
from html import escape

from mmlite_conformance.publish.catalog import Exchange, Instance
from mmlite_conformance.publish.site.render import Tab, body_block, code_block, headers_block, tabs
from mmlite_conformance.publish.site.tapes import Tape
from mmlite_conformance.suite.snippets import LANGUAGES, ReproducibleRequest, render_all

#: the code-block language of each reproducer (a CSS class only)
_CODE_LANGUAGE = {"curl": "sh", "python": "python", "node": "javascript"}


def reproducible(exchange: Exchange) -> ReproducibleRequest:
    body = exchange.request_body or None
    return ReproducibleRequest.of(exchange.method, exchange.url, exchange.request_headers, body)


def instance_html(instance: Instance, group: str, *, outline: bool, tape: Tape | None, nothing_recorded: str) -> str:
    """The instance's heading, where its recording comes from, its exchanges (tab groups named `group`-n) and its
    webhooks; `nothing_recorded` says why an instance without an exchange has none."""
    parts = [f"<h4>Example: {escape(instance.label)}</h4>" if outline else "<h4>Recorded exchanges</h4>"]
    if tape is not None:
        parts.append(f'<p class="note">Recording: {escape(tape.origin)}.</p>')
    if instance.exchanges:
        parts += [exchange_html(exchange, f"{group}-{number}") for number, exchange in enumerate(instance.exchanges)]
    else:
        parts.append(f'<p class="note">{escape(nothing_recorded)}</p>')
    if tape is not None and tape.events:
        parts.append(_webhooks(tape))
    return "\n".join(parts)


def exchange_html(exchange: Exchange, group: str) -> str:
    request = reproducible(exchange)
    entries = [
        Tab(LANGUAGES[key].label, code, _CODE_LANGUAGE.get(key, "")) for key, code in render_all(request).items()
    ]
    variables = request.reads_from_environment()
    reads = (
        " (each reads " + ", ".join(f"<code>${escape(name)}</code>" for name in variables) + " from the environment)"
        if variables
        else ""
    )
    return (
        '<div class="exchange">'
        f"<p><strong>Request</strong> <code>{escape(exchange.method)} {escape(exchange.url)}</code></p>"
        f"{headers_block(exchange.request_headers)}{body_block(exchange.request_body)}"
        f'<p><strong>Recorded response</strong> <span class="status">{exchange.status}</span></p>'
        f"{headers_block(exchange.response_headers)}{body_block(exchange.response_body)}"
        f"<p>Send it yourself{reads}; the recipient is a pseudonym: put your test phone number in its place.</p>"
        f"{tabs(group, entries)}"
        "</div>"
    )


def _webhooks(tape: Tape) -> str:
    events = [
        f"<p><code>{escape(str(event.get('method', 'POST')))} {escape(str(event.get('path', '')))}</code></p>"
        + code_block(json.dumps(event.get("body"), indent=2, ensure_ascii=False), "json")
        for event in tape.events
    ]
    return (
        f"<details><summary>The webhooks the suite's receiver got ({len(events)})</summary>\n"
        + "\n".join(events)
        + "\n</details>"
    )
