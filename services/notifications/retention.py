"""What notifications keeps and for how long (NOTIFICATIONS_RETENTION_S,
NOTIFICATIONS_READ_MARKS_RETENTION_S), pruned by the runtime's shared job (runtime.retention).

A notification past retention is deleted; when it was its thread's latest, the inbox entry goes
with it and, if it was unread, the user's unread count drops by one. That count changes only
under the user's cursor lock (store.py), so the batch takes the locks of the users it touches,
in sorted order, skipping users whose inbox is being written right now (they are pruned on a
later batch): pruning never waits for a fan-out and never deadlocks with one.
"""

from __future__ import annotations

import datetime as dt

from services.notifications.settings import NotificationsSettings
from services.runtime.db import Connection
from services.runtime.retention import Rule, older_than


async def prune_notifications(conn: Connection, cutoff: dt.datetime, batch: int) -> tuple[int, bool]:
    candidates = await conn.fetch(
        "SELECT user_id, sequence FROM notifications WHERE created_at < $1 LIMIT $2", cutoff, batch)
    if not candidates:
        return 0, False
    locked = {r["user_id"] for r in await conn.fetch(
        "SELECT user_id FROM user_cursors WHERE user_id = ANY($1::text[]) ORDER BY user_id"
        " FOR UPDATE SKIP LOCKED", sorted({r["user_id"] for r in candidates}))}
    rows = [r for r in candidates if r["user_id"] in locked]
    deleted = await conn.fetch(
        "WITH gone AS ("
        "   DELETE FROM notifications n USING unnest($1::text[], $2::bigint[]) AS x(u, s)"
        "   WHERE n.user_id = x.u AND n.sequence = x.s RETURNING n.user_id, n.sequence, n.thread_id"
        " ), entries AS ("
        "   DELETE FROM threads t USING gone g"
        "   WHERE t.user_id = g.user_id AND t.thread_id = g.thread_id AND t.latest_sequence = g.sequence"
        "   RETURNING t.user_id, t.unread"
        " ), counts AS ("
        "   UPDATE user_cursors c SET unread_threads = c.unread_threads - d.unread"
        "   FROM (SELECT user_id, count(*) AS unread FROM entries WHERE unread GROUP BY user_id) d"
        "   WHERE c.user_id = d.user_id RETURNING 1"
        " ) SELECT (SELECT count(*) FROM gone) AS notifications, (SELECT count(*) FROM counts) AS users",
        [r["user_id"] for r in rows], [r["sequence"] for r in rows])
    return int(deleted[0]["notifications"]), len(candidates) >= batch


def rules(settings: NotificationsSettings) -> list[Rule]:
    return [
        Rule("notifications", settings.retention_s, prune_notifications),
        Rule("read_marks", settings.read_marks_retention_s, older_than("read_marks", "created_at")),
    ]
