"""Stopping background tasks for sure; asking independent questions at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel `task` until it is done. One cancel is not always enough: on Python 3.11, an
    `asyncio.wait_for` whose awaited event fires at the same moment returns the result and drops
    the cancellation, and a `while True` loop around it would then run forever."""
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if not task.cancelled():
        task.exception()  # retrieved: a task that failed before the stop logged its own error


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Two independent awaitables at once. When either fails, the first one's error (in argument
    order) is the one raised, as if they had been awaited one after the other."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results[0], results[1]  # type: ignore[return-value]
