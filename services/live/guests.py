"""Raising a hand to speak (连麦, SPEC F-29): a viewer asks, the host accepts or declines, an
accepted guest publishes a stream of their own (`<live id>.<guest id>` on the media edge) with a
key bound to the live and to them, checked by live's media plane (media.MediaPlane) when the edge
asks; the host takes them off or they leave, and the edge cuts their stream at its next renewal.
Every step is a room event; mic_num and is_mic count who went on."""

from __future__ import annotations

import datetime as dt
import secrets

import asyncpg

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import room_pb2 as rpb
from services.live import room_store, store
from services.live.domain import Lives
from services.live.room import require_in_room, require_on_air, require_visible
from services.live.room_fanout import RoomHub, guest_of
from services.live.settings import LiveSettings
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied


async def guests_changed(conn: Connection, hub: RoomHub, live_id: str, *, joined_id: str = "",
                         left_id: str = "") -> rpb.RoomEvent:
    """The room event that says who is on the mic now."""
    guests = [guest_of(seat, hub.guest_play_url(live_id, seat["viewer_id"]))
              for seat in await room_store.guests(conn, live_id)]
    return rpb.RoomEvent(guests_changed=rpb.GuestsChanged(guests=guests, joined_id=joined_id, left_id=left_id))


class Guests:
    def __init__(self, pool: asyncpg.Pool, hub: RoomHub, lives: Lives, settings: LiveSettings) -> None:
        self._pool = pool
        self._hub = hub
        self._lives = lives
        self._settings = settings

    async def _on_air(self, principal: Principal, live_id: str) -> asyncpg.Record:
        async with self._pool.acquire() as conn:
            row = require_visible(principal, await store.get_live(conn, live_id), live_id)
            standing = await room_store.participant(conn, live_id, principal.id)
        assert standing is not None
        require_in_room(principal, row, joined=standing["joined"], removed=standing["removed"])
        require_on_air(row)
        if standing["muted_until"] is not None and standing["muted_until"] > dt.datetime.now(dt.UTC):
            raise PermissionDenied("VIEWER_MUTED", "a moderator muted you in this live", live_id=live_id)
        return row

    async def _announced(self, conn: Connection, live_id: str, body: rpb.RoomEvent) -> rpb.RoomEvent:
        event = await room_store.append(conn, live_id, body)
        if event is None:
            raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)
        return event

    async def raise_hand(self, principal: Principal, live_id: str) -> None:
        row = await self._on_air(principal, live_id)
        if principal.id == row["host_id"]:
            raise FailedPrecondition("HOST_CANNOT_RAISE_HAND", "the host is on the mic already", live_id=live_id)
        async with self._pool.acquire() as conn, conn.transaction():
            if not await room_store.raise_hand(conn, live_id, principal.id):
                return  # raised already, or on the mic: nothing changes
            seat = await room_store.seat(conn, live_id, principal.id)
            assert seat is not None
            hand = rpb.RaisedHand(viewer_id=principal.id)
            hand.raise_time.FromDatetime(seat["raised_at"])
            event = await self._announced(conn, live_id, rpb.RoomEvent(hand_raised=hand))
        await self._hub.announce(live_id, [event])

    async def lower_hand(self, principal: Principal, live_id: str) -> None:
        await self._end_raise(live_id, principal.id, room_store.SEAT_WITHDRAWN, rpb.HAND_LOWERED_REASON_WITHDRAWN)

    async def _end_raise(self, live_id: str, viewer_id: str, state: str, reason: int) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            seat = await room_store.seat(conn, live_id, viewer_id)
            if seat is None or seat["state"] != room_store.SEAT_RAISED:
                raise FailedPrecondition("HAND_NOT_RAISED", "this viewer's hand is not raised", live_id=live_id)
            await room_store.set_seat(conn, live_id, viewer_id, state)
            event = await self._announced(conn, live_id, rpb.RoomEvent(
                hand_lowered=rpb.HandLowered(viewer_id=viewer_id, reason=reason)))  # type: ignore[arg-type]
        await self._hub.announce(live_id, [event])

    async def answer(self, principal: Principal, live_id: str, viewer_id: str, accept: bool) -> rpb.AnswerHandResponse:
        async with self._pool.acquire() as conn:
            row = await store.get_live(conn, live_id)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        self._lives.require_host(principal, row)
        require_on_air(row)
        if not accept:
            await self._end_raise(live_id, viewer_id, room_store.SEAT_DECLINED, rpb.HAND_LOWERED_REASON_DECLINED)
            return rpb.AnswerHandResponse()
        async with self._pool.acquire() as conn, conn.transaction():
            seat = await room_store.seat(conn, live_id, viewer_id)
            if seat is None or seat["state"] != room_store.SEAT_RAISED:
                raise FailedPrecondition("HAND_NOT_RAISED", "this viewer's hand is not raised", live_id=live_id)
            if len(await room_store.guests(conn, live_id)) >= self._settings.max_guests:
                raise FailedPrecondition("GUEST_SEATS_FULL", f"at most {self._settings.max_guests} guests at once",
                                         live_id=live_id, max_guests=self._settings.max_guests)
            seat = await room_store.seat_on_mic(conn, live_id, viewer_id, secrets.token_urlsafe(24))
            event = await self._announced(conn, live_id, await guests_changed(conn, self._hub, live_id,
                                                                              joined_id=viewer_id))
        await self._hub.announce(live_id, [event])
        return rpb.AnswerHandResponse(guest=guest_of(seat, self._hub.guest_play_url(live_id, viewer_id)))

    async def endpoint(self, principal: Principal, live_id: str) -> pb.PublishEndpoint:
        async with self._pool.acquire() as conn:
            row = await store.get_live(conn, live_id)
            seat = await conn.fetchrow("SELECT * FROM guest_seats WHERE live_id = $1 AND viewer_id = $2",
                                       live_id, principal.id)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        require_on_air(row)
        if seat is None or seat["state"] != room_store.SEAT_ON_MIC:
            raise FailedPrecondition("NOT_A_GUEST", "you are not on the mic of this live", live_id=live_id)
        return self._lives.publish_endpoint(f"{live_id}.{principal.id}", seat["stream_key"])

    async def end(self, principal: Principal, live_id: str, viewer_id: str) -> None:
        """The host takes a guest off, or a guest leaves; their stream key stops working."""
        async with self._pool.acquire() as conn:
            row = await store.get_live(conn, live_id)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        if viewer_id != principal.id:
            self._lives.require_host(principal, row)
        events = []
        async with self._pool.acquire() as conn, conn.transaction():
            seat = await room_store.seat(conn, live_id, viewer_id)
            if seat is None or seat["state"] != room_store.SEAT_ON_MIC:
                raise FailedPrecondition("NOT_A_GUEST", "this viewer is not on the mic", live_id=live_id)
            await room_store.set_seat(conn, live_id, viewer_id, room_store.SEAT_OFF)
            event = await room_store.append(conn, live_id, await guests_changed(conn, self._hub, live_id,
                                                                                left_id=viewer_id))
            if event is not None:  # after the end there is no room to tell
                events.append(event)
        await self._hub.announce(live_id, events)
