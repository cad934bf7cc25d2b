"""Groups' SQL for groups, members and text messages (cards: card_store; calls: call_store)."""

from __future__ import annotations

import asyncpg

from convene.groups.v1 import groups_pb2 as pb
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp

# WeChat users are told apart by their id prefix (`wx_`), so counting them needs no join.
_IS_WECHAT = r"member_id LIKE 'wx\_%'"


# The group admins of the group `g` (Group.admin_ids), as a column of a query over groups g.
ADMIN_IDS = ("coalesce((SELECT array_agg(a.member_id ORDER BY a.member_id) FROM group_members a"
             " WHERE a.group_id = g.id AND a.is_admin), '{}') AS admin_ids")


def group_from_row(row: asyncpg.Record, member_count: int) -> pb.Group:
    """`row` holds admin_ids when the query asked for them (ADMIN_IDS)."""
    return pb.Group(
        id=row["id"], name=row["name"], kind=row["kind"], enterprise_id=row["enterprise_id"],
        owner_id=row["owner_id"], member_count=member_count, create_time=timestamp(row["created_at"]),
        admin_ids=row.get("admin_ids") or [],
    )


async def insert_group(conn: Connection, group_id: str, name: str, kind: int, enterprise_id: str,
                       owner_id: str, member_ids: list[str], *, direct_key: str | None = None) -> asyncpg.Record:
    row = await fetch_one(
        conn, "INSERT INTO groups (id, name, kind, enterprise_id, owner_id, direct_key) VALUES ($1, $2, $3, $4, $5, $6)"
        " RETURNING *",
        group_id, name, kind, enterprise_id, owner_id, direct_key,
    )
    await add_members(conn, group_id, member_ids)
    return row


async def get_group(conn: Connection, group_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT g.*, {ADMIN_IDS} FROM groups g WHERE g.id = $1 AND g.dismissed_at IS NULL{lock}",
                               group_id)


async def group_for(conn: Connection, group_id: str, principal_id: str) -> asyncpg.Record | None:
    """The group with `is_member` for the principal, in one round trip (None: no such group)."""
    return await conn.fetchrow(
        f"SELECT g.*, {ADMIN_IDS}, EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id"
        " AND m.member_id = $2) AS is_member FROM groups g WHERE g.id = $1 AND g.dismissed_at IS NULL",
        group_id, principal_id,
    )


async def group_with_members(conn: Connection, group_id: str) -> asyncpg.Record | None:
    """group_id, name, enterprise_id, kind and member_ids (an array) of a group that is not dismissed."""
    return await conn.fetchrow(
        "SELECT g.id AS group_id, g.name, g.enterprise_id, g.kind,"
        " coalesce((SELECT array_agg(m.member_id) FROM group_members m WHERE m.group_id = g.id), '{}') AS member_ids"
        " FROM groups g WHERE g.id = $1 AND g.dismissed_at IS NULL",
        group_id,
    )


async def direct_chat(conn: Connection, direct_key: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM groups WHERE direct_key = $1", direct_key)


async def share_a_group(conn: Connection, first: str, second: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT true FROM group_members a JOIN group_members b ON b.group_id = a.group_id AND b.member_id = $2"
        " JOIN groups g ON g.id = a.group_id AND g.dismissed_at IS NULL"
        " WHERE a.member_id = $1 LIMIT 1",
        first, second,
    ))


async def member_count(conn: Connection, group_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM group_members WHERE group_id = $1", group_id)


async def member_counts(conn: Connection, group_id: str) -> tuple[int, int]:
    """(members, of whom WeChat users)."""
    row = await fetch_one(
        conn, f"SELECT count(*) AS total, count(*) FILTER (WHERE {_IS_WECHAT}) AS wechat"
        " FROM group_members WHERE group_id = $1", group_id)
    return row["total"], row["wechat"]


async def is_member(conn: Connection, group_id: str, member_id: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT true FROM group_members WHERE group_id = $1 AND member_id = $2", group_id, member_id))


async def members_among(conn: Connection, group_id: str, candidate_ids: list[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT member_id FROM group_members WHERE group_id = $1 AND member_id = ANY($2::text[])",
        group_id, candidate_ids)
    return {r["member_id"] for r in rows}


async def member_ids(conn: Connection, group_id: str) -> list[str]:
    rows = await conn.fetch("SELECT member_id FROM group_members WHERE group_id = $1", group_id)
    return [r["member_id"] for r in rows]


async def member_page(conn: Connection, group_id: str, after: str, limit: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT member_id FROM group_members WHERE group_id = $1 AND member_id > $2"
        " ORDER BY member_id LIMIT $3",
        group_id, after, limit,
    )
    return [r["member_id"] for r in rows]


async def my_groups_page(conn: Connection, member_id: str, before: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT g.*, (SELECT count(*) FROM group_members c WHERE c.group_id = g.id) AS member_count, {ADMIN_IDS}"
        " FROM group_members m JOIN groups g ON g.id = m.group_id AND g.dismissed_at IS NULL"
        " WHERE m.member_id = $1 AND ($2 = '' OR m.group_id < $2) ORDER BY m.group_id DESC LIMIT $3",
        member_id, before, limit,
    )


async def add_members(conn: Connection, group_id: str, member_ids: list[str]) -> list[str]:
    """Adds those not yet in the group; returns them. Newcomers join at the chat's end: what came
    before is theirs to read, not unread, and not theirs in read receipts."""
    rows = await conn.fetch(
        "INSERT INTO group_members (group_id, member_id, joined_sequence, read_sequence, read_ordinal,"
        " receipted_sequence) SELECT $1, u, g.last_sequence, g.last_sequence, g.chat_count, g.last_sequence"
        " FROM groups g, unnest($2::text[]) AS u WHERE g.id = $1"
        " ON CONFLICT DO NOTHING RETURNING member_id",
        group_id, member_ids,
    )
    return [r["member_id"] for r in rows]


async def is_admin(conn: Connection, group_id: str, member_id: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT is_admin FROM group_members WHERE group_id = $1 AND member_id = $2", group_id, member_id))


async def set_admin(conn: Connection, group_id: str, member_id: str, admin: bool) -> bool:
    """False when the member is not in the group."""
    return bool(await conn.fetchval(
        "UPDATE group_members SET is_admin = $3 WHERE group_id = $1 AND member_id = $2 RETURNING true",
        group_id, member_id, admin))


async def admin_count(conn: Connection, group_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM group_members WHERE group_id = $1 AND is_admin", group_id)


async def remove_member(conn: Connection, group_id: str, member_id: str) -> bool:
    return bool(await conn.fetchval(
        "DELETE FROM group_members WHERE group_id = $1 AND member_id = $2 RETURNING true", group_id, member_id))


async def set_owner(conn: Connection, group_id: str, owner_id: str) -> asyncpg.Record:
    """The new owner is no longer a group admin as well."""
    await set_admin(conn, group_id, owner_id, False)
    return await fetch_one(conn, f"UPDATE groups g SET owner_id = $2 WHERE g.id = $1 RETURNING g.*, {ADMIN_IDS}",
                           group_id, owner_id)


async def dismiss(conn: Connection, group_id: str) -> None:
    await conn.execute("UPDATE groups SET dismissed_at = now() WHERE id = $1", group_id)
