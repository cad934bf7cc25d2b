"""A live's room (SPEC F-29): who may be in it, and the room stream each of them holds.

The stream's rules for clients are written once, in room.proto (RoomService). Opening checks
the live, the audience at this moment (`domain.require_audience`), removal and having joined;
the room's fan-out on this replica (room_fanout) then carries the stream, and ends it when the
live ends, the audience no longer includes the viewer, or a moderator removes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import room_pb2 as rpb
from services.live import room_store
from services.live.domain import require_audience
from services.live.room_fanout import Room, RoomHub
from services.runtime import metrics
from services.runtime.auth import Principal
from services.runtime.errors import FailedPrecondition, NotFound, OutOfRange, PermissionDenied


def require_visible(principal: Principal, row: asyncpg.Record | None, live_id: str) -> asyncpg.Record:
    """The live exists for this principal (a preview is the host's alone) and they are in its
    audience now."""
    if row is None or (row["state"] == pb.LIVE_STATE_PREVIEW and principal.id != row["host_id"]):
        raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
    require_audience(principal, row)
    return row


def require_in_room(principal: Principal, row: asyncpg.Record, *, joined: bool, removed: bool) -> None:
    """In the room: the host (or a service), or a viewer who joined and was not removed."""
    if principal.id == row["host_id"] or principal.is_service:
        return
    if removed:
        raise PermissionDenied("REMOVED_FROM_LIVE", "a moderator removed you from this live", live_id=row["id"])
    if not joined:
        raise FailedPrecondition("NOT_JOINED", "join the live first", live_id=row["id"])


def require_on_air(row: asyncpg.Record) -> None:
    if row["state"] == pb.LIVE_STATE_ENDED:
        raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=row["id"])
    if row["state"] != pb.LIVE_STATE_LIVE:
        raise FailedPrecondition("LIVE_NOT_STARTED", "this live is not on air yet", live_id=row["id"])


def require_moderatable(row: asyncpg.Record, target_id: str) -> None:
    if target_id == row["host_id"]:
        raise FailedPrecondition("TARGET_IS_HOST", "the host cannot be muted or removed", live_id=row["id"])


class RoomStreams:
    def __init__(self, pool: asyncpg.Pool, hub: RoomHub) -> None:
        self._pool = pool
        self._hub = hub

    async def subscribe(self, principal: Principal, live_id: str,
                        after_sequence: int) -> AsyncIterator[rpb.SubscribeRoomResponse | bytes]:
        async with self._pool.acquire() as conn:
            row = require_visible(principal, await conn.fetchrow("SELECT * FROM lives WHERE id = $1", live_id),
                                  live_id)
            standing = await room_store.participant(conn, live_id, principal.id)
        assert standing is not None
        require_in_room(principal, row, joined=standing["joined"], removed=standing["removed"])
        if row["state"] == pb.LIVE_STATE_SCHEDULED:
            raise FailedPrecondition("LIVE_NOT_STARTED", "this live has not started yet", live_id=live_id)
        if row["state"] == pb.LIVE_STATE_ENDED and after_sequence == 0:
            raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)

        room = await self._room(live_id, after_sequence)
        listener, first = room.attach(principal, after_sequence, standing["muted_until"])
        try:
            for message in first:
                yield message
            while (item := await listener.next()) is not None:
                data, up_to = item
                yield data
                listener.written = up_to
            if listener.overflowed:
                if (recorded := metrics.current.get()) is not None:
                    recorded.stream_resyncs.inc()
                yield rpb.SubscribeRoomResponse(resync=rpb.RoomResync(after_sequence=listener.written))
            elif listener.error is not None:
                raise listener.error
        finally:
            room.detach(listener)

    async def _room(self, live_id: str, after_sequence: int) -> Room:
        """The loaded room, with everything up to `after_sequence` taken in. A client that saw a
        sequence on another replica may be a few milliseconds ahead of this one: read on; only a
        sequence PostgreSQL does not have either is from the future."""
        while True:  # a room found closing is replaced by a fresh one at once
            room = await self._hub.room(live_id)
            if after_sequence > room.frontier:
                await room.catch_up()
                if after_sequence > room.frontier:
                    raise OutOfRange("SEQUENCE_FROM_THE_FUTURE",
                                     f"after_sequence {after_sequence} is past the room's latest ({room.frontier})",
                                     latest=room.frontier)
            if not room.closed:
                return room
