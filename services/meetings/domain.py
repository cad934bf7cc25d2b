"""Meetings' rules."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.meetings.v1 import events_pb2
from convene.meetings.v1 import meetings_pb2 as pb
from services.meetings import store
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.errors import NotFound, PermissionDenied
from services.runtime.events import new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event


class Meetings:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def schedule(self, principal: Principal, request: pb.ScheduleMeetingRequest) -> pb.ScheduleMeetingResponse:
        if not principal.is_member:
            raise PermissionDenied("MEMBERS_ONLY", "only members of an enterprise can organise meetings")
        participants = [p for p in dict.fromkeys(request.participant_ids) if p != principal.id]

        async def work(conn: asyncpg.Connection) -> pb.ScheduleMeetingResponse:
            row = await store.insert_meeting(
                conn, meeting_id=new_id("meeting"), organizer_id=principal.id,
                enterprise_id=principal.enterprise_id, topic=request.topic, type_=request.type,
                state=pb.MEETING_STATE_SCHEDULED, start_time=request.start_time.ToDatetime(tzinfo=dt.timezone.utc),
                duration_minutes=request.duration_minutes, notes=request.notes, participant_ids=participants)
            meeting = store.meeting_from_row(row, participants)
            await add_event(conn, new_envelope(
                subjects.MEETINGS_MEETING_SCHEDULED, subject=meeting.id, enterprise_id=meeting.enterprise_id,
                payload=events_pb2.MeetingScheduled(meeting=meeting)))
            return pb.ScheduleMeetingResponse(meeting=meeting)

        return await run_once(self._pool, principal_id=principal.id, method="ScheduleMeeting",
                              request_id=request.request_id, response_type=pb.ScheduleMeetingResponse, work=work)

    async def get(self, principal: Principal, meeting_id: str) -> pb.Meeting:
        async with self._pool.acquire() as conn:
            found = await store.get_meeting(conn, meeting_id)
        if found is None:
            raise NotFound("MEETING_NOT_FOUND", "no such meeting", meeting_id=meeting_id)
        row, participants = found
        if not (principal.is_service or principal.id == row["organizer_id"] or principal.id in participants):
            raise PermissionDenied("NOT_A_PARTICIPANT", "only the organizer and participants may see a meeting")
        return store.meeting_from_row(row, participants)
