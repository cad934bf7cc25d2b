"""Meetings' SQL."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.meetings.v1 import meetings_pb2 as pb
from services.runtime.events import timestamp


def meeting_from_row(row: asyncpg.Record, participant_ids: list[str]) -> pb.Meeting:
    return pb.Meeting(
        id=row["id"], organizer_id=row["organizer_id"], enterprise_id=row["enterprise_id"], topic=row["topic"],
        type=row["type"], state=row["state"], start_time=timestamp(row["start_time"]),
        duration_minutes=row["duration_minutes"], participant_ids=participant_ids, notes=row["notes"],
    )


async def insert_meeting(conn: asyncpg.Connection, *, meeting_id: str, organizer_id: str, enterprise_id: str,
                         topic: str, type_: int, state: int, start_time: dt.datetime, duration_minutes: int,
                         notes: str, participant_ids: list[str]) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO meetings (id, organizer_id, enterprise_id, topic, type, state, start_time,"
        " duration_minutes, notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        meeting_id, organizer_id, enterprise_id, topic, type_, state, start_time, duration_minutes, notes,
    )
    await conn.execute(
        "INSERT INTO meeting_participants (meeting_id, participant_id) SELECT $1, unnest($2::text[])",
        meeting_id, participant_ids,
    )
    return row


async def get_meeting(conn: asyncpg.Connection, meeting_id: str) -> tuple[asyncpg.Record, list[str]] | None:
    row = await conn.fetchrow("SELECT * FROM meetings WHERE id = $1", meeting_id)
    if row is None:
        return None
    ids = await conn.fetch(
        "SELECT participant_id FROM meeting_participants WHERE meeting_id = $1 ORDER BY participant_id", meeting_id)
    return row, [r["participant_id"] for r in ids]
