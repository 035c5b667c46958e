"""`mmlite-conformance export postman`: the guide as a Postman collection (v2.1) and its environment."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mmlite_conformance.contract import ALPHA_MM_LITE_URL, CLOUD_API_BASE_URL
from mmlite_conformance.publish.catalog import Catalog, Instance, Scenario, Section, load_catalog
from mmlite_conformance.publish.postman_checks import PREAMBLE
from mmlite_conformance.publish.postman_requests import RequestItem
from mmlite_conformance.publish.postman_steps import items_of

__all__ = ["COLLECTION_FILE", "ENVIRONMENT_FILE", "SCHEMA_URL", "collection", "environment", "export", "request_items"]

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
COLLECTION_FILE = "mmlite.postman_collection.json"
ENVIRONMENT_FILE = "mmlite.postman_environment.json"
#: the live sandbox's values; secrets and the partner's own phone and listener are left for the partner to fill in
ENVIRONMENT: tuple[tuple[str, str, str], ...] = (
    ("base_url", CLOUD_API_BASE_URL, "default"),
    ("mm_lite_url", ALPHA_MM_LITE_URL, "default"),
    ("D360_API_KEY", "", "secret"),
    ("D360_NOT_ONBOARDED_API_KEY", "", "secret"),
    ("recipient", "", "default"),
    ("webhook_url", "", "default"),
    ("template_sync_wait_seconds", "660", "default"),
    ("contract_profile", "alpha", "default"),
)
_NOTE_HEADINGS = {
    "listener": "Check on your webhook listener (Postman cannot receive webhooks):",
    "observed": "Recorded by the suite, never asserted (the contract leaves it open):",
}
ABOUT = """\
360dialog's MM Lite guide for partners as requests, one folder per section, generated from the conformance suite's
feature files; each request's saved example is the answer the suite recorded (redacted). Fill the environment:
D360_API_KEY (your sandbox key), recipient (your test phone), webhook_url (your listener). Tests assert what each
scenario requires strictly (error codes, bodies, the error wrapper); HTTP statuses of errors are only observed.
Steps a person does (writing from the phone, reading, waiting for a template to sync) are requests that say what
to do. contract_profile "alpha" expects the guide's answers; "ga" also accepts today's (134100 for a non-marketing
template, a Cloud API fallback for a number not onboarded): then set mm_lite_url to {base}/marketing_messages.
Against the emulator (mmlite-conformance emulator --template-sync-delay 2): base_url http://127.0.0.1:PORT, mm_lite_url
http://127.0.0.1:PORT/mmlite/marketing_messages, D360_API_KEY emulator-sandbox-key (D360_NOT_ONBOARDED_API_KEY
emulator-not-onboarded-key), template_sync_wait_seconds 3.""".replace("{base}", CLOUD_API_BASE_URL)


def request_items(catalog: Catalog) -> Iterable[tuple[Section, Scenario, Instance, list[RequestItem]]]:
    """Every scenario instance of the guide with its Postman requests, in guide order."""
    for section, scenario in catalog.scenarios():
        for instance in scenario.instances:
            prefix = instance.cassette.removesuffix(".yaml")
            yield section, scenario, instance, items_of(instance, prefix)


def collection(catalog: Catalog) -> dict[str, Any]:
    folders: dict[str, dict[str, Any]] = {}
    for section, scenario, instance, items in request_items(catalog):
        folder = folders.setdefault(
            section.stem, {"name": section.title, "description": section.description, "item": []}
        )
        scenario_folder = _scenario_folder(folder, scenario)
        requests = [_postman_item(item) for item in items]
        if scenario.outline:
            name = instance.label or f"example {instance.index}"
            scenario_folder["item"].append({"name": name, "description": instance.examples_name, "item": requests})
        else:
            scenario_folder["item"] += requests
    return {
        "info": {"name": "MM Lite: the partner guide, tested", "description": ABOUT, "schema": SCHEMA_URL},
        "item": list(folders.values()),
        "variable": [{"key": name, "value": ""} for name in ("template_name", "message_id")],
    }


def _scenario_folder(folder: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    name = f"{' '.join(scenario.requirement_ids)} · {scenario.name}"
    for existing in folder["item"]:
        if existing["name"] == name:
            return existing  # type: ignore[no-any-return]
    description = "\n\n".join(part for part in (scenario.rule, scenario.description) if part)
    created = {"name": name, "description": description, "item": []}
    folder["item"].append(created)
    return created


def _postman_item(item: RequestItem) -> dict[str, Any]:
    request = dict(item.request)
    request["description"] = _description(item)
    tests = PREAMBLE + "\n".join(check.js() for check in item.checks)
    events = [{"listen": "test", "script": {"type": "text/javascript", "exec": tests.splitlines()}}]
    if item.prerequest:
        prerequest = "\n".join(item.prerequest)
        events.insert(
            0, {"listen": "prerequest", "script": {"type": "text/javascript", "exec": prerequest.splitlines()}}
        )
    return {"id": item.id, "name": item.name, "request": request, "response": item.examples, "event": events}


def _description(item: RequestItem) -> str:
    parts = [str(item.request.get("description", ""))]
    for kind, heading in _NOTE_HEADINGS.items():
        texts = [note.text for note in item.notes if note.kind == kind]
        if texts:
            parts.append(heading + "".join(f"\n- {text}" for text in texts))
    return "\n\n".join(part for part in parts if part)


def environment() -> dict[str, Any]:
    values = [{"key": key, "value": value, "type": kind, "enabled": True} for key, value, kind in ENVIRONMENT]
    return {"name": "MM Lite sandbox", "values": values, "_postman_variable_scope": "environment"}


def export(output: Path, features: Path, cassettes: Path) -> tuple[Path, Path]:
    """Write the collection and the environment into `output`; returns their paths."""
    if output.exists() and not output.is_dir():
        raise ValueError(f"--output {output} is a file, not a folder")
    built = collection(load_catalog(features, cassettes))
    output.mkdir(parents=True, exist_ok=True)
    paths = (output / COLLECTION_FILE, output / ENVIRONMENT_FILE)
    for path, content in zip(paths, (built, environment()), strict=True):
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths
