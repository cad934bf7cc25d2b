"""A probe service for the runtime tests: its own schema with only the runtime's tables (outbox,
inbox) plus a `lives` table, a NATS connection, and stream PROBE holding `probe.v1.*.*`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from convene.events.v1 import envelope_pb2
from convene.live.v1 import events_pb2 as live_events
from convene.live.v1 import live_pb2
from infra.embedded import NatsCluster
from services.runtime import bus, db, events
from services.runtime.ids import new_id

SCHEMA = "probe"
STREAM = bus.StreamSpec.for_service(SCHEMA)
EVENT_TYPE = "probe.v1.session.started"


@dataclass
class Probe:
    pool: asyncpg.Pool
    nc: NATS

    @property
    def js(self) -> JetStreamContext:
        return self.nc.jetstream()


@pytest.fixture
async def probe(database_url: str, nats_server: NatsCluster, tmp_path: Path) -> AsyncIterator[Probe]:
    migrations = tmp_path / "no-service-migrations"
    migrations.mkdir()
    pool = await db.create_pool(database_url, SCHEMA, min_size=1, max_size=8)
    await db.migrate(pool, SCHEMA, migrations)
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE lives (id text PRIMARY KEY, title text NOT NULL)")
    nc = await bus.connect(nats_server.urls.split(","), name="runtime-probe")
    await bus.ensure_stream(nc, STREAM, replicas=1)
    yield Probe(pool, nc)
    try:
        await asyncio.wait_for(nc.close(), 5)
    finally:
        await pool.close()


def live_started(title: str = "all-hands") -> envelope_pb2.Envelope:
    live = live_pb2.Live(id=new_id("live"), title=title)
    return events.new_envelope(EVENT_TYPE, subject=live.id, payload=live_events.SessionStarted(live=live))


async def stream_count(js: JetStreamContext) -> int:
    return (await js.stream_info(STREAM.name)).state.messages


async def stream_messages(js: JetStreamContext) -> list:
    """Every message on stream PROBE, in stream order (with headers)."""
    info = await js.stream_info(STREAM.name)
    if info.state.messages == 0:
        return []
    return list(await asyncio.gather(
        *(js.get_msg(STREAM.name, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1))
    ))


async def equals(value: Awaitable[object], expected: object) -> bool:
    return (await value) == expected


async def at_least(value: Awaitable[int], expected: int) -> bool:
    return (await value) >= expected
