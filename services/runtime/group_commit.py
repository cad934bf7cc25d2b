"""Group commit: requests about one key (a live, a chat) that arrive while a statement for that
key runs wait, then go in together in the next one. A lone request runs at once; in a storm one
round trip serves many. After each statement the requests that follow gather for `gather_s`: a
process that is CPU-bound in a storm spends less on a statement per one or two requests than the
wait costs in latency (measured for live joins and chat reads, docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

import asyncpg

from services.runtime.db import Connection

K = TypeVar("K", bound=Hashable)
A = TypeVar("A")
R = TypeVar("R")

# (connection, key, the requests' arguments) -> one result per request, in the same order.
BatchHandler = Callable[[Connection, K, list[A]], Awaitable[Sequence[R]]]


class GroupCommit(Generic[K, A, R]):
    def __init__(self, pool: asyncpg.Pool, handler: BatchHandler, *, gather_s: float = 0.005,
                 max_batch: int = 500) -> None:
        self._pool = pool
        self._handler = handler
        self._gather_s = gather_s
        self._max_batch = max_batch
        self._waiting: dict[K, list[tuple[A, asyncio.Future[R]]]] = {}
        self._busy: set[K] = set()
        self._tasks: set[asyncio.Task] = set()  # the loop keeps only weak references

    async def submit(self, key: K, argument: A) -> R:
        """This request's result, from the next statement for `key`."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append((argument, future))
        if key not in self._busy:
            self._start(key)
        return await future

    def _start(self, key: K) -> None:
        self._busy.add(key)
        task = asyncio.create_task(self._run(key), name=f"group-commit-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, key: K) -> None:
        try:
            # One connection for the whole storm: no pool release (and its reset) between batches.
            async with self._pool.acquire() as conn:
                while self._waiting.get(key):
                    batch = self._waiting[key][:self._max_batch]
                    del self._waiting[key][:self._max_batch]
                    try:
                        results = await self._handler(conn, key, [argument for argument, _ in batch])
                    except Exception as exc:  # each caller sees the failure as its own
                        for _, future in batch:
                            if not future.done():
                                future.set_exception(exc)
                        if conn.is_closed():
                            raise
                        continue
                    for (_, future), result in zip(batch, results):
                        if not future.done():
                            future.set_result(result)
                    await asyncio.sleep(self._gather_s)
        except Exception as exc:  # no connection to be had: everyone still waiting hears it
            for _, future in self._waiting.pop(key, []):
                if not future.done():
                    future.set_exception(exc)
        finally:
            self._busy.discard(key)
            if self._waiting.get(key):  # came while the connection went back to the pool
                self._start(key)
            else:
                self._waiting.pop(key, None)
