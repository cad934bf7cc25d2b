"""A user's stream (SPEC F-41): everything after the client's last sequence from the database,
CaughtUp, then live items from the hub, with no gap and no duplicate.

The listener is registered before the first database read, so an item committed meanwhile is
either read or pushed (or both: items at or below the last sequence sent are skipped). A pushed
item further ahead than the next sequence means a push was missed: the gap is read back from the
database. A client whose buffer overflows once it is live reads slower than its notifications
arrive: it gets Resync and the stream ends, so it never holds the others back.

Chat items (SPEC F-15) are outside the user's sequence: `chats.ChatOrder` sends each chat's
entries in order and once, filling a gap from groups when the entry in between does not follow.

A stream yields the bytes gRPC writes (the servicer's Subscribe is registered with no
serializer): a pushed notification arrives already serialized (`wire`), once per fan-out.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable

import asyncpg

from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import store, texts
from services.notifications.chats import ChatOrder, Fill
from services.notifications.hub import Hub
from services.notifications.wire import encode
from services.runtime import metrics
from services.runtime.dependencies import through_outage
from services.runtime.errors import OutOfRange, Unavailable

# Rows read from the database per catch-up round trip.
CATCH_UP_PAGE = 500
# How long an open stream waits for an unreachable database before it ends.
DATABASE_HOLD_S = 30.0


class Streams:
    def __init__(self, pool: asyncpg.Pool, hub: Hub, fill: Fill, *, gap_wait_s: float) -> None:
        self._pool = pool
        self._hub = hub
        self._fill = fill
        self._gap_wait_s = gap_wait_s

    def open(self, owner: Awaitable[str], after_sequence: int,
             locale: str = texts.DEFAULT_LOCALE) -> AsyncIterator[bytes]:
        """The stream of the user `owner` names once it has checked the caller may open it; in
        `locale` when that is not the language notifications are stored in (only such streams pay
        for rendering)."""
        items = self._items(owner, after_sequence)
        return items if locale == texts.DEFAULT_LOCALE else _localized(items, locale)

    async def _items(self, owner: Awaitable[str], after_sequence: int) -> AsyncGenerator[bytes, None]:
        user_id = await owner
        listener = self._hub.register(user_id)
        try:
            async with self._pool.acquire() as conn:
                latest, unread = await store.cursor(conn, user_id)
            if after_sequence > latest:
                raise OutOfRange("SEQUENCE_FROM_THE_FUTURE",
                                 f"after_sequence {after_sequence} is past the latest ({latest})", latest=latest)
            last = after_sequence
            listener.sent(last)
            # Backlog: until a read of the user's cursor shows nothing newer than what was sent
            # (so CaughtUp's unread count is the one as of its sequence) and no push was dropped.
            while last < latest or listener.overflowed:
                listener.overflowed = False
                async for sequence, response in self._read_after(user_id, last):
                    last = sequence
                    listener.sent(sequence)
                    yield response
                async with self._pool.acquire() as conn:
                    latest, unread = await store.cursor(conn, user_id)
            listener.checked()
            yield encode(pb.SubscribeResponse(caught_up=pb.CaughtUp(sequence=last, unread_count=unread)))

            chats = ChatOrder(user_id, self._fill, self._gap_wait_s)
            while True:
                pushed = await listener.next(chats.wait_s())
                if listener.overflowed:
                    if (recorded := metrics.current.get()) is not None:
                        recorded.stream_resyncs.inc()
                    yield encode(pb.SubscribeResponse(resync=pb.Resync(after_sequence=last)))
                    return
                if pushed is None:  # stale, or a chat's gap waited long enough
                    if listener.stale:
                        # Idle for long, or NATS reconnected: the database has every item in order.
                        listener.checked()
                        async for sequence, data in self._read_after(user_id, last):
                            last = sequence
                            listener.sent(sequence)
                            yield data
                    try:
                        filled = await chats.fill_overdue()
                    except Unavailable:
                        yield encode(pb.SubscribeResponse(resync=pb.Resync(after_sequence=last)))
                        return
                    for chat_item in filled:
                        yield chat_item.data
                    continue
                sequence, item = pushed
                if not isinstance(item, bytes):  # a chat item (CHAT), in its chat's order
                    for admitted in chats.admit(item):
                        yield admitted.data
                    continue
                if sequence > last + 1:
                    # A push ahead of the next sequence: the database has every item in order.
                    listener.checked()
                    async for sequence, data in self._read_after(user_id, last):
                        last = sequence
                        listener.sent(sequence)
                        yield data
                    continue
                if sequence <= last:
                    continue  # already sent from the database
                last = sequence
                yield item
        finally:
            self._hub.unregister(listener)

    async def _read_after(self, user_id: str, sequence: int) -> AsyncIterator[tuple[int, bytes]]:
        async def page() -> list[asyncpg.Record]:
            async with self._pool.acquire() as conn:
                return await store.items_after(conn, user_id, sequence, CATCH_UP_PAGE)

        while True:
            # An open stream outlives a database restart: it waits for the database rather
            # than ending, up to DATABASE_HOLD_S (then UNAVAILABLE, and the client reconnects).
            rows = await through_outage(page, hold_s=DATABASE_HOLD_S)
            for row in rows:
                if row["is_mark"]:
                    yield row["sequence"], encode(pb.SubscribeResponse(read_marked=store.read_mark_from_row(row)))
                else:
                    yield row["sequence"], encode(pb.SubscribeResponse(notification=store.notification_from_row(row)))
            if len(rows) < CATCH_UP_PAGE:
                return
            sequence = rows[-1]["sequence"]


async def _localized(items: AsyncGenerator[bytes, None], locale: str) -> AsyncIterator[bytes]:
    """Notifications with a template rendered again in `locale`: a parse and a serialization per
    notification, for readers of another language than the stored one only."""
    try:
        async for data in items:
            response = pb.SubscribeResponse.FromString(data)
            if response.HasField("notification") and response.notification.text.template:
                data = encode(pb.SubscribeResponse(notification=texts.localized(response.notification, locale)))
            yield data
    finally:
        await items.aclose()  # the stream's own clean-up (its hub listener) runs now, not at collection
