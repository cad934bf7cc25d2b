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
from services.runtime.outbox import add_event

_TYPES = {pb.MEETING_TYPE_VOICE: "voice", pb.MEETING_TYPE_VIDEO: "video"}
_REPLIES: dict[int, str] = {pb.REPLY_STATUS_ACCEPTED: "accepted", pb.REPLY_STATUS_TENTATIVE: "tentatively accepted",
            pb.REPLY_STATUS_DECLINED: "declined"}


def call_thread(meeting_id: str, session_no: int) -> str:
    return f"{meeting_id}/call/{session_no}"


def when(meeting: pb.Meeting) -> str:
    """'Mon 15 Mar 2027, 09:00 (Europe/Berlin), 30 min, every week': its current (or first) occurrence."""
    occurrence = meeting.current_occurrence if meeting.HasField("current_occurrence") else meeting
    start = occurrence.start_time.ToDatetime(tzinfo=dt.UTC)
    text = f"{recurrence.describe(start, meeting.time_zone)}, {occurrence.duration_minutes} min"
    if meeting.HasField("recurrence"):
        text += f", {repeats(meeting.recurrence)}"
    return text


def repeats(rule: pb.Recurrence) -> str:
    unit = {pb.RECURRENCE_FREQUENCY_DAILY: "day", pb.RECURRENCE_FREQUENCY_WEEKLY: "week",
            pb.RECURRENCE_FREQUENCY_MONTHLY: "month"}[rule.frequency]
    every = f"every {unit}" if rule.interval <= 1 else f"every {rule.interval} {unit}s"
    if rule.until_date:
        every += f" until {rule.until_date}"
    elif rule.count:
        every += f", {rule.count} times"
    return every


def _notice(recipients: list[str], kind: npb.NotificationKind, thread_id: str, title: str, body: str = "",
            thread_version: int = 0) -> notice_pb2.Notice:
    return notice_pb2.Notice(recipient_ids=recipients, kind=kind, thread_id=thread_id, title=title, body=body,
                             thread_version=thread_version)


def invitation(meeting: pb.Meeting, recipients: list[str]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_INVITATION, meeting.id,
                   f"Meeting invitation: {meeting.topic}",
                   f"{when(meeting)}, {_TYPES[meeting.type]}. Reply accept, tentative or decline."
                   + (f"\n{meeting.notes}" if meeting.notes else ""), meeting.version)


def updated(meeting: pb.Meeting, recipients: list[str], changes: list[str]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_UPDATED, meeting.id,
                   f"Meeting changed: {meeting.topic}", "\n".join(changes), meeting.version)


def cancelled(meeting: pb.Meeting, recipients: list[str], why: str) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_MEETING_CANCELLED, meeting.id,
                   f"Meeting cancelled: {meeting.topic}", why, meeting.version)


def reply(meeting: pb.Meeting, organizer_id: str, participant_id: str, status: int,
          version: int) -> notice_pb2.Notice:
    return _notice([organizer_id], npb.NOTIFICATION_KIND_MEETING_REPLY, f"{meeting.id}/replies",
                   f"{participant_id} {_REPLIES[status]}: {meeting.topic}", when(meeting), version)


def reminder(meeting: pb.Meeting, recipients: list[str], occurrence: recurrence.Occurrence,
             organizer_id: str) -> list[notice_pb2.Notice]:
    start = recurrence.describe(occurrence.start, meeting.time_zone)
    notices = [_notice([organizer_id], npb.NOTIFICATION_KIND_REMINDER, f"{meeting.id}/reminders",
                       f"Starting now: {occurrence.topic}", f"{start}. Start the meeting now.")]
    others = [r for r in recipients if r != organizer_id]
    if others:
        notices.append(_notice(others, npb.NOTIFICATION_KIND_REMINDER, f"{meeting.id}/reminders",
                               f"Starting now: {occurrence.topic}", f"{start}."))
    return notices


def incoming_call(meeting: pb.Meeting, session_no: int, recipients: list[str]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_INCOMING_CALL, call_thread(meeting.id, session_no),
                   f"Incoming {_TYPES[meeting.type]} call: {meeting.topic}",
                   f"{meeting.organizer_id} invites you into the meeting; join or decline.", 1)


def ringing_stopped(meeting: pb.Meeting, session_no: int, recipients: list[str], why: str) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_RINGING_STOPPED, call_thread(meeting.id, session_no),
                   f"Call {why}: {meeting.topic}", "", 2)


def missed_call(meeting: pb.Meeting, session_no: int, recipients: list[str]) -> notice_pb2.Notice:
    return _notice(recipients, npb.NOTIFICATION_KIND_MISSED_CALL, call_thread(meeting.id, session_no),
                   f"Missed {_TYPES[meeting.type]} call: {meeting.topic}", f"From {meeting.organizer_id}.", 2)


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
