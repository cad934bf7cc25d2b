"""Groups' SQL for red-packet covers (SPEC F-50) and the enterprises identity announces."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.groups.v1 import covers_pb2 as pb
from services.groups.card_store import set_time
from services.runtime.db import Connection, fetch_one

STATES = {"pending": pb.COVER_STATE_PENDING, "approved": pb.COVER_STATE_APPROVED,
          "rejected": pb.COVER_STATE_REJECTED}
STATE_NAMES: dict[int, str] = {number: name for name, number in STATES.items()}


def cover_from_row(row: asyncpg.Record) -> pb.Cover:
    cover = pb.Cover(
        id=row["id"], enterprise_id=row["enterprise_id"], enterprise_name=row["enterprise_name"], name=row["name"],
        image_ref=row["image_ref"], quantity=row["quantity"], used_count=row["used_count"],
        state=STATES[row["state"]], reject_reason=row["reject_reason"], applicant_id=row["applicant_id"],
        reviewer_id=row["reviewer_id"])
    set_time(cover.create_time, row["created_at"])
    if row["reviewed_at"] is not None:
        set_time(cover.review_time, row["reviewed_at"])
    return cover


async def insert(conn: Connection, cover_id: str, *, enterprise_id: str, enterprise_name: str, name: str,
                 image_ref: str, quantity: int, applicant_id: str) -> asyncpg.Record:
    return await fetch_one(
        conn, "INSERT INTO covers (id, enterprise_id, enterprise_name, name, image_ref, quantity, applicant_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        cover_id, enterprise_id, enterprise_name, name, image_ref, quantity, applicant_id)


async def get(conn: Connection, cover_id: str, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT * FROM covers WHERE id = $1{' FOR UPDATE' if lock else ''}", cover_id)


async def review(conn: Connection, cover_id: str, *, approve: bool, reason: str, reviewer_id: str) -> asyncpg.Record:
    return await fetch_one(
        conn, "UPDATE covers SET state = $2, reject_reason = $3, reviewer_id = $4, reviewed_at = now() WHERE id = $1"
        " RETURNING *", cover_id, "approved" if approve else "rejected", reason, reviewer_id)


async def use(conn: Connection, cover_id: str, enterprise_id: str) -> bool:
    """Count one use of an approved cover of `enterprise_id`, unless it is used up (the row lock
    makes concurrent uses count one after another, never past the quantity)."""
    return bool(await conn.fetchval(
        "UPDATE covers SET used_count = used_count + 1 WHERE id = $1 AND enterprise_id = $2 AND state = 'approved'"
        " AND used_count < quantity RETURNING true", cover_id, enterprise_id))


async def page(conn: Connection, *, enterprise_id: str | None, state: str | None, before: str,
               limit: int) -> list[asyncpg.Record]:
    """Newest first; every enterprise's when `enterprise_id` is None, any state when `state` is."""
    return await conn.fetch(
        "SELECT * FROM covers WHERE ($1::text IS NULL OR enterprise_id = $1) AND ($2::text IS NULL OR state = $2)"
        " AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4",
        enterprise_id, state, before, limit)


async def record_enterprise(conn: Connection, enterprise_id: str, name: str, verified: bool,
                            as_of: dt.datetime) -> None:
    """What identity said of the enterprise at `as_of`; an older word arriving late changes nothing."""
    await conn.execute(
        "INSERT INTO enterprises AS e (id, name, verified, updated_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, verified = excluded.verified,"
        " updated_at = excluded.updated_at WHERE e.updated_at < excluded.updated_at",
        enterprise_id, name, verified, as_of)


async def enterprise(conn: Connection, enterprise_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT name, verified FROM enterprises WHERE id = $1", enterprise_id)
