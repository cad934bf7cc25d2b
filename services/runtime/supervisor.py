"""Supervised background work: every long-running loop of a service runs under one supervisor.

A loop is `async def body(loop: Loop) -> None` that is meant to run until cancelled (the outbox
relay, the timer worker, a NOTIFY listener, a durable consumer, the revocation watch, sweeps).
The supervisor:
- catches everything but cancellation, backs off (0.1 s doubling to 5 s) and runs the body
  again; a body that returns is restarted too: a loop that ends silently is what left a service
  publishing nothing after a PostgreSQL restart;
- keeps each loop's state, up or down with the error, and logs only when it changes: one
  "background loop failed" line (with the traceback when the cause is not a dependency outage,
  which would be a bug) and one "background loop restored" line with how long it was down;
- tells a listener (the replica's Health) of each change, so a loop that cannot run makes its
  replica NOT_SERVING. A loop of one object's own (a live's room) is started with
  `readiness=False`: a bug in it must not take every replica out of rotation, and its
  dependencies' outages already show through the probes; it is still restarted, logged and
  counted (`convene_loops_down`).

A body reports progress with `loop.healthy()` after each step that worked (cheap: a flag test),
and that it cannot make progress without ending with `loop.failing(error)` (a consumer holding
an event while PostgreSQL is away). A restarted loop stays down until it reports progress.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

from services.runtime.dependencies import describe, unavailable_dependency
from services.runtime.logs import get_logger
from services.runtime.tasks import cancel_and_wait

log = get_logger(__name__)

LoopBody = Callable[["Loop"], Awaitable[None]]
StateListener = Callable[["Loop"], None]


class LoopEnded(Exception):
    """A supervised body returned; it is restarted like one that failed."""


class Loop:
    """One supervised loop: its state, and the handle its body reports through."""

    def __init__(self, name: str, on_change: StateListener | None, *, readiness: bool = True) -> None:
        self.name = name
        # Whether the replica's readiness follows this loop (see the module docstring).
        self.readiness = readiness
        self.up = True
        self.error = ""
        # What made it go down last (None: not a dependency outage).
        self.dependency: str | None = None
        self.restarts = 0
        # How many times it went from up to down.
        self.outages = 0
        self._down_since = 0.0
        self._on_change = on_change
        self._task: asyncio.Task | None = None
        # Set when the loop is being stopped: a body that returns then is done, not failed.
        self._finishing = False
        # Cuts the back-off short (its dependency is back).
        self._retry = asyncio.Event()

    def healthy(self) -> None:
        """The body made progress."""
        if self.up:
            return
        self.up = True
        down_s = round(time.monotonic() - self._down_since, 3)
        log.info("background loop restored", loop=self.name, down_s=down_s, restarts=self.restarts)
        if self._on_change is not None:
            self._on_change(self)

    def failing(self, error: BaseException | str) -> None:
        """The body cannot make progress now (it keeps running)."""
        self._down(error, restarting=False)

    def _down(self, error: BaseException | str, *, restarting: bool) -> None:
        text = describe(error) if isinstance(error, BaseException) else error
        dependency = unavailable_dependency(error) if isinstance(error, BaseException) else None
        self.error, self.dependency = text, dependency
        if not self.up:
            log.debug("background loop still down", loop=self.name, error=text)
            return
        self.up = False
        self.outages += 1
        self._down_since = time.monotonic()
        fields = {"loop": self.name, "error": text, "restarting": restarting}
        if dependency is not None:
            log.warning("background loop failed", dependency=dependency, **fields)
        elif isinstance(error, BaseException) and error.__traceback__ is not None:
            log.error("background loop failed", exc_info=error, **fields)
        else:
            log.error("background loop failed", **fields)
        if self._on_change is not None:
            self._on_change(self)

    def done(self) -> None:
        """The body's work is over for good (a room nobody watches any more): once it returns it
        is not run again, and the supervisor forgets it."""
        self._finishing = True

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def finish(self, timeout_s: float) -> None:
        """Let the body return by itself (it watches its own stop signal), cancelling it if it
        has not within `timeout_s`."""
        self._finishing = True
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            except TimeoutError:
                pass
            except Exception:
                pass
        await self.stop()

    async def stop(self) -> None:
        self._finishing = True
        await cancel_and_wait(self._task)


class Supervisor:
    """Starts loops and keeps them running; one per service process (tests make their own)."""

    def __init__(self, *, on_change: StateListener | None = None,
                 initial_backoff_s: float = 0.1, max_backoff_s: float = 5.0) -> None:
        self._on_change = on_change
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self.loops: list[Loop] = []

    def start(self, name: str, body: LoopBody, *, readiness: bool = True) -> Loop:
        loop = Loop(name, self._on_change, readiness=readiness)
        loop._task = asyncio.create_task(self._supervise(loop, body), name=name)
        self.loops.append(loop)
        return loop

    def down(self) -> list[Loop]:
        return [loop for loop in self.loops if not loop.up]

    def retry_now(self, dependency: str) -> None:
        """`dependency` is reachable again: loops backing off because of it start at once,
        rather than after what is left of a back-off that may have grown to seconds."""
        for loop in self.loops:
            if not loop.up and loop.dependency == dependency:
                loop._retry.set()

    async def stop(self, loop: Loop) -> None:
        await loop.stop()
        self._forget(loop)

    def _forget(self, loop: Loop) -> None:
        if loop in self.loops:
            self.loops.remove(loop)
        if not loop.up:  # a loop that is gone is no longer down: the listener forgets it
            loop.up = True
            if self._on_change is not None:
                self._on_change(loop)

    async def stop_all(self) -> None:
        """Stop every loop still running, the last started first."""
        for loop in reversed(list(self.loops)):
            await self.stop(loop)

    async def _supervise(self, loop: Loop, body: LoopBody) -> None:
        structlog.contextvars.bind_contextvars(loop=loop.name)  # this task's own context
        failures = 0
        while True:
            try:
                await body(loop)
                if loop._finishing:
                    self._forget(loop)
                    return
                error: BaseException = LoopEnded("the loop returned")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if loop._finishing:
                    return
                error = exc
            # Back-off grows while the loop fails without having recovered in between.
            failures = 1 if loop.up else failures + 1
            loop._down(error, restarting=True)
            loop.restarts += 1
            loop._retry.clear()
            try:
                await asyncio.wait_for(loop._retry.wait(),
                                       min(self._max_backoff_s, self._initial_backoff_s * 2 ** (failures - 1)))
            except TimeoutError:
                pass
