"""Group calls (SPEC F-14): start, join, leave; past the participant limit the call becomes a
meeting. Groups announces `groups.v1.call.upgraded` once (the call row is locked while a join
counts heads); meetings makes exactly one meeting of it and answers with
`meetings.v1.meeting.started`, which moves the call to UPGRADED and shows the meeting card."""

from __future__ import annotations

from typing import Any

import asyncpg

from convene.groups.v1 import events_pb2
from convene.groups.v1 import groups_pb2 as pb
from convene.meetings.v1 import events_pb2 as meeting_events
from services.groups import call_store, cards, store
from services.groups.access import member_group
from services.groups.settings import GroupsSettings
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection, fetch_one
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event

log = get_logger(__name__)


async def _emit(conn: Connection, subject: str, call_id: str, enterprise_id: str, payload: object) -> None:
    await add_event(conn, new_envelope(subject, subject=call_id, enterprise_id=enterprise_id, correlation_id=call_id,
                                       payload=payload))  # type: ignore[arg-type]


async def _states(conn: Connection, call_id: str) -> dict[str, int]:
    """{participant: state} of a call, read once; join and leave update it as they write."""
    return {p["participant_id"]: p["state"] for p in await call_store.participants(conn, call_id)}


async def _call_group(conn: Connection, principal: Principal, row: asyncpg.Record, *,
                      services_may_read: bool = False) -> asyncpg.Record:
    """The call's group, if the principal is in it. A refusal names the call the caller asked
    about, never its group (which may be another enterprise's)."""
    try:
        return await member_group(conn, principal, row["group_id"], services_may_read=services_may_read)
    except (NotFound, PermissionDenied):
        raise PermissionDenied("NOT_GROUP_MEMBER", "only members of the call's group may do this",
                               call_id=row["id"]) from None


def _rows(states: dict[str, int]) -> list[dict[str, Any]]:
    """`states` as call_store.participants returns them (ordered by participant)."""
    return [{"participant_id": p, "state": states[p]} for p in sorted(states)]


async def _ringing_stopped(conn: Connection, call: asyncpg.Record, enterprise_id: str, group_name: str,
                           participant_id: str, *, answered: bool) -> None:
    """A rung participant answered or declined: all their devices stop ringing."""
    await _emit(conn, subjects.GROUPS_CALL_RINGING_STOPPED, call["id"], enterprise_id, events_pb2.CallRingingStopped(
        call_id=call["id"], group_id=call["group_id"], group_name=group_name, participant_id=participant_id,
        answered=answered))


async def end_open_call(conn: Connection, group_id: str) -> None:
    """The group is dismissed: its active call ends (one becoming a meeting goes on as a meeting)."""
    row = await call_store.end_active_call(conn, group_id)
    if row is not None:
        call = call_store.call_from_rows(row, await call_store.participants(conn, row["id"]))
        group = await conn.fetchval("SELECT enterprise_id FROM groups WHERE id = $1", group_id)
        await _emit(conn, subjects.GROUPS_CALL_ENDED, call.id, group, events_pb2.CallEnded(call=call))


class Calls:
    def __init__(self, pool: asyncpg.Pool, settings: GroupsSettings) -> None:
        self._pool = pool
        self._max_participants = settings.call_max_participants

    async def start(self, principal: Principal, request: pb.StartGroupCallRequest) -> pb.StartGroupCallResponse:
        if principal.is_wechat_user:
            # The starter organizes the meeting the call may become, and meetings are organized by members (F-30).
            raise PermissionDenied("WECHAT_USER_CANNOT_START_CALL", "WeChat users cannot start group calls")
        ring_ids = [p for p in dict.fromkeys(request.participant_ids) if p != principal.id]

        async def work(conn: Connection) -> pb.StartGroupCallResponse:
            group = await member_group(conn, principal, request.group_id, lock=True)
            present = await store.members_among(conn, request.group_id, ring_ids)
            for participant_id in ring_ids:
                if participant_id not in present:
                    raise FailedPrecondition("PARTICIPANT_NOT_IN_GROUP", f"{participant_id} is not in the group",
                                             participant_id=participant_id)
            open_call = await call_store.open_call_id(conn, request.group_id)
            if open_call is not None:
                raise FailedPrecondition("CALL_IN_PROGRESS", "the group already has a call; join it", call_id=open_call)
            row = await call_store.insert_call(conn, new_id("call"), request.group_id, request.type, principal.id)
            await call_store.set_participants(conn, row["id"], [principal.id], pb.PARTICIPANT_STATE_JOINED)
            await call_store.set_participants(conn, row["id"], ring_ids, pb.PARTICIPANT_STATE_INVITED)
            call = call_store.call_from_rows(row, await call_store.participants(conn, row["id"]))
            await _emit(conn, subjects.GROUPS_CALL_STARTED, call.id, group["enterprise_id"],
                        events_pb2.CallStarted(call=call, group_name=group["name"], ring_ids=ring_ids))
            return pb.StartGroupCallResponse(call=call)

        return await run_once(self._pool, principal_id=principal.id, method="StartGroupCall",
                              request_id=request.request_id, response_type=pb.StartGroupCallResponse, work=work)

    async def _locked_call(self, conn: Connection, call_id: str) -> asyncpg.Record:
        row = await call_store.get_call(conn, call_id, for_update=True)
        if row is None:
            raise NotFound("CALL_NOT_FOUND", "no such call", call_id=call_id)
        return row

    async def join(self, principal: Principal, call_id: str) -> pb.GroupCall:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._locked_call(conn, call_id)  # joins of one call count heads one at a time
            group = await _call_group(conn, principal, row)
            _require_open(row)
            states = await _states(conn, call_id)
            await call_store.set_participants(conn, call_id, [principal.id], pb.PARTICIPANT_STATE_JOINED)
            if states.get(principal.id) == pb.PARTICIPANT_STATE_INVITED:  # answered the ring
                await _ringing_stopped(conn, row, group["enterprise_id"], group["name"], principal.id, answered=True)
            states[principal.id] = pb.PARTICIPANT_STATE_JOINED
            participants = _rows(states)
            joined = sum(1 for p in participants if p["state"] == pb.PARTICIPANT_STATE_JOINED)
            if joined > self._max_participants:
                row = await call_store.set_state(conn, call_id, pb.CALL_STATE_UPGRADING)
                await _emit(conn, subjects.GROUPS_CALL_UPGRADED, call_id, group["enterprise_id"], events_pb2.CallUpgraded(
                    call_id=call_id, group_id=row["group_id"], type=row["type"], enterprise_id=group["enterprise_id"],
                    starter_id=row["starter_id"], topic=group["name"] or "Group call",
                    participant_ids=[p["participant_id"] for p in participants
                                     if p["state"] != pb.PARTICIPANT_STATE_LEFT]))
            return call_store.call_from_rows(row, participants)

    async def leave(self, principal: Principal, call_id: str) -> pb.GroupCall:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._locked_call(conn, call_id)
            states = await _states(conn, call_id)
            if states.get(principal.id, pb.PARTICIPANT_STATE_LEFT) == pb.PARTICIPANT_STATE_LEFT:
                await _call_group(conn, principal, row)  # an outsider learns nothing of who is in it
                raise FailedPrecondition("NOT_IN_CALL", "the caller is not in this call", call_id=call_id)
            declined = states[principal.id] == pb.PARTICIPANT_STATE_INVITED
            await call_store.set_participants(conn, call_id, [principal.id], pb.PARTICIPANT_STATE_LEFT)
            states[principal.id] = pb.PARTICIPANT_STATE_LEFT
            nobody_left = pb.PARTICIPANT_STATE_JOINED not in states.values()
            if row["state"] == pb.CALL_STATE_ACTIVE and nobody_left:
                row = await call_store.set_state(conn, call_id, pb.CALL_STATE_ENDED, ended=True)
            call = call_store.call_from_rows(row, _rows(states))
            ended = call.state == pb.CALL_STATE_ENDED
            if declined or ended:
                group = await fetch_one(conn, "SELECT enterprise_id, name FROM groups WHERE id = $1", row["group_id"])
                if declined:
                    await _ringing_stopped(conn, row, group["enterprise_id"], group["name"], principal.id,
                                           answered=False)
                if ended:
                    await _emit(conn, subjects.GROUPS_CALL_ENDED, call_id, group["enterprise_id"],
                                events_pb2.CallEnded(call=call))
            return call

    async def get(self, principal: Principal, call_id: str) -> pb.GroupCall:
        async with self._pool.acquire() as conn:
            row = await call_store.get_call(conn, call_id)
            if row is None:
                raise NotFound("CALL_NOT_FOUND", "no such call", call_id=call_id)
            await _call_group(conn, principal, row, services_may_read=True)
            return call_store.call_from_rows(row, await call_store.participants(conn, call_id))

    async def on_meeting_event(self, event: Event, conn: Connection) -> None:
        """Consumer `groups--meeting-cards`: a meeting made from a group call started (the call
        is now that meeting, its card goes into the group) or ended (the card says so)."""
        if event.type == subjects.MEETINGS_MEETING_STARTED:
            started = event.payload(meeting_events.MeetingStarted)
            meeting, group_id, state = started.meeting, started.group_id, pb.CARD_STATE_LIVE
            if started.source_call_id:
                call_group_id = await self._moved_into_meeting(conn, started.source_call_id, meeting.id)
                if not call_group_id:
                    return
                group_id = group_id or call_group_id
        elif event.type == subjects.MEETINGS_MEETING_ENDED:
            ended = event.payload(meeting_events.MeetingEnded)
            meeting, group_id, state = ended.meeting, ended.group_id, pb.CARD_STATE_ENDED
        else:
            return
        if not group_id:
            return  # not a group's meeting: no card to show
        details = pb.CardDetails()
        if meeting.HasField("start_time"):
            details.start_time.CopyFrom(meeting.start_time)
        await cards.show(conn, event, group_id=group_id, subject_id=meeting.id, kind=pb.CARD_KIND_MEETING,
                         state=state, title=meeting.topic, author_id=meeting.organizer_id, details=details)

    @staticmethod
    async def _moved_into_meeting(conn: Connection, call_id: str, meeting_id: str) -> str:
        """The call became `meeting_id`; returns the call's group ('' for an unknown call)."""
        row = await call_store.get_call(conn, call_id, for_update=True)
        if row is None:
            log.warning("meeting started from an unknown call", call_id=call_id, meeting_id=meeting_id)
            return ""
        if row["meeting_id"] and row["meeting_id"] != meeting_id:
            log.error("a second meeting for one call; only the first is shown", call_id=call_id,
                      meeting_id=meeting_id, first_meeting_id=row["meeting_id"])
            return ""
        await call_store.set_state(conn, call_id, pb.CALL_STATE_UPGRADED, meeting_id=meeting_id, ended=True)
        return row["group_id"]


def _require_open(row: asyncpg.Record) -> None:
    if row["state"] == pb.CALL_STATE_UPGRADING:
        raise FailedPrecondition("CALL_BECOMING_MEETING", "the call is becoming a meeting; join the meeting",
                                 call_id=row["id"])
    if row["state"] == pb.CALL_STATE_UPGRADED:
        raise FailedPrecondition("CALL_MOVED_TO_MEETING", "the call became a meeting; join the meeting",
                                 call_id=row["id"], meeting_id=row["meeting_id"])
    if row["state"] == pb.CALL_STATE_ENDED:
        raise FailedPrecondition("CALL_ENDED", "the call has ended", call_id=row["id"])
