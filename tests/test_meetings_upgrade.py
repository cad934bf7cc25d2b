"""A group call past 9 participants becomes a meeting (SPEC F-14, F-36): groups announces
`groups.v1.call.upgraded`; meetings makes exactly one meeting of it (same type, same participants,
already started, the starter in it and everyone else called in) and answers with
`meetings.v1.meeting.started`, which moves the call into the meeting and shows its card."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import groups_pb2 as gpb
from convene.meetings.v1 import events_pb2 as meeting_events
from convene.meetings.v1 import meetings_pb2 as mpb
from services.runtime import subjects
from services.runtime.events import new_envelope
from services.runtime.ids import new_id
from tests.harness import EventTap, System, bearer, eventually, publish_events, request_id
from tests.meetings_support import INCOMING, about, arrives, call, close_streams, get, meetings_world, open_streams


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with meetings_world(postgres, tmp_path_factory.mktemp("meetings-upgrade"), with_groups=True) as system:
        yield system


async def _call(system: System, token: str, call_id: str) -> gpb.GroupCall:
    return (await system.stub("groups").GetGroupCall(gpb.GetGroupCallRequest(call_id=call_id),
                                                     metadata=bearer(token))).call


async def test_the_tenth_participant_turns_the_call_into_one_started_meeting(world: System) -> None:
    org = await world.create_org(members=10)
    starter, *others = org.member_ids
    group_id = await world.create_group(org.tokens[starter], [org.admin_id, *others])
    streams = await open_streams(world, org, [others[0], org.admin_id])
    groups = world.stub("groups")
    started = await groups.StartGroupCall(gpb.StartGroupCallRequest(
        request_id=request_id(), group_id=group_id, type=gpb.CALL_TYPE_VIDEO, participant_ids=others[:9]),
        metadata=bearer(org.tokens[starter]))
    call_id = started.call.id
    for person in others[:9]:
        await groups.JoinGroupCall(gpb.JoinGroupCallRequest(call_id=call_id), metadata=bearer(org.tokens[person]))

    async def moved() -> bool:
        return (await _call(world, org.tokens[starter], call_id)).state == gpb.CALL_STATE_UPGRADED

    await eventually(moved, what="the call moved into its meeting")
    meeting_id = (await _call(world, org.tokens[starter], call_id)).meeting_id
    meeting = await get(world, org.tokens[others[3]], meeting_id)
    assert (meeting.state, meeting.type, meeting.organizer_id, meeting.source_call_id, meeting.group_id) == (
        mpb.MEETING_STATE_STARTED, mpb.MEETING_TYPE_VIDEO, starter, call_id, group_id)
    assert list(meeting.participant_ids) == sorted(others[:9]), "the call's participants, the starter organizing"

    (ring,) = await arrives(streams[others[0]], meeting_id, INCOMING)
    assert ring.title == "Incoming video call: launch team"
    assert about(streams[org.admin_id], meeting_id, INCOMING) == [], "not in the call, not called"
    await eventually(lambda: _true(streams[org.admin_id].cards_for(meeting_id)), what="meeting card in the group")
    present = await call(world, "ListMeetingAttendees", org.tokens[starter], meeting_id=meeting_id, present_only=True)
    assert [a.participant_id for a in present.attendees] == [starter]
    await close_streams(streams)


def upgraded(call_id: str, starter: str, participants: list[str], enterprise_id: str,
             call_type: int = gpb.CALL_TYPE_VOICE):
    return new_envelope(subjects.GROUPS_CALL_UPGRADED, subject=call_id, correlation_id=call_id,
                        enterprise_id=enterprise_id, payload=group_events.CallUpgraded(
                            call_id=call_id, group_id=new_id("group"), type=call_type, participant_ids=participants,
                            enterprise_id=enterprise_id, starter_id=starter, topic="Ops"))


async def test_a_redelivered_upgrade_event_makes_no_second_meeting(world: System) -> None:
    org = await world.create_org(members=3)
    starter, *people = org.member_ids
    streams = await open_streams(world, org, people)
    tap = await EventTap(world.nats_url, subjects.MEETINGS_MEETING_STARTED).start()
    call_id = new_id("call")
    event = upgraded(call_id, starter, [starter, *people], org.enterprise_id)
    poison = upgraded("", starter, people, org.enterprise_id)
    await publish_events(world.nats_url, poison, event)
    await publish_events(world.nats_url, event, as_new_messages=True)  # the same event again
    await publish_events(world.nats_url, upgraded(call_id, starter, people, org.enterprise_id))  # another, same call

    def started_for_call() -> list[meeting_events.MeetingStarted]:
        found: list[meeting_events.MeetingStarted] = []
        for e in tap.of_type(subjects.MEETINGS_MEETING_STARTED):
            payload = e.payload(meeting_events.MeetingStarted)
            if payload.source_call_id == call_id:
                found.append(payload)
        return found

    await eventually(lambda: _true(started_for_call()), what="meeting.started for the call")
    for person in people:
        async def called(p: str = person) -> bool:
            return bool(streams[p].received)

        await eventually(called, what="the call into the meeting")
    await asyncio.sleep(1.0)  # time for the redeliveries to be handled
    (only,) = started_for_call()
    assert (only.meeting.state, only.meeting.type, list(only.meeting.participant_ids)) == (
        mpb.MEETING_STATE_STARTED, mpb.MEETING_TYPE_VOICE, sorted(people))
    conn = await asyncpg.connect(world.database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM meetings.meetings WHERE source_call_id = $1", call_id) == 1
    finally:
        await conn.close()
    for person in people:
        assert [n.kind for n in streams[person].received] == [INCOMING], "called once"
    await tap.close()
    await close_streams(streams)


async def _true(value: object) -> bool:
    return bool(value)
