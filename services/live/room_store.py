"""The room's SQL (SPEC F-29): its gap-free event sequence, comments with their rate limit,
likes, what each participant did and may do, and the guests' seats and their publishes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import room_pb2 as rpb
from services.live.store import key_hash
from services.runtime.db import Connection, fetch_one

# Guest seat states (guest_seats.state).
SEAT_RAISED = "SEAT_RAISED"
SEAT_ON_MIC = "SEAT_ON_MIC"
SEAT_DECLINED = "SEAT_DECLINED"
SEAT_WITHDRAWN = "SEAT_WITHDRAWN"
SEAT_OFF = "SEAT_OFF"



def _next_sequence(live: str, comments: str, close: str, *, when: str = "true") -> str:
    """The statement that hands out a room's next sequence number (the placeholders given are
    the live id, the comments it adds and whether it closes the room). The rooms row stays
    locked until the transaction ends, so events commit in sequence order; a closed room (the
    live ended) hands out no more."""
    return (f"INSERT INTO rooms (live_id, last_sequence, comment_num, closed)"
            f" SELECT {live}::text, 1, {comments}::bigint, {close}::boolean WHERE {when}"
            f" ON CONFLICT (live_id) DO UPDATE SET last_sequence = rooms.last_sequence + 1,"
            f" comment_num = rooms.comment_num + {comments}::bigint, closed = rooms.closed OR {close}::boolean"
            " WHERE NOT rooms.closed RETURNING last_sequence")


def event_from(sequence: int, body: bytes, created_at: dt.datetime) -> rpb.RoomEvent:
    event = rpb.RoomEvent.FromString(body)
    event.sequence = sequence
    event.time.FromDatetime(created_at)
    if event.HasField("comment"):
        event.comment.sequence = sequence
        event.comment.create_time.CopyFrom(event.time)
    return event


def event_from_row(row: asyncpg.Record) -> rpb.RoomEvent:
    return event_from(row["sequence"], row["body"], row["created_at"])


def redacted_body() -> bytes:
    return rpb.RoomEvent(redacted=rpb.Redacted()).SerializeToString()


async def append(conn: Connection, live_id: str, body: rpb.RoomEvent, *, close: bool = False) -> rpb.RoomEvent | None:
    """Append an event to the live's room in the caller's transaction; None once the room is closed.
    `body` is the event without sequence and time."""
    row = await conn.fetchrow(
        f"WITH seq AS ({_next_sequence('$1', '0', '$2')})"
        " INSERT INTO room_events (live_id, sequence, kind, body) SELECT $1, last_sequence, $3, $4 FROM seq"
        " RETURNING sequence, body, created_at",
        live_id, close, body.WhichOneof("kind"), body.SerializeToString())
    return event_from_row(row) if row is not None else None


@dataclass(frozen=True)
class CommentContext:
    """What PostComment checks, read in one statement."""

    live: asyncpg.Record
    joined: bool
    removed: bool
    muted_until: dt.datetime | None
    # The comment an earlier call with the same request_id posted.
    existing: rpb.RoomEvent | None


async def comment_context(conn: Connection, live_id: str, author_id: str, request_id: str) -> CommentContext | None:
    row = await conn.fetchrow(
        "SELECT l.*, v.viewer_id IS NOT NULL AS joined, p.removed_at IS NOT NULL AS removed, p.muted_until,"
        " e.sequence AS existing_sequence, e.body AS existing_body, e.created_at AS existing_at"
        " FROM lives l LEFT JOIN viewers v ON v.live_id = l.id AND v.viewer_id = $2"
        " LEFT JOIN room_participants p ON p.live_id = l.id AND p.principal_id = $2"
        " LEFT JOIN room_events e ON e.live_id = l.id AND e.author_id = $2 AND e.request_id = $3 AND $3 <> ''"
        " WHERE l.id = $1", live_id, author_id, request_id)
    if row is None:
        return None
    existing = None
    if row["existing_sequence"] is not None:
        existing = event_from(row["existing_sequence"], row["existing_body"], row["existing_at"])
    return CommentContext(live=row, joined=row["joined"], removed=row["removed"], muted_until=row["muted_until"],
                          existing=existing)


@dataclass(frozen=True)
class Posted:
    event: rpb.RoomEvent | None
    # Rate limit: whether a token was there, and how many the author had (for the retry delay).
    allowed: bool
    tokens: float


async def append_comment(conn: Connection, live_id: str, author_id: str, request_id: str, body: rpb.RoomEvent,
                         *, rate_per_s: float, burst: int) -> Posted:
    """One statement: take a token from the author's bucket (refilled at `rate_per_s`, holding at
    most `burst`), and only then a sequence number and the comment's row. A retry racing the
    first call hits the request index, which rolls the whole statement back
    (asyncpg.UniqueViolationError)."""
    # Concurrent statements of one author can see now() before the last one's: never negative.
    refill = ("least($6::float8, coalesce(rp.comment_tokens"
              " + $5::float8 * greatest(0, extract(epoch FROM now() - rp.comment_tokens_at)), $6::float8))")
    row = await fetch_one(
        conn, "WITH tokens AS (INSERT INTO room_participants AS rp (live_id, principal_id, comment_tokens, comments)"
        "  VALUES ($1, $2, $6::float8 - 1, 1) ON CONFLICT (live_id, principal_id) DO UPDATE SET"
        f"  comment_tokens = {refill} - 1, comment_tokens_at = greatest(rp.comment_tokens_at, now()),"
        "  comments = rp.comments + 1"
        f"  WHERE {refill} >= 1 RETURNING 1),"
        f" seq AS ({_next_sequence('$1', '1', 'false', when='EXISTS (SELECT 1 FROM tokens)')}),"
        " posted AS (INSERT INTO room_events (live_id, sequence, kind, author_id, request_id, body)"
        "  SELECT $1, last_sequence, 'comment', $2, $3, $4 FROM seq RETURNING sequence, body, created_at)"
        " SELECT EXISTS (SELECT 1 FROM tokens) AS allowed, posted.*,"
        f" (SELECT {refill} FROM room_participants rp WHERE rp.live_id = $1 AND rp.principal_id = $2) AS tokens"
        " FROM (SELECT 1) AS one LEFT JOIN posted ON true",
        live_id, author_id, request_id, body.SerializeToString(), rate_per_s, burst)
    event = event_from_row(row) if row["sequence"] is not None else None
    tokens = row["tokens"] if row["tokens"] is not None else float(burst)
    return Posted(event=event, allowed=row["allowed"], tokens=tokens)


async def events_after(conn: Connection, live_id: str, after: int, up_to: int | None = None) -> list[rpb.RoomEvent]:
    rows = await conn.fetch(
        "SELECT sequence, body, created_at FROM room_events WHERE live_id = $1 AND sequence > $2"
        " AND ($3::bigint IS NULL OR sequence <= $3) ORDER BY sequence", live_id, after, up_to)
    return [event_from_row(r) for r in rows]


async def redact_comment(conn: Connection, live_id: str, sequence: int) -> tuple[bool, str] | None:
    """Replace a comment's body by a Redacted one. Returns (newly redacted, author), or None when
    the sequence is not a comment of this live."""
    row = await conn.fetchrow(
        "SELECT author_id, redacted FROM room_events WHERE live_id = $1 AND sequence = $2 AND kind = 'comment'"
        " FOR UPDATE", live_id, sequence)
    if row is None:
        return None
    if not row["redacted"]:
        await conn.execute("UPDATE room_events SET redacted = true, body = $3 WHERE live_id = $1 AND sequence = $2",
                           live_id, sequence, redacted_body())
    return not row["redacted"], row["author_id"]


# ---------------------------------------------------------------------------- what a replica holds


@dataclass(frozen=True)
class Figures:
    last_sequence: int
    comment_num: int
    like_count: int
    mic_num: int
    viewers: int


async def figures(conn: Connection, live_id: str) -> Figures:
    row = await fetch_one(
        conn, "SELECT coalesce(r.last_sequence, 0) AS last_sequence, coalesce(r.comment_num, 0) AS comment_num,"
        " coalesce(r.like_count, 0) AS like_count, coalesce(r.mic_num, 0) AS mic_num,"
        " (SELECT count(*) FROM viewers v WHERE v.live_id = $1 AND v.session_start_at IS NOT NULL) AS viewers"
        " FROM (SELECT $1::text AS live_id) AS one LEFT JOIN rooms r ON r.live_id = one.live_id", live_id)
    return Figures(**dict(row))


@dataclass(frozen=True)
class Loaded:
    """A room as of `figures.last_sequence`, read in one snapshot."""

    live: asyncpg.Record
    figures: Figures
    # The last events (as many as a reconnect may resume across), oldest first.
    events: list[rpb.RoomEvent]
    # The last comments not deleted, oldest first.
    comments: list[rpb.RoomEvent]
    seats: list[asyncpg.Record]


async def load(pool: asyncpg.Pool, live_id: str, *, window: int, backlog: int) -> Loaded | None:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        live = await conn.fetchrow("SELECT * FROM lives WHERE id = $1", live_id)
        if live is None:
            return None
        counts = await figures(conn, live_id)
        events = await events_after(conn, live_id, max(0, counts.last_sequence - window))
        comments = [event_from_row(r) for r in reversed(await conn.fetch(
            "SELECT sequence, body, created_at FROM room_events WHERE live_id = $1 AND kind = 'comment'"
            " AND NOT redacted ORDER BY sequence DESC LIMIT $2", live_id, backlog))]
        seats = await conn.fetch(
            "SELECT * FROM guest_seats WHERE live_id = $1 AND state = ANY($2::text[]) ORDER BY raised_at",
            live_id, [SEAT_RAISED, SEAT_ON_MIC])
    return Loaded(live=live, figures=counts, events=events, comments=comments, seats=seats)


# ---------------------------------------------------------------------------- likes


async def add_likes(conn: Connection, live_id: str, count: int) -> int | None:
    """Add to the live's like total; None once the room is closed."""
    return await conn.fetchval(
        "INSERT INTO rooms (live_id, like_count) VALUES ($1, $2) ON CONFLICT (live_id)"
        " DO UPDATE SET like_count = rooms.like_count + $2 WHERE NOT rooms.closed RETURNING like_count",
        live_id, count)


async def audience_view(conn: Connection, live_id: str) -> tuple[asyncpg.Record | None, frozenset[str]]:
    """The live's row and who was removed from it: what a like is checked against."""
    row = await conn.fetchrow(
        "SELECT l.*, ARRAY(SELECT principal_id FROM room_participants p WHERE p.live_id = l.id"
        " AND p.removed_at IS NOT NULL) AS removed_ids FROM lives l WHERE l.id = $1", live_id)
    if row is None:
        return None, frozenset()
    return row, frozenset(row["removed_ids"])


# ---------------------------------------------------------------------------- participants


async def participant(conn: Connection, live_id: str, principal_id: str) -> asyncpg.Record:
    """The principal's standing in the room: joined (a viewer row), removed, muted until."""
    return await fetch_one(
        conn, "SELECT (SELECT true FROM viewers v WHERE v.live_id = $1 AND v.viewer_id = $2) IS NOT NULL AS joined,"
        " p.removed_at IS NOT NULL AS removed, p.muted_until"
        " FROM (SELECT 1) AS one LEFT JOIN room_participants p ON p.live_id = $1 AND p.principal_id = $2",
        live_id, principal_id)


async def set_muted(conn: Connection, live_id: str, principal_id: str, until: dt.datetime) -> None:
    await conn.execute(
        "INSERT INTO room_participants (live_id, principal_id, muted_until) VALUES ($1, $2, $3)"
        " ON CONFLICT (live_id, principal_id) DO UPDATE SET muted_until = $3", live_id, principal_id, until)


async def unmute(conn: Connection, live_id: str, principal_id: str) -> bool:
    """False when they were not muted."""
    return bool(await conn.fetchval(
        "UPDATE room_participants SET muted_until = NULL WHERE live_id = $1 AND principal_id = $2"
        " AND muted_until > now() RETURNING true", live_id, principal_id))


async def set_removed(conn: Connection, live_id: str, principal_id: str) -> bool:
    """Mark removed; False when they already were."""
    return bool(await conn.fetchval(
        "INSERT INTO room_participants AS p (live_id, principal_id, removed_at) VALUES ($1, $2, now())"
        " ON CONFLICT (live_id, principal_id) DO UPDATE SET removed_at = now() WHERE p.removed_at IS NULL"
        " RETURNING true", live_id, principal_id))


# ---------------------------------------------------------------------------- guest seats (连麦)


async def seat(conn: Connection, live_id: str, viewer_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM guest_seats WHERE live_id = $1 AND viewer_id = $2 FOR UPDATE",
                               live_id, viewer_id)


async def raise_hand(conn: Connection, live_id: str, viewer_id: str) -> bool:
    """Raise the viewer's hand; False when it is raised already or they are on the mic."""
    return bool(await conn.fetchval(
        "INSERT INTO guest_seats AS s (live_id, viewer_id, state, raised_at) VALUES ($1, $2, $3, now())"
        " ON CONFLICT (live_id, viewer_id) DO UPDATE SET state = $3, raised_at = now()"
        " WHERE s.state <> ALL($4::text[]) RETURNING true", live_id, viewer_id, SEAT_RAISED, [SEAT_RAISED, SEAT_ON_MIC]))


async def set_seat(conn: Connection, live_id: str, viewer_id: str, state: str) -> None:
    """Any state but on the mic: the guest's stream key stops working, and so does the publish
    an edge holds for them (at its next renewal)."""
    await conn.execute(
        "UPDATE guest_seats SET state = $3, stream_key = NULL, key_hash = NULL, publish_id = ''"
        " WHERE live_id = $1 AND viewer_id = $2", live_id, viewer_id, state)


async def seat_on_mic(conn: Connection, live_id: str, viewer_id: str, stream_key: str) -> asyncpg.Record:
    """Put the viewer on the mic with a stream key of their own; mic_num counts them once."""
    row = await fetch_one(
        conn, "UPDATE guest_seats SET state = $3, stream_key = $4, key_hash = $5, on_mic_at = now()"
        " WHERE live_id = $1 AND viewer_id = $2 RETURNING *",
        live_id, viewer_id, SEAT_ON_MIC, stream_key, key_hash(stream_key))
    first = await conn.fetchval(
        "INSERT INTO room_participants AS p (live_id, principal_id, went_on_mic) VALUES ($1, $2, true)"
        " ON CONFLICT (live_id, principal_id) DO UPDATE SET went_on_mic = true WHERE NOT p.went_on_mic"
        " RETURNING true", live_id, viewer_id)
    if first:
        await conn.execute(
            "INSERT INTO rooms (live_id, mic_num) VALUES ($1, 1)"
            " ON CONFLICT (live_id) DO UPDATE SET mic_num = rooms.mic_num + 1", live_id)
    return row


async def guests(conn: Connection, live_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM guest_seats WHERE live_id = $1 AND state = $2 ORDER BY on_mic_at",
                            live_id, SEAT_ON_MIC)


async def guest_publish_seat(conn: Connection, live_id: str, guest_id: str, publish_id: str,
                             lease_s: float) -> tuple[int | None, asyncpg.Record | None]:
    """The live's state and the guest's seat, locked, with `held`: another publish holds it
    (renewed within `lease_s`)."""
    live_state = await conn.fetchval("SELECT state FROM lives WHERE id = $1", live_id)
    seat = await conn.fetchrow(
        "SELECT *, publish_id <> '' AND publish_id <> $3 AND publish_seen_at > now() - make_interval(secs => $4)"
        " AS held FROM guest_seats WHERE live_id = $1 AND viewer_id = $2 FOR UPDATE",
        live_id, guest_id, publish_id, lease_s)
    return live_state, seat


async def hold_guest_publish(conn: Connection, live_id: str, guest_id: str, publish_id: str) -> None:
    await conn.execute("UPDATE guest_seats SET publish_id = $3, publish_seen_at = now()"
                       " WHERE live_id = $1 AND viewer_id = $2", live_id, guest_id, publish_id)


async def renew_guest_publish(conn: Connection, live_id: str, guest_id: str, publish_id: str) -> bool:
    """The guest's publish goes on while they are on the mic of a running live."""
    return bool(await conn.fetchval(
        "UPDATE guest_seats s SET publish_seen_at = now() FROM lives l WHERE s.live_id = $1 AND s.viewer_id = $2"
        " AND s.publish_id = $3 AND s.state = $4 AND l.id = s.live_id AND l.state = $5 RETURNING true",
        live_id, guest_id, publish_id, SEAT_ON_MIC, pb.LIVE_STATE_LIVE))


async def release_guest_publish(conn: Connection, live_id: str, guest_id: str, publish_id: str) -> None:
    await conn.execute("UPDATE guest_seats SET publish_id = '' WHERE live_id = $1 AND viewer_id = $2"
                       " AND publish_id = $3", live_id, guest_id, publish_id)
