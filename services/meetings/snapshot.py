"""A meeting as read in one transaction: its row, invitees and overrides, and what follows from
them (its current occurrence, the next one to remind of, its wire form)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from convene.meetings.v1 import meetings_pb2 as pb
from services.meetings import recurrence, store
from services.meetings.recurrence import Occurrence, Override, Series
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, NotFound


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Snapshot:
    row: asyncpg.Record
    participant_ids: list[str]
    overrides: dict[dt.datetime, Override]

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def state(self) -> int:
        return self.row["state"]

    @property
    def organizer_id(self) -> str:
        return self.row["organizer_id"]

    @property
    def enterprise_id(self) -> str:
        return self.row["enterprise_id"]

    @property
    def session_no(self) -> int:
        return self.row["session_no"]

    @property
    def series(self) -> Series:
        return store.series_of(self.row)

    def occurrence(self, original_start: dt.datetime) -> Occurrence:
        base = Occurrence(original_start, original_start, self.row["duration_minutes"], self.row["topic"],
                          self.row["notes"])
        return recurrence.apply(base, self.overrides.get(original_start))

    def _next(self, after: dt.datetime | None, now: dt.datetime | None) -> Occurrence | None:
        return recurrence.next_occurrence(self.series, self.row["topic"], self.row["notes"], self.overrides,
                                          after=after, now=now)

    def to_start(self, now: dt.datetime) -> Occurrence | None:
        """The occurrence StartMeeting would hold: a single meeting's only one, even late; a
        series' next one not held yet and not over."""
        if not self.series.recurring:
            return self._next(None, None)
        return self._next(self.row["held_until"], now)

    def current(self, now: dt.datetime) -> Occurrence | None:
        """The occurrence in progress, or the next one to come."""
        if self.state in (pb.MEETING_STATE_ENDED, pb.MEETING_STATE_CANCELLED):
            return None
        if self.state == pb.MEETING_STATE_STARTED and self.row["held_original"] is not None:
            return self.occurrence(self.row["held_original"])
        return self.to_start(now)

    def to_remind(self, now: dt.datetime) -> Occurrence | None:
        """The next occurrence whose start reminds: not held (started early), not reminded yet,
        not cancelled, not over."""
        if self.state in (pb.MEETING_STATE_ENDED, pb.MEETING_STATE_CANCELLED):
            return None
        if not self.series.recurring and self.state == pb.MEETING_STATE_STARTED:
            return None
        marks = [m for m in (self.row["reminded_until"], self.row["held_until"]) if m is not None]
        return self._next(max(marks) if marks else None, now)

    def message(self, now: dt.datetime | None = None) -> pb.Meeting:
        return store.meeting_from_row(self.row, self.participant_ids, self.current(now or utcnow()))

    def with_row(self, row: asyncpg.Record, participant_ids: list[str] | None = None,
                 overrides: dict[dt.datetime, Override] | None = None) -> Snapshot:
        return Snapshot(row, self.participant_ids if participant_ids is None else participant_ids,
                        self.overrides if overrides is None else overrides)


async def load(conn: Connection, meeting_id: str, *, for_update: bool = False,
               nowait: bool = False) -> Snapshot:
    """`nowait` is for timer handlers: they hold their timer's row, and a request holding the
    meeting may be about to move that timer; waiting could deadlock, so the handler fails at once
    (asyncpg.LockNotAvailableError) and the timer worker retries it a moment later."""
    row = await store.get_meeting(conn, meeting_id, for_update=for_update, nowait=nowait)
    if row is None:
        raise NotFound("MEETING_NOT_FOUND", "no such meeting", meeting_id=meeting_id)
    overrides = await store.overrides(conn, meeting_id) if row["recurrence_frequency"] else {}
    return Snapshot(row, await store.participant_ids(conn, meeting_id), overrides)


def require_open(snapshot: Snapshot) -> None:
    """Not cancelled and not over."""
    if snapshot.state == pb.MEETING_STATE_CANCELLED:
        raise FailedPrecondition("MEETING_CANCELLED", "the meeting was cancelled", meeting_id=snapshot.id)
    if snapshot.state == pb.MEETING_STATE_ENDED:
        raise FailedPrecondition("MEETING_ENDED", "the meeting has ended", meeting_id=snapshot.id)


def require_started(snapshot: Snapshot) -> None:
    require_open(snapshot)
    if snapshot.state != pb.MEETING_STATE_STARTED:
        raise FailedPrecondition("MEETING_NOT_STARTED", "the meeting has not started", meeting_id=snapshot.id)
