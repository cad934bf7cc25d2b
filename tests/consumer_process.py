"""A durable consumer of stream PROBE in a process of its own, for tests that kill it mid-event.

    python -m tests.consumer_process <nats urls> <database url> <durable>

Its handler notes in table `started` (committed at once, on a connection of its own) that it took
an event, then never finishes one titled "stall": SIGKILL finds it in the middle of that event.
Anything else it handles as the tests' record_effect does. Prints "ready" once it consumes.
"""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg

from convene.live.v1 import events_pb2 as live_events
from services.runtime import bus, db, events
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from tests.runtime_probe import EVENT_TYPE, SCHEMA


async def main(nats_urls: str, database_url: str, durable: str) -> None:
    pool = await db.create_pool(database_url, SCHEMA, min_size=1, max_size=4)
    nc = await bus.connect(nats_urls.split(","), name="consumer-process")

    async def handle(event: events.Event, conn: db.Connection) -> None:
        title = event.payload(live_events.SessionStarted).live.title
        noted = await asyncpg.connect(database_url, server_settings={"search_path": SCHEMA})
        try:
            await noted.execute("INSERT INTO started (event_id, pid) VALUES ($1, $2)", event.id, os.getpid())
        finally:
            await noted.close()
        if title == "stall":
            await asyncio.sleep(3600)
        await conn.execute("INSERT INTO effects (event_id, title, attempt) VALUES ($1, $2, $3)",
                           event.id, title, event.num_delivered)

    consumer = DurableConsumer(ConsumerSpec(durable=durable, source=SCHEMA, subjects=[EVENT_TYPE], handler=handle),
                               nc, pool, replicas=1)
    await consumer.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
