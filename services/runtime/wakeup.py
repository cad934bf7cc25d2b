"""A PostgreSQL NOTIFY channel as an asyncio event, so a background loop (outbox relay, timer
worker) reacts to a commit at once instead of at its next poll.

The LISTEN connection is a supervised loop: when it is lost (PostgreSQL restarted, the network
cut) the listener connects and listens again with back-off, and once it listens it wakes its
waiters once, because a commit may have gone unheard in between. Until then the waiters fall
back to their poll, so a lost listener costs latency, never an event. A keep-alive query every
few seconds finds a connection that died without telling (a half-open socket).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from services.runtime.supervisor import Loop, Supervisor

KEEPALIVE_S = 5.0
KEEPALIVE_TIMEOUT_S = 5.0


def channel(schema: str, purpose: str) -> str:
    """`<schema>_<purpose>`: what writers pass to pg_notify and the Wakeup listens on."""
    return f"{schema}_{purpose}"


class Wakeup:
    def __init__(self, pool: asyncpg.Pool, channel_name: str) -> None:
        self._pool = pool
        self._channel = channel_name
        self._event = asyncio.Event()
        self._loop: Loop | None = None
        # True while a connection is LISTENing; false from the moment it is lost.
        self.listening = False
        # Times the listener started listening (1 at start; more after reconnects).
        self.listens = 0
        self._cleaning: set[asyncio.Task] = set()

    async def start(self, supervisor: Supervisor) -> None:
        self._loop = supervisor.start(f"listen {self._channel}", self._listen)

    async def stop(self) -> None:
        if self._loop is not None:
            await self._loop.stop()
            self._loop = None
        if self._cleaning:
            await asyncio.wait(set(self._cleaning), timeout=5)

    async def _listen(self, loop: Loop) -> None:
        conn = await self._pool.acquire()
        lost = asyncio.Event()

        def on_lost(_: object) -> None:
            lost.set()

        try:
            conn.add_termination_listener(on_lost)
            await conn.add_listener(self._channel, self._on_notify)
            self.listening = True
            self.listens += 1
            self._event.set()  # whatever committed while nobody listened is looked at now
            loop.healthy()
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), KEEPALIVE_S)
                except TimeoutError:
                    await conn.fetchval("SELECT 1", timeout=KEEPALIVE_TIMEOUT_S)
            raise ConnectionError(f"the connection listening on {self._channel} was lost")
        finally:
            self.listening = False
            await self._let_go(conn, on_lost)

    async def _let_go(self, conn: PoolConnectionProxy, on_lost: Callable[[object], None]) -> None:
        # On stop this runs while the task is being cancelled (repeatedly): the clean-up runs in
        # a task of its own that a cancellation cannot cut short, since a connection never
        # released would keep the pool's close() waiting. A connection that died was already
        # taken back by the pool; the calls then fail and there is nothing left to give back.
        async def clean_up() -> None:
            try:
                conn.remove_termination_listener(on_lost)
                await conn.remove_listener(self._channel, self._on_notify)
            except Exception:
                try:
                    conn.terminate()  # in an unknown state (a query cut short): not for others
                except Exception:
                    pass
            try:
                await self._pool.release(conn)
            except Exception:
                pass

        task = asyncio.create_task(clean_up())
        self._cleaning.add(task)
        task.add_done_callback(self._cleaning.discard)
        await asyncio.shield(task)

    def _on_notify(self, *_: object) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def notify(self) -> None:
        """Wake the waiters now (as a notification would)."""
        self._event.set()

    async def wait(self, timeout_s: float) -> None:
        """Until a notification arrives or `timeout_s` passes."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            pass
