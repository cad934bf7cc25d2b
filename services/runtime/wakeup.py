"""A PostgreSQL NOTIFY channel as an asyncio event, so a background loop (outbox relay, timer
worker) reacts to a commit at once instead of at its next poll."""

from __future__ import annotations

import asyncio

import asyncpg
from asyncpg.pool import PoolConnectionProxy


def channel(schema: str, purpose: str) -> str:
    """`<schema>_<purpose>`: what writers pass to pg_notify and the Wakeup listens on."""
    return f"{schema}_{purpose}"


class Wakeup:
    def __init__(self, pool: asyncpg.Pool, channel_name: str) -> None:
        self._pool = pool
        self._channel = channel_name
        self._event = asyncio.Event()
        self._listener: PoolConnectionProxy | None = None

    async def start(self) -> None:
        self._listener = listener = await self._pool.acquire()
        await listener.add_listener(self._channel, self._on_notify)

    def _on_notify(self, *_: object) -> None:
        self._event.set()

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.remove_listener(self._channel, self._on_notify)
            await self._pool.release(self._listener)
            self._listener = None

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout_s: float) -> None:
        """Until a notification arrives or `timeout_s` passes."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            pass
