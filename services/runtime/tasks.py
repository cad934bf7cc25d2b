"""Stopping background tasks for sure."""

from __future__ import annotations

import asyncio


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
