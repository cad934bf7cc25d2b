"""Groups' SQL for cards: subjects (the state every copy shows), placements in groups, timeline
entries holding them, and forwards with the viewers they brought."""

from __future__ import annotations

import datetime as dt

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from convene.groups.v1 import groups_pb2 as pb
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp

# CardDetails' columns, each NULL until an event tells it.
_DETAILS = ("duration_seconds", "total_viewers", "peak_viewers", "replay_url", "replay_duration_seconds")
# The subject's columns as card_from_row reads them.
SUBJECT_FIELDS = (
    "s.subject_id, s.kind, s.state, s.title, s.author_id, s.version, s.updated_at AS subject_updated_at,"
    " s.start_time, s.duration_seconds, s.total_viewers, s.peak_viewers, s.replay_url, s.replay_duration_seconds,"
    f" num_nonnulls(s.start_time, s.{', s.'.join(_DETAILS)}) > 0 AS has_details"
)


def set_time(field: Timestamp, when: dt.datetime) -> None:
    """Timestamp.FromDatetime, three times faster (timeline pages build many): exact for
    timezone-aware times until 2106, the microseconds taken apart from the float seconds."""
    field.seconds = int(when.timestamp())
    field.nanos = when.microsecond * 1000


def fill_card(card: pb.Card, card_id: str, row: asyncpg.Record) -> pb.Card:
    card.id = card_id
    card.kind = row["kind"]
    card.subject_id = row["subject_id"]
    card.state = row["state"]
    card.title = row["title"]
    card.author_id = row["author_id"]
    card.version = row["version"]
    set_time(card.update_time, row["subject_updated_at"])
    if row["has_details"]:  # a live card has none until it ends: a page of 50 spares 300 lookups
        if row["start_time"] is not None:
            set_time(card.details.start_time, row["start_time"])
        for name in _DETAILS:
            if row[name] is not None:
                setattr(card.details, name, row[name])
    return card


def card_from_row(card_id: str, row: asyncpg.Record) -> pb.Card:
    return fill_card(pb.Card(), card_id, row)


def _details_values(details: pb.CardDetails | None) -> tuple[object, ...]:
    """CardDetails as columns; unset (zero) figures are NULL so they never erase known ones."""
    if details is None:
        return None, None, None, None, None, None
    start = details.start_time.ToDatetime(dt.UTC) if details.HasField("start_time") else None
    return (start, details.duration_seconds or None, details.total_viewers or None, details.peak_viewers or None,
            details.replay_url or None, details.replay_duration_seconds or None)


async def upsert_subject(conn: Connection, subject_id: str, kind: int, state: int, rank: int, title: str,
                         author_id: str, details: pb.CardDetails | None) -> asyncpg.Record | None:
    """Record the subject, or move it forward. None when it already shows `rank` or a later state
    (a late or repeated event). The conflicting row is locked either way, so events of one
    subject are applied one after another."""
    return await conn.fetchrow(
        "INSERT INTO card_subjects AS s (subject_id, kind, state, state_rank, title, author_id, start_time,"
        " duration_seconds, total_viewers, peak_viewers, replay_url, replay_duration_seconds)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        " ON CONFLICT (subject_id) DO UPDATE SET kind = EXCLUDED.kind, state = EXCLUDED.state,"
        " state_rank = EXCLUDED.state_rank, title = coalesce(nullif(EXCLUDED.title, ''), s.title),"
        " start_time = coalesce(EXCLUDED.start_time, s.start_time),"
        " duration_seconds = coalesce(EXCLUDED.duration_seconds, s.duration_seconds),"
        " total_viewers = coalesce(EXCLUDED.total_viewers, s.total_viewers),"
        " peak_viewers = coalesce(EXCLUDED.peak_viewers, s.peak_viewers),"
        " replay_url = coalesce(EXCLUDED.replay_url, s.replay_url),"
        " replay_duration_seconds = coalesce(EXCLUDED.replay_duration_seconds, s.replay_duration_seconds),"
        " version = s.version + 1, updated_at = now()"
        " WHERE s.state_rank < EXCLUDED.state_rank"
        f" RETURNING {SUBJECT_FIELDS}, (xmax = 0) AS inserted",
        subject_id, kind, state, rank, title, author_id, *_details_values(details),
    )


async def get_subject(conn: Connection, subject_id: str, *, share_lock: bool = False) -> asyncpg.Record | None:
    """`share_lock` keeps the subject from moving until the transaction ends (a forward posting
    its copy), so the move that follows sees the copy and notifies its group too."""
    lock = " FOR SHARE" if share_lock else ""
    return await conn.fetchrow(f"SELECT {SUBJECT_FIELDS} FROM card_subjects s WHERE s.subject_id = $1{lock}",
                               subject_id)


async def insert_card(conn: Connection, card_id: str, group_id: str, subject_id: str,
                      forward_id: str | None = None) -> bool:
    """Place the subject in the group; False when it is there already (one card per group and subject)."""
    return bool(await conn.fetchval(
        "INSERT INTO cards (id, group_id, subject_id, forward_id) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (group_id, subject_id) DO NOTHING RETURNING true",
        card_id, group_id, subject_id, forward_id,
    ))


async def card_id_in(conn: Connection, group_id: str, subject_id: str) -> str:
    return await conn.fetchval("SELECT id FROM cards WHERE group_id = $1 AND subject_id = $2", group_id, subject_id)


async def placements(conn: Connection, subject_id: str, *, except_card_id: str | None) -> list[asyncpg.Record]:
    """Every card of the subject in a group that is not dismissed, with the group's members."""
    return await conn.fetch(
        "SELECT c.id AS card_id, g.id AS group_id, g.name, g.enterprise_id,"
        " (SELECT t.id FROM timeline_items t WHERE t.card_id = c.id ORDER BY t.sequence LIMIT 1) AS item_id,"
        " coalesce((SELECT array_agg(m.member_id) FROM group_members m WHERE m.group_id = g.id), '{}') AS member_ids"
        " FROM cards c JOIN groups g ON g.id = c.group_id AND g.dismissed_at IS NULL"
        " WHERE c.subject_id = $1 AND c.id IS DISTINCT FROM $2",
        subject_id, except_card_id,
    )


async def readable_card(conn: Connection, card_id: str, principal_id: str) -> asyncpg.Record | None:
    """The card, its subject and group, and whether the principal is in that group."""
    return await conn.fetchrow(
        f"SELECT c.id AS card_id, c.group_id, c.forward_id AS card_forward_id, {SUBJECT_FIELDS},"
        " EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = c.group_id AND m.member_id = $2) AS is_member"
        " FROM cards c JOIN card_subjects s ON s.subject_id = c.subject_id"
        " JOIN groups g ON g.id = c.group_id AND g.dismissed_at IS NULL WHERE c.id = $1",
        card_id, principal_id,
    )


# ------------------------------------------------------------------ forwards


def forward_from_row(row: asyncpg.Record) -> pb.Forward:
    return pb.Forward(
        id=row["id"], card_id=row["card_id"], subject_id=row["subject_id"], sharer_id=row["sharer_id"],
        from_group_id=row["from_group_id"], target=row["target"], target_group_id=row["target_group_id"] or "",
        parent_forward_id=row["parent_forward_id"] or "", viewer_count=row["viewer_count"],
        create_time=timestamp(row["created_at"]),
    )


async def insert_forward(conn: Connection, forward_id: str, *, card_id: str, subject_id: str,
                         sharer_id: str, from_group_id: str, target: int, target_group_id: str | None,
                         parent_forward_id: str | None) -> asyncpg.Record:
    return await fetch_one(conn,
        "INSERT INTO forwards (id, card_id, subject_id, sharer_id, from_group_id, target, target_group_id,"
        " parent_forward_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        forward_id, card_id, subject_id, sharer_id, from_group_id, target, target_group_id, parent_forward_id,
    )


async def forward_page(conn: Connection, subject_id: str, sharer_id: str | None, after: str,
                       limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM forwards WHERE subject_id = $1 AND ($2::text IS NULL OR sharer_id = $2) AND id > $3"
        " ORDER BY id LIMIT $4",
        subject_id, sharer_id, after, limit,
    )


async def count_viewer(conn: Connection, forward_id: str, subject_id: str, viewer_id: str) -> bool:
    """Count a viewer for the forward once; False when already counted or the forward is not of
    that subject (a share id from elsewhere)."""
    return bool(await conn.fetchval(
        "WITH f AS (SELECT id FROM forwards WHERE id = $1 AND subject_id = $2),"
        " v AS (INSERT INTO forward_viewers (forward_id, viewer_id) SELECT id, $3 FROM f"
        "   ON CONFLICT DO NOTHING RETURNING forward_id)"
        " UPDATE forwards SET viewer_count = viewer_count + 1 WHERE id IN (SELECT forward_id FROM v) RETURNING true",
        forward_id, subject_id, viewer_id,
    ))
