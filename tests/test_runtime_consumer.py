"""Durable pull consumers with an inbox table (DESIGN "Messaging rules"; SPEC F-42 exactly once as
seen by the user, F-28 fan-out independence) over a real stream and a real PostgreSQL: every
event has its effect exactly once, through redeliveries, handler failures, poison messages and
a consumer restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from convene.events.v1 import envelope_pb2
from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import groups_pb2
from convene.live.v1 import events_pb2 as live_events
from services.runtime import events
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from services.runtime.db import Connection
from services.runtime.ids import new_id
from tests.harness import eventually
from tests.runtime_probe import EVENT_TYPE, SCHEMA, Probe, equals, live_started, probe

DURABLE = "probe--effects"


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
    """DESIGN consumer rule (nak with back-off): a handler that fails twice after writing part of
    its effect leaves nothing behind; the third delivery has the effect, exactly once."""
    attempts: list[int] = []

    async def flaky(event: events.Event, conn: Connection) -> None:
        attempts.append(event.num_delivered)
        await record_effect(event, conn)  # written, then rolled back by the failure below
        if len(attempts) <= 2:
            raise ConnectionError("the dependency is briefly away")

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
    assert consumer.stats.terminated == 2
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


async def _count(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM effects")


async def _true(value: bool) -> bool:
    return value
