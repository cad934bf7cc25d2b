"""Retention: rows past their keep time are deleted in small batches by a job every replica
shares.

The job is a durable timer (`retention:prune`, runtime.timers) in each service's schema, so
exactly one replica runs each batch, and a restart loses nothing. A batch is one timer firing:
one short transaction that deletes at most RETENTION_BATCH rows of each table, skipping rows
that writers hold (`FOR UPDATE SKIP LOCKED`), so pruning never waits on a writer and a writer
waits at most for one small batch. When a table had a full batch the timer is set due again at
once (the next batch, likely on another replica); otherwise it waits RETENTION_EVERY_S.

The runtime prunes its own tables in every schema (consumers' inbox rows, idempotency records);
a service adds rules for its own data (notifications: inbox entries and read marks).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from services.runtime import metrics, timers
from services.runtime.db import Connection
from services.runtime.logs import get_logger
from services.runtime.settings import Settings

log = get_logger(__name__)

TIMER_KIND = "retention"
TIMER_KEY = "retention:prune"
# The first run after a start waits this long, so a rollout's start-up is not also a prune.
FIRST_RUN_AFTER_S = 60.0

# (connection, cutoff, batch size) -> (rows deleted, whether a full batch was found: more may wait)
Prune = Callable[[Connection, dt.datetime, int], Awaitable[tuple[int, bool]]]


@dataclass(frozen=True)
class Rule:
    """Rows of `table` older than `keep_s` go, `prune` says how."""

    table: str
    keep_s: float
    prune: Prune


def older_than(table: str, column: str) -> Prune:
    """Delete up to `batch` rows whose `column` is before the cutoff, skipping locked rows."""
    statement = (
        f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
        f"SELECT ctid FROM {table} WHERE {column} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))")

    async def prune(conn: Connection, cutoff: dt.datetime, batch: int) -> tuple[int, bool]:
        deleted = int((await conn.execute(statement, cutoff, batch)).split()[-1])
        return deleted, deleted >= batch

    return prune


def runtime_rules(settings: Settings) -> list[Rule]:
    return [
        Rule("inbox", settings.retention_inbox_s, older_than("inbox", "processed_at")),
        Rule("idempotency", settings.retention_idempotency_s, older_than("idempotency", "created_at")),
    ]


class Pruner:
    def __init__(self, rules: list[Rule], *, batch: int, every_s: float) -> None:
        self.rules = rules
        self._batch = batch
        self._every_s = every_s

    async def prune_batch(self, conn: Connection) -> tuple[dict[str, int], bool]:
        """One batch of every rule in the caller's transaction: (deleted by table, more waiting)."""
        now = await conn.fetchval("SELECT now()")
        deleted: dict[str, int] = {}
        more = False
        for rule in self.rules:
            count, full = await rule.prune(conn, now - dt.timedelta(seconds=rule.keep_s), self._batch)
            deleted[rule.table] = count
            more = more or full
        recorded = metrics.current.get()
        if recorded is not None:
            for table, count in deleted.items():
                if count:
                    recorded.pruned.labels(table).inc(count)
        return deleted, more

    async def on_due(self, timer: timers.Timer, conn: Connection) -> None:
        """The shared job: one batch, then the next run (at once while more is waiting)."""
        started = time.perf_counter()
        deleted, more = await self.prune_batch(conn)
        delay = 0.0 if more else self._every_s
        await timers.schedule(conn, TIMER_KEY, TIMER_KIND,
                              dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay))
        if any(deleted.values()):
            log.info("pruned past retention", deleted=deleted, more=more,
                     ms=round((time.perf_counter() - started) * 1000, 2))

    async def ensure_scheduled(self, pool: asyncpg.Pool) -> None:
        """Set the job's timer unless a replica already did (it then keeps its time)."""
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO timers (key, kind, due_at) VALUES ($1, $2, now() + make_interval(secs => $3))"
                " ON CONFLICT (key) DO NOTHING", TIMER_KEY, TIMER_KIND, FIRST_RUN_AFTER_S)

    async def prune_all(self, pool: asyncpg.Pool) -> dict[str, int]:
        """Everything past retention, batch by batch, each in its own transaction (`convene prune`)."""
        total = {rule.table: 0 for rule in self.rules}
        while True:
            async with pool.acquire() as conn, conn.transaction():
                deleted, more = await self.prune_batch(conn)
            for table, count in deleted.items():
                total[table] += count
            if not more:
                return total
