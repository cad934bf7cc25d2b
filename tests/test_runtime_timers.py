"""Durable timers (SPEC F-43, and the reminders / ringing / replay delays built on them)."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

import asyncpg

from services.runtime import db, timers
from services.runtime.observe import Observability
from services.runtime.settings import Settings
from services.runtime.timers import Timer, TimerWorker
from tests.harness import eventually


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _pool(database_url: str) -> asyncpg.Pool:
    pool = await db.create_pool(database_url, "timertest", min_size=1, max_size=6)
    await db.migrate(pool, "timertest", Path(tempfile.mkdtemp()))
    await pool.execute("CREATE TABLE fired (key text, at timestamptz DEFAULT now())")
    return pool


async def _record(timer: Timer, conn: db.Connection) -> None:
    await conn.execute("INSERT INTO fired (key) VALUES ($1)", timer.key)


async def _fired(pool: asyncpg.Pool) -> list[str]:
    return [r["key"] for r in await pool.fetch("SELECT key FROM fired ORDER BY at")]


async def test_timers_fire_once_at_their_time_moved_and_cancelled_ones_obey(database_url: str) -> None:
    pool = await _pool(database_url)
    worker = TimerWorker(pool, "timertest", {"remind": _record})
    await worker.start()
    async with pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "keep", "remind", _now() + dt.timedelta(seconds=0.6))
        await timers.schedule(conn, "moved", "remind", _now() + dt.timedelta(seconds=0.3))
        await timers.schedule(conn, "cancelled", "remind", _now() + dt.timedelta(seconds=0.3))
    async with pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "moved", "remind", _now() + dt.timedelta(seconds=1.2))
        assert await timers.cancel(conn, "cancelled")
    scheduled_at = _now()

    async def both_fired() -> bool:
        return len(await _fired(pool)) >= 2

    await eventually(both_fired, timeout=10, what="two timers")
    await asyncio.sleep(0.5)
    rows = await pool.fetch("SELECT key, at FROM fired ORDER BY at")
    assert [r["key"] for r in rows] == ["keep", "moved"]
    # "moved" fired at its new time, not its old one.
    assert rows[1]["at"] - scheduled_at >= dt.timedelta(seconds=1.1)
    await worker.stop()
    await pool.close()


async def test_a_timer_survives_a_restart_and_two_workers_fire_it_once(database_url: str) -> None:
    pool = await _pool(database_url)
    first = TimerWorker(pool, "timertest", {"remind": _record})
    await first.start()
    async with pool.acquire() as conn, conn.transaction():
        for i in range(20):
            await timers.schedule(conn, f"t{i}", "remind", _now() + dt.timedelta(seconds=1))
    await first.stop()  # the process "dies" during the wait

    replicas = [TimerWorker(pool, "timertest", {"remind": _record}) for _ in range(2)]
    for replica in replicas:
        await replica.start()

    async def all_fired() -> bool:
        return len(await _fired(pool)) >= 20

    await eventually(all_fired, timeout=10, what="20 timers after a restart")
    await asyncio.sleep(0.5)
    assert sorted(await _fired(pool)) == sorted(f"t{i}" for i in range(20))
    for replica in replicas:
        await replica.stop()
    await pool.close()


async def test_a_failing_handler_is_retried_and_its_effect_happens_once(database_url: str) -> None:
    pool = await _pool(database_url)
    failures = {"left": 1}

    async def flaky(timer: Timer, conn: db.Connection) -> None:
        await _record(timer, conn)  # rolled back when the handler fails below
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("media server busy")

    worker = TimerWorker(pool, "timertest", {"flaky": flaky})
    await worker.start()
    async with pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "x", "flaky", _now())

    async def fired() -> bool:
        return len(await _fired(pool)) == 1

    await eventually(fired, timeout=10, what="the retried timer")
    await asyncio.sleep(0.3)
    assert await _fired(pool) == ["x"]
    await worker.stop()
    await pool.close()


async def test_how_late_each_timer_fired_is_in_the_metrics(database_url: str) -> None:
    """convene_timer_lateness_seconds: one observation per timer fired, by kind, measured from its
    due time (a timer overdue when the worker starts, as after an outage, shows how late)."""
    pool = await _pool(database_url)
    observability = Observability(Settings(service_name="timertest"))
    assert observability.metrics is not None
    registry = observability.metrics.registry
    async with pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "overdue", "remind", _now() - dt.timedelta(seconds=2))
        await timers.schedule(conn, "soon", "ring", _now() + dt.timedelta(seconds=0.2))
    worker = TimerWorker(pool, "timertest", {"remind": _record, "ring": _record},
                         on_fired=observability.timer_fired)
    await worker.start()
    try:
        await eventually(lambda: _count(pool, 2), timeout=10, what="both timers fired")
    finally:
        await worker.stop()
        await pool.close()

    def sample(name: str, **labels: str) -> float:
        return registry.get_sample_value(f"convene_timer_lateness_seconds_{name}", labels) or 0.0

    assert sample("count", kind="remind") == 1 and sample("count", kind="ring") == 1
    # The overdue one was at least its 2 s late; nothing says how punctual a busy machine is.
    assert sample("sum", kind="remind") >= 2.0
    assert sample("bucket", kind="remind", le="1.0") == 0 and sample("bucket", kind="remind", le="+Inf") == 1


async def _count(pool: asyncpg.Pool, expected: int) -> bool:
    return len(await _fired(pool)) >= expected
