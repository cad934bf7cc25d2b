"""The reminder at each occurrence's start (SPEC F-33, F-43): one durable timer per meeting
(runtime.timers, a PostgreSQL row) set in the transaction of every change that may move it, so
a moved meeting reminds at its new time only, a cancelled one never, and a reminder falls due
even if the service restarted during the wait.

The reminder is a meetings timer rather than a timed notice: whom it tells is decided when it
fires (invitees who declined by then are left out), an occurrence started early is not reminded
of, and a series arms its next occurrence as each one fires.
"""

from __future__ import annotations

import datetime as dt

from convene.meetings.v1 import meetings_pb2 as pb
from services.meetings import notices, snapshot, store
from services.meetings.snapshot import Snapshot
from services.runtime import timers
from services.runtime.db import Connection
from services.runtime.logs import get_logger

log = get_logger(__name__)

TIMER_KIND = "meeting_reminder"
# A timer fired this much before its occurrence's start still counts as on time.
_EARLY = dt.timedelta(seconds=1)


def _prefix(meeting_id: str) -> str:
    return f"remind:{meeting_id}:"


async def arm(conn: Connection, meeting: Snapshot, now: dt.datetime) -> None:
    """Set the meeting's reminder to its next occurrence, or clear it. The key names the
    occurrence's start, so a firing timer can arm the next one without touching its own row."""
    await timers.cancel_prefix(conn, _prefix(meeting.id))
    occurrence = meeting.to_remind(now)
    if occurrence is not None:
        key = f"{_prefix(meeting.id)}{int(occurrence.start.timestamp() * 1000)}"
        await timers.schedule(conn, key, TIMER_KIND, occurrence.start, meeting.id.encode())


async def disarm(conn: Connection, meeting_id: str) -> None:
    await timers.cancel_prefix(conn, _prefix(meeting_id))


async def on_due(timer: timers.Timer, conn: Connection) -> None:
    """Remind the organizer (and, if the meeting says so, every invitee who has not declined)."""
    now = snapshot.utcnow()
    meeting = await snapshot.load(conn, timer.payload.decode(), for_update=True, nowait=True)
    occurrence = meeting.to_remind(now)
    if occurrence is None:
        return
    if occurrence.start > now + _EARLY:
        await arm(conn, meeting, now)  # not this one's time (moved without this timer knowing)
        return
    recipients = [meeting.organizer_id]
    if meeting.row["reminder_audience"] == pb.REMINDER_AUDIENCE_ALL_BUT_DECLINED:
        recipients += await store.not_declined(conn, meeting.id)
    message = meeting.message(now)
    await notices.send(conn, message, *notices.reminder(message, recipients, occurrence, meeting.organizer_id))
    row = await store.update_meeting(conn, meeting.id, bump_version=False, reminded_until=occurrence.start)
    log.info("meeting reminder sent", meeting_id=meeting.id, recipients=len(recipients),
             late_s=round((now - occurrence.start).total_seconds(), 3))
    await arm(conn, meeting.with_row(row), now)
