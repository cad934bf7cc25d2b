"""The dead-letter stream (runtime.deadletters) over a real stream and PostgreSQL: an event its
handler refuses again and again is set aside with its consumer, reason and error, stops being
retried, does not hold up the events behind it, and is redriven, to that consumer only, once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from convene.live.v1 import events_pb2 as live_events
from services.runtime import deadletters, events
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from services.runtime.db import Connection
from services.runtime.errors import DomainError
from tests.harness import eventually
from tests.runtime_probe import EVENT_TYPE, SCHEMA, Probe, live_started, probe
from tests.test_runtime_consumer import effect_rows, effects, publish, record_effect, settled

DURABLE = "probe--effects"


def consumer_for(probe: Probe, handler, durable: str = DURABLE, **settings: object) -> DurableConsumer:
    return DurableConsumer(ConsumerSpec(durable=durable, source=SCHEMA, subjects=[EVENT_TYPE], handler=handler,
                                        backoff_s=[0.05], **settings),
                           probe.nc, probe.pool, replicas=1)


async def test_a_refused_event_is_set_aside_and_redriven_once(probe: Probe, effects: asyncpg.Pool) -> None:
    mended = False
    tries: list[str] = []

    async def picky(event: events.Event, conn: Connection) -> None:
        started = _title(event)
        tries.append(started)
        if started == "poisoned" and not mended:
            raise ValueError("card template missing for this kind of live")
        await record_effect(event, conn)

    audited: list[str] = []

    async def audit(event: events.Event, conn: Connection) -> None:
        audited.append(event.id)

    consumer = consumer_for(probe, picky, max_refusals=3)
    auditor = consumer_for(probe, audit, durable="probe--audit")
    await consumer.start()
    await auditor.start()
    try:
        poisoned, good = live_started("poisoned"), live_started("fine")
        await publish(probe, poisoned, msg_id=poisoned.id)
        await publish(probe, good, msg_id=good.id)

        async def set_aside() -> bool:
            return len(await deadletters.list_dead_letters(probe.nc, consumer=DURABLE)) == 1

        await eventually(set_aside, timeout=15, what="the poisoned event in the dead-letter stream")
        await eventually(lambda: settled(consumer, probe), timeout=5, what="nothing left to deliver")
        await asyncio.sleep(0.5)  # a further try would show here
        assert tries.count("poisoned") == 3 and tries.count("fine") == 1
        [stored] = await deadletters.list_dead_letters(probe.nc, consumer=DURABLE)
        letter = stored.letter
        assert (letter.consumer, letter.reason, letter.refusals) == (DURABLE, deadletters.REFUSED, 3)
        assert letter.error == "ValueError: card template missing for this kind of live"
        assert (letter.subject, letter.stream, letter.event_id, letter.event_type) == (
            EVENT_TYPE, "PROBE", poisoned.id, EVENT_TYPE)
        assert letter.headers["Nats-Msg-Id"] == poisoned.id
        assert letter.data == poisoned.SerializeToString()
        assert await deadletters.list_dead_letters(probe.nc, consumer="probe--audit") == []
        assert await probe.pool.fetchval("SELECT count(*) FROM consumer_refusals") == 0

        mended = True
        redriven = await deadletters.redrive(probe.nc, stored.sequence)
        assert redriven.letter.event_id == poisoned.id

        async def handled_once() -> bool:
            return [r["event_id"] for r in await effect_rows(effects)].count(poisoned.id) == 1

        await eventually(handled_once, timeout=10, what="the redriven event handled")
        await eventually(lambda: _true(auditor.stats.skipped == 1), timeout=10, what="the other consumer skipping it")
        with pytest.raises(DomainError) as again:
            await deadletters.redrive(probe.nc, stored.sequence)
        assert again.value.reason == "DEAD_LETTER_NOT_FOUND"
        await asyncio.sleep(0.5)  # a second effect would show here
    finally:
        await consumer.stop()
        await auditor.stop()
    assert sorted(r["event_id"] for r in await effect_rows(effects)) == sorted([good.id, poisoned.id])
    assert sorted(audited) == sorted([good.id, poisoned.id]), "the redrive reached only its own consumer"
    assert await deadletters.list_dead_letters(probe.nc) == []


async def test_an_undecodable_message_is_set_aside_at_once_and_can_be_discarded(probe: Probe,
                                                                                effects: asyncpg.Pool) -> None:
    consumer = consumer_for(probe, record_effect)
    await consumer.start()
    try:
        await publish(probe, b"\xff\xff not an envelope", msg_id="junk-1")
        await eventually(lambda: _true(consumer.stats.dead_lettered == 1), timeout=10, what="set aside")
        [stored] = await deadletters.list_dead_letters(probe.nc, consumer=DURABLE)
        assert (stored.letter.reason, stored.letter.refusals, stored.letter.event_id) == (deadletters.POISON, 0, "")
        assert stored.letter.data == b"\xff\xff not an envelope"
        assert stored.letter.error.startswith("PoisonEvent: undecodable envelope")
        await deadletters.discard(probe.nc, stored.sequence)
        assert await deadletters.list_dead_letters(probe.nc) == []
    finally:
        await consumer.stop()


def _title(event: events.Event) -> str:
    return event.payload(live_events.SessionStarted).live.title


async def _true(value: bool) -> bool:
    return value
