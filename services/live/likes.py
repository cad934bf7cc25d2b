"""Likes (SPEC F-29): cheap for the viewer, added up by the server.

Each replica adds up the taps it receives per live and writes them every `like_flush_s`: one
UPDATE per live and flush however fast viewers tap, then the new total goes to every replica
holding the room, whose streams show it with their next write. A call returns once its taps are
in PostgreSQL (so an acknowledged tap is never lost), with the total. Taps are checked against
the live and its audience as read at most a second ago (`VIEW_S`), not once per tap.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import asyncpg

from services.live import room_store
from services.live.room import require_on_air, require_visible
from services.live.room_fanout import RoomHub
from services.live.settings import LiveSettings
from services.runtime.auth import Principal
from services.runtime.errors import FailedPrecondition, PermissionDenied, Unavailable
from services.runtime.logs import get_logger
from services.runtime.tasks import cancel_and_wait

log = get_logger(__name__)

# How old the live's row and removals that taps are checked against may be.
VIEW_S = 1.0
MAX_VIEWS = 1000


@dataclass
class _Taps:
    count: int = 0
    waiters: list[asyncio.Future[int]] = field(default_factory=list)


@dataclass
class _View:
    row: asyncpg.Record | None
    removed: frozenset[str]
    read_at: float


class Likes:
    def __init__(self, pool: asyncpg.Pool, hub: RoomHub, settings: LiveSettings) -> None:
        self._pool = pool
        self._hub = hub
        self._flush_s = settings.like_flush_s
        self._taps: dict[str, _Taps] = {}
        self._views: dict[str, _View] = {}
        self._reading: dict[str, asyncio.Future[_View]] = {}
        self._flusher: asyncio.Task | None = None

    async def send(self, principal: Principal, live_id: str, count: int) -> int:
        view = await self._view(live_id)
        row = require_visible(principal, view.row, live_id)
        require_on_air(row)
        if principal.id in view.removed:
            raise PermissionDenied("REMOVED_FROM_LIVE", "a moderator removed you from this live", live_id=live_id)
        taps = self._taps.setdefault(live_id, _Taps())
        taps.count += count
        counted: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        taps.waiters.append(counted)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_while_tapped(), name="live-likes")
        # A caller that goes away cancels only its wait: its taps are added up already.
        return await counted

    async def _view(self, live_id: str) -> _View:
        view = self._views.get(live_id)
        if view is not None and time.monotonic() - view.read_at < VIEW_S:
            return view
        if len(self._views) > MAX_VIEWS:  # lives no longer tapped
            now = time.monotonic()
            self._views = {k: v for k, v in self._views.items() if now - v.read_at < VIEW_S}
        reading = self._reading.get(live_id)
        if reading is None:  # one read per live however many taps wait for it
            reading = asyncio.get_running_loop().create_future()
            self._reading[live_id] = reading
            try:
                async with self._pool.acquire() as conn:
                    row, removed = await room_store.audience_view(conn, live_id)
                view = _View(row, removed, time.monotonic())
                self._views[live_id] = view
                reading.set_result(view)
            except BaseException as exc:
                reading.set_exception(exc)
                reading.add_done_callback(lambda f: f.exception())
                raise
            finally:
                del self._reading[live_id]
            return view
        return await asyncio.shield(reading)

    async def _flush_while_tapped(self) -> None:
        while self._taps:
            await asyncio.sleep(self._flush_s)
            taps, self._taps = self._taps, {}
            for live_id, pending in taps.items():
                await self._flush(live_id, pending)

    async def _flush(self, live_id: str, taps: _Taps) -> None:
        try:
            async with self._pool.acquire() as conn:
                total = await room_store.add_likes(conn, live_id, taps.count)
            error: BaseException | None = None
            if total is None:
                error = FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)
        except Exception as exc:  # every waiting call hears it, whatever it was
            log.warning("likes not counted", live_id=live_id, error=f"{type(exc).__name__}: {exc}")
            total, error = None, Unavailable("LIKES_NOT_COUNTED", "likes could not be counted now; try again")
        for waiter in taps.waiters:
            if waiter.done():
                continue
            if error is not None:
                waiter.set_exception(error)
                waiter.add_done_callback(lambda f: f.exception())
            else:
                waiter.set_result(total or 0)
        if total is not None:
            await self._hub.announce_likes(live_id, total)

    async def stop(self) -> None:
        await cancel_and_wait(self._flusher)
