"""The transactional outbox and its relay (DESIGN "Messaging rules"; SPEC F-28, F-42) over a real
PostgreSQL and a real NATS node: events committed with a state change reach the stream exactly
once, even across a NATS outage, and events of a rolled-back change never do."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from convene.events.v1 import envelope_pb2
from infra.embedded import NatsCluster
from services.runtime import events
from services.runtime.outbox import OutboxRelay, add_event, add_events
from tests.harness import eventually
from tests.runtime_probe import SCHEMA, Probe, at_least, equals, live_started, probe, stream_count, stream_messages


async def start_live(pool: asyncpg.Pool, envelope: envelope_pb2.Envelope) -> None:
    """A state change and the event announcing it, in one transaction (the outbox pattern)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO lives (id, title) VALUES ($1, $2)", envelope.subject, "all-hands")
        await add_event(conn, envelope)


async def outbox_rows(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM outbox")


async def test_outbox_survives_nats_being_down(probe: Probe, nats_server: NatsCluster) -> None:
    """DESIGN outbox rule: events committed while NATS is down are kept and published once it is
    back, each exactly once (Nats-Msg-Id = event id), and the outbox drains."""
    relay = OutboxRelay(probe.pool, probe.js, SCHEMA, poll_interval_s=0.2, publish_timeout_s=0.5)
    await relay.start()
    try:
        # The relay works before the outage.
        first = live_started()
        await start_live(probe.pool, first)
        await eventually(lambda: equals(stream_count(probe.js), 1), timeout=10, what="first event on the stream")

        node = nats_server.nodes[0]
        node.stop()
        committed = [live_started(f"live {i}") for i in range(200)]
        for envelope in committed:
            await start_live(probe.pool, envelope)
        await asyncio.sleep(1.5)  # several relay attempts fail in this time
        assert relay.published == 1, "nothing can have been published while NATS was down"
        assert await outbox_rows(probe.pool) == 200, "no committed event may leave the outbox unpublished"
        assert await probe.pool.fetchval("SELECT max(attempts) FROM outbox") >= 1

        node.start()  # same port, same JetStream data

        await eventually(lambda: equals(outbox_rows(probe.pool), 0), timeout=30, what="outbox drained")
        await eventually(lambda: at_least(stream_count(probe.js), 201), timeout=10, what="201 events on the stream")
        await asyncio.sleep(0.5)  # a late duplicate would land in this window
        messages = await stream_messages(probe.js)
    finally:
        await relay.stop()

    assert len(messages) == 201
    ids = [events.Event.parse(m.data).id for m in messages]
    assert len(set(ids)) == 201
    assert set(ids) == {first.id, *(e.id for e in committed)}
    assert all(m.headers and m.headers["Nats-Msg-Id"] == events.Event.parse(m.data).id for m in messages)
    # Each event arrives byte for byte as committed.
    assert sorted(m.data for m in messages) == sorted(e.SerializeToString() for e in [first, *committed])


async def test_republished_event_is_dropped_by_the_stream(probe: Probe) -> None:
    """DESIGN outbox rule: a relay retry that re-publishes an event already on the stream (the
    row came back after its first publish) is dropped by the stream's duplicate window."""
    relay = OutboxRelay(probe.pool, probe.js, SCHEMA, poll_interval_s=0.2)
    await relay.start()
    try:
        envelope = live_started()
        await start_live(probe.pool, envelope)
        await eventually(lambda: equals(outbox_rows(probe.pool), 0), timeout=10, what="first publish")
        assert await stream_count(probe.js) == 1

        # The same row again, as after a crash between publish and delete.
        async with probe.pool.acquire() as conn, conn.transaction():
            await add_event(conn, envelope)
        await eventually(lambda: equals(outbox_rows(probe.pool), 0), timeout=10, what="second publish")
        assert relay.published == 2, "the relay did publish twice"
        await asyncio.sleep(0.3)
        messages = await stream_messages(probe.js)
    finally:
        await relay.stop()
    assert [events.Event.parse(m.data).id for m in messages] == [envelope.id]


async def test_rolled_back_change_publishes_nothing(probe: Probe) -> None:
    """DESIGN outbox rule: the event commits with its state change or not at all."""
    relay = OutboxRelay(probe.pool, probe.js, SCHEMA, poll_interval_s=0.2)
    await relay.start()
    try:
        doomed = live_started()
        with pytest.raises(asyncpg.UniqueViolationError):
            async with probe.pool.acquire() as conn, conn.transaction():
                await add_event(conn, doomed)
                await conn.execute("INSERT INTO lives (id, title) VALUES ($1, 'a')", doomed.subject)
                await conn.execute("INSERT INTO lives (id, title) VALUES ($1, 'b')", doomed.subject)

        kept = live_started()  # a later, committed change still goes out
        await start_live(probe.pool, kept)
        await eventually(lambda: equals(stream_count(probe.js), 1), timeout=10, what="the committed event")
        await asyncio.sleep(0.5)
        messages = await stream_messages(probe.js)
    finally:
        await relay.stop()
    assert [events.Event.parse(m.data).id for m in messages] == [kept.id]
    assert await outbox_rows(probe.pool) == 0
    assert await probe.pool.fetchval("SELECT count(*) FROM lives WHERE id = $1", doomed.subject) == 0


async def test_add_event_refuses_to_run_outside_a_transaction(probe: Probe) -> None:
    """DESIGN outbox rule: an event written outside the state change's transaction would be a
    dual write; add_event refuses it."""
    async with probe.pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            await add_event(conn, live_started())
    assert await outbox_rows(probe.pool) == 0


async def test_events_queued_together_go_out_in_their_order(probe: Probe) -> None:
    """Several events of one change in one round trip (add_events): all or none, in the order
    given, each once; outside a transaction it refuses as add_event does."""
    relay = OutboxRelay(probe.pool, probe.js, SCHEMA, poll_interval_s=0.2)
    await relay.start()
    try:
        together = [live_started(f"live {i}") for i in range(5)]
        async with probe.pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO lives (id, title) VALUES ($1, $2)", together[0].subject, "all-hands")
            await add_events(conn, together)
        await eventually(lambda: equals(stream_count(probe.js), 5), timeout=10, what="five events on the stream")
        await asyncio.sleep(0.3)
        messages = await stream_messages(probe.js)
    finally:
        await relay.stop()
    assert [events.Event.parse(m.data).id for m in messages] == [e.id for e in together]
    async with probe.pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            await add_events(conn, [live_started(), live_started()])
    assert await outbox_rows(probe.pool) == 0
