"""Groups' SQL for group calls and their participants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

from convene.groups.v1 import groups_pb2 as pb
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp


def call_from_rows(call: asyncpg.Record, participants: Iterable[asyncpg.Record | Mapping[str, Any]]) -> pb.GroupCall:
    return pb.GroupCall(
        id=call["id"], group_id=call["group_id"], type=call["type"], state=call["state"],
        starter_id=call["starter_id"], meeting_id=call["meeting_id"] or "", create_time=timestamp(call["created_at"]),
        participants=[pb.CallParticipant(participant_id=p["participant_id"], state=p["state"]) for p in participants],
    )


async def insert_call(conn: Connection, call_id: str, group_id: str, call_type: int,
                      starter_id: str) -> asyncpg.Record:
    return await fetch_one(conn,
        "INSERT INTO calls (id, group_id, type, state, starter_id) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        call_id, group_id, call_type, pb.CALL_STATE_ACTIVE, starter_id,
    )


async def open_call_id(conn: Connection, group_id: str) -> str | None:
    return await conn.fetchval(
        "SELECT id FROM calls WHERE group_id = $1 AND state = ANY($2::smallint[])",
        group_id, [pb.CALL_STATE_ACTIVE, pb.CALL_STATE_UPGRADING],
    )


async def get_call(conn: Connection, call_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM calls WHERE id = $1{lock}", call_id)


async def set_participants(conn: Connection, call_id: str, participant_ids: list[str], state: int) -> None:
    await conn.execute(
        "INSERT INTO call_participants (call_id, participant_id, state) SELECT $1, unnest($2::text[]), $3"
        " ON CONFLICT (call_id, participant_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
        call_id, participant_ids, state,
    )


async def participants(conn: Connection, call_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT participant_id, state FROM call_participants WHERE call_id = $1 ORDER BY participant_id", call_id)


async def set_state(conn: Connection, call_id: str, state: int, *, meeting_id: str | None = None,
                    ended: bool = False) -> asyncpg.Record:
    return await fetch_one(conn,
        "UPDATE calls SET state = $2, meeting_id = coalesce($3, meeting_id),"
        " ended_at = CASE WHEN $4 THEN now() ELSE ended_at END WHERE id = $1 RETURNING *",
        call_id, state, meeting_id, ended,
    )


async def end_active_call(conn: Connection, group_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE calls SET state = $2, ended_at = now() WHERE group_id = $1 AND state = $3 RETURNING *",
        group_id, pb.CALL_STATE_ENDED, pb.CALL_STATE_ACTIVE,
    )
