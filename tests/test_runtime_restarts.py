"""PostgreSQL restarted again and again under the runtime's loops (outbox relay, its NOTIFY
wake-up, the timer worker, a durable consumer), over a durable embedded PostgreSQL that the test
stops and starts on the same port while events flow.

Before the loops were supervised, the relay ended on asyncpg's `InternalClientError: cannot
switch to state 15` (a transaction whose connection died under it) in about 2 of 12 such
rounds, silently, and the LISTEN connection never came back. Here every round must end with the
relay publishing, the wake-ups listening again, timers firing and the consumer handling, every
event exactly once; and the replica's health must say NOT_SERVING while the database is away.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from grpc_health.v1._async import HealthServicer
from nats.aio.client import Client as NATS

from infra.embedded import EmbeddedPostgres, NatsCluster
from services.runtime import bus, db, events, timers
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from services.runtime.dependencies import POSTGRESQL, unavailable_dependency
from services.runtime.health import Health, start_probes
from services.runtime.outbox import OutboxRelay, add_event
from services.runtime.supervisor import Supervisor
from services.runtime.timers import Timer, TimerWorker
from tests.harness import eventually
from tests.runtime_probe import EVENT_TYPE, SCHEMA, STREAM, live_started

ROUNDS = 10
DOWN_S = 0.5
# The relay's fallback poll, long on purpose: an event that leaves sooner was sent by NOTIFY.
POLL_S = 5.0


@pytest.fixture(scope="module")
async def durable_postgres(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("restarted-postgres"), durable=True)
    server.start()
    await db.ensure_database(server.url, "restarts")
    yield server
    server.stop()


class Parts:
    """What a service process runs, built by hand so the test can reach every part."""

    def __init__(self, pool: asyncpg.Pool, nc: NATS, dsn: str) -> None:
        self.pool = pool
        self.health = Health(HealthServicer())
        self.supervisor = Supervisor(on_change=self.health.loop_changed)
        self.health.on_restored.append(self.supervisor.retry_now)
        self.relay = OutboxRelay(pool, nc.jetstream(), SCHEMA, poll_interval_s=POLL_S,
                                 supervisor=self.supervisor)
        self.timers = TimerWorker(pool, SCHEMA, {"remind": self._fired}, supervisor=self.supervisor)
        self.consumer = DurableConsumer(
            ConsumerSpec(durable="probe--effects", source=SCHEMA, subjects=[EVENT_TYPE], handler=self._effect),
            nc, pool, replicas=1, supervisor=self.supervisor, health=self.health)
        self._nc, self._dsn = nc, dsn

    @staticmethod
    async def _fired(timer: Timer, conn: db.Connection) -> None:
        await conn.execute("INSERT INTO fired (key) VALUES ($1)", timer.key)

    @staticmethod
    async def _effect(event: events.Event, conn: db.Connection) -> None:
        await conn.execute("INSERT INTO effects (event_id) VALUES ($1)", event.id)

    async def start(self) -> None:
        self.supervisor.start("health", self.health.publisher([]))
        start_probes(self.supervisor, self.health, dsn=self._dsn, pool=self.pool, nc=self._nc,
                     service=SCHEMA)
        await self.relay.start()
        await self.timers.start()
        await self.consumer.start()
        self.health.ready()

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.timers.stop()
        await self.relay.stop()
        await self.supervisor.stop_all()


@pytest.fixture
async def parts(durable_postgres: EmbeddedPostgres, nats_server: NatsCluster, tmp_path: Path) -> AsyncIterator[Parts]:
    dsn = durable_postgres.dsn("restarts")
    pool = await db.create_pool(dsn, SCHEMA, min_size=2, max_size=8)
    (tmp_path / "migrations").mkdir()
    await db.migrate(pool, SCHEMA, tmp_path / "migrations")
    await pool.execute("CREATE TABLE lives (id text PRIMARY KEY, title text NOT NULL);"
                       " CREATE TABLE fired (key text NOT NULL);"
                       " CREATE TABLE effects (n bigserial PRIMARY KEY, event_id text NOT NULL)")
    nc = await bus.connect(nats_server.urls.split(","), name="restarts-probe")
    await bus.ensure_stream(nc, STREAM, replicas=1)
    running = Parts(pool, nc, dsn)
    await running.start()
    yield running
    await running.stop()
    await nc.close()
    await pool.close()


async def test_every_loop_survives_postgres_restarting_while_events_flow(
        parts: Parts, durable_postgres: EmbeddedPostgres) -> None:
    committed: list[str] = []  # events whose commit returned (a commit cut off may still land)
    timer_keys: list[str] = []
    writing = asyncio.Event()
    writing.set()

    async def write() -> None:
        # Its own connections: a new one per transaction, as requests would get.
        while writing.is_set():
            envelope = live_started(f"live {len(committed)}")
            key = f"remind:{envelope.subject}"
            try:
                conn = await asyncpg.connect(durable_postgres.dsn("restarts"), timeout=2,
                                             server_settings={"search_path": SCHEMA})
                try:
                    async with conn.transaction():
                        await conn.execute("INSERT INTO lives (id, title) VALUES ($1, 'x')", envelope.subject)
                        await add_event(conn, envelope)
                        await timers.schedule(conn, key, "remind",
                                              dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=200))
                finally:
                    await conn.close(timeout=2)
            except Exception as exc:  # asyncpg's InternalClientError too: what ended the relay
                assert unavailable_dependency(exc) == POSTGRESQL, exc
                await asyncio.sleep(0.05)
                continue
            committed.append(envelope.id)
            timer_keys.append(key)
            await asyncio.sleep(0.005)

    not_serving_seen = 0
    serving_now = asyncio.Event()

    async def watch_health() -> None:
        nonlocal not_serving_seen
        was = True
        while True:
            now = parts.health.serving
            if was and not now:
                not_serving_seen += 1
            (serving_now.set if now else serving_now.clear)()
            was = now
            await asyncio.sleep(0.02)

    writer = asyncio.create_task(write())
    watcher = asyncio.create_task(watch_health())
    listens_before = parts.relay._wake.listens
    try:
        for round_ in range(ROUNDS):
            await eventually(_grown_to(committed, 20 * (round_ + 1)), timeout=30,
                             what="events committed before the restart")
            await asyncio.to_thread(durable_postgres.stop, immediate=round_ % 2 == 1)
            await asyncio.sleep(DOWN_S)
            await asyncio.to_thread(durable_postgres.start)
            await asyncio.wait_for(serving_now.wait(), 30)
            assert not_serving_seen == round_ + 1, f"round {round_}: health never said NOT_SERVING"
        await asyncio.sleep(0.3)
    finally:
        writing.clear()
        await writer
        watcher.cancel()

    # Everything drains: outbox empty, every timer fired, every event handled once.
    await eventually(lambda: _equals(parts.pool.fetchval("SELECT count(*) FROM outbox"), 0), timeout=30,
                     what="the outbox drained")
    await eventually(lambda: _equals(parts.pool.fetchval("SELECT count(*) FROM timers"), 0), timeout=30,
                     what="every timer fired")
    published = await parts.pool.fetch("SELECT l.id FROM lives l")
    await eventually(lambda: _equals(parts.pool.fetchval("SELECT count(DISTINCT event_id) FROM effects"),
                                     len(published)), timeout=30, what="every event handled")
    effects = [r["event_id"] for r in await parts.pool.fetch("SELECT event_id FROM effects")]
    assert len(effects) == len(set(effects)), "an event had two effects"
    assert set(committed) <= set(effects), "a committed event was never handled"
    fired = [r["key"] for r in await parts.pool.fetch("SELECT key FROM fired")]
    assert len(fired) == len(set(fired)) and set(timer_keys) <= set(fired)
    assert all(loop.up for loop in parts.supervisor.loops), [loop.name for loop in parts.supervisor.down()]
    assert parts.health.serving

    # The wake-ups listen again (once per restart, at least), so events leave at once, not at
    # the 5 s poll.
    assert parts.relay._wake.listening and parts.relay._wake.listens >= listens_before + ROUNDS
    for _ in range(3):
        envelope = live_started("after the restarts")
        sent_at = time.monotonic()
        async with parts.pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO lives (id, title) VALUES ($1, 'x')", envelope.subject)
            await add_event(conn, envelope)
        await eventually(_handled(parts.pool, envelope.id), timeout=10, every=0.01, what="the event handled")
        assert time.monotonic() - sent_at < 1.0, "the relay waited for its poll: NOTIFY is not heard"


async def _equals(value: Awaitable[object], expected: object) -> bool:
    return (await value) == expected


def _grown_to(items: list[str], count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(items) >= count

    return check


def _handled(pool: asyncpg.Pool, event_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await pool.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", event_id) == 1

    return check


async def test_the_signing_keys_loop_is_back_as_soon_as_postgres_is(
        durable_postgres: EmbeddedPostgres, nats_server: NatsCluster, tmp_path: Path) -> None:
    """The key ring reloads its keys every so often; a reload that failed while PostgreSQL was
    away is made again as soon as it is back, not an interval later (until then the replica is
    not SERVING)."""
    from services.runtime.keys import KeyRing, KeySet

    dsn = durable_postgres.dsn("restarts")
    pool = await db.create_pool(dsn, "keyring_probe", min_size=1, max_size=2)
    nc = await bus.connect(nats_server.urls.split(","), name="keyring-probe")
    keyset = KeySet()
    supervisor = Supervisor()
    await keyset.start(nc, 1)
    ring = KeyRing(pool, "keyring-probe", keyset, longest_claim_s=3600)
    try:
        (tmp_path / "migrations").mkdir()
        await db.migrate(pool, "keyring_probe", tmp_path / "migrations")  # the runtime's tables
        await ring.start(reload_s=0.05, supervisor=supervisor)
        [loop] = supervisor.loops
        await asyncio.to_thread(durable_postgres.stop, immediate=True)
        try:
            await eventually(lambda: _true(not loop.up), timeout=10, what="the reload failing")
            ring._reload_s = 3600  # the next reload an hour away: only a reload at once brings it back
        finally:
            await asyncio.to_thread(durable_postgres.start)
        await eventually(lambda: _true(loop.up), timeout=20, what="the signing keys loop back")
    finally:
        await ring.stop()
        await supervisor.stop_all()
        await keyset.stop()
        await nc.close()
        await pool.close()


async def _true(value: bool) -> bool:
    return value
