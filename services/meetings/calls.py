"""A meeting in progress (SPEC F-32..F-36): starting it (early, at its time, meet now, or from a
group call past 9 participants), ringing, joining, declining, leaving, ending, attendance.

Starting puts the organizer in the meeting and rings everyone else with one INCOMING_CALL
notice (every recipient at the same moment). A call rings until the participant joins (the
call is answered) or declines, both of which stop it on all their devices with a
RINGING_STOPPED notice, or until the ring time-out (one durable timer per meeting, at the
earliest deadline of those still ringing) makes it a MISSED_CALL. The meeting ends when the
organizer (or an admin) ends it, when the last one in it leaves, or when nobody is in it and
nobody is ringing any more.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.events.v1.envelope_pb2 import Envelope
from convene.groups.v1 import events_pb2 as group_events
from convene.meetings.v1 import events_pb2
from convene.meetings.v1 import meetings_pb2 as pb
from services.meetings import notices, reminders, session_store, snapshot, store
from services.meetings.access import Access
from services.meetings.recurrence import Occurrence
from services.meetings.settings import MeetingsSettings
from services.meetings.snapshot import Snapshot, require_started
from services.runtime import subjects, timers
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied
from services.runtime.events import Event, PoisonEvent, new_envelope
from services.runtime.ids import is_id, new_id
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event, add_events
from services.runtime.pagination import decode_page_value, encode_page_token

log = get_logger(__name__)

RING_TIMER_KIND = "meeting_ring_timeout"
_CALL_TYPES = {1: pb.MEETING_TYPE_VOICE, 2: pb.MEETING_TYPE_VIDEO}  # groups.v1.CallType -> MeetingType


def _ring_prefix(meeting_id: str) -> str:
    return f"ring:{meeting_id}:"


async def arm_ring_timeout(conn: Connection, meeting_id: str) -> None:
    """One timer per meeting at the earliest deadline of the calls still ringing."""
    await timers.cancel_prefix(conn, _ring_prefix(meeting_id))
    deadline = await session_store.next_ring_deadline(conn, meeting_id)
    if deadline is not None:
        await _ring_timeout_at(conn, meeting_id, deadline)


async def _ring_timeout_at(conn: Connection, meeting_id: str, deadline: dt.datetime) -> None:
    # The key names the deadline, so a firing timer can arm the next one without touching its own row.
    key = f"{_ring_prefix(meeting_id)}{int(deadline.timestamp() * 1000)}"
    await timers.schedule(conn, key, RING_TIMER_KIND, deadline, meeting_id.encode())


async def emit_event(conn: Connection, subject: str, meeting: pb.Meeting, payload: object) -> None:
    await add_event(conn, meeting_event(subject, meeting, payload))


def meeting_event(subject: str, meeting: pb.Meeting, payload: object) -> Envelope:
    return new_envelope(subject, subject=meeting.id, enterprise_id=meeting.enterprise_id,
                        correlation_id=meeting.id, payload=payload)  # type: ignore[arg-type]


class Calls:
    def __init__(self, pool: asyncpg.Pool, access: Access, settings: MeetingsSettings) -> None:
        self._pool = pool
        self._access = access
        self._ring_for = dt.timedelta(seconds=settings.meeting_ring_timeout_s)
        self._default_minutes = settings.meeting_default_duration_minutes

    # ------------------------------------------------------------------------------ starting

    async def begin(self, conn: Connection, meeting: Snapshot, occurrence: Occurrence, now: dt.datetime, *,
                    organizer_present: bool, ring_ids: list[str], scheduled: bool = True) -> Snapshot:
        """Start a run of the meeting (in the caller's transaction): the organizer in it (when
        present), everyone in `ring_ids` rung at once, the reminder moved past this occurrence
        (`scheduled` False: made on the spot, it has none). On the path to every ring, so kept to
        few statements: the previous run left no ring timer (finish cancels them)."""
        number = meeting.session_no + 1
        await session_store.insert_session(conn, meeting.id, number, occurrence.original_start, now)
        row = await store.update_meeting(
            conn, meeting.id, bump_version=False, state=pb.MEETING_STATE_STARTED, session_no=number,
            started_at=now, ended_at=None, held_until=occurrence.start, held_original=occurrence.original_start)
        meeting = meeting.with_row(row)
        rung = [r for r in dict.fromkeys(ring_ids) if r != meeting.organizer_id]
        deadline = now + self._ring_for
        await session_store.open_attendance(conn, meeting.id, number, meeting.organizer_id if organizer_present
                                            else None, rung, now, deadline)
        message = meeting.message(now)
        if rung:
            await _ring_timeout_at(conn, meeting.id, deadline)
        if scheduled:
            await reminders.arm(conn, meeting, now)
        # The rings and the start in one round trip, in that order.
        ringing = notices.requested(message, notices.incoming_call(message, number, rung))
        await add_events(conn, [*([ringing] if ringing is not None else []), meeting_event(
            subjects.MEETINGS_MEETING_STARTED, message, events_pb2.MeetingStarted(
                meeting=message, source_call_id=row["source_call_id"] or "", group_id=row["group_id"]))])
        log.info("meeting started", meeting_id=meeting.id, session=number, rung=len(rung))
        return meeting

    async def start(self, principal: Principal, meeting_id: str) -> pb.Meeting:
        """F-32, F-33: the organizer starts, early or at the time; the others are rung."""
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            if principal.id != meeting.organizer_id:
                raise PermissionDenied("ORGANIZER_ONLY", "only the organizer starts the meeting")
            snapshot.require_open(meeting)
            if meeting.state == pb.MEETING_STATE_STARTED:
                raise FailedPrecondition("MEETING_ALREADY_STARTED", "the meeting is in progress; join it")
            now = snapshot.utcnow()
            occurrence = meeting.to_start(now)
            if occurrence is None:
                raise FailedPrecondition("NO_OCCURRENCE_LEFT", "every occurrence of this series is over or cancelled")
            meeting = await self.begin(conn, meeting, occurrence, now, organizer_present=True,
                                       ring_ids=meeting.participant_ids)
            return meeting.message(now)

    async def meet_now(self, conn: Connection, principal: Principal, request: pb.MeetNowRequest,
                       participant_ids: list[str]) -> pb.Meeting:
        """F-34 (in run_once's transaction): a meeting made and started at once."""
        now = snapshot.utcnow()
        meeting = await self._create_on_the_spot(
            conn, now, organizer_id=principal.id, enterprise_id=principal.enterprise_id,
            topic=request.topic.strip() or "Quick meeting", type_=request.type, participant_ids=participant_ids,
            external=request.external)
        assert meeting is not None
        occurrence = meeting.to_start(now)
        assert occurrence is not None
        meeting = await self.begin(conn, meeting, occurrence, now, organizer_present=True, ring_ids=participant_ids,
                                   scheduled=False)
        return meeting.message(now)

    async def _create_on_the_spot(self, conn: Connection, now: dt.datetime, *, organizer_id: str,
                              enterprise_id: str, topic: str, type_: int, participant_ids: list[str],
                              external: bool, source_call_id: str | None = None,
                              group_id: str = "") -> Snapshot | None:
        row = await store.insert_meeting(
            conn, participant_ids, id=new_id("meeting"), organizer_id=organizer_id, enterprise_id=enterprise_id, topic=topic,
            type=type_, state=pb.MEETING_STATE_SCHEDULED, start_time=now, local_start=now.replace(tzinfo=None),
            time_zone="UTC", duration_minutes=self._default_minutes, notes="", external=external,
            source_call_id=source_call_id, group_id=group_id)
        if row is None:
            return None
        return Snapshot(row, sorted(participant_ids), {})

    async def ring_added(self, conn: Connection, meeting: Snapshot, message: pb.Meeting,
                         added: list[str], now: dt.datetime) -> None:
        """People added to a meeting in progress are called into it."""
        rung = await session_store.ring(conn, meeting.id, meeting.session_no, added, now + self._ring_for)
        await notices.send(conn, message, notices.incoming_call(message, meeting.session_no, rung))
        await arm_ring_timeout(conn, meeting.id)

    async def on_call_upgraded(self, event: Event, conn: Connection) -> None:
        """Consumer `meetings--call-upgrades` (F-14, F-36): a group call passed 9 participants.
        Exactly one meeting per call, whatever redelivers the event: the inbox drops a redelivery
        of the same event, and the unique source_call_id a second event for the same call."""
        upgraded = event.payload(group_events.CallUpgraded)
        if not (is_id(upgraded.call_id, "call") and is_id(upgraded.starter_id, "member") and upgraded.enterprise_id):
            raise PoisonEvent("call.upgraded without a call id, a member starter or an enterprise")
        if upgraded.type not in _CALL_TYPES:
            raise PoisonEvent(f"call.upgraded with call type {upgraded.type}")
        people = [p for p in dict.fromkeys(upgraded.participant_ids) if is_id(p, "member", "wechat_user")]
        others = [p for p in people if p != upgraded.starter_id]
        now = snapshot.utcnow()
        meeting = await self._create_on_the_spot(
            conn, now, organizer_id=upgraded.starter_id, enterprise_id=upgraded.enterprise_id,
            topic=(upgraded.topic.strip() or "Group call")[:200], type_=_CALL_TYPES[upgraded.type],
            participant_ids=others, external=any(is_id(p, "wechat_user") for p in others),
            source_call_id=upgraded.call_id, group_id=upgraded.group_id)
        if meeting is None:
            log.info("call already became a meeting; nothing to do", call_id=upgraded.call_id)
            return
        occurrence = meeting.to_start(now)
        assert occurrence is not None
        # Everyone in the call moves into the meeting: the starter is in it, the others are
        # called into it (their clients, in the call, answer by joining).
        await self.begin(conn, meeting, occurrence, now, organizer_present=upgraded.starter_id in people,
                         ring_ids=others, scheduled=False)

    # --------------------------------------------------------------------------- taking part

    async def join(self, principal: Principal, meeting_id: str) -> pb.JoinMeetingResponse:
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            _require_taking_part(principal, meeting)
            require_started(meeting)
            now = snapshot.utcnow()
            before = await session_store.join(conn, meeting.id, meeting.session_no, principal.id, now)
            message = meeting.message(now)
            if before == pb.RING_STATE_RINGING:
                # Answered: every device of the caller stops ringing.
                await notices.send(conn, message, notices.ringing_stopped(
                    message, meeting.session_no, [principal.id], answered=True))
            present = await session_store.present_ids(conn, meeting.id, meeting.session_no)
            return pb.JoinMeetingResponse(meeting=message, present_ids=present)

    async def decline(self, principal: Principal, meeting_id: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            _require_taking_part(principal, meeting)
            require_started(meeting)
            stopped = await session_store.stop_ringing(conn, meeting.id, meeting.session_no, [principal.id],
                                                       pb.RING_STATE_DECLINED)
            if not stopped:
                raise FailedPrecondition("NOT_RINGING", "no call is ringing for the caller in this meeting")
            now = snapshot.utcnow()
            message = meeting.message(now)
            await notices.send(conn, message, notices.ringing_stopped(message, meeting.session_no, stopped,
                                                                      answered=False))
            await self._end_if_nobody_comes(conn, meeting, now)

    async def leave(self, principal: Principal, meeting_id: str) -> pb.Meeting:
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            _require_taking_part(principal, meeting)
            require_started(meeting)
            now = snapshot.utcnow()
            if not await session_store.leave(conn, meeting.id, meeting.session_no, [principal.id], now):
                raise FailedPrecondition("NOT_IN_MEETING", "the caller is not in the meeting")
            present, _ = await session_store.counts(conn, meeting.id, meeting.session_no)
            if present == 0:
                meeting = await self.finish(conn, meeting, now)  # the last one left (F-35)
            return meeting.message(now)

    async def end(self, principal: Principal, meeting_id: str) -> pb.Meeting:
        async with self._pool.acquire() as conn:
            meeting = await snapshot.load(conn, meeting_id)
        await self._access.require_manager(principal, meeting.organizer_id, meeting.enterprise_id)
        async with self._pool.acquire() as conn, conn.transaction():
            meeting = await snapshot.load(conn, meeting_id, for_update=True)
            require_started(meeting)
            now = snapshot.utcnow()
            return (await self.finish(conn, meeting, now)).message(now)

    async def on_ring_timeout(self, timer: timers.Timer, conn: Connection) -> None:
        """Calls that rang their time become missed calls (F-34)."""
        meeting = await snapshot.load(conn, timer.payload.decode(), for_update=True, nowait=True)
        if meeting.state != pb.MEETING_STATE_STARTED:
            return
        now = snapshot.utcnow()
        missed = await session_store.stop_ringing(conn, meeting.id, meeting.session_no, None, pb.RING_STATE_MISSED,
                                                  due_by=now)
        if missed:
            message = meeting.message(now)
            await notices.send(conn, message, notices.missed_call(message, meeting.session_no, missed))
        await arm_ring_timeout(conn, meeting.id)
        await self._end_if_nobody_comes(conn, meeting, now)

    async def _end_if_nobody_comes(self, conn: Connection, meeting: Snapshot, now: dt.datetime) -> None:
        present, ringing = await session_store.counts(conn, meeting.id, meeting.session_no)
        if present == 0 and ringing == 0:
            await self.finish(conn, meeting, now)

    async def finish(self, conn: Connection, meeting: Snapshot, now: dt.datetime) -> Snapshot:
        """End the run: everyone out, calls still ringing missed; a series waits for its next
        occurrence, anything else is over."""
        number = meeting.session_no
        await session_store.leave(conn, meeting.id, number,
                                  await session_store.present_ids(conn, meeting.id, number), now)
        missed = await session_store.stop_ringing(conn, meeting.id, number, None, pb.RING_STATE_MISSED)
        await session_store.end_session(conn, meeting.id, number, now)
        await timers.cancel_prefix(conn, _ring_prefix(meeting.id))
        more = meeting.series.recurring and meeting.to_start(now) is not None
        row = await store.update_meeting(
            conn, meeting.id, bump_version=False, ended_at=now,
            state=pb.MEETING_STATE_SCHEDULED if more else pb.MEETING_STATE_ENDED)
        meeting = meeting.with_row(row)
        await reminders.arm(conn, meeting, now)
        message = meeting.message(now)
        if missed:
            await notices.send(conn, message, notices.missed_call(message, number, missed))
        await emit_event(conn, subjects.MEETINGS_MEETING_ENDED, message,
                         events_pb2.MeetingEnded(meeting=message, group_id=row["group_id"]))
        log.info("meeting ended", meeting_id=meeting.id, session=number, missed=len(missed))
        return meeting

    # ---------------------------------------------------------------------------- attendance

    async def attendees(self, principal: Principal, request: pb.ListMeetingAttendeesRequest,
                        size: int) -> pb.ListMeetingAttendeesResponse:
        after = decode_page_value(request.page_token, "after", str, "")
        async with self._pool.acquire() as conn:
            meeting = await snapshot.load(conn, request.meeting_id)
            await self._access.require_viewer(principal, meeting.organizer_id, meeting.enterprise_id,
                                              meeting.participant_ids)
            number = request.session_number or meeting.session_no
            session = await session_store.get_session(conn, meeting.id, number) if number else None
            if session is None:
                raise NotFound("SESSION_NOT_FOUND", "the meeting has had no such run", session_number=number)
            rows = await session_store.attendee_page(conn, meeting.id, number, present_only=request.present_only,
                                                     after=after, limit=size + 1)
        response = pb.ListMeetingAttendeesResponse(
            session=session_store.session_from_row(session),
            attendees=[session_store.attendee_from_row(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"after": rows[size - 1]["participant_id"]})
        return response


def _require_taking_part(principal: Principal, meeting: Snapshot) -> None:
    if principal.id != meeting.organizer_id and principal.id not in meeting.participant_ids:
        raise PermissionDenied("NOT_A_PARTICIPANT", "only the organizer and participants take part in this meeting")
