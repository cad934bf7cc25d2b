"""Notifications' rules for callers: whose inbox and stream one may open, the inbox list (one
entry per thread), read state and the unread count (SPEC F-40, F-41).

The unread count is the number of unread threads: what the user sees as bold entries in the
inbox. It is kept beside the user's sequence and every stream item carries it as of its own
sequence, so a client that shows the last count its stream carried is always right.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import store, texts
from services.notifications.hub import Hub
from services.notifications.principals import Principals
from services.notifications.streams import Streams
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import NotFound, OutOfRange, PermissionDenied
from services.runtime.pagination import decode_page_token, encode_page_token


class Notifications:
    def __init__(self, pool: asyncpg.Pool, hub: Hub, streams: Streams, principals: Principals) -> None:
        self._pool = pool
        self._hub = hub
        self._streams = streams
        self._principals = principals

    async def _owner(self, principal: Principal, user_id: str = "") -> str:
        """The user whose inbox the caller may use: only their own, and only if identity knows them."""
        if principal.is_service:
            raise PermissionDenied("USERS_ONLY", "notifications belong to members and WeChat users")
        if user_id and user_id != principal.id:
            raise PermissionDenied("NOT_YOUR_STREAM", "only a user's own notifications can be opened",
                                   user_id=user_id)
        if not await self._principals.is_user(principal.id):
            raise NotFound("USER_NOT_FOUND", "identity does not know the user of this token", user_id=principal.id)
        return principal.id

    # ---------------------------------------------------------------- streams

    def subscribe(self, principal: Principal, user_id: str, after_sequence: int,
                  locale: str = texts.DEFAULT_LOCALE) -> AsyncIterator[bytes]:
        """The stream's items as the bytes gRPC writes (see streams), in `locale`; it opens once
        the caller is known to own it."""
        return self._streams.open(self._owner(principal, user_id), after_sequence, locale)

    # ----------------------------------------------------------------- inbox

    async def list_notifications(self, principal: Principal, size: int, token: str,
                                 locale: str = texts.DEFAULT_LOCALE) -> pb.ListNotificationsResponse:
        owner = await self._owner(principal)
        position = decode_page_token(token, "before")
        before = int(position["before"]) if position else 2**62
        # One snapshot: the page, the count and the sequence to subscribe after agree.
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await store.threads_page(conn, owner, before, size + 1)
            latest, unread = await store.cursor(conn, owner)
        response = pb.ListNotificationsResponse(
            notifications=[texts.localized(store.notification_from_row(r, read=not r["unread"]), locale)
                           for r in rows[:size]],
            unread_count=unread, sequence=latest)
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["latest_sequence"]})
        return response

    async def mark_read(self, principal: Principal, thread_id: str, up_to_sequence: int) -> pb.MarkReadResponse:
        owner = await self._owner(principal)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                cursor = await self._locked_cursor(conn, owner, up_to_sequence)
                # No cursor: nothing had reached this user when it was locked (a thread that
                # arrives just after is not in the inbox this call reads).
                entry = await store.thread(conn, owner, thread_id) if cursor is not None else None
                if entry is None or cursor is None:
                    raise NotFound("THREAD_NOT_FOUND", "no such entry in the inbox", thread_id=thread_id)
                marked = await store.mark_threads_read(conn, owner, thread_id, up_to_sequence or cursor["last_sequence"])
                if not marked:
                    return pb.MarkReadResponse(unread_count=cursor["unread_threads"], sequence=cursor["last_sequence"])
                mark = await store.add_read_mark(conn, owner, thread_id, up_to_sequence or entry["latest_sequence"], marked)
            read_marked = store.read_mark_from_row(mark)
        await self._hub.publish_read_mark(owner, read_marked)
        return pb.MarkReadResponse(unread_count=read_marked.unread_count, sequence=read_marked.sequence)

    async def mark_all_read(self, principal: Principal, up_to_sequence: int) -> pb.MarkAllReadResponse:
        owner = await self._owner(principal)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                cursor = await self._locked_cursor(conn, owner, up_to_sequence)
                if cursor is None:
                    return pb.MarkAllReadResponse()
                up_to = up_to_sequence or cursor["last_sequence"]
                marked = await store.mark_threads_read(conn, owner, None, up_to)
                if not marked:
                    return pb.MarkAllReadResponse(unread_count=cursor["unread_threads"],
                                                  sequence=cursor["last_sequence"])
                mark = await store.add_read_mark(conn, owner, "", up_to, marked)
            read_marked = store.read_mark_from_row(mark)
        await self._hub.publish_read_mark(owner, read_marked)
        return pb.MarkAllReadResponse(unread_count=read_marked.unread_count, sequence=read_marked.sequence,
                                      marked_count=marked)

    @staticmethod
    async def _locked_cursor(conn: Connection, user_id: str, up_to_sequence: int) -> asyncpg.Record | None:
        """The user's cursor, locked: read marks take their sequence in line with deliveries."""
        cursor = await store.lock_cursor(conn, user_id)
        latest = cursor["last_sequence"] if cursor else 0
        if up_to_sequence > latest:
            raise OutOfRange("SEQUENCE_FROM_THE_FUTURE",
                             f"up_to_sequence {up_to_sequence} is past the latest ({latest})", latest=latest)
        return cursor
