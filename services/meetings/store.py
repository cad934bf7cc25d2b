"""Meetings' SQL: meetings, their invitees and replies, and occurrences edited on their own."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.meetings.v1 import meetings_pb2 as pb
from services.meetings.recurrence import Occurrence, Override, Series
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp

FINISHED = [pb.MEETING_STATE_ENDED, pb.MEETING_STATE_CANCELLED]
# Columns UpdateMeeting may set (a whitelist: the names go into SQL).
UPDATABLE = frozenset({
    "topic", "start_time", "local_start", "time_zone", "duration_minutes", "notes", "recurrence_frequency",
    "recurrence_interval", "recurrence_until", "recurrence_count", "reminder_audience", "external",
})


def series_of(row: asyncpg.Record) -> Series:
    return Series(local_start=row["local_start"], zone=row["time_zone"], duration_minutes=row["duration_minutes"],
                  frequency=row["recurrence_frequency"], interval=row["recurrence_interval"],
                  until=row["recurrence_until"], count=row["recurrence_count"])


def occurrence_to_pb(occurrence: Occurrence) -> pb.Occurrence:
    return pb.Occurrence(
        original_start_time=timestamp(occurrence.original_start), start_time=timestamp(occurrence.start),
        duration_minutes=occurrence.duration_minutes, topic=occurrence.topic, notes=occurrence.notes,
        cancelled=occurrence.cancelled, modified=occurrence.modified)


def meeting_from_row(row: asyncpg.Record, participant_ids: list[str],
                     current: Occurrence | None = None) -> pb.Meeting:
    meeting = pb.Meeting(
        id=row["id"], organizer_id=row["organizer_id"], enterprise_id=row["enterprise_id"], topic=row["topic"],
        type=row["type"], state=row["state"], start_time=timestamp(row["start_time"]),
        duration_minutes=row["duration_minutes"], participant_ids=participant_ids, notes=row["notes"],
        time_zone=row["time_zone"], version=row["version"], reminder_audience=row["reminder_audience"],
        external=row["external"], source_call_id=row["source_call_id"] or "", group_id=row["group_id"],
        create_time=timestamp(row["created_at"]), update_time=timestamp(row["updated_at"]),
    )
    if row["recurrence_frequency"]:
        meeting.recurrence.CopyFrom(pb.Recurrence(
            frequency=row["recurrence_frequency"], interval=row["recurrence_interval"],
            until_date=row["recurrence_until"].isoformat() if row["recurrence_until"] else "",
            count=row["recurrence_count"]))
    if current is not None:
        meeting.current_occurrence.CopyFrom(occurrence_to_pb(current))
    if row["started_at"] is not None:
        meeting.started_time.CopyFrom(timestamp(row["started_at"]))
    if row["ended_at"] is not None:
        meeting.ended_time.CopyFrom(timestamp(row["ended_at"]))
    return meeting


async def insert_meeting(conn: Connection, participant_ids: list[str], **columns: object) -> asyncpg.Record | None:
    """A new meeting row and its participants, in one statement; None (and nothing written)
    when one was already made from `source_call_id`."""
    names = list(columns)
    placeholders = ", ".join(f"${i + 2}" for i in range(len(names)))
    return await conn.fetchrow(
        f"WITH made AS (INSERT INTO meetings ({', '.join(names)}) VALUES ({placeholders})"
        "   ON CONFLICT (source_call_id) DO NOTHING RETURNING *),"
        " invited AS (INSERT INTO meeting_participants (meeting_id, participant_id)"
        "   SELECT made.id, p FROM made, unnest($1::text[]) AS p ON CONFLICT DO NOTHING)"
        " SELECT * FROM made", participant_ids, *columns.values())


async def get_meeting(conn: Connection, meeting_id: str, *, for_update: bool = False,
                      nowait: bool = False) -> asyncpg.Record | None:
    lock = (" FOR UPDATE NOWAIT" if nowait else " FOR UPDATE") if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM meetings WHERE id = $1{lock}", meeting_id)


async def update_meeting(conn: Connection, meeting_id: str, *, bump_version: bool = True,
                         **columns: object) -> asyncpg.Record:
    """Set columns (and the bookkeeping ones below) and return the row."""
    sets, values = [], []
    for name, value in columns.items():
        values.append(value)
        sets.append(f"{name} = ${len(values) + 1}")
    if bump_version:
        sets.append("version = version + 1")
    sets.append("updated_at = now()")
    return await fetch_one(conn, f"UPDATE meetings SET {', '.join(sets)} WHERE id = $1 RETURNING *",
                               meeting_id, *values)


# ------------------------------------------------------------------------------ invitees


async def add_participants(conn: Connection, meeting_id: str, participant_ids: list[str]) -> None:
    await conn.execute(
        "INSERT INTO meeting_participants (meeting_id, participant_id) SELECT $1, unnest($2::text[])"
        " ON CONFLICT DO NOTHING", meeting_id, participant_ids)


async def remove_participants(conn: Connection, meeting_id: str, participant_ids: list[str]) -> None:
    await conn.execute("DELETE FROM meeting_participants WHERE meeting_id = $1 AND participant_id = ANY($2::text[])",
                       meeting_id, participant_ids)


async def participant_ids(conn: Connection, meeting_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT participant_id FROM meeting_participants WHERE meeting_id = $1 ORDER BY participant_id", meeting_id)
    return [r["participant_id"] for r in rows]


async def not_declined(conn: Connection, meeting_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT participant_id FROM meeting_participants WHERE meeting_id = $1 AND reply <> $2"
        " ORDER BY participant_id", meeting_id, pb.REPLY_STATUS_DECLINED)
    return [r["participant_id"] for r in rows]


async def set_reply(conn: Connection, meeting_id: str, participant_id: str,
                    status: int) -> tuple[int, asyncpg.Record] | None:
    """(the previous reply, the reply row) of an invitee; None when they are not one."""
    previous = await conn.fetchval(
        "SELECT reply FROM meeting_participants WHERE meeting_id = $1 AND participant_id = $2 FOR UPDATE",
        meeting_id, participant_id)
    if previous is None:
        return None
    row = await fetch_one(
        conn, "UPDATE meeting_participants SET reply = $3,"
        " replied_at = CASE WHEN reply = $3 THEN replied_at ELSE now() END"
        " WHERE meeting_id = $1 AND participant_id = $2 RETURNING participant_id, reply, replied_at",
        meeting_id, participant_id, status)
    return previous, row


def reply_from_row(row: asyncpg.Record) -> pb.Reply:
    reply = pb.Reply(participant_id=row["participant_id"], status=row["reply"])
    if row["replied_at"] is not None:
        reply.reply_time.CopyFrom(timestamp(row["replied_at"]))
    return reply


async def reply_page(conn: Connection, meeting_id: str, after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT participant_id, reply, replied_at FROM meeting_participants"
        " WHERE meeting_id = $1 AND participant_id > $2 ORDER BY participant_id LIMIT $3", meeting_id, after, limit)


async def reply_counts(conn: Connection, meeting_id: str) -> dict[int, int]:
    rows = await conn.fetch(
        "SELECT reply, count(*) AS n FROM meeting_participants WHERE meeting_id = $1 GROUP BY reply", meeting_id)
    return {r["reply"]: r["n"] for r in rows}


async def my_meetings_page(conn: Connection, principal_id: str, before: str, limit: int,
                           include_finished: bool) -> list[asyncpg.Record]:
    """Meetings the principal organizes or is invited to, newest first (ids sort by creation)."""
    excluded = [] if include_finished else FINISHED
    return await conn.fetch(
        "SELECT * FROM meetings WHERE id IN ("
        "   SELECT id FROM meetings WHERE organizer_id = $1"
        "   UNION SELECT meeting_id FROM meeting_participants WHERE participant_id = $1)"
        " AND ($2 = '' OR id < $2) AND NOT (state = ANY($3::smallint[]))"
        " ORDER BY id DESC LIMIT $4", principal_id, before, excluded, limit)


async def participants_of(conn: Connection, meeting_ids: list[str]) -> dict[str, list[str]]:
    rows = await conn.fetch(
        "SELECT meeting_id, participant_id FROM meeting_participants WHERE meeting_id = ANY($1::text[])"
        " ORDER BY participant_id", meeting_ids)
    found: dict[str, list[str]] = {m: [] for m in meeting_ids}
    for r in rows:
        found[r["meeting_id"]].append(r["participant_id"])
    return found


# --------------------------------------------------------------------------- overrides


async def overrides(conn: Connection, meeting_id: str) -> dict[dt.datetime, Override]:
    rows = await conn.fetch("SELECT * FROM occurrence_overrides WHERE meeting_id = $1", meeting_id)
    return {r["original_start"]: Override(start=r["start_time"], duration_minutes=r["duration_minutes"],
                                          topic=r["topic"], notes=r["notes"], cancelled=r["cancelled"])
            for r in rows}


async def save_override(conn: Connection, meeting_id: str, original_start: dt.datetime,
                        override: Override) -> None:
    await conn.execute(
        "INSERT INTO occurrence_overrides (meeting_id, original_start, start_time, duration_minutes, topic, notes,"
        " cancelled) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (meeting_id, original_start) DO UPDATE SET"
        " start_time = $3, duration_minutes = $4, topic = $5, notes = $6, cancelled = $7",
        meeting_id, original_start, override.start, override.duration_minutes, override.topic, override.notes,
        override.cancelled)


async def drop_overrides(conn: Connection, meeting_id: str) -> int:
    return len(await conn.fetch("DELETE FROM occurrence_overrides WHERE meeting_id = $1 RETURNING 1", meeting_id))
