"""Meetings' SQL for runs of a meeting (sessions): who is rung, who is in it, attendance."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.meetings.v1 import meetings_pb2 as pb
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp

RINGING = pb.RING_STATE_RINGING


async def insert_session(conn: Connection, meeting_id: str, number: int, occurrence_start: dt.datetime,
                         started_at: dt.datetime) -> None:
    await conn.execute(
        "INSERT INTO sessions (meeting_id, number, occurrence_start, started_at) VALUES ($1, $2, $3, $4)",
        meeting_id, number, occurrence_start, started_at)


async def get_session(conn: Connection, meeting_id: str, number: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT s.*, (SELECT count(*) FROM attendees a WHERE a.meeting_id = s.meeting_id"
        "             AND a.session_no = s.number AND a.present_since IS NOT NULL) AS present_count"
        " FROM sessions s WHERE meeting_id = $1 AND number = $2", meeting_id, number)


def session_from_row(row: asyncpg.Record) -> pb.MeetingSession:
    session = pb.MeetingSession(number=row["number"], occurrence_start_time=timestamp(row["occurrence_start"]),
                                started_time=timestamp(row["started_at"]), present_count=row["present_count"])
    if row["ended_at"] is not None:
        session.ended_time.CopyFrom(timestamp(row["ended_at"]))
    return session


async def open_attendance(conn: Connection, meeting_id: str, session_no: int, present_id: str | None,
                          ring_ids: list[str], at: dt.datetime, deadline: dt.datetime) -> None:
    """A new session's first rows, in one statement: `present_id` (the organizer) in the
    meeting, everyone in `ring_ids` rung until `deadline`."""
    rung = [r for r in ring_ids if r != present_id]
    ids = ([present_id] if present_id else []) + rung
    present = [True] * (len(ids) - len(rung)) + [False] * len(rung)
    await conn.execute(
        "INSERT INTO attendees (meeting_id, session_no, participant_id, ring_state, ring_deadline, present_since,"
        " first_join_at)"
        " SELECT $1, $2, p, CASE WHEN here THEN 0 ELSE $3::smallint END,"
        "        CASE WHEN here THEN NULL ELSE $4::timestamptz END,"
        "        CASE WHEN here THEN $5::timestamptz END, CASE WHEN here THEN $5::timestamptz END"
        " FROM unnest($6::text[], $7::bool[]) AS x(p, here)",
        meeting_id, session_no, RINGING, deadline, at, ids, present)


async def ring(conn: Connection, meeting_id: str, session_no: int, participant_ids: list[str],
               deadline: dt.datetime) -> list[str]:
    """Ring those not in the meeting and not rung yet in this session; returns whom."""
    rows = await conn.fetch(
        "INSERT INTO attendees (meeting_id, session_no, participant_id, ring_state, ring_deadline)"
        " SELECT $1, $2, unnest($3::text[]), $4, $5"
        " ON CONFLICT (meeting_id, session_no, participant_id) DO UPDATE SET ring_state = $4, ring_deadline = $5"
        "   WHERE attendees.present_since IS NULL AND attendees.ring_state NOT IN ($4, $6)"
        " RETURNING participant_id",
        meeting_id, session_no, participant_ids, RINGING, deadline, pb.RING_STATE_ANSWERED)
    return [r["participant_id"] for r in rows]


async def join(conn: Connection, meeting_id: str, session_no: int, participant_id: str,
               at: dt.datetime) -> int | None:
    """Puts the participant in the meeting. Returns their ring state before (None: already in)."""
    before = await conn.fetchrow(
        "SELECT ring_state, present_since FROM attendees"
        " WHERE meeting_id = $1 AND session_no = $2 AND participant_id = $3 FOR UPDATE",
        meeting_id, session_no, participant_id)
    if before is not None and before["present_since"] is not None:
        return None
    await conn.execute(
        "INSERT INTO attendees (meeting_id, session_no, participant_id, present_since, first_join_at)"
        " VALUES ($1, $2, $3, $4, $4) ON CONFLICT (meeting_id, session_no, participant_id) DO UPDATE SET"
        "   present_since = $4, first_join_at = coalesce(attendees.first_join_at, $4), ring_deadline = NULL,"
        "   ring_state = CASE WHEN attendees.ring_state = $5 THEN $6 ELSE attendees.ring_state END",
        meeting_id, session_no, participant_id, at, RINGING, pb.RING_STATE_ANSWERED)
    return before["ring_state"] if before is not None else pb.RING_STATE_UNSPECIFIED


async def leave(conn: Connection, meeting_id: str, session_no: int, participant_ids: list[str],
                at: dt.datetime) -> list[str]:
    """Closes the stays of those in the meeting among `participant_ids`; returns whose."""
    rows = await conn.fetch(
        "UPDATE attendees SET present_since = NULL, last_leave_at = $4,"
        " total_ms = total_ms + (extract(epoch FROM $4 - present_since) * 1000)::bigint"
        " WHERE meeting_id = $1 AND session_no = $2 AND participant_id = ANY($3::text[])"
        "   AND present_since IS NOT NULL RETURNING participant_id",
        meeting_id, session_no, participant_ids, at)
    return [r["participant_id"] for r in rows]


async def stop_ringing(conn: Connection, meeting_id: str, session_no: int, participant_ids: list[str] | None,
                       state: int, *, due_by: dt.datetime | None = None) -> list[str]:
    """Moves ringing calls (of `participant_ids`, or everyone's; only those due by `due_by` when
    given) to `state`; returns whose."""
    rows = await conn.fetch(
        "UPDATE attendees SET ring_state = $4, ring_deadline = NULL"
        " WHERE meeting_id = $1 AND session_no = $2 AND ring_state = $5"
        "   AND ($3::text[] IS NULL OR participant_id = ANY($3::text[]))"
        "   AND ($6::timestamptz IS NULL OR ring_deadline <= $6)"
        " RETURNING participant_id",
        meeting_id, session_no, participant_ids, state, RINGING, due_by)
    return sorted(r["participant_id"] for r in rows)


async def present_ids(conn: Connection, meeting_id: str, session_no: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT participant_id FROM attendees WHERE meeting_id = $1 AND session_no = $2"
        " AND present_since IS NOT NULL ORDER BY participant_id", meeting_id, session_no)
    return [r["participant_id"] for r in rows]


async def counts(conn: Connection, meeting_id: str, session_no: int) -> tuple[int, int]:
    """(present, ringing) in the session."""
    row = await fetch_one(
        conn, "SELECT count(*) FILTER (WHERE present_since IS NOT NULL) AS present,"
        " count(*) FILTER (WHERE ring_state = $3) AS ringing"
        " FROM attendees WHERE meeting_id = $1 AND session_no = $2", meeting_id, session_no, RINGING)
    return row["present"], row["ringing"]


async def next_ring_deadline(conn: Connection, meeting_id: str) -> dt.datetime | None:
    return await conn.fetchval(
        "SELECT min(ring_deadline) FROM attendees WHERE meeting_id = $1 AND ring_state = $2", meeting_id, RINGING)


async def end_session(conn: Connection, meeting_id: str, session_no: int, at: dt.datetime) -> None:
    await conn.execute("UPDATE sessions SET ended_at = $3 WHERE meeting_id = $1 AND number = $2",
                       meeting_id, session_no, at)


async def attendee_page(conn: Connection, meeting_id: str, session_no: int, *, present_only: bool,
                        after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT *, now() AS read_at FROM attendees WHERE meeting_id = $1 AND session_no = $2"
        " AND (NOT $3 OR present_since IS NOT NULL) AND participant_id > $4 ORDER BY participant_id LIMIT $5",
        meeting_id, session_no, present_only, after, limit)


def attendee_from_row(row: asyncpg.Record) -> pb.Attendee:
    total_ms = row["total_ms"]
    if row["present_since"] is not None:
        total_ms += max(0, int((row["read_at"] - row["present_since"]).total_seconds() * 1000))
    attendee = pb.Attendee(participant_id=row["participant_id"], present=row["present_since"] is not None,
                           ring_state=row["ring_state"], total_seconds=total_ms // 1000)
    if row["first_join_at"] is not None:
        attendee.first_join_time.CopyFrom(timestamp(row["first_join_at"]))
    if row["last_leave_at"] is not None:
        attendee.last_leave_time.CopyFrom(timestamp(row["last_leave_at"]))
    return attendee
