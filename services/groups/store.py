"""Groups' SQL."""

from __future__ import annotations

import asyncpg

from convene.groups.v1 import groups_pb2 as pb
from services.runtime.events import timestamp


def group_from_row(row: asyncpg.Record, member_count: int) -> pb.Group:
    return pb.Group(
        id=row["id"], name=row["name"], kind=row["kind"], enterprise_id=row["enterprise_id"],
        owner_id=row["owner_id"], member_count=member_count, create_time=timestamp(row["created_at"]),
    )


def card_from_row(row: asyncpg.Record) -> pb.Card:
    return pb.Card(
        id=row["id"], kind=row["kind"], subject_id=row["subject_id"], state=row["state"],
        title=row["title"], author_id=row["author_id"], version=row["version"],
        update_time=timestamp(row["updated_at"]),
    )


async def insert_group(conn: asyncpg.Connection, group_id: str, name: str, kind: int, enterprise_id: str,
                       owner_id: str, member_ids: list[str]) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO groups (id, name, kind, enterprise_id, owner_id) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        group_id, name, kind, enterprise_id, owner_id,
    )
    await conn.execute(
        "INSERT INTO group_members (group_id, member_id) SELECT $1, unnest($2::text[])", group_id, member_ids
    )
    return row


async def get_group(conn: asyncpg.Connection, group_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM groups WHERE id = $1 AND dismissed_at IS NULL{lock}", group_id)


async def member_count(conn: asyncpg.Connection, group_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM group_members WHERE group_id = $1", group_id)


async def is_member(conn: asyncpg.Connection, group_id: str, member_id: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT true FROM group_members WHERE group_id = $1 AND member_id = $2", group_id, member_id))


async def member_ids(conn: asyncpg.Connection, group_id: str) -> list[str]:
    rows = await conn.fetch("SELECT member_id FROM group_members WHERE group_id = $1", group_id)
    return [r["member_id"] for r in rows]


async def member_page(conn: asyncpg.Connection, group_id: str, after: str, limit: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT member_id FROM group_members WHERE group_id = $1 AND member_id > $2"
        " ORDER BY member_id LIMIT $3",
        group_id, after, limit,
    )
    return [r["member_id"] for r in rows]


async def next_sequence(conn: asyncpg.Connection, group_id: str) -> int:
    return await conn.fetchval(
        "UPDATE groups SET last_sequence = last_sequence + 1 WHERE id = $1 RETURNING last_sequence", group_id
    )


async def get_card(conn: asyncpg.Connection, group_id: str, subject_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM cards WHERE group_id = $1 AND subject_id = $2 FOR UPDATE", group_id, subject_id
    )


async def insert_card(conn: asyncpg.Connection, card_id: str, group_id: str, subject_id: str, kind: int,
                      state: int, rank: int, title: str, author_id: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO cards (id, group_id, subject_id, kind, state, state_rank, title, author_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        card_id, group_id, subject_id, kind, state, rank, title, author_id,
    )


async def advance_card(conn: asyncpg.Connection, card_id: str, state: int, rank: int) -> asyncpg.Record | None:
    """Move a card forward; None when it is already at or past `rank` (a late or repeated event)."""
    return await conn.fetchrow(
        "UPDATE cards SET state = $2, state_rank = $3, version = version + 1, updated_at = now()"
        " WHERE id = $1 AND state_rank < $3 RETURNING *",
        card_id, state, rank,
    )


async def insert_timeline_card(conn: asyncpg.Connection, item_id: str, group_id: str, sequence: int,
                               sender_id: str, card_id: str) -> None:
    await conn.execute(
        "INSERT INTO timeline_items (id, group_id, sequence, sender_id, card_id) VALUES ($1, $2, $3, $4, $5)",
        item_id, group_id, sequence, sender_id, card_id,
    )


async def timeline_item_of_card(conn: asyncpg.Connection, card_id: str) -> str:
    return await conn.fetchval("SELECT id FROM timeline_items WHERE card_id = $1 ORDER BY sequence LIMIT 1", card_id)


async def timeline_page(conn: asyncpg.Connection, group_id: str, before: int, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT t.id AS item_id, t.sequence, t.sender_id, t.text, t.created_at, c.*"
        " FROM timeline_items t LEFT JOIN cards c ON c.id = t.card_id"
        " WHERE t.group_id = $1 AND t.sequence < $2 ORDER BY t.sequence DESC LIMIT $3",
        group_id, before, limit,
    )
