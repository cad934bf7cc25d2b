"""Identity's SQL."""

from __future__ import annotations

import asyncpg

from convene.identity.v1 import identity_pb2 as pb
from services.runtime.events import timestamp


def enterprise_from_row(row: asyncpg.Record) -> pb.Enterprise:
    return pb.Enterprise(
        id=row["id"], name=row["name"], verified=row["verified"],
        verification_method=row["verification_method"], individual=row["individual"],
        create_time=timestamp(row["created_at"]),
    )


def member_from_row(row: asyncpg.Record) -> pb.Member:
    return pb.Member(
        id=row["id"], enterprise_id=row["enterprise_id"], display_name=row["display_name"],
        department=row["department"], role=row["role"], real_name_verified=row["real_name_verified"],
        create_time=timestamp(row["created_at"]),
    )


def wechat_user_from_row(row: asyncpg.Record) -> pb.WeChatUser:
    return pb.WeChatUser(id=row["id"], display_name=row["display_name"], create_time=timestamp(row["created_at"]))


async def insert_enterprise(conn: asyncpg.Connection, enterprise_id: str, name: str, individual: bool,
                            secret_hash: bytes) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO enterprises (id, name, individual, api_secret_hash) VALUES ($1, $2, $3, $4) RETURNING *",
        enterprise_id, name, individual, secret_hash,
    )


async def get_enterprise(conn: asyncpg.Connection, enterprise_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM enterprises WHERE id = $1{lock}", enterprise_id)


async def set_enterprise_verified(conn: asyncpg.Connection, enterprise_id: str, method: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE enterprises SET verified = true, verification_method = $2 WHERE id = $1 RETURNING *",
        enterprise_id, method,
    )


async def insert_member(conn: asyncpg.Connection, member_id: str, enterprise_id: str, display_name: str,
                        department: str, role: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO members (id, enterprise_id, display_name, department, role)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        member_id, enterprise_id, display_name, department, role,
    )


async def get_member(conn: asyncpg.Connection, member_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM members WHERE id = $1 AND removed_at IS NULL", member_id)


async def set_member_verified(conn: asyncpg.Connection, member_id: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE members SET real_name_verified = true WHERE id = $1 RETURNING *", member_id
    )


async def insert_wechat_user(conn: asyncpg.Connection, user_id: str, display_name: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO wechat_users (id, display_name) VALUES ($1, $2) RETURNING *", user_id, display_name
    )


async def get_wechat_user(conn: asyncpg.Connection, user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM wechat_users WHERE id = $1", user_id)


async def member_with_enterprise(conn: asyncpg.Connection, member_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT m.id, m.enterprise_id, m.real_name_verified, e.verified AS enterprise_verified,"
        " e.individual FROM members m JOIN enterprises e ON e.id = m.enterprise_id"
        " WHERE m.id = $1 AND m.removed_at IS NULL",
        member_id,
    )


async def describe(conn: asyncpg.Connection, ids: list[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT id, enterprise_id, display_name, 1 AS kind FROM members"
        " WHERE id = ANY($1::text[]) AND removed_at IS NULL"
        " UNION ALL SELECT id, '' AS enterprise_id, display_name, 2 AS kind FROM wechat_users"
        " WHERE id = ANY($1::text[])",
        ids,
    )
    return {row["id"]: row for row in rows}
