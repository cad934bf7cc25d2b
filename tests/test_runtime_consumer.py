"""Durable pull consumers with an inbox table (DESIGN "Messaging rules"; SPEC F-42 exactly once as
seen by the user, F-28 fan-out independence) over a real stream and a real PostgreSQL: every
event has its effect exactly once, through redeliveries, handler failures, poison messages and
a consumer restart."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from convene.events.v1 import envelope_pb2
from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import groups_pb2
from convene.live.v1 import events_pb2 as live_events
from infra.embedded import NatsCluster
from services.runtime import events
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from services.runtime.db import Connection
from services.runtime.ids import new_id
from tests.harness import eventually
from tests.runtime_probe import EVENT_TYPE, SCHEMA, Probe, equals, live_started, probe

DURABLE = "probe--effects"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def effects(probe: Probe) -> AsyncIterator[asyncpg.Pool]:
    """A table a handler writes its effect to; deliberately without a unique key, so a second
    effect of the same event would show as a second row."""
    await probe.pool.execute(
        "CREATE TABLE effects (n bigserial PRIMARY KEY, event_id text NOT NULL, title text NOT NULL,"
        " attempt integer NOT NULL)"
    )
    yield probe.pool


def spec(handler: Callable, **overrides: object) -> ConsumerSpec:
    settings: dict[str, object] = {"backoff_s": [0.05]}
    settings.update(overrides)
    return ConsumerSpec(durable=DURABLE, source=SCHEMA, subjects=["probe.v1.*.*"], handler=handler,
                        **settings)


async def record_effect(event: events.Event, conn: Connection) -> None:
    """The handler: decodes the payload it expects and writes its effect in the inbox's transaction."""
    started = event.payload(live_events.SessionStarted)
    await conn.execute("INSERT INTO effects (event_id, title, attempt) VALUES ($1, $2, $3)",
                       event.id, started.live.title, event.num_delivered)


async def publish(probe: Probe, envelope: envelope_pb2.Envelope | bytes, msg_id: str | None = None) -> None:
    data = envelope if isinstance(envelope, bytes) else envelope.SerializeToString()
    await probe.js.publish(EVENT_TYPE, data, headers={"Nats-Msg-Id": msg_id or new_id("request")})


async def effect_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT event_id, title, attempt FROM effects ORDER BY n")


async def settled(consumer: DurableConsumer, probe: Probe) -> bool:
    """Everything on the stream was delivered and acked or terminated."""
    info = await probe.js.consumer_info(consumer.spec.stream, consumer.spec.durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_redelivered_event_has_no_second_effect(probe: Probe, effects: asyncpg.Pool) -> None:
    """SPEC F-42: the same event delivered twice (published again after the duplicate window, so
    with a different Nats-Msg-Id) is skipped through the inbox: one effect, one duplicate."""
    consumer = DurableConsumer(spec(record_effect), probe.nc, probe.pool, replicas=1)
    await consumer.start()
    try:
        envelope = live_started("once")
        await publish(probe, envelope, msg_id="first-copy")
        await publish(probe, envelope, msg_id="second-copy")
        await eventually(lambda: _true(consumer.stats.handled + consumer.stats.duplicates == 2),
                         timeout=10, what="both copies processed")
        await eventually(lambda: settled(consumer, probe), timeout=5, what="both copies acked")
    finally:
        await consumer.stop()
    rows = await effect_rows(effects)
    assert [(r["event_id"], r["title"]) for r in rows] == [(envelope.id, "once")]
    assert consumer.stats.handled == 1
    assert consumer.stats.duplicates == 1
    assert consumer.stats.retried == 0


async def test_failing_handler_is_retried_and_its_effect_happens_once(probe: Probe, effects: asyncpg.Pool) -> None:
    """DESIGN consumer rule (nak with back-off): a handler that refuses an event twice after
    writing part of its effect leaves nothing behind; the third delivery has the effect, exactly
    once, and the refusals counted for it are gone."""
    attempts: list[int] = []

    async def flaky(event: events.Event, conn: Connection) -> None:
        attempts.append(event.num_delivered)
        await record_effect(event, conn)  # written, then rolled back by the failure below
        if len(attempts) <= 2:
            raise LookupError("the group this card is for is not there yet")

    consumer = DurableConsumer(spec(flaky), probe.nc, probe.pool, replicas=1)
    await consumer.start()
    try:
        envelope = live_started("third time lucky")
        await publish(probe, envelope)
        await eventually(lambda: _true(consumer.stats.handled == 1), timeout=10, what="the event handled")
        await eventually(lambda: settled(consumer, probe), timeout=5, what="the event acked")
        await asyncio.sleep(0.3)  # a further redelivery would show in this window
    finally:
        await consumer.stop()
    assert attempts == [1, 2, 3]
    rows = await effect_rows(effects)
    assert [(r["event_id"], r["attempt"]) for r in rows] == [(envelope.id, 3)]
    assert consumer.stats.retried == 2
    assert consumer.stats.handled == 1
    assert await probe.pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", envelope.id) == 1
    assert await probe.pool.fetchval("SELECT count(*) FROM consumer_refusals") == 0


async def test_an_unreachable_dependency_keeps_the_event_and_spends_nothing(probe: Probe, effects: asyncpg.Pool) -> None:
    """A handler failing because a dependency is unreachable (here a refused connection) is
    tried again on the same delivery: no nak, no refusal counted, no redelivery, and it is
    handled once the dependency answers, even past the refusal limit and the ack wait."""
    attempts: list[int] = []

    async def dependency_away(event: events.Event, conn: Connection) -> None:
        attempts.append(event.num_delivered)
        await record_effect(event, conn)
        if len(attempts) <= 6:
            raise ConnectionRefusedError(111, "Connect call failed")

    consumer = DurableConsumer(spec(dependency_away, max_refusals=2, ack_wait_s=1.0), probe.nc, probe.pool,
                               replicas=1)
    await consumer.start()
    try:
        envelope = live_started("held, not refused")
        await publish(probe, envelope)
        await eventually(lambda: _true(consumer.stats.handled == 1), timeout=20, what="the event handled")
        await eventually(lambda: settled(consumer, probe), timeout=5, what="the event acked")
        info = await probe.js.consumer_info(consumer.spec.stream, consumer.spec.durable)
    finally:
        await consumer.stop()
    assert attempts == [1] * 7, "every try was the first delivery"
    assert info.num_redelivered == 0
    assert consumer.stats.held == 6 and consumer.stats.retried == 0 and consumer.stats.dead_lettered == 0
    assert [(r["event_id"], r["attempt"]) for r in await effect_rows(effects)] == [(envelope.id, 1)]


async def test_poison_events_are_terminated_and_the_next_event_is_handled(probe: Probe, effects: asyncpg.Pool) -> None:
    """DESIGN consumer rule (term() for poison messages, counted): bytes that are not an Envelope
    and an Envelope with the wrong payload type are terminated, not retried, and do not block
    the good event behind them."""
    consumer = DurableConsumer(spec(record_effect), probe.nc, probe.pool, replicas=1)
    await consumer.start()
    try:
        await publish(probe, b"\xff\xff\xff this is not an envelope")
        group = groups_pb2.Group(id=new_id("group"), name="wrong payload")
        wrong = events.new_envelope(EVENT_TYPE, subject=group.id,
                                    payload=group_events.GroupCreated(group=group))
        await publish(probe, wrong)
        good = live_started("after the poison")
        await publish(probe, good)

        await eventually(lambda: _true(consumer.stats.handled == 1), timeout=10, what="the good event")
        await eventually(lambda: settled(consumer, probe), timeout=5, what="every message settled")
        await asyncio.sleep(0.5)  # a retried poison message would show in this window
        info = await probe.js.consumer_info(consumer.spec.stream, consumer.spec.durable)
    finally:
        await consumer.stop()
    assert consumer.stats.dead_lettered == 2
    assert consumer.stats.retried == 0
    assert info.num_redelivered == 0
    assert [(r["event_id"], r["title"]) for r in await effect_rows(effects)] == [(good.id, "after the poison")]
    # The poison event left no inbox row, so nothing claims it was handled.
    assert await probe.pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", wrong.id) == 0


async def test_restarted_consumer_handles_what_it_missed_exactly_once(probe: Probe, effects: asyncpg.Pool) -> None:
    """SPEC F-42, F-41, DESIGN durable consumers: a consumer stopped with a batch in hand while
    events keep arriving, then started again (as a restarted replica would), handles every event
    exactly once, promptly: the unhandled part of the batch is handed back, not left to ack_wait."""

    async def slow_effect(event: events.Event, conn: Connection) -> None:
        await asyncio.sleep(0.01)
        await record_effect(event, conn)

    sent: list[str] = []

    async def publish_many(count: int) -> None:
        for _i in range(count):
            envelope = live_started(f"live {len(sent)}")
            await publish(probe, envelope)
            sent.append(envelope.id)

    first = DurableConsumer(spec(slow_effect), probe.nc, probe.pool, replicas=1)
    await first.start()
    try:
        await publish_many(40)  # one burst: fetched as a batch
        await eventually(lambda: _true(first.stats.handled >= 5), timeout=10, what="some events handled")
        await asyncio.gather(first.stop(), publish_many(20))  # more arrive while it stops
        handled_before = first.stats.handled
        assert handled_before < 40, "the consumer stopped with part of its batch unhandled"
        await publish_many(10)  # and while it is stopped
        await asyncio.sleep(0.2)
        assert first.stats.handled == handled_before, "a stopped consumer handles nothing"
    finally:
        await first.stop()

    second = DurableConsumer(spec(slow_effect), probe.nc, probe.pool, replicas=1)
    await second.start()
    try:
        # Well inside the default ack_wait (30 s): nothing waits for a lost delivery to expire.
        await eventually(lambda: equals(_count(effects), 70), timeout=10, what="all 70 effects")
        await eventually(lambda: settled(second, probe), timeout=5, what="everything acked")
        await asyncio.sleep(0.3)  # a doubled effect would show in this window
    finally:
        await second.stop()
    rows = await effect_rows(effects)
    assert sorted(r["event_id"] for r in rows) == sorted(sent)
    assert first.stats.handled + second.stats.handled == 70


async def test_a_consumer_killed_mid_event_hands_it_over_within_seconds(
        probe: Probe, effects: asyncpg.Pool, nats_server: NatsCluster, database_url: str) -> None:
    """A replica holds an event as long as its handler runs (in-progress acks: no redelivery
    past the ack wait), and once it is killed (SIGKILL, a real process) another replica of the
    same durable has done the event within 5 s, with the default ack wait; once."""
    await probe.pool.execute("CREATE TABLE started (event_id text NOT NULL, pid integer NOT NULL)")
    victim = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.consumer_process", nats_server.urls, database_url, DURABLE, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE)
    survivor = DurableConsumer(spec(record_effect), probe.nc, probe.pool, replicas=1)
    try:
        assert victim.stdout is not None
        assert (await asyncio.wait_for(victim.stdout.readline(), 60)).strip() == b"ready"
        envelope = live_started("stall")
        await publish(probe, envelope)

        async def taken_by_the_victim() -> bool:
            return await probe.pool.fetchval("SELECT pid FROM started WHERE event_id = $1", envelope.id) == victim.pid

        await eventually(taken_by_the_victim, timeout=15, what="the victim in the middle of the event")
        await survivor.start()
        ack_wait = survivor.spec.ack_wait_s
        assert ack_wait <= 5
        await asyncio.sleep(2 * ack_wait + 0.5)  # held all along: nobody else may have it yet
        assert await _count(effects) == 0
        assert await probe.pool.fetchval("SELECT count(*) FROM started") == 1

        victim.send_signal(signal.SIGKILL)
        await asyncio.wait_for(victim.wait(), 10)
        killed_at = time.monotonic()
        await eventually(lambda: equals(_count(effects), 1), timeout=10, every=0.02, what="the event done again")
        handed_over_s = time.monotonic() - killed_at
        await asyncio.sleep(0.5)
    finally:
        if victim.returncode is None:
            victim.kill()
            await victim.wait()
        await survivor.stop()
    assert handed_over_s < 5.0, f"handed over after {handed_over_s:.1f}s"
    assert [(r["event_id"], r["title"]) for r in await effect_rows(effects)] == [(envelope.id, "stall")]


async def _count(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM effects")


async def _true(value: bool) -> bool:
    return value
