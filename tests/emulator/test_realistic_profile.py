"""The realistic profile: each variation injected, counted and shaped as intended; one seed, one run; exact plain."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mmlite_conformance.cli import main
from mmlite_conformance.emulator import EmulatorConfig, RateLimits, create_app
from mmlite_conformance.emulator import realism as rx
from mmlite_conformance.emulator.cli import add_arguments, build_config
from mmlite_conformance.emulator.config import DEFAULT_START_TIME, ConfigError
from mmlite_conformance.emulator.delivery import Planned, arrival_plan
from tests.emulator.emulator_helpers import KEY, RECIPIENT, Receiver, fast_config, template_send

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

PROGRESSION = ("sent", "delivered", "read")
RANK = {status: rank for rank, status in enumerate(PROGRESSION)}
START = int(DEFAULT_START_TIME)  # fast_config() keeps the fixed origin (A32)
BR_MOBILE, BR_WA_ID = "5511987650001", "551187650001"
MX_NUMBER, MX_WA_ID = "525512345678", "5215512345678"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Session:
    answers: list[httpx.Response]
    notifications: list[dict[str, Any]]
    profile: dict[str, Any]

    def values(self) -> Iterator[dict[str, Any]]:
        for notification in self.notifications:
            for entry in notification["entry"]:
                for change in entry["changes"]:
                    yield change["value"]

    def statuses(self) -> list[dict[str, Any]]:
        return [s for value in self.values() for s in value.get("statuses", [])]

    def by_message(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for status in self.statuses():
            grouped[status["id"]].append(status)
        return dict(grouped)

    def injected(self) -> dict[str, int]:
        return {v["name"]: v["injected"] for v in self.profile["variations"]}

    def raw(self) -> list[Any]:
        return [(a.status_code, a.headers.get("retry-after"), a.content) for a in self.answers] + self.notifications


def config(profile: str = rx.EXACT, seed: int | None = None) -> EmulatorConfig:
    return fast_config(profile=profile, profile_seed=seed, rate_limits=RateLimits(enabled=False))


def only(variation: str, monkeypatch: pytest.MonkeyPatch, jitter_max: float = 0.0) -> EmulatorConfig:
    """A profile that injects this one variation at every opportunity."""
    name = f"only_{variation}"
    monkeypatch.setitem(rx.PROFILES, name, rx.Profile(name, "test", {variation: 1.0}, jitter_max))
    return config(name, seed=11)


async def session(cfg: EmulatorConfig, receiver: Receiver, to: str = RECIPIENT, sends: int = 3) -> Session:
    """Sends to `to` (MM Lite, then the Cloud API, alternately), one message from that user, every webhook."""
    receiver.hits.clear()
    app = create_app(cfg)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e", headers=KEY) as client:
        await client.post("/waba_webhook", json={"url": receiver.url})
        answers = []
        for i in range(sends):
            answers.append(await client.post(("/marketing_messages", "/messages")[i % 2], json=template_send(to=to)))
        await client.post("/_emulator/inbound", json={"from": to, "text": "hello"})
        await client.post("/_emulator/deliveries/drain", json={"timeout": 5})
        profile = (await client.get("/_emulator/profile")).json()
    await app.state.emulator.aclose()
    return Session(answers, [h.json for h in receiver.hits], profile)


def contradictions(statuses: list[dict[str, Any]]) -> list[str]:
    """Pairs whose timestamps run against the progression (the later status stamped earlier)."""
    first: dict[str, int] = {}
    for s in statuses:
        first[s["status"]] = min(int(s["timestamp"]), first.get(s["status"], int(s["timestamp"])))
    return [f"{a}>{b}" for a in first for b in first if RANK[a] < RANK[b] and first[b] < first[a]]


# --- exact -----------------------------------------------------------------------------------------------------


async def test_the_exact_profile_draws_nothing_and_answers_plainly(receiver: Receiver) -> None:
    plain = await session(config(), receiver)
    again = await session(config(rx.EXACT, seed=99), receiver)  # under exact the seed changes nothing
    assert plain.raw() == again.raw()
    assert plain.profile["profile"] == "exact" and set(plain.injected().values()) == {0}
    assert [a.status_code for a in plain.answers] == [200, 200, 200]
    assert all(a.json()["contacts"] == [{"input": RECIPIENT, "wa_id": RECIPIENT}] for a in plain.answers)
    assert all(len(v.get("statuses", [])) <= 1 for v in plain.values())
    for statuses in plain.by_message().values():
        assert [s["status"] for s in statuses] == list(PROGRESSION)
        assert {s["timestamp"] for s in statuses} == {str(START)} and {s["recipient_id"] for s in statuses} == {
            RECIPIENT
        }
    assert rx.UNKNOWN_FIELD not in json.dumps([plain.notifications, [a.json() for a in plain.answers]])


# --- determinism -------------------------------------------------------------------------------------------------


async def test_one_seed_is_one_run_and_seeds_differ(receiver: Receiver) -> None:
    first = await session(config("realistic", seed=3), receiver, sends=6)
    second = await session(config("realistic", seed=3), receiver, sends=6)
    assert first.raw() == second.raw() and first.injected() == second.injected()
    others = [await session(config("realistic", seed=seed), receiver, sends=6) for seed in (4, 5)]
    assert all(other.raw() != first.raw() for other in others)


def test_a_profile_draws_from_its_own_seeded_stream() -> None:
    a, b = rx.Realism("realistic", 8), rx.Realism("realistic", 8)
    assert [a.chance(rx.OUT_OF_ORDER) for _ in range(20)] == [b.chance(rx.OUT_OF_ORDER) for _ in range(20)]
    assert a.counts[rx.OUT_OF_ORDER] == b.counts[rx.OUT_OF_ORDER] > 0
    exact = rx.Realism(rx.EXACT, 8)
    assert not any(exact.chance(name) for name in rx.VARIATIONS) and set(exact.counts.values()) == {0}


# --- each variation ----------------------------------------------------------------------------------------------


async def test_delay_jitter_moves_the_timestamps_forward_in_order(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = await session(only(rx.DELAY_JITTER, monkeypatch, jitter_max=2.0), receiver)
    assert done.injected()[rx.DELAY_JITTER] == 3  # one per message
    stamps = []
    for statuses in done.by_message().values():
        assert [s["status"] for s in statuses] == list(PROGRESSION)  # the order is not this variation's business
        stamped = [int(s["timestamp"]) for s in statuses]
        assert stamped == sorted(stamped) and stamped[0] >= START and stamped[-1] <= START + 6
        stamps += stamped
    assert max(stamps) > START, "no timestamp moved"


@pytest.mark.parametrize("running", [True, False])
def test_jitter_waits_on_a_running_clock_only(running: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rx.PROFILES, "jitter", rx.Profile("jitter", "test", {rx.DELAY_JITTER: 1.0}, 2.0))
    planned = [Planned("sent", 10.0, 10.0), Planned("delivered", 10.5, 10.5), Planned("read", 11.0, 11.0)]
    posts = arrival_plan(planned, rx.Realism("jitter", 5), running=running)
    stamps = [post.statuses[0].stamp for post in posts]
    assert stamps == sorted(stamps) and all(s > p.stamp for s, p in zip(stamps, planned, strict=True))
    assert [post.due for post in posts] == (stamps if running else [10.0, 10.5, 11.0])


async def test_out_of_order_arrival_keeps_the_timestamps_of_the_progression(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = await session(only(rx.OUT_OF_ORDER, monkeypatch), receiver, sends=4)
    assert done.injected()[rx.OUT_OF_ORDER] == 4
    orders = set()
    for statuses in done.by_message().values():
        arrived = tuple(s["status"] for s in statuses)
        assert arrived != PROGRESSION and sorted(arrived) == sorted(PROGRESSION)
        assert contradictions(statuses) == []
        orders.add(arrived)
    assert ("read", "delivered", "sent") in orders and len(orders) > 1  # reversed, and neighbours swapped


def test_a_reordered_arrival_keeps_the_moments_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rx.PROFILES, "reorder", rx.Profile("reorder", "test", {rx.OUT_OF_ORDER: 1.0}))
    planned = [Planned("sent", 10.0, 10.0), Planned("delivered", 10.5, 10.5), Planned("read", 11.0, 11.0)]
    posts = arrival_plan(planned, rx.Realism("reorder", 1), running=True)
    assert [p.due for p in posts] == [10.0, 10.5, 11.0]  # only who comes at each moment changes
    assert [p.statuses[0].status for p in posts] != list(PROGRESSION)
    assert all(p.statuses[0] in planned for p in posts)  # stamps untouched


async def test_batched_statuses_arrive_as_one_notification(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    done = await session(only(rx.BATCHED, monkeypatch), receiver)
    assert done.injected()[rx.BATCHED] == 3
    batches = [v["statuses"] for v in done.values() if len(v.get("statuses", [])) >= 2]
    assert len(batches) == 3  # one per message
    for batch in batches:
        assert len({s["id"] for s in batch}) == 1
        assert [s["status"] for s in batch] == [s for s in PROGRESSION if s in {x["status"] for x in batch}]
    for statuses in done.by_message().values():
        assert [s["status"] for s in statuses] == list(PROGRESSION)


async def test_a_duplicate_status_repeats_one_status_after_the_others(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = await session(only(rx.DUPLICATE, monkeypatch), receiver)
    assert done.injected()[rx.DUPLICATE] == 3
    for statuses in done.by_message().values():
        assert [s["status"] for s in statuses[:3]] == list(PROGRESSION) and len(statuses) == 4
        assert statuses[3] in statuses[:3]  # the very same status, timestamp and all


@pytest.mark.parametrize(
    ("variation", "number", "wa_id"), [(rx.WA_ID_BR, BR_MOBILE, BR_WA_ID), (rx.WA_ID_MX, MX_NUMBER, MX_WA_ID)]
)
async def test_br_and_mx_numbers_get_whatsapps_form(
    variation: str, number: str, wa_id: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = await session(only(variation, monkeypatch), receiver, to=f"+{number}")
    assert all(a.json()["contacts"] == [{"input": f"+{number}", "wa_id": wa_id}] for a in done.answers)
    assert {s["recipient_id"] for s in done.statuses()} == {wa_id}
    (inbound,) = [v for v in done.values() if "messages" in v]
    assert inbound["messages"][0]["from"] == inbound["contacts"][0]["wa_id"] == wa_id
    assert done.injected()[variation] == 4  # three sends and the user's message


@pytest.mark.parametrize(
    ("variation", "number"),
    [
        (rx.WA_ID_BR, "5511387650001"),  # 13 digits without the mobile 9
        (rx.WA_ID_BR, BR_WA_ID),  # already without it
        (rx.WA_ID_MX, MX_WA_ID),  # already 521
        (rx.WA_ID_BR, "14155550123"),
    ],
)
async def test_other_numbers_keep_their_form(
    variation: str, number: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = await session(only(variation, monkeypatch), receiver, to=number, sends=1)
    assert done.answers[0].json()["contacts"] == [{"input": number, "wa_id": number}]
    assert done.injected()[variation] == 0


@pytest.mark.parametrize(("path", "envelope"), [("/marketing_messages", "detail"), ("/messages", None)])
async def test_a_send_is_refused_once_with_429_and_nothing_is_sent(
    path: str, envelope: str | None, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(only(rx.RATE_LIMITED_ONCE, monkeypatch))
    receiver.hits.clear()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e", headers=KEY) as client:
        await client.post("/waba_webhook", json={"url": receiver.url})
        refused = await client.post(path, json=template_send())
        await client.post("/_emulator/deliveries/drain", json={"timeout": 5})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        error = refused.json()[envelope]["error"] if envelope else refused.json()["error"]
        assert error["code"] == 130429
        assert receiver.hits == [] and app.state.emulator.default_account.messages == {}
        answers = [(await client.post(path, json=template_send())).status_code for _ in range(3)]
        assert answers == [200, 429, 200]  # never twice in a row: the retry goes through
        counts = {v["name"]: v["injected"] for v in (await client.get("/_emulator/profile")).json()["variations"]}
        assert counts[rx.RATE_LIMITED_ONCE] == 2
    await app.state.emulator.aclose()


async def test_unknown_fields_appear_in_answers_and_notifications(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        rx.PROFILES,
        "unknown",
        rx.Profile("unknown", "test", {rx.UNKNOWN_RESPONSE_FIELD: 1.0, rx.UNKNOWN_WEBHOOK_FIELD: 1.0}),
    )
    plain = await session(config(), receiver, sends=6)
    done = await session(config("unknown", seed=1), receiver, sends=6)
    where: dict[str, set[int]] = {"answers": set(), "webhooks": set()}
    for answer, baseline in zip(done.answers, plain.answers, strict=True):
        body = answer.json()
        places = [body, body["contacts"][0], body["messages"][0]]
        (index,) = [i for i, place in enumerate(places) if rx.UNKNOWN_FIELD in place]
        assert places[index].pop(rx.UNKNOWN_FIELD) == rx.UNKNOWN_VALUE and body == baseline.json()
        where["answers"].add(index)
    for value in done.values():
        places = [value, *value.get("statuses", []), *value.get("messages", [])]
        (index,) = [i for i, place in enumerate(places) if rx.UNKNOWN_FIELD in place]
        assert places[index][rx.UNKNOWN_FIELD] == rx.UNKNOWN_VALUE
        where["webhooks"].add(min(index, 1))  # 0: the change value, 1: an item
    assert where == {"answers": {0, 1, 2}, "webhooks": {0, 1}}  # every place is used
    assert done.injected()[rx.UNKNOWN_RESPONSE_FIELD] == 6 and done.injected()[rx.UNKNOWN_WEBHOOK_FIELD] == 19


# --- the realistic profile as a whole ---------------------------------------------------------------------------


async def test_the_realistic_profile_injects_every_variation_and_never_contradicts_the_progression(
    receiver: Receiver,
) -> None:
    totals: dict[str, int] = defaultdict(int)
    for seed in range(1, 6):
        for number in (BR_MOBILE, MX_NUMBER):
            done = await session(config("realistic", seed=seed), receiver, to=number, sends=6)
            for name, count in done.injected().items():
                totals[name] += count
            accepted = [a for a in done.answers if a.status_code == 200]
            assert all(a.headers["retry-after"] == "1" for a in done.answers if a.status_code == 429)
            assert len(done.by_message()) == len(accepted)
            for statuses in done.by_message().values():
                assert {s["status"] for s in statuses} == set(PROGRESSION) and contradictions(statuses) == []
    assert {name for name, count in totals.items() if count == 0} == set()


async def test_the_counts_are_served_and_survive_a_reset(receiver: Receiver) -> None:
    app = create_app(config("realistic", seed=1))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e", headers=KEY) as client:
        await client.post("/marketing_messages", json=template_send(to=BR_MOBILE))
        before = (await client.get("/_emulator/profile")).json()
        await client.post("/_emulator/reset")
        after = (await client.get("/_emulator/profile")).json()
    await app.state.emulator.aclose()
    assert before == after and before["profile"] == "realistic" and before["seed"] == 1
    assert [v["name"] for v in before["variations"]] == list(rx.VARIATIONS)
    assert {v["name"]: v["injected"] for v in before["variations"]}[rx.WA_ID_BR] == 1
    assert {p["name"] for p in before["profiles"]} == set(rx.PROFILES)


# --- bad input ---------------------------------------------------------------------------------------------------


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown profile: 'lifelike'"):
        fast_config(profile="lifelike")


def test_the_cli_takes_a_profile_and_refuses_an_unknown_one_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    built = build_config(parser.parse_args(["--profile", "realistic", "--seed", "7"]))
    assert (built.profile, built.seed, built.profile_seed) == ("realistic", 7, None)
    assert main(["emulator", "--profile", "lifelike"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown profile 'lifelike' (choose one of: exact, realistic)" in err[0], err
    assert main(["emulator", "--list-profiles"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in [*rx.PROFILES, *rx.VARIATIONS])
