"""Live's SQL."""

from __future__ import annotations

import asyncpg

from convene.live.v1 import live_pb2 as pb
from services.runtime.events import timestamp


def live_from_row(row: asyncpg.Record, replay_state: int | None = None) -> pb.Live:
    live = pb.Live(
        id=row["id"], group_id=row["group_id"], host_id=row["host_id"], enterprise_id=row["enterprise_id"],
        title=row["title"], description=row["description"], audience=row["audience"], state=row["state"],
        allow_replay=row["allow_replay"],
        replay_state=replay_state or (pb.REPLAY_STATE_PENDING if row["allow_replay"] else pb.REPLAY_STATE_NONE),
    )
    if row["started_at"]:
        live.start_time.CopyFrom(timestamp(row["started_at"]))
    if row["ended_at"]:
        live.end_time.CopyFrom(timestamp(row["ended_at"]))
    return live


async def insert_live(conn: asyncpg.Connection, *, live_id: str, group_id: str, host_id: str, enterprise_id: str,
                      title: str, description: str, audience: int, state: int, allow_replay: bool,
                      stream_key: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO lives (id, group_id, host_id, enterprise_id, title, description, audience, state,"
        " allow_replay, stream_key, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
        " CASE WHEN $8::smallint = 3 THEN now() END) RETURNING *",
        live_id, group_id, host_id, enterprise_id, title, description, audience, state, allow_replay, stream_key,
    )


async def get_live(conn: asyncpg.Connection, live_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT l.*, r.state AS replay_state FROM lives l LEFT JOIN replays r ON r.live_id = l.id WHERE l.id = $1",
        live_id,
    )


async def insert_replay(conn: asyncpg.Connection, live_id: str, state: int, delay_s: int) -> None:
    await conn.execute(
        "INSERT INTO replays (live_id, state, delay_s) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        live_id, state, delay_s,
    )
