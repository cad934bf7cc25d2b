"""Notifications' SQL.

Every change to a user's inbox (a notification, a read mark) first takes the user's row in
`user_cursors` (the upsert that hands out the next sequence locks it), so changes of one user
are serialized: sequences have no gaps and the unread count kept beside them is exact. Fan-outs
lock their users in sorted order, so two fan-outs never deadlock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications.texts import DEFAULT_LOCALE
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp
from services.runtime.ids import new_ids


@dataclass(frozen=True)
class Content:
    """What every recipient of one notice shares."""

    kind: int
    thread_id: str
    title: str
    body: str
    group_id: str
    card: bytes | None
    thread_version: int
    event_id: str
    dedupe_key: str
    # The serialized NotificationText the title and body were rendered from, if any.
    text: bytes | None = None


@dataclass(frozen=True)
class Delivered:
    """Per recipient of a fan-out, in the same order: what differs between their notifications."""

    user_ids: list[str]
    sequences: list[int]
    unread_counts: list[int]
    notification_ids: list[str]
    created_at: dt.datetime


def notification_from_row(row: asyncpg.Record, *, read: bool = False) -> pb.Notification:
    notification = pb.Notification(
        id=row["id"], sequence=row["sequence"], kind=row["kind"], thread_id=row["thread_id"],
        title=row["title"], body=row["body"], group_id=row["group_id"], read=read,
        create_time=timestamp(row["created_at"]), event_id=row["event_id"],
        unread_count=row["unread_count"], thread_version=row["thread_version"], locale=DEFAULT_LOCALE,
    )
    if row["card"] is not None:
        notification.card.CopyFrom(groups_pb2.Card.FromString(row["card"]))
    if row["text"] is not None:
        notification.text.ParseFromString(row["text"])
    return notification


def read_mark_from_row(row: asyncpg.Record) -> pb.ReadMarked:
    return pb.ReadMarked(sequence=row["sequence"], thread_id=row["thread_id"],
                         up_to_sequence=row["up_to_sequence"], unread_count=row["unread_count"])


# ------------------------------------------------------------------------------------ fan-out


async def deliver(conn: Connection, user_ids: list[str], content: Content) -> Delivered:
    """Write `content` to the inbox of each user who does not hold it yet, in the caller's
    transaction."""
    # Users who already have it (a redelivery, another replica) or whose thread shows a later
    # change are skipped before a sequence is handed out, so no sequence is ever wasted.
    rows = await conn.fetch(
        "INSERT INTO user_cursors AS c (user_id, last_sequence)"
        " SELECT u, 1 FROM unnest($1::text[]) AS u"
        " WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u AND n.dedupe_key = $2)"
        "   AND ($4 = 0 OR NOT EXISTS (SELECT 1 FROM threads t"
        "                              WHERE t.user_id = u AND t.thread_id = $3 AND t.version >= $4))"
        " ORDER BY u"
        " ON CONFLICT (user_id) DO UPDATE SET last_sequence = c.last_sequence + 1"
        " RETURNING user_id, last_sequence, unread_threads",
        sorted(set(user_ids)), content.dedupe_key, content.thread_id, content.thread_version,
    )
    created_at = dt.datetime.now(dt.UTC)
    if not rows:
        return Delivered([], [], [], [], created_at)
    users = [r["user_id"] for r in rows]
    sequences = [r["last_sequence"] for r in rows]
    counts = [r["unread_threads"] for r in rows]
    ids = new_ids("notification", len(users))
    position = {user_id: index for index, user_id in enumerate(users)}
    # One more statement, after the cursors are locked (so its snapshot sees every read mark
    # committed before): the thread becomes the user's newest entry, unread; the count grows
    # where it was read; the notification is written with the count as of it.
    for row in await conn.fetch(
        "WITH prior AS ("
        "   SELECT user_id FROM threads WHERE thread_id = $2 AND user_id = ANY($1::text[]) AND unread"
        " ), entry AS ("
        "   INSERT INTO threads AS t (user_id, thread_id, latest_sequence, version, unread)"
        "   SELECT u, $2, s, $3, true FROM unnest($1::text[], $4::bigint[]) AS x(u, s)"
        "   ON CONFLICT (user_id, thread_id) DO UPDATE SET"
        "     latest_sequence = CASE WHEN excluded.version >= t.version"
        "                            THEN excluded.latest_sequence ELSE t.latest_sequence END,"
        "     version = greatest(t.version, excluded.version), unread = true"
        " ), bumped AS ("
        "   UPDATE user_cursors c SET unread_threads = c.unread_threads + 1"
        "   WHERE c.user_id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM prior p WHERE p.user_id = c.user_id)"
        "   RETURNING c.user_id, c.unread_threads"
        " ), written AS ("
        "   INSERT INTO notifications (user_id, sequence, id, unread_count, kind, thread_id, title, body,"
        "     group_id, card, event_id, dedupe_key, thread_version, created_at, text)"
        "   SELECT x.u, x.s, x.i, coalesce(b.unread_threads, x.c), $7, $2, $8, $9, $10, $11, $12, $13, $3, $14, $15"
        "   FROM unnest($1::text[], $4::bigint[], $5::text[], $6::bigint[]) AS x(u, s, i, c)"
        "   LEFT JOIN bumped b ON b.user_id = x.u"
        " )"
        " SELECT user_id, unread_threads FROM bumped",
        users, content.thread_id, content.thread_version, sequences, ids, counts, content.kind, content.title,
        content.body, content.group_id, content.card, content.event_id, content.dedupe_key, created_at, content.text,
    ):
        counts[position[row["user_id"]]] = row["unread_threads"]
    return Delivered(users, sequences, counts, ids, created_at)


# ---------------------------------------------------------------------------------- read state


async def lock_cursor(conn: Connection, user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT last_sequence, unread_threads FROM user_cursors WHERE user_id = $1 FOR UPDATE", user_id)


async def thread(conn: Connection, user_id: str, thread_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT latest_sequence, unread FROM threads WHERE user_id = $1 AND thread_id = $2", user_id, thread_id)


async def mark_threads_read(conn: Connection, user_id: str, thread_id: str | None,
                            up_to_sequence: int) -> int:
    """Mark one thread (or all, when thread_id is None) read if nothing in it is newer than
    `up_to_sequence`; returns how many changed. The caller holds the user's cursor lock."""
    return len(await conn.fetch(
        "UPDATE threads SET unread = false WHERE user_id = $1 AND unread AND latest_sequence <= $3"
        " AND ($2::text IS NULL OR thread_id = $2) RETURNING 1",
        user_id, thread_id, up_to_sequence,
    ))


async def add_read_mark(conn: Connection, user_id: str, thread_id: str, up_to_sequence: int,
                        marked: int) -> asyncpg.Record:
    cursor = await fetch_one(
        conn, "UPDATE user_cursors SET last_sequence = last_sequence + 1, unread_threads = unread_threads - $2"
        " WHERE user_id = $1 RETURNING last_sequence, unread_threads",
        user_id, marked,
    )
    return await fetch_one(conn,
        "INSERT INTO read_marks (user_id, sequence, thread_id, up_to_sequence, unread_count)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        user_id, cursor["last_sequence"], thread_id, up_to_sequence, cursor["unread_threads"],
    )


# ------------------------------------------------------------------------------------- reading


async def cursor(conn: Connection, user_id: str) -> tuple[int, int]:
    """(last sequence, unread count) of the user; (0, 0) for one who never had anything."""
    row = await conn.fetchrow("SELECT last_sequence, unread_threads FROM user_cursors WHERE user_id = $1", user_id)
    return (row["last_sequence"], row["unread_threads"]) if row else (0, 0)


async def latest_sequences(conn: Connection, user_ids: list[str]) -> dict[str, int]:
    """Each user's latest sequence (users with no cursor yet are left out)."""
    rows = await conn.fetch("SELECT user_id, last_sequence FROM user_cursors WHERE user_id = ANY($1::text[])",
                            user_ids)
    return {row["user_id"]: row["last_sequence"] for row in rows}


async def items_after(conn: Connection, user_id: str, sequence: int, limit: int) -> list[asyncpg.Record]:
    """Stream items (notifications and read marks) after `sequence`, in order; `is_mark` tells which."""
    return await conn.fetch(
        "(SELECT sequence, id, kind, thread_id, title, body, group_id, card, event_id, created_at,"
        "        unread_count, thread_version, text, 0::bigint AS up_to_sequence, false AS is_mark"
        "   FROM notifications WHERE user_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3)"
        " UNION ALL"
        " (SELECT sequence, '', 0::smallint, thread_id, '', '', '', NULL::bytea, '', created_at,"
        "         unread_count, 0::bigint, NULL::bytea, up_to_sequence, true"
        "   FROM read_marks WHERE user_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3)"
        " ORDER BY sequence LIMIT $3",
        user_id, sequence, limit,
    )


async def threads_page(conn: Connection, user_id: str, before: int, limit: int) -> list[asyncpg.Record]:
    """Inbox entries, most recently changed first: each thread's latest notification."""
    return await conn.fetch(
        "SELECT n.*, t.unread, t.latest_sequence FROM threads t"
        " JOIN notifications n ON n.user_id = t.user_id AND n.sequence = t.latest_sequence"
        " WHERE t.user_id = $1 AND t.latest_sequence < $2 ORDER BY t.latest_sequence DESC LIMIT $3",
        user_id, before, limit,
    )


# ------------------------------------------------------------------------------- keyed notices


async def advance_revision(conn: Connection, key: str, revision: int, withdrawn: bool) -> bool:
    """Record `revision` of a keyed notice; False when one as new or newer was seen already."""
    return bool(await conn.fetchval(
        "INSERT INTO notice_revisions AS r (key, revision, withdrawn) VALUES ($1, $2, $3)"
        " ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, withdrawn = excluded.withdrawn"
        " WHERE r.revision < excluded.revision RETURNING true",
        key, revision, withdrawn,
    ))
