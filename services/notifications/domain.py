"""Notifications' rules: one notification per user per event, gap-free per-user sequences,
streams that resume after the last sequence a client saw."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg

from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import store
from services.notifications.hub import Hub
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.consumer import AfterCommit
from services.runtime.errors import OutOfRange
from services.runtime.events import Event
from services.runtime.ids import new_id
from services.runtime.pagination import decode_page_token, encode_page_token

# Rows read from the database per catch-up round trip.
CATCH_UP_PAGE = 500
# A stream that heard nothing for this long checks the database anyway (a missed push).
IDLE_CHECK_S = 5.0

_CARD_TITLES = {
    groups_pb2.CARD_STATE_SCHEDULED: "Live scheduled",
    groups_pb2.CARD_STATE_LIVE: "Live now",
    groups_pb2.CARD_STATE_ENDED: "Live ended",
    groups_pb2.CARD_STATE_REPLAY_READY: "Replay ready",
    groups_pb2.CARD_STATE_REPLAY_DELETED: "Replay deleted",
}


class Notifications:
    def __init__(self, pool: asyncpg.Pool, hub: Hub) -> None:
        self._pool = pool
        self._hub = hub

    # --------------------------------------------------------------- fan-out

    async def on_card_changed(self, event: Event, conn: asyncpg.Connection) -> AfterCommit | None:
        """Consumer `notifications--cards`: a card posted or updated reaches every member."""
        change = event.payload(group_events.CardChanged)
        card = change.card
        title = f"{_CARD_TITLES.get(card.state, 'Card')}: {card.title}"
        rows = [
            (user_id, 0, new_id("notification"), pb.NOTIFICATION_KIND_CARD, card.subject_id, title,
             change.group_name, change.group_id, card.SerializeToString(), event.id)
            for user_id in dict.fromkeys(change.recipient_ids)
        ]
        return await self.deliver(conn, rows)

    async def deliver(self, conn: asyncpg.Connection, rows: list[tuple]) -> AfterCommit | None:
        """Write notifications (sequence filled in here) and return the push to run after commit."""
        if not rows:
            return None
        sequences = await store.allocate_sequences(conn, [row[0] for row in rows])
        rows = [(row[0], sequences[row[0]], *row[2:]) for row in rows]
        written = await store.insert_notifications(conn, rows)
        items = [(row["user_id"], store.notification_from_row(row)) for row in written]

        async def push() -> None:
            await self._hub.publish(items)

        return push

    # --------------------------------------------------------------- streams

    async def subscribe(self, principal: Principal, after_sequence: int) -> AsyncIterator[pb.SubscribeResponse]:
        """Everything after `after_sequence`, then each new one; no gap, no duplicate."""
        listener = self._hub.register(principal.id)  # before reading, so nothing slips between
        try:
            async with self._pool.acquire() as conn:
                latest = await store.last_sequence(conn, principal.id)
            if after_sequence > latest:
                raise OutOfRange("SEQUENCE_FROM_THE_FUTURE",
                                 f"after_sequence {after_sequence} is past the latest ({latest})", latest=latest)
            last = after_sequence
            async for notification in self._read_after(principal.id, last):
                last = notification.sequence
                yield pb.SubscribeResponse(notification=notification)
            async with self._pool.acquire() as conn:
                unread = await store.unread_count(conn, principal.id)
            yield pb.SubscribeResponse(caught_up=pb.CaughtUp(sequence=last, unread_count=unread))
            while True:
                try:
                    notification = await asyncio.wait_for(listener.queue.get(), IDLE_CHECK_S)
                except TimeoutError:
                    notification = None
                if listener.overflowed or notification is None or notification.sequence > last + 1:
                    # Missed or dropped pushes: the database has them all, in order.
                    listener.overflowed = False
                    _drain(listener.queue)
                    async for missed in self._read_after(principal.id, last):
                        last = missed.sequence
                        yield pb.SubscribeResponse(notification=missed)
                    continue
                if notification.sequence <= last:
                    continue  # already sent from the database
                last = notification.sequence
                yield pb.SubscribeResponse(notification=notification)
        finally:
            self._hub.unregister(listener)

    async def _read_after(self, user_id: str, sequence: int) -> AsyncIterator[pb.Notification]:
        while True:
            async with self._pool.acquire() as conn:
                rows = await store.after(conn, user_id, sequence, CATCH_UP_PAGE)
            for row in rows:
                yield store.notification_from_row(row)
            if len(rows) < CATCH_UP_PAGE:
                return
            sequence = rows[-1]["sequence"]

    # ----------------------------------------------------------------- inbox

    async def list_notifications(self, principal: Principal, size: int, token: str) -> pb.ListNotificationsResponse:
        position = decode_page_token(token, "before")
        before = int(position["before"]) if position else 2**62
        async with self._pool.acquire() as conn:
            rows = await store.newest_first(conn, principal.id, before, size + 1)
            unread = await store.unread_count(conn, principal.id)
        response = pb.ListNotificationsResponse(
            notifications=[store.notification_from_row(r) for r in rows[:size]], unread_count=unread)
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["sequence"]})
        return response


def _drain(queue: asyncio.Queue) -> None:
    while not queue.empty():
        queue.get_nowait()
