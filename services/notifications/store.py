"""Notifications' SQL."""

from __future__ import annotations

import asyncpg

from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.runtime.events import timestamp


def notification_from_row(row: asyncpg.Record) -> pb.Notification:
    notification = pb.Notification(
        id=row["id"], sequence=row["sequence"], kind=row["kind"], thread_id=row["thread_id"],
        title=row["title"], body=row["body"], group_id=row["group_id"], read=row["read"],
        create_time=timestamp(row["created_at"]), event_id=row["event_id"],
    )
    if row["card"] is not None:
        notification.card.CopyFrom(groups_pb2.Card.FromString(row["card"]))
    return notification


async def allocate_sequences(conn: asyncpg.Connection, user_ids: list[str]) -> dict[str, int]:
    """Next sequence for each user, in one statement. Sorted ids keep concurrent fan-outs from
    locking the same cursor rows in opposite orders."""
    rows = await conn.fetch(
        "INSERT INTO user_cursors (user_id, last_sequence) SELECT u, 1 FROM unnest($1::text[]) AS u ORDER BY u"
        " ON CONFLICT (user_id) DO UPDATE SET last_sequence = user_cursors.last_sequence + 1"
        " RETURNING user_id, last_sequence",
        sorted(user_ids),
    )
    return {row["user_id"]: row["last_sequence"] for row in rows}


async def insert_notifications(conn: asyncpg.Connection, rows: list[tuple]) -> list[asyncpg.Record]:
    """rows: (user_id, sequence, id, kind, thread_id, title, body, group_id, card, event_id)."""
    columns = list(zip(*rows))
    return await conn.fetch(
        "INSERT INTO notifications (user_id, sequence, id, kind, thread_id, title, body, group_id, card, event_id)"
        " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::smallint[], $5::text[], $6::text[],"
        " $7::text[], $8::text[], $9::bytea[], $10::text[]) RETURNING *",
        *columns,
    )


async def last_sequence(conn: asyncpg.Connection, user_id: str) -> int:
    return await conn.fetchval("SELECT last_sequence FROM user_cursors WHERE user_id = $1", user_id) or 0


async def after(conn: asyncpg.Connection, user_id: str, sequence: int, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM notifications WHERE user_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3",
        user_id, sequence, limit,
    )


async def newest_first(conn: asyncpg.Connection, user_id: str, before: int, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM notifications WHERE user_id = $1 AND sequence < $2 ORDER BY sequence DESC LIMIT $3",
        user_id, before, limit,
    )


async def unread_count(conn: asyncpg.Connection, user_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read", user_id)
