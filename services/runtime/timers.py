"""Durable timers in PostgreSQL.

`schedule(conn, key, kind, due_at, payload)` and `cancel(conn, key)` run in the caller's
transaction: a moved meeting can never remind at its old time, a cancelled one never rings.
A `TimerWorker` per replica sleeps until the next due time (woken early by NOTIFY when a sooner
timer is scheduled), claims due rows with FOR UPDATE SKIP LOCKED, and runs each handler in the
transaction that deletes the row: the effect happens once, even across restarts and replicas.
The worker is a supervised loop: a database error makes it back off and start again. A handler
that fails because a dependency is unreachable is retried a second later without growing its
back-off, so a reminder due during an outage fires right after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import structlog

from services.runtime.db import Connection
from services.runtime.dependencies import describe, unavailable_dependency
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor
from services.runtime.wakeup import Wakeup, channel

log = get_logger(__name__)


@dataclass(frozen=True)
class Timer:
    key: str
    kind: str
    due_at: dt.datetime
    payload: bytes
    attempts: int


TimerHandler = Callable[[Timer, Connection], Awaitable[None]]
# Told of each timer fired and how late (seconds past its due time, by the database's clock).
FiredListener = Callable[[Timer, float], None]


async def schedule(conn: Connection, key: str, kind: str, due_at: dt.datetime, payload: bytes = b"", *,
                   keep_existing: bool = False) -> None:
    """Set (or move) the timer `key` to fire at `due_at`. With `keep_existing`, a timer already set
    for `key` stays as it is (work that many changes share, done once after the first of them)."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    on_conflict = ("DO NOTHING" if keep_existing
                   else "DO UPDATE SET kind = $2, due_at = $3, payload = $4, attempts = 0")
    # One round trip; the notification (on commit) wakes the workers if this one is sooner.
    await conn.execute(
        "WITH set AS (INSERT INTO timers (key, kind, due_at, payload) VALUES ($1, $2, $3, $4)"
        f" ON CONFLICT (key) {on_conflict} RETURNING 1)"
        " SELECT pg_notify(current_schema() || '_timers', '') FROM set",
        key, kind, due_at, payload,
    )


async def cancel(conn: Connection, key: str) -> bool:
    return await conn.fetchval("DELETE FROM timers WHERE key = $1 RETURNING true", key) or False


async def cancel_prefix(conn: Connection, prefix: str) -> int:
    """Cancel every timer whose key starts with `prefix` (all reminders of one meeting, say)."""
    deleted = await conn.fetch("DELETE FROM timers WHERE starts_with(key, $1) RETURNING key", prefix)
    return len(deleted)


class TimerWorker:
    def __init__(self, pool: asyncpg.Pool, schema: str, handlers: dict[str, TimerHandler], *,
                 batch_size: int = 100, max_sleep_s: float = 1.0, supervisor: Supervisor | None = None,
                 on_fired: FiredListener | None = None) -> None:
        self._pool = pool
        self._on_fired = on_fired
        self._schema = schema
        self._handlers = handlers
        self._batch_size = batch_size
        self._max_sleep_s = max_sleep_s
        self._supervisor = supervisor or Supervisor()
        self._wake = Wakeup(pool, channel(schema, "timers"))
        self._loop: Loop | None = None
        self.fired = 0
        # Handler failures (each is retried): refused, and dependencies unreachable.
        self.failed = 0
        self.deferred = 0
        self._deferred_by: BaseException | None = None

    async def start(self) -> None:
        await self._wake.start(self._supervisor)
        self._loop = self._supervisor.start(f"timers {self._schema}", self._run)

    async def stop(self) -> None:
        if self._loop is not None:
            await self._supervisor.stop(self._loop)
        await self._wake.stop()

    async def _run(self, loop: Loop) -> None:
        """Database errors end this body; the supervisor backs off and runs it again."""
        while True:
            self._wake.clear()
            self._deferred_by = None
            fired = await self.fire_due()
            sleep = 0.0 if fired == self._batch_size else await self._until_next()
            if self._deferred_by is not None:
                loop.failing(self._deferred_by)  # logged once, until timers fire again
            else:
                loop.healthy()
            if sleep > 0:
                await self._wake.wait(sleep)

    async def _until_next(self) -> float:
        async with self._pool.acquire() as conn:
            seconds = await conn.fetchval("SELECT extract(epoch FROM min(due_at) - now()) FROM timers")
        if seconds is None:
            return self._max_sleep_s
        return max(0.0, min(float(seconds), self._max_sleep_s))

    async def fire_due(self) -> int:
        """Fire the timers that are due now; returns how many were claimed."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM timers WHERE due_at <= now() ORDER BY due_at LIMIT $1", self._batch_size)
            for row in rows:
                await self._fire(conn, Timer(row["key"], row["kind"], row["due_at"], bytes(row["payload"]),
                                             row["attempts"]))
        return len(rows)

    async def _fire(self, conn: Connection, timer: Timer) -> None:
        handler = self._handlers.get(timer.kind)
        with structlog.contextvars.bound_contextvars(timer_key=timer.key, timer_kind=timer.kind):
            try:
                async with conn.transaction():
                    # Claim under lock: another replica may have fired it, or its owner moved it.
                    current = await conn.fetchrow(
                        "SELECT due_at, extract(epoch FROM clock_timestamp() - due_at) AS late_s FROM timers"
                        " WHERE key = $1 AND due_at <= now() FOR UPDATE SKIP LOCKED", timer.key)
                    if current is None or current["due_at"] != timer.due_at:
                        return
                    # Deleted before the handler runs, so the handler may set the same key again
                    # (a next step); a failing handler rolls the deletion back.
                    await conn.execute("DELETE FROM timers WHERE key = $1", timer.key)
                    if handler is None:
                        log.error("no handler for timer kind; dropped")
                    else:
                        await handler(timer, conn)
                self.fired += 1
                if self._on_fired is not None:
                    # Lateness of a retried timer counts from its retry, as due_at moved to it.
                    self._on_fired(timer, float(current["late_s"]))
            except Exception as exc:
                if unavailable_dependency(exc) is not None:
                    # Not the timer's fault: try again soon, back-off unchanged. (With the
                    # database itself away this update fails too and the worker backs off.)
                    self.deferred += 1
                    self._deferred_by = exc
                    log.debug("timer deferred: a dependency is unreachable", error=describe(exc))
                    await conn.execute("UPDATE timers SET due_at = now() + interval '1 second' WHERE key = $1",
                                       timer.key)
                    return
                self.failed += 1
                log.warning("timer handler failed; will retry", error=describe(exc), attempt=timer.attempts + 1)
                await conn.execute(
                    "UPDATE timers SET attempts = attempts + 1,"
                    " due_at = now() + make_interval(secs => least(60, 2 ^ least(attempts, 6)))"
                    " WHERE key = $1", timer.key)
