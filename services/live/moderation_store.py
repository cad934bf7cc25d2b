"""Moderation's SQL (SPEC F-51): the record of actions, reports, blocked words. Kinds, reasons
and states are stored as their proto enum value names."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.live.v1 import moderation_pb2 as mpb
from services.runtime.db import Connection
from services.runtime.events import timestamp
from services.runtime.ids import new_id

OPEN = mpb.ReportState.Name(mpb.REPORT_STATE_OPEN)


def action_from_row(row: asyncpg.Record) -> mpb.ModerationAction:
    action = mpb.ModerationAction(
        id=row["id"], kind=row["kind"], enterprise_id=row["enterprise_id"],
        live_id=row["live_id"], actor_id=row["actor_id"], target_id=row["target_id"],
        comment_sequence=row["comment_sequence"], report_id=row["report_id"], reason=row["reason"],
        words=list(row["words"]), create_time=timestamp(row["created_at"]))
    if row["until"] is not None:
        action.until.CopyFrom(timestamp(row["until"]))
    return action


async def record(conn: Connection, *, kind: int, enterprise_id: str, actor_id: str, live_id: str = "",
                 target_id: str = "", comment_sequence: int = 0, report_id: str = "", reason: str = "",
                 until: dt.datetime | None = None, words: list[str] | None = None) -> mpb.ModerationAction:
    """Record an action in the transaction that does it."""
    row = await conn.fetchrow(
        "INSERT INTO moderation_actions (id, enterprise_id, live_id, actor_id, kind, target_id, comment_sequence,"
        " report_id, reason, until, words) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
        new_id("moderation"), enterprise_id, live_id, actor_id, mpb.ModerationActionKind.Name(kind), target_id,
        comment_sequence, report_id, reason, until, words or [])
    assert row is not None
    return action_from_row(row)


async def action_page(conn: Connection, enterprise_id: str, live_id: str, before: str, limit: int) -> list[asyncpg.Record]:
    """Newest first; `before` is the id a previous page ended at ('' for the first page)."""
    return await conn.fetch(
        "SELECT * FROM moderation_actions WHERE enterprise_id = $1 AND ($2 = '' OR live_id = $2)"
        " AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4", enterprise_id, live_id, before, limit)


# ---------------------------------------------------------------------------- reports


def report_from_row(row: asyncpg.Record) -> mpb.Report:
    report = mpb.Report(
        id=row["id"], live_id=row["live_id"], enterprise_id=row["enterprise_id"], reporter_id=row["reporter_id"],
        reason=row["reason"], note=row["note"], state=row["state"],
        create_time=timestamp(row["created_at"]), resolved_by=row["resolved_by"],
        resolution_note=row["resolution_note"])
    if row["resolved_at"] is not None:
        report.resolve_time.CopyFrom(timestamp(row["resolved_at"]))
    return report


async def open_report(conn: Connection, *, live_id: str, enterprise_id: str, reporter_id: str, reason: int,
                      note: str) -> asyncpg.Record:
    """The reporter's open report of the live: a new one, or the one already open."""
    row = await conn.fetchrow(
        "INSERT INTO reports (id, live_id, enterprise_id, reporter_id, reason, note) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (live_id, reporter_id) WHERE state = 'REPORT_STATE_OPEN' DO NOTHING RETURNING *",
        new_id("report"), live_id, enterprise_id, reporter_id, mpb.ReportReason.Name(reason), note)
    if row is None:
        row = await conn.fetchrow("SELECT * FROM reports WHERE live_id = $1 AND reporter_id = $2 AND state = $3",
                                  live_id, reporter_id, OPEN)
    assert row is not None
    return row


async def get_report(conn: Connection, report_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT * FROM reports WHERE id = $1{' FOR UPDATE' if for_update else ''}", report_id)


async def report_page(conn: Connection, enterprise_id: str, state: int, live_id: str, before: str,
                      limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM reports WHERE enterprise_id = $1 AND state = $2 AND ($3 = '' OR live_id = $3)"
        " AND ($4 = '' OR id < $4) ORDER BY id DESC LIMIT $5",
        enterprise_id, mpb.ReportState.Name(state), live_id, before, limit)


async def resolve_reports(conn: Connection, *, report_ids: list[str] | None = None, live_id: str = "", state: int,
                          by: str, note: str) -> list[asyncpg.Record]:
    """Resolve the given open reports, or every open report of `live_id`."""
    return await conn.fetch(
        "UPDATE reports SET state = $1, resolved_by = $2, resolved_at = now(), resolution_note = $3"
        " WHERE state = $4 AND (id = ANY($5::text[]) OR live_id = $6) RETURNING *",
        mpb.ReportState.Name(state), by, note, OPEN, report_ids or [], live_id)


# ---------------------------------------------------------------------------- blocked words


async def blocked_words(conn: Connection, enterprise_id: str) -> list[str]:
    return [r["word"] for r in await conn.fetch("SELECT word FROM blocked_words WHERE enterprise_id = $1",
                                                enterprise_id)]


async def update_blocked_words(conn: Connection, enterprise_id: str, added_by: str, add: list[str],
                               remove: list[str]) -> tuple[list[str], list[str], int]:
    """Returns (words newly added, words removed, how many the enterprise blocks now)."""
    removed = [r["word"] for r in await conn.fetch(
        "DELETE FROM blocked_words WHERE enterprise_id = $1 AND word = ANY($2::text[]) RETURNING word",
        enterprise_id, remove)]
    added = [r["word"] for r in await conn.fetch(
        "INSERT INTO blocked_words (enterprise_id, word, added_by) SELECT $1, w, $2 FROM unnest($3::text[]) AS w"
        " ON CONFLICT DO NOTHING RETURNING word", enterprise_id, added_by, add)]
    count = await conn.fetchval("SELECT count(*) FROM blocked_words WHERE enterprise_id = $1", enterprise_id)
    return added, removed, count


async def blocked_word_page(conn: Connection, enterprise_id: str, after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM blocked_words WHERE enterprise_id = $1 AND word > $2 ORDER BY word LIMIT $3",
        enterprise_id, after, limit)
