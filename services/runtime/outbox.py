"""Transactional outbox and its relay.

`add_event(conn, envelope)` runs inside the caller's transaction, so the state change and the
event commit together or not at all. The relay publishes committed rows to JetStream with
`Nats-Msg-Id` = event id (the stream drops a copy re-published within its duplicate window),
then deletes them. NATS down or a stream without a leader: rows stay and are retried with
back-off; nothing is lost, nothing doubled. The relay is a supervised loop: an exception from
the database (PostgreSQL restarting) makes it back off and start again, never end; failed
publishes mark it down (logged once) until a batch goes out whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from nats.js import JetStreamContext

from convene.events.v1 import envelope_pb2
from services.runtime import tracing
from services.runtime.db import Connection
from services.runtime.dependencies import describe
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor
from services.runtime.wakeup import Wakeup, channel

log = get_logger(__name__)


async def add_event(conn: Connection, envelope: envelope_pb2.Envelope) -> None:
    """Queue an event in the current transaction (the caller must hold one)."""
    if not conn.is_in_transaction():
        raise RuntimeError("add_event needs the transaction of the state change it announces")
    # One round trip; the notification is delivered on commit and wakes the relay at once.
    await conn.execute(
        "WITH queued AS (INSERT INTO outbox (event_id, subject, envelope) VALUES ($1, $2, $3) RETURNING 1)"
        " SELECT pg_notify(current_schema() || '_outbox', '') FROM queued",
        envelope.id, envelope.type, envelope.SerializeToString(),
    )


async def add_events(conn: Connection, envelopes: Sequence[envelope_pb2.Envelope]) -> None:
    """Several events of one change in the current transaction, in one round trip; they take
    outbox positions, and so go out, in the order given."""
    if not conn.is_in_transaction():
        raise RuntimeError("add_events needs the transaction of the state change it announces")
    if len(envelopes) <= 1:
        for envelope in envelopes:
            await add_event(conn, envelope)
        return
    await conn.execute(
        "WITH queued AS (INSERT INTO outbox (event_id, subject, envelope)"
        "   SELECT event_id, subject, envelope"
        "   FROM unnest($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY AS e (event_id, subject, envelope, n)"
        "   ORDER BY n RETURNING 1)"
        " SELECT pg_notify(current_schema() || '_outbox', '') FROM queued LIMIT 1",
        [e.id for e in envelopes], [e.type for e in envelopes], [e.SerializeToString() for e in envelopes],
    )


class OutboxRelay:
    """Publishes outbox rows in order; several replicas share the work (FOR UPDATE SKIP LOCKED)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        schema: str,
        *,
        batch_size: int = 256,
        poll_interval_s: float = 1.0,
        publish_timeout_s: float = 2.0,
        max_backoff_s: float = 0.5,
        supervisor: Supervisor | None = None,
    ) -> None:
        self._pool = pool
        self._js = js
        self._schema = schema
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._max_backoff_s = max_backoff_s
        self._supervisor = supervisor or Supervisor()
        self._wake = Wakeup(pool, channel(schema, "outbox"))
        self._loop: Loop | None = None
        self._stopping = False
        self.published = 0
        # Batches that did not go out whole (NATS away, a stream without a leader).
        self.failed_batches = 0
        self.last_error: BaseException | None = None

    async def start(self) -> None:
        self._stopping = False
        await self._wake.start(self._supervisor)
        self._loop = self._supervisor.start(f"outbox relay {self._schema}", self._run)

    async def stop(self) -> None:
        """Let the batch in hand finish (published rows deleted, not published again after a
        restart), then stop."""
        self._stopping = True
        if self._loop is not None:
            self._wake.notify()
            await self._loop.finish(timeout_s=self._publish_timeout_s + 1)
            await self._supervisor.stop(self._loop)
            self._loop = None
        await self._wake.stop()

    async def _run(self, loop: Loop) -> None:
        """Database errors end this body; the supervisor backs off and runs it again."""
        failures = 0
        while not self._stopping:
            self._wake.clear()
            sent, complete = await self.publish_batch()
            if not complete:
                failures += 1
                loop.failing(self.last_error or "a batch did not go out whole")
                await asyncio.sleep(min(self._max_backoff_s, 0.05 * 2**min(failures, 8)))
                continue
            failures = 0
            loop.healthy()
            if sent == self._batch_size:
                continue  # more are waiting
            await self._wake.wait(self._poll_interval_s)

    async def publish_batch(self) -> tuple[int, bool]:
        """Publish up to one batch. Returns (published, whether every row went out)."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT position, event_id, subject, envelope FROM outbox"
                " ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
            )
            if not rows:
                return 0, True
            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            # Only a prefix counts as sent, to keep per-subject order on the next try.
            sent = []
            for row, result in zip(rows, results):
                if isinstance(result, BaseException):
                    break
                sent.append(row["position"])
            if sent:
                await conn.execute("DELETE FROM outbox WHERE position = ANY($1::bigint[])", sent)
            if len(sent) < len(rows):
                failed = rows[len(sent)]
                error = results[len(sent)]
                assert isinstance(error, BaseException)
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1 WHERE position = $1", failed["position"]
                )
                self.failed_batches += 1
                self.last_error = error
                # Logged once per outage by the loop's state (failing / restored).
                log.debug("outbox publish failed; will retry", event_id=failed["event_id"],
                          subject=failed["subject"], error=describe(error))
        self.published += len(sent)
        return len(sent), len(sent) == len(rows)

    async def _publish(self, row: asyncpg.Record) -> None:
        headers = {"Nats-Msg-Id": row["event_id"]}
        if tracing.current.get() is not None:
            # The event's trace in the NATS headers too, for tools that read headers only.
            parent = envelope_pb2.Envelope.FromString(bytes(row["envelope"])).traceparent
            if parent:
                headers[tracing.HEADER] = parent
        await self._js.publish(
            row["subject"],
            bytes(row["envelope"]),
            timeout=self._publish_timeout_s,
            headers=headers,
        )
