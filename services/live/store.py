"""Live's SQL."""

from __future__ import annotations

import hashlib

import asyncpg

from convene.live.v1 import live_pb2 as pb
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp

# A live's row with its replay state; every read of a live goes through this.
_LIVE = "SELECT l.*, r.state AS replay_state, r.url AS replay_url, r.ready_at AS replay_ready_at," \
        " r.duration_ms AS replay_duration_ms, r.failure_reason AS replay_failure_reason" \
        " FROM lives l LEFT JOIN replays r ON r.live_id = l.id"


def key_hash(stream_key: str) -> bytes:
    return hashlib.sha256(stream_key.encode()).digest()


def live_from_row(row: asyncpg.Record) -> pb.Live:
    replay_state = row["replay_state"] if row.get("replay_state") else None
    live = pb.Live(
        id=row["id"], group_id=row["group_id"], host_id=row["host_id"], enterprise_id=row["enterprise_id"],
        title=row["title"], description=row["description"], audience=row["audience"], state=row["state"],
        allow_replay=row["allow_replay"],
        replay_state=replay_state or (pb.REPLAY_STATE_PENDING if row["allow_replay"] else pb.REPLAY_STATE_NONE),
        reminder_lead_seconds=row["reminder_lead_s"], end_reason=row["end_reason"], end_note=row["end_note"],
        stream_on_air=bool(row["stream_publish_id"]),
    )
    for field, column in (("start_time", "started_at"), ("end_time", "ended_at"),
                          ("scheduled_start_time", "scheduled_start_at")):
        if row[column]:
            getattr(live, field).CopyFrom(timestamp(row[column]))
    return live


def replay_from_row(row: asyncpg.Record) -> pb.Replay:
    replay = pb.Replay(live_id=row["id"], state=row["replay_state"] or pb.REPLAY_STATE_NONE,
                       url=row["replay_url"] or "", duration_ms=row["replay_duration_ms"] or 0,
                       failure_reason=row["replay_failure_reason"] or "")
    if row["replay_ready_at"]:
        replay.ready_time.CopyFrom(timestamp(row["replay_ready_at"]))
    return replay


async def insert_live(conn: Connection, *, live_id: str, group_id: str, host_id: str, enterprise_id: str,
                      title: str, description: str, audience: int, state: int, allow_replay: bool,
                      stream_key: str, scheduled_start_at: object = None, reminder_lead_s: int = 0) -> asyncpg.Record:
    await conn.execute(
        "INSERT INTO lives (id, group_id, host_id, enterprise_id, title, description, audience, state,"
        " allow_replay, stream_key, started_at, scheduled_start_at, reminder_lead_s)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $8::smallint = 3 THEN now() END, $11, $12)",
        live_id, group_id, host_id, enterprise_id, title, description, audience, state, allow_replay, stream_key,
        scheduled_start_at, reminder_lead_s,
    )
    return await known_live(conn, live_id)


async def get_live(conn: Connection, live_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    if for_update:
        # NO KEY UPDATE: consumers inserting rows that reference the live (replays, grants) take
        # KEY SHARE locks, which this does not block, so they cannot deadlock with an ending live.
        await conn.execute("SELECT 1 FROM lives WHERE id = $1 FOR NO KEY UPDATE", live_id)
    return await conn.fetchrow(f"{_LIVE} WHERE l.id = $1", live_id)


async def known_live(conn: Connection, live_id: str) -> asyncpg.Record:
    """A live known to exist (this transaction wrote or locked it), as get_live reads it."""
    return await fetch_one(conn, f"{_LIVE} WHERE l.id = $1", live_id)


async def set_state(conn: Connection, live_id: str, state: int) -> asyncpg.Record:
    """Move to PREVIEW / LIVE; going live stamps the start time."""
    await conn.execute(
        "UPDATE lives SET state = $2, started_at = CASE WHEN $2::smallint = 3 THEN now() ELSE started_at END"
        " WHERE id = $1", live_id, state)
    return await known_live(conn, live_id)


async def end_live(conn: Connection, live_id: str, *, reason: int, note: str, ended_by: str) -> asyncpg.Record:
    await conn.execute(
        "UPDATE lives SET state = 4, ended_at = now(), end_reason = $2, end_note = $3, ended_by = $4 WHERE id = $1",
        live_id, reason, note, ended_by)
    return await known_live(conn, live_id)


async def set_audience(conn: Connection, live_id: str, audience: int) -> asyncpg.Record:
    await conn.execute("UPDATE lives SET audience = $2 WHERE id = $1", live_id, audience)
    return await known_live(conn, live_id)


async def set_stream_key(conn: Connection, live_id: str, stream_key: str) -> None:
    """The old key stops working, and so does a publish made with it (its next renewal is refused)."""
    await conn.execute("UPDATE lives SET stream_key = $2 WHERE id = $1", live_id, stream_key)
    await conn.execute("UPDATE media_grants SET key_hash = $2, granted_at = now(), publish_id = '' WHERE live_id = $1",
                       live_id, key_hash(stream_key))


async def grant_publish(conn: Connection, live_id: str) -> None:
    await conn.execute(
        "INSERT INTO media_grants (live_id, key_hash) SELECT id, sha256(convert_to(stream_key, 'UTF8'))"
        " FROM lives WHERE id = $1 ON CONFLICT (live_id) DO NOTHING", live_id)


# ---------------------------------------------------------------------------- replays


async def insert_replay(conn: Connection, live_id: str, state: int, delay_s: float) -> None:
    await conn.execute(
        "INSERT INTO replays (live_id, state, delay_s) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        live_id, state, delay_s,
    )


async def set_replay(conn: Connection, live_id: str, state: int, *, url: str = "",
                     due_at: object = None, duration_ms: int = 0, failure_reason: str = "") -> None:
    await conn.execute(
        "INSERT INTO replays (live_id, state, delay_s, due_at, url, ready_at, duration_ms, failure_reason)"
        " VALUES ($1, $2, 0, $3, $4, CASE WHEN $2::smallint = 4 THEN now() END, $5, $6)"
        " ON CONFLICT (live_id) DO UPDATE SET state = $2, due_at = coalesce($3, replays.due_at),"
        " url = CASE WHEN $4 = '' THEN replays.url ELSE $4 END,"
        " ready_at = CASE WHEN $2::smallint = 4 THEN now() ELSE replays.ready_at END,"
        " duration_ms = CASE WHEN $5 = 0 THEN replays.duration_ms ELSE $5 END,"
        " failure_reason = CASE WHEN $6 = '' THEN replays.failure_reason ELSE $6 END",
        live_id, state, due_at, url, duration_ms, failure_reason)


# ---------------------------------------------------------------------------- the media plane


async def publish_grant(conn: Connection, live_id: str, lease_s: float) -> asyncpg.Record | None:
    """The live (state, enterprise, replay) with its media grant and whether a publish holds it
    within its lease, the live locked for a publish decision."""
    return await conn.fetchrow(
        "SELECT l.id, l.state, l.enterprise_id, l.allow_replay, g.key_hash, g.publish_id,"
        " g.publish_seen_at > now() - make_interval(secs => $2) AS held"
        " FROM lives l LEFT JOIN media_grants g ON g.live_id = l.id WHERE l.id = $1 FOR NO KEY UPDATE OF l",
        live_id, lease_s)


async def claim_publish(conn: Connection, live_id: str, publish_id: str, edge_id: str) -> None:
    await conn.execute(
        "UPDATE media_grants SET publish_id = $2, edge_id = $3, publish_seen_at = now() WHERE live_id = $1",
        live_id, publish_id, edge_id)


async def publish_held(conn: Connection, live_id: str, lease_s: float) -> str:
    """The publish holding the live's grant within its lease ('' when none)."""
    return await conn.fetchval(
        "SELECT publish_id FROM media_grants WHERE live_id = $1 AND publish_id <> ''"
        " AND publish_seen_at > now() - make_interval(secs => $2)", live_id, lease_s) or ""


async def renew_publish(conn: Connection, live_id: str, publish_id: str) -> bool:
    return bool(await conn.fetchval(
        "UPDATE media_grants g SET publish_seen_at = now() FROM lives l WHERE g.live_id = $1 AND l.id = g.live_id"
        " AND g.publish_id = $2 AND l.state IN (2, 3) RETURNING true", live_id, publish_id))


async def release_publish(conn: Connection, live_id: str, publish_id: str) -> None:
    await conn.execute("UPDATE media_grants SET publish_id = '' WHERE live_id = $1 AND publish_id = $2",
                       live_id, publish_id)


async def set_stream(conn: Connection, live_id: str, publish_id: str, *, on_air: bool) -> None:
    """The publish on air now; going off air only clears the publish that was on."""
    if on_air:
        await conn.execute("UPDATE lives SET stream_publish_id = $2 WHERE id = $1", live_id, publish_id)
    else:
        await conn.execute("UPDATE lives SET stream_publish_id = '' WHERE id = $1 AND stream_publish_id = $2",
                           live_id, publish_id)


async def end_streams(conn: Connection, live_id: str) -> None:
    """At the end nothing is on air. A publish still there keeps its hold on the grant until the
    edge says it is gone, so the replay job waits for its piece of the recording."""
    await conn.execute("UPDATE lives SET stream_publish_id = '' WHERE id = $1", live_id)


async def add_recording(conn: Connection, live_id: str, publish_id: str, path: str, duration_ms: int, bytes_: int,
                        video_codec: str, audio_codec: str, started_at: object) -> None:
    await conn.execute(
        "INSERT INTO recordings (live_id, publish_id, path, duration_ms, bytes, video_codec, audio_codec, started_at)"
        " SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM lives WHERE id = $1)"
        " ON CONFLICT DO NOTHING",
        live_id, publish_id, path, duration_ms, bytes_, video_codec, audio_codec, started_at)


async def recordings(conn: Connection, live_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM recordings WHERE live_id = $1 ORDER BY started_at, publish_id", live_id)


# ---------------------------------------------------------------------------- viewers


async def join_many(conn: Connection, live_id: str, seen: tuple[int, int], viewers: list[tuple[str, bool, str]]
                    ) -> tuple[asyncpg.Record | None, dict[str, bool]]:
    """Open (or keep) the watch session of every viewer in `viewers` ((viewer_id, employee,
    share_id), already let in by domain.may_watch) in one statement, the hot path of a join storm,
    provided the live still has the (state, audience) `seen` that decision was made on; a viewer
    a moderator removed is not let in. Returns the live's row (None when it changed meanwhile,
    or is gone: decide again on a fresh read) and {viewer_id: first join} of those let in.
    Viewers are taken in id order, so concurrent batches lock rows in the same order."""
    ids, employee, share_ids = (list(column) for column in zip(*viewers)) if viewers else ([], [], [])
    row = await conn.fetchrow(
        "WITH l AS (SELECT * FROM lives WHERE id = $1 AND state = $2 AND audience = $3),"
        " r AS (SELECT DISTINCT ON (viewer_id) * FROM unnest($4::text[], $5::boolean[], $6::text[])"
        "  AS r(viewer_id, employee, share_id) ORDER BY viewer_id),"
        " v AS (INSERT INTO viewers (live_id, viewer_id, employee, share_id)"
        "  SELECT l.id, r.viewer_id, r.employee, r.share_id FROM l, r"
        "  WHERE NOT EXISTS (SELECT 1 FROM room_participants p WHERE p.live_id = l.id"
        "  AND p.principal_id = r.viewer_id AND p.removed_at IS NOT NULL)"
        "  ON CONFLICT (live_id, viewer_id) DO UPDATE SET last_seen_at = now(),"
        "  session_start_at = coalesce(viewers.session_start_at, now())"
        "  RETURNING viewer_id, (xmax = 0) AS first)"
        # One row back however many joined: the live once, the viewers as two arrays.
        " SELECT l.*, (SELECT array_agg(viewer_id) FROM v) AS joined_ids,"
        " (SELECT array_agg(first) FROM v) AS joined_first FROM l",
        live_id, seen[0], seen[1], ids, employee, share_ids)
    if row is None:
        return None, {}
    return row, dict(zip(row["joined_ids"] or (), row["joined_first"] or ()))


async def leave(conn: Connection, live_id: str, viewer_id: str) -> bool:
    """Close the viewer's watch session; False when they never joined (leaving twice is fine)."""
    return bool(await conn.fetchval(
        "WITH closed AS (UPDATE viewers SET watch_seconds = watch_seconds"
        " + extract(epoch FROM now() - session_start_at), session_start_at = NULL, last_seen_at = now()"
        " WHERE live_id = $1 AND viewer_id = $2 AND session_start_at IS NOT NULL RETURNING 1)"
        " SELECT EXISTS (SELECT 1 FROM viewers WHERE live_id = $1 AND viewer_id = $2)",
        live_id, viewer_id))


async def heartbeat(conn: Connection, live_id: str, viewer_id: str) -> bool:
    """Mark the viewer seen; reopens a session the sweeper closed. False when never joined, or
    removed by a moderator."""
    return bool(await conn.fetchval(
        "UPDATE viewers SET last_seen_at = now(), session_start_at = coalesce(session_start_at, now())"
        " WHERE live_id = $1 AND viewer_id = $2 AND NOT EXISTS (SELECT 1 FROM room_participants p"
        " WHERE p.live_id = $1 AND p.principal_id = $2 AND p.removed_at IS NOT NULL) RETURNING true",
        live_id, viewer_id))


async def close_sessions(conn: Connection, live_id: str | None, timeout_s: float, *,
                         everyone: bool = False) -> int:
    """Close watch sessions whose heartbeats stopped `timeout_s` ago (or every open one of the
    live at its end); a viewer who went quiet watched until their last heartbeat plus the timeout."""
    rows = await conn.fetch(
        "UPDATE viewers SET watch_seconds = watch_seconds + greatest(0, extract(epoch FROM"
        " least(last_seen_at + make_interval(secs => $2), now()) - session_start_at)),"
        " session_start_at = NULL"
        " WHERE session_start_at IS NOT NULL AND ($1::text IS NULL OR live_id = $1)"
        " AND ($3 OR last_seen_at < now() - make_interval(secs => $2)) RETURNING live_id",
        live_id, timeout_s, everyone)
    return len(rows)


async def sample_peaks(conn: Connection, live_id: str | None = None) -> None:
    """Record the current number of watching viewers as the peak where it is higher."""
    await conn.execute(
        "UPDATE lives l SET peak_viewers = v.watching FROM ("
        " SELECT live_id, count(*) AS watching FROM viewers WHERE session_start_at IS NOT NULL"
        " AND ($1::text IS NULL OR live_id = $1) GROUP BY live_id"
        ") v WHERE l.id = v.live_id AND l.state = 3 AND v.watching > l.peak_viewers", live_id)


async def stats(conn: Connection, live_id: str) -> asyncpg.Record:
    return await fetch_one(conn,
        "SELECT count(*) FILTER (WHERE session_start_at IS NOT NULL) AS current_viewers,"
        " count(*) AS total_viewers, count(*) FILTER (WHERE employee) AS employee_viewers,"
        " count(*) FILTER (WHERE NOT employee) AS wechat_viewers,"
        " coalesce(sum(watch_seconds + coalesce(extract(epoch FROM now() - session_start_at), 0)), 0)"
        " AS total_watch_seconds FROM viewers WHERE live_id = $1", live_id)


async def viewer_page(conn: Connection, live_id: str, after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT v.*, v.watch_seconds + coalesce(extract(epoch FROM now() - v.session_start_at), 0) AS total_seconds,"
        " coalesce(p.comments, 0) > 0 AS is_comment, coalesce(p.went_on_mic, false) AS is_mic"
        " FROM viewers v LEFT JOIN room_participants p ON p.live_id = v.live_id AND p.principal_id = v.viewer_id"
        " WHERE v.live_id = $1 AND v.viewer_id > $2 ORDER BY v.viewer_id LIMIT $3",
        live_id, after, limit)


# ---------------------------------------------------------------------------- shares and reminders


async def insert_share(conn: Connection, share_id: str, live_id: str, sharer_id: str) -> None:
    await conn.execute("INSERT INTO shares (share_id, live_id, sharer_id) VALUES ($1, $2, $3)",
                       share_id, live_id, sharer_id)


async def share_page(conn: Connection, live_id: str, after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT s.*, (SELECT count(*) FROM viewers v WHERE v.live_id = s.live_id AND v.share_id = s.share_id)"
        " AS viewers FROM shares s WHERE s.live_id = $1 AND s.share_id > $2 ORDER BY s.share_id LIMIT $3",
        live_id, after, limit)


async def add_reminder(conn: Connection, live_id: str, user_id: str) -> bool:
    return bool(await conn.fetchval(
        "INSERT INTO reminders (live_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
        live_id, user_id))


async def reminder_users(conn: Connection, live_id: str) -> list[str]:
    return [r["user_id"] for r in await conn.fetch("SELECT user_id FROM reminders WHERE live_id = $1", live_id)]
