"""What meetings tells people, through the notifications service's generic path: one
`meetings.v1.notice.requested` event (a NoticesRequested) written to the outbox in the
transaction of the change it tells about, so a notice goes out exactly when the change commits.

Threads, as the inbox shows them (one entry per thread, its latest notice):
- `<meeting id>`: the invitation, then each change, then the cancellation, ordered by the
  meeting's version (a late notice never replaces a newer one);
- `<meeting id>/replies`: the organizer's, one per reply;
- `<meeting id>/reminders`: the reminder at each occurrence's start;
- `<meeting id>/call/<run>`: the incoming call of one run, then how it stopped (answered or
  declined on some device, missed); version 1 then 2, so a late ring never follows its stop.
"""

from __future__ import annotations

import datetime as dt

from convene.events.v1.envelope_pb2 import Envelope
from convene.meetings.v1 import meetings_pb2 as pb
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as npb
from services.meetings import recurrence
from services.runtime import subjects
from services.runtime.db import Connection
from services.runtime.events import new_envelope
from services.runtime.notice_text import repeats_arg, text
from services.runtime.outbox import add_event

# Terms of the notifications catalogs.
_TYPES: dict[int, str] = {pb.MEETING_TYPE_VOICE: "voice", pb.MEETING_TYPE_VIDEO: "video"}
_REPLIES: dict[int, str] = {pb.REPLY_STATUS_ACCEPTED: "reply_accepted", pb.REPLY_STATUS_TENTATIVE: "reply_tentative",
            pb.REPLY_STATUS_DECLINED: "reply_declined"}
_FREQUENCIES: dict[int, str] = {pb.RECURRENCE_FREQUENCY_DAILY: "day", pb.RECURRENCE_FREQUENCY_WEEKLY: "week",
                pb.RECURRENCE_FREQUENCY_MONTHLY: "month"}
_REMINDER_AUDIENCES: dict[int, str] = {pb.REMINDER_AUDIENCE_UNSPECIFIED: "reminders_organizer",
                       pb.REMINDER_AUDIENCE_ORGANIZER: "reminders_organizer",
                       pb.REMINDER_AUDIENCE_ALL_BUT_DECLINED: "reminders_all"}
Text = npb.NotificationText


def call_thread(meeting_id: str, session_no: int) -> str:
    return f"{meeting_id}/call/{session_no}"


def when(meeting: pb.Meeting) -> dict[str, object]:
    """Its current (or first) occurrence as template arguments: start_time, time_zone,
    duration_minutes, recurrence (rendered 'Mon 15 Mar 2027, 09:00 (Europe/Berlin), 30 min,
    every week' in English)."""
    occurrence = meeting.current_occurrence if meeting.HasField("current_occurrence") else meeting
    return {"start_time": occurrence.start_time.ToDatetime(tzinfo=dt.UTC), "time_zone": meeting.time_zone,
            "duration_minutes": occurrence.duration_minutes,
            "recurrence": repeats(meeting.recurrence) if meeting.HasField("recurrence") else ""}


def repeats(rule: pb.Recurrence) -> str:
    """A recurrence rule as a template argument (`{recurrence:repeats}`)."""
    return repeats_arg(_FREQUENCIES.get(rule.frequency, ""), max(1, rule.interval), rule.until_date, rule.count)


def _notice(recipients: list[str], kind: npb.NotificationKind, thread_id: str, said: Text,
            thread_version: int = 0) -> notice_pb2.Notice:
    return notice_pb2.Notice(recipient_ids=recipients, kind=kind, thread_id=thread_id, text=said,
                             thread_version=thread_version)


def invitation(meeting: pb.Meeting, recipients: list[str]) -> notice_pb2.Notice:
    notes = [text("meetings.notes", notes=meeting.notes)] if meeting.notes else []
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_INVITATION, meeting.id, text(
        "meetings.invitation", *notes, topic=meeting.topic, meeting_type=_TYPES[meeting.type],
        meeting_id=meeting.id, **when(meeting)), meeting.version)


def updated(meeting: pb.Meeting, recipients: list[str], changes: list[Text]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_UPDATED, meeting.id,
                   text("meetings.updated", *changes, topic=meeting.topic, meeting_id=meeting.id), meeting.version)


def cancelled(meeting: pb.Meeting, recipients: list[str], reason: str = "") -> notice_pb2.Notice:
    """The meeting is off; `reason` is the organizer's own words, if they gave any."""
    template = "meetings.cancelled" if reason else "meetings.cancelled.no_reason"
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_CANCELLED, meeting.id,
                   text(template, topic=meeting.topic, reason=reason, meeting_id=meeting.id), meeting.version)


def removed(meeting: pb.Meeting, recipients: list[str]) -> notice_pb2.Notice:
    """Taken off the participants: for them the meeting is cancelled."""
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_CANCELLED, meeting.id,
                   text("meetings.removed", topic=meeting.topic, meeting_id=meeting.id), meeting.version)


def reply(meeting: pb.Meeting, organizer_id: str, participant_id: str, status: int,
          version: int) -> notice_pb2.Notice:
    return _notice([organizer_id], npb.NOTIFICATION_KIND_MEETING_REPLY, f"{meeting.id}/replies", text(
        "meetings.reply", participant_id=participant_id, status=_REPLIES[status], topic=meeting.topic,
        meeting_id=meeting.id, **when(meeting)), version)


def reminder(meeting: pb.Meeting, recipients: list[str], occurrence: recurrence.Occurrence,
             organizer_id: str) -> list[notice_pb2.Notice]:
    args = {"topic": occurrence.topic, "start_time": occurrence.start, "time_zone": meeting.time_zone,
            "meeting_id": meeting.id}
    notices = [_notice([organizer_id], npb.NOTIFICATION_KIND_REMINDER, f"{meeting.id}/reminders",
                       text("meetings.reminder.organizer", **args))]
    others = [r for r in recipients if r != organizer_id]
    if others:
        notices.append(_notice(others, npb.NOTIFICATION_KIND_REMINDER, f"{meeting.id}/reminders",
                               text("meetings.reminder", **args)))
    return notices


def incoming_call(meeting: pb.Meeting, session_no: int, recipients: list[str]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_INCOMING_CALL, call_thread(meeting.id, session_no), text(
        "meetings.incoming_call", meeting_type=_TYPES[meeting.type], topic=meeting.topic,
        organizer_id=meeting.organizer_id, meeting_id=meeting.id), 1)


def ringing_stopped(meeting: pb.Meeting, session_no: int, recipients: list[str], answered: bool) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_RINGING_STOPPED, call_thread(meeting.id, session_no), text(
        "meetings.ringing_stopped", how="call_answered" if answered else "call_declined", topic=meeting.topic,
        meeting_id=meeting.id), 2)


def missed_call(meeting: pb.Meeting, session_no: int, recipients: list[str]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_MISSED_CALL, call_thread(meeting.id, session_no), text(
        "meetings.missed_call", meeting_type=_TYPES[meeting.type], topic=meeting.topic,
        organizer_id=meeting.organizer_id, meeting_id=meeting.id), 2)


# ---------------------------------------------------------------- what changed, one line each


def topic_changed(before: str, after: str) -> Text:
    return text("meetings.change.topic", before=before, after=after)


def time_changed(before: dt.datetime, before_zone: str, after: dt.datetime, after_zone: str) -> Text:
    return text("meetings.change.time", before=before, before_zone=before_zone, after=after, after_zone=after_zone)


def time_zone_changed(before: str, after: str) -> Text:
    return text("meetings.change.time_zone", before=before, after=after)


def duration_changed(before: int, after: int) -> Text:
    return text("meetings.change.duration", before=before, after=after)


def recurrence_changed(before: pb.Recurrence | None, after: pb.Recurrence | None) -> Text:
    return text("meetings.change.recurrence", before=repeats(before) if before else "",
                after=repeats(after) if after else "")


def notes_changed(notes: str) -> Text:
    return text("meetings.change.notes", notes=notes[:500]) if notes else text("meetings.change.notes_cleared")


def reminders_changed(before: int, after: int) -> Text:
    return text("meetings.change.reminders", before=_REMINDER_AUDIENCES[before], after=_REMINDER_AUDIENCES[after])


def participants_changed(added: list[str], removed: list[str]) -> Text:
    template = ("meetings.change.participants" if added and removed else
                "meetings.change.participants_added" if added else "meetings.change.participants_removed")
    return text(template, added=", ".join(added), removed=", ".join(removed))


def overrides_reset() -> Text:
    return text("meetings.change.overrides_reset")


def occurrence_heading(original: dt.datetime, zone_name: str) -> Text:
    return text("meetings.change.occurrence", original=original, time_zone=zone_name)


def occurrence_cancelled() -> Text:
    return text("meetings.change.occurrence_cancelled")


async def send(conn: Connection, meeting: pb.Meeting, *notices: notice_pb2.Notice) -> None:
    """Queue the notices (those with anyone to tell) in the caller's transaction."""
    if (event := requested(meeting, *notices)) is not None:
        await add_event(conn, event)


def requested(meeting: pb.Meeting, *notices: notice_pb2.Notice) -> Envelope | None:
    """The event asking notifications for the notices that have anyone to tell, if any do."""
    wanted = [n for n in notices if n.recipient_ids]
    if not wanted:
        return None
    return new_envelope(
        subjects.MEETINGS_NOTICE_REQUESTED, subject=meeting.id, enterprise_id=meeting.enterprise_id,
        correlation_id=meeting.id, payload=notice_pb2.NoticesRequested(notices=wanted))
