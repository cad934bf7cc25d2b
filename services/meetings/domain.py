"""Meetings' calendar rules (SPEC F-30, F-31): schedule (single or recurring, in a time zone),
view, list, modify and cancel, one occurrence edited or cancelled on its own, and replies.

Only the organizer or an admin of the enterprise manages a meeting. Every change is told to the
people it concerns in the same transaction (notices.py): invitees hear exactly what changed,
added ones get an invitation, removed ones a cancellation; and the reminder moves with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from convene.meetings.v1 import events_pb2
from convene.meetings.v1 import meetings_pb2 as pb
from convene.notifications.v1.notifications_pb2 import NotificationText
from services.meetings import notices, recurrence, reminders, snapshot, store
from services.meetings.access import Access
from services.meetings.calls import Calls, emit_event
from services.meetings.recurrence import Override
from services.meetings.snapshot import Snapshot, require_open
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.pagination import decode_page_value, encode_page_token

# A start this far in the past is still accepted (clocks differ; a client takes a moment).
PAST_TOLERANCE = dt.timedelta(minutes=1)
# While a meeting is in progress only these may change (and participants only be added).
_WHILE_STARTED = {"topic", "notes", "participant_ids"}
_TIMING = {"start_time", "time_zone", "recurrence"}
# How one occurrence changes: (meeting, its current override, now) -> (new override, lines telling it).
OccurrenceEdit = Callable[[Snapshot, Override | None, dt.datetime], tuple[Override, list[NotificationText]]]


def _rule(columns: asyncpg.Record | dict[str, Any]) -> pb.Recurrence | None:
    """A row's (or new) recurrence columns as a rule, None when it does not repeat."""
    if not columns["recurrence_frequency"]:
        return None
    until = columns["recurrence_until"]
    return pb.Recurrence(frequency=columns["recurrence_frequency"], interval=columns["recurrence_interval"],
                         until_date=until.isoformat() if until else "", count=columns["recurrence_count"])


def recurrence_columns(rule: pb.Recurrence | None) -> dict[str, Any]:
    if rule is None or not rule.frequency:
        return {"recurrence_frequency": 0, "recurrence_interval": 1, "recurrence_until": None, "recurrence_count": 0}
    return {"recurrence_frequency": rule.frequency, "recurrence_interval": max(1, rule.interval),
            "recurrence_until": recurrence.parse_date(rule.until_date) if rule.until_date else None,
            "recurrence_count": rule.count}


def check_start(start: dt.datetime, now: dt.datetime, field_name: str = "start_time") -> None:
    if start < now - PAST_TOLERANCE:
        raise InvalidArgument("START_TIME_IN_PAST", f"{field_name} is in the past", field=field_name)


def check_until(until: dt.date | None, local_start: dt.datetime) -> None:
    if until is not None and until < local_start.date():
        raise InvalidArgument("UNTIL_BEFORE_START", "recurrence.until_date is before the first occurrence",
                              field="recurrence.until_date")


@dataclass
class _Change:
    """What one UpdateMeeting does, in words for the invitees and in columns for the row."""

    columns: dict[str, Any] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    lines: list[NotificationText] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def note(self, field_name: str, line: NotificationText) -> None:
        self.fields.append(field_name)
        self.lines.append(line)


class Meetings:
    def __init__(self, pool: asyncpg.Pool, access: Access, calls: Calls, *, max_participants: int) -> None:
        self._pool = pool
        self._access = access
        self._calls = calls
        self._max_participants = max_participants

    # ------------------------------------------------------------------------- scheduling

    async def schedule(self, principal: Principal, request: pb.ScheduleMeetingRequest) -> pb.ScheduleMeetingResponse:
        if not principal.is_member:
            raise PermissionDenied("MEMBERS_ONLY", "only members of an enterprise can organise meetings")
        start = request.start_time.ToDatetime(tzinfo=dt.UTC)
        zone_name = request.time_zone or "UTC"
        local_start = recurrence.to_local(start, zone_name)
        rule = recurrence_columns(request.recurrence if request.HasField("recurrence") else None)
        check_until(rule["recurrence_until"], local_start)
        invitees = [p for p in dict.fromkeys(request.participant_ids) if p != principal.id]
        await self._access.check_invitees(principal.enterprise_id, invitees, external=request.external)

        async def work(conn: Connection) -> pb.ScheduleMeetingResponse:
            now = snapshot.utcnow()
            check_start(start, now)  # here: a repeated request returns its meeting, even later
            row = await store.insert_meeting(
                conn, invitees, id=new_id("meeting"), organizer_id=principal.id, enterprise_id=principal.enterprise_id,
                topic=request.topic.strip(), type=request.type, state=pb.MEETING_STATE_SCHEDULED, start_time=start,
                local_start=local_start, time_zone=zone_name, duration_minutes=request.duration_minutes,
                notes=request.notes.strip(), reminder_audience=request.reminder_audience,
                external=request.external, **rule)
            assert row is not None, "only an upgrade from a call can find its meeting made"
            meeting = Snapshot(row, sorted(invitees), {})
            await reminders.arm(conn, meeting, now)
            message = meeting.message(now)
            await notices.send(conn, message, notices.invitation(message, invitees))
            await emit_event(conn, subjects.MEETINGS_MEETING_SCHEDULED, message,
                             events_pb2.MeetingScheduled(meeting=message))
            return pb.ScheduleMeetingResponse(meeting=message)

        return await run_once(self._pool, principal_id=principal.id, method="ScheduleMeeting",
                              request_id=request.request_id, response_type=pb.ScheduleMeetingResponse, work=work)

    async def meet_now(self, principal: Principal, request: pb.MeetNowRequest) -> pb.MeetNowResponse:
        if not principal.is_member:
            raise PermissionDenied("MEMBERS_ONLY", "only members of an enterprise can start meetings")
        invitees = [p for p in dict.fromkeys(request.participant_ids) if p != principal.id]
        if not invitees:
            raise InvalidArgument("FIELD_REQUIRED", "participant_ids names someone besides the caller",
                                  field="participant_ids")
        await self._access.check_invitees(principal.enterprise_id, invitees, external=request.external)

        async def work(conn: Connection) -> pb.MeetNowResponse:
            return pb.MeetNowResponse(meeting=await self._calls.meet_now(conn, principal, request, invitees))

        return await run_once(self._pool, principal_id=principal.id, method="MeetNow",
                              request_id=request.request_id, response_type=pb.MeetNowResponse, work=work)

    # ---------------------------------------------------------------------------- viewing

    async def _viewable(self, principal: Principal, meeting_id: str) -> Snapshot:
        async with self._pool.acquire() as conn:
            meeting = await snapshot.load(conn, meeting_id)
        await self._access.require_viewer(principal, meeting.organizer_id, meeting.enterprise_id,
                                          meeting.participant_ids)
        return meeting

    async def get(self, principal: Principal, meeting_id: str) -> pb.Meeting:
        return (await self._viewable(principal, meeting_id)).message()

    async def list_mine(self, principal: Principal, size: int, token: str,
                        include_finished: bool) -> pb.ListMyMeetingsResponse:
        before = decode_page_value(token, "before", str, "")
        now = snapshot.utcnow()
        async with self._pool.acquire() as conn:
            rows = await store.my_meetings_page(conn, principal.id, before, size + 1, include_finished)
            page = rows[:size]
            participants = await store.participants_of(conn, [r["id"] for r in page])
            response = pb.ListMyMeetingsResponse()
            for row in page:
                overrides = await store.overrides(conn, row["id"]) if row["recurrence_frequency"] else {}
                response.meetings.append(Snapshot(row, participants[row["id"]], overrides).message(now))
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": page[-1]["id"]})
        return response

    async def list_occurrences(self, principal: Principal, request: pb.ListOccurrencesRequest,
                               size: int) -> pb.ListOccurrencesResponse:
        after_text = decode_page_value(request.page_token, "after", str, "")
        try:
            after = dt.datetime.fromisoformat(after_text) if after_text else None
        except ValueError:
            raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token was not returned by this list call",
                                  field="page_token") from None
        meeting = await self._viewable(principal, request.meeting_id)
        now = snapshot.utcnow()
        found = []
        for occurrence in recurrence.occurrences(meeting.series, meeting.row["topic"], meeting.row["notes"],
                                                 meeting.overrides, after_original=after):
            if request.upcoming_only and occurrence.end <= now:
                continue
            found.append(occurrence)
            if len(found) > size:
                break
        response = pb.ListOccurrencesResponse(occurrences=[store.occurrence_to_pb(o) for o in found[:size]])
        if len(found) > size:
            response.next_page_token = encode_page_token({"after": found[size - 1].original_start.isoformat()})
        return response

    # --------------------------------------------------------------------------- managing

    async def _managed(self, principal: Principal, meeting_id: str) -> Snapshot:
        """The meeting, if the principal may manage it (checked before any lock is taken)."""
        async with self._pool.acquire() as conn:
            meeting = await snapshot.load(conn, meeting_id)
        await self._access.require_manager(principal, meeting.organizer_id, meeting.enterprise_id)
        return meeting

    async def update(self, principal: Principal, request: pb.UpdateMeetingRequest, paths: set[str]) -> pb.Meeting:
        """F-31: change what the mask names; every invitee hears exactly what changed."""
        wanted = request.meeting
        current = await self._managed(principal, wanted.id)
        new_ids: list[str] | None = None
        if "participant_ids" in paths:
            new_ids = self._invitees_of(current, wanted.participant_ids)
            added = [p for p in new_ids if p not in current.participant_ids]
            await self._access.check_invitees(current.enterprise_id, added, external=current.row["external"])
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, wanted.id, for_update=True)
            require_open(meeting)
            now = snapshot.utcnow()
            change = self._change(meeting, wanted, paths, new_ids, now)
            if not change.fields:
                return meeting.message(now)
            if meeting.state == pb.MEETING_STATE_STARTED and (set(change.fields) - _WHILE_STARTED or change.removed):
                raise FailedPrecondition("MEETING_IN_PROGRESS",
                                         "while the meeting is in progress only its topic, notes and added "
                                         "participants may change")
            if _TIMING & set(change.fields) and meeting.overrides:
                await store.drop_overrides(conn, meeting.id)
                change.lines.append(notices.overrides_reset())
            row = await store.update_meeting(conn, meeting.id, **change.columns)
            await store.add_participants(conn, meeting.id, change.added)
            await store.remove_participants(conn, meeting.id, change.removed)
            participant_ids = sorted(new_ids) if new_ids is not None else meeting.participant_ids
            after = meeting.with_row(row, participant_ids, {} if _TIMING & set(change.fields) else None)
            await reminders.arm(conn, after, now)
            message = after.message(now)
            staying = [p for p in participant_ids if p not in change.added]
            told = [p for p in [*staying, after.organizer_id] if p != principal.id]
            await notices.send(
                conn, message, notices.updated(message, told, change.lines),
                notices.invitation(message, change.added),
                notices.removed(message, change.removed))
            if after.state == pb.MEETING_STATE_STARTED and change.added:
                await self._calls.ring_added(conn, after, message, change.added, now)
            await emit_event(conn, subjects.MEETINGS_MEETING_UPDATED, message, events_pb2.MeetingUpdated(
                meeting=message, changed_fields=change.fields, added_participant_ids=change.added,
                removed_participant_ids=change.removed, actor_id=principal.id))
            return message

    def _invitees_of(self, meeting: Snapshot, ids: object) -> list[str]:
        invitees = [p for p in dict.fromkeys(ids) if p != meeting.organizer_id]  # type: ignore[call-overload]
        if len(invitees) > self._max_participants:
            raise InvalidArgument("TOO_MANY_VALUES", f"participant_ids has more than {self._max_participants} entries",
                                  field="participant_ids")
        return invitees

    def _change(self, meeting: Snapshot, wanted: pb.Meeting, paths: set[str], new_ids: list[str] | None,
                now: dt.datetime) -> _Change:
        row, change = meeting.row, _Change()
        if "topic" in paths and wanted.topic.strip() != row["topic"]:
            change.columns["topic"] = wanted.topic.strip()
            change.note("topic", notices.topic_changed(row["topic"], wanted.topic.strip()))
        start, zone_name = row["start_time"], row["time_zone"]
        if "start_time" in paths:
            start = wanted.start_time.ToDatetime(tzinfo=dt.UTC)
        if "time_zone" in paths:
            zone_name = wanted.time_zone or "UTC"
        if start != row["start_time"] or zone_name != row["time_zone"]:
            check_start(start, now)
            change.columns.update(start_time=start, time_zone=zone_name,
                                  local_start=recurrence.to_local(start, zone_name))
            if start != row["start_time"]:
                change.note("start_time", notices.time_changed(row["start_time"], row["time_zone"], start, zone_name))
            if zone_name != row["time_zone"]:
                change.note("time_zone", notices.time_zone_changed(row["time_zone"], zone_name))
        if "duration_minutes" in paths and wanted.duration_minutes != row["duration_minutes"]:
            change.columns["duration_minutes"] = wanted.duration_minutes
            change.note("duration_minutes", notices.duration_changed(row["duration_minutes"], wanted.duration_minutes))
        if "recurrence" in paths:
            rule = recurrence_columns(wanted.recurrence if wanted.HasField("recurrence") else None)
            if any(rule[k] != row[k] for k in rule):
                change.columns.update(rule)
                change.note("recurrence", notices.recurrence_changed(_rule(row), _rule(rule)))
        if any(k in change.columns for k in ("recurrence_until", "local_start")):
            check_until(change.columns.get("recurrence_until", row["recurrence_until"]),
                        change.columns.get("local_start", row["local_start"]))
        if "notes" in paths and wanted.notes.strip() != row["notes"]:
            change.columns["notes"] = wanted.notes.strip()
            change.note("notes", notices.notes_changed(wanted.notes.strip()))
        if "reminder_audience" in paths and wanted.reminder_audience != row["reminder_audience"]:
            change.columns["reminder_audience"] = wanted.reminder_audience
            change.note("reminder_audience",
                        notices.reminders_changed(row["reminder_audience"], wanted.reminder_audience))
        if new_ids is not None:
            change.added = [p for p in new_ids if p not in meeting.participant_ids]
            change.removed = [p for p in meeting.participant_ids if p not in new_ids]
            if change.added or change.removed:
                change.note("participant_ids", notices.participants_changed(change.added, change.removed))
        return change

    async def cancel(self, principal: Principal, meeting_id: str, reason: str) -> pb.Meeting:
        await self._managed(principal, meeting_id)
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            require_open(meeting)
            if meeting.state == pb.MEETING_STATE_STARTED:
                raise FailedPrecondition("MEETING_IN_PROGRESS", "the meeting is in progress; end it instead")
            row = await store.update_meeting(conn, meeting.id, state=pb.MEETING_STATE_CANCELLED)
            await reminders.disarm(conn, meeting.id)
            now = snapshot.utcnow()
            message = meeting.with_row(row).message(now)
            told = [p for p in [*meeting.participant_ids, meeting.organizer_id] if p != principal.id]
            await notices.send(conn, message, notices.cancelled(message, told, reason))
            await emit_event(conn, subjects.MEETINGS_MEETING_CANCELLED, message,
                             events_pb2.MeetingCancelled(meeting=message, actor_id=principal.id, reason=reason))
            return message

    # ------------------------------------------------------------------ single occurrences

    async def update_occurrence(self, principal: Principal, request: pb.UpdateOccurrenceRequest,
                                paths: set[str]) -> pb.UpdateOccurrenceResponse:
        wanted = request.occurrence
        original = wanted.original_start_time.ToDatetime(tzinfo=dt.UTC)

        def edit(meeting: Snapshot, override: Override | None,
                 now: dt.datetime) -> tuple[Override, list[NotificationText]]:
            before = meeting.occurrence(original)
            base = override or Override()
            start, minutes, topic, notes = base.start, base.duration_minutes, base.topic, base.notes
            lines = []
            zone_name = meeting.row["time_zone"]
            if "start_time" in paths:
                start = wanted.start_time.ToDatetime(tzinfo=dt.UTC)
                check_start(start, now, "occurrence.start_time")
                if start != before.start:
                    lines.append(notices.time_changed(before.start, zone_name, start, zone_name))
            if "duration_minutes" in paths:
                minutes = wanted.duration_minutes
                if minutes != before.duration_minutes:
                    lines.append(notices.duration_changed(before.duration_minutes, minutes))
            if "topic" in paths:
                topic = wanted.topic.strip()
                if topic != before.topic:
                    lines.append(notices.topic_changed(before.topic, topic))
            if "notes" in paths:
                notes = wanted.notes.strip()
                if notes != before.notes:
                    lines.append(notices.notes_changed(notes))
            return Override(start=start, duration_minutes=minutes, topic=topic, notes=notes), lines

        return await self._change_occurrence(principal, request.meeting_id, original, edit)

    async def cancel_occurrence(self, principal: Principal, request: pb.CancelOccurrenceRequest
                                ) -> pb.CancelOccurrenceResponse:
        original = request.original_start_time.ToDatetime(tzinfo=dt.UTC)

        def drop(meeting: Snapshot, override: Override | None,
                 now: dt.datetime) -> tuple[Override, list[NotificationText]]:
            base = override or Override()
            return (Override(start=base.start, duration_minutes=base.duration_minutes, topic=base.topic,
                             notes=base.notes, cancelled=True), [notices.occurrence_cancelled()])

        response = await self._change_occurrence(principal, request.meeting_id, original, drop)
        return pb.CancelOccurrenceResponse(occurrence=response.occurrence, meeting=response.meeting)

    async def _change_occurrence(self, principal: Principal, meeting_id: str, original: dt.datetime,
                                 edit: OccurrenceEdit) -> pb.UpdateOccurrenceResponse:
        await self._managed(principal, meeting_id)
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            require_open(meeting)
            if not meeting.series.recurring:
                raise FailedPrecondition("NOT_RECURRING", "a single meeting is changed with UpdateMeeting")
            if not meeting.series.has_occurrence(original):
                raise InvalidArgument("OCCURRENCE_NOT_FOUND", "the series has no occurrence at original_start_time",
                                      field="original_start_time")
            now = snapshot.utcnow()
            occurrence = meeting.occurrence(original)
            if occurrence.cancelled:
                raise FailedPrecondition("OCCURRENCE_CANCELLED", "this occurrence is cancelled")
            if meeting.state == pb.MEETING_STATE_STARTED and meeting.row["held_original"] == original:
                raise FailedPrecondition("MEETING_IN_PROGRESS", "this occurrence is in progress")
            held = meeting.row["held_until"]
            if occurrence.end <= now or (held is not None and occurrence.start <= held):
                raise FailedPrecondition("OCCURRENCE_PAST", "this occurrence is over")
            override, lines = edit(meeting, meeting.overrides.get(original), now)
            if not lines:
                return pb.UpdateOccurrenceResponse(occurrence=store.occurrence_to_pb(occurrence),
                                                   meeting=meeting.message(now))
            await store.save_override(conn, meeting.id, original, override)
            row = await store.update_meeting(conn, meeting.id)
            after = meeting.with_row(row, overrides={**meeting.overrides, original: override})
            await reminders.arm(conn, after, now)
            message, changed = after.message(now), after.occurrence(original)
            told = [p for p in [*after.participant_ids, after.organizer_id] if p != principal.id]
            heading = notices.occurrence_heading(original, after.row["time_zone"])
            await notices.send(conn, message, notices.updated(message, told, [heading, *lines]))
            await emit_event(conn, subjects.MEETINGS_OCCURRENCE_UPDATED, message, events_pb2.OccurrenceUpdated(
                meeting=message, occurrence=store.occurrence_to_pb(changed), actor_id=principal.id))
            return pb.UpdateOccurrenceResponse(occurrence=store.occurrence_to_pb(changed), meeting=message)

    # ---------------------------------------------------------------------------- replies

    async def reply(self, principal: Principal, meeting_id: str, status: int) -> pb.Reply:
        """F-30: an invitee accepts, accepts tentatively or declines; may change it any time."""
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            if principal.id == meeting.organizer_id:
                raise FailedPrecondition("ORGANIZER_DOES_NOT_REPLY", "the organizer is not an invitee")
            if principal.id not in meeting.participant_ids:
                raise PermissionDenied("NOT_A_PARTICIPANT", "only invitees reply to a meeting")
            require_open(meeting)
            previous, row = await store.set_reply(conn, meeting.id, principal.id, status)  # type: ignore[misc]
            if previous != status:
                version = (await store.update_meeting(conn, meeting.id, bump_version=False,
                                                      replies_version=meeting.row["replies_version"] + 1))[
                    "replies_version"]
                message = meeting.message()
                await notices.send(conn, message, notices.reply(message, meeting.organizer_id, principal.id,
                                                                status, version))
            return store.reply_from_row(row)

    async def replies(self, principal: Principal, meeting_id: str, size: int, token: str
                      ) -> pb.ListMeetingRepliesResponse:
        after = decode_page_value(token, "after", str, "")
        meeting = await self._managed(principal, meeting_id)
        async with self._pool.acquire() as conn:
            rows = await store.reply_page(conn, meeting.id, after, size + 1)
            counts = await store.reply_counts(conn, meeting.id)
        response = pb.ListMeetingRepliesResponse(
            replies=[store.reply_from_row(r) for r in rows[:size]],
            accepted_count=counts.get(pb.REPLY_STATUS_ACCEPTED, 0),
            tentative_count=counts.get(pb.REPLY_STATUS_TENTATIVE, 0),
            declined_count=counts.get(pb.REPLY_STATUS_DECLINED, 0),
            no_reply_count=counts.get(pb.REPLY_STATUS_UNSPECIFIED, 0))
        if len(rows) > size:
            response.next_page_token = encode_page_token({"after": rows[size - 1]["participant_id"]})
        return response

