"""A meeting in progress (SPEC F-32..F-35): start early, meet now, incoming calls to every other
participant at the same moment, ringing for a bounded time then missed, answering or declining
stopping the ringing on all of that user's devices, join / leave / current participants, ended by
the organizer or by itself when everyone has left, and attendance records."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from convene.meetings.v1 import meetings_pb2 as mpb
from convene.notifications.v1 import notifications_pb2 as npb
from tests.harness import StreamRecorder, System, bearer, refused
from tests.meetings_support import (
    INCOMING,
    INVITATION,
    MISSED,
    STOPPED,
    about,
    arrives,
    call,
    close_streams,
    meet_now,
    meetings_world,
    open_streams,
    schedule,
)

RING_TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with meetings_world(postgres, tmp_path_factory.mktemp("meetings-calls"),
                              meeting_ring_timeout_s=RING_TIMEOUT_S) as system:
        yield system


async def attendees(system: System, token: str, meeting_id: str, **fields: object) -> dict[str, mpb.Attendee]:
    listed = await call(system, "ListMeetingAttendees", token, meeting_id=meeting_id, **fields)
    return {a.participant_id: a for a in listed.attendees}


async def test_starting_early_rings_everyone_else_at_once_and_answering_stops_every_device(world: System) -> None:
    org = await world.create_org(members=4)
    organizer, answers, declines, outsider = org.member_ids
    streams = await open_streams(world, org, [organizer, answers, declines])
    second_device = StreamRecorder(world, org.tokens[answers])
    await second_device.ready()
    meeting = await schedule(world, org.tokens[organizer], [answers, declines])  # an hour from now
    await arrives(streams[declines], meeting.id, INVITATION)
    assert await refused(call(world, "StartMeeting", org.tokens[answers], meeting_id=meeting.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "ORGANIZER_ONLY")
    assert await refused(call(world, "JoinMeeting", org.tokens[answers], meeting_id=meeting.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEETING_NOT_STARTED")

    started = (await call(world, "StartMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting  # early
    assert started.state == mpb.MEETING_STATE_STARTED and started.HasField("started_time")
    rings = [(await arrives(s, meeting.id, INCOMING))[0] for s in (streams[answers], second_device, streams[declines])]
    assert len({r.event_id for r in rings}) == 1, "one notice rings everyone at the same moment"
    assert rings[0].title == "Incoming video call: Weekly sync" and rings[0].thread_id == f"{meeting.id}/call/1"
    assert about(streams[organizer], meeting.id, INCOMING) == []

    joined = await call(world, "JoinMeeting", org.tokens[answers], meeting_id=meeting.id)
    assert list(joined.present_ids) == sorted([organizer, answers])
    for device in (streams[answers], second_device):
        (stopped,) = await arrives(device, meeting.id, STOPPED)
        assert (stopped.title, stopped.thread_id) == ("Call answered: Weekly sync", f"{meeting.id}/call/1")
    await call(world, "DeclineMeetingCall", org.tokens[declines], meeting_id=meeting.id)
    (stopped,) = await arrives(streams[declines], meeting.id, STOPPED)
    assert stopped.title == "Call declined: Weekly sync"
    assert await refused(call(world, "DeclineMeetingCall", org.tokens[declines], meeting_id=meeting.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_RINGING")
    assert await refused(call(world, "StartMeeting", org.tokens[organizer], meeting_id=meeting.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEETING_ALREADY_STARTED")
    assert await refused(call(world, "JoinMeeting", org.tokens[outsider], meeting_id=meeting.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTICIPANT")

    present = await attendees(world, org.tokens[declines], meeting.id, present_only=True)
    assert sorted(present) == sorted([organizer, answers])
    everyone = await attendees(world, org.tokens[organizer], meeting.id)
    assert {p: a.ring_state for p, a in everyone.items()} == {
        organizer: mpb.RING_STATE_UNSPECIFIED, answers: mpb.RING_STATE_ANSWERED, declines: mpb.RING_STATE_DECLINED}

    await asyncio.sleep(RING_TIMEOUT_S + 0.5)  # nobody is ringing any more: no missed calls
    assert all(about(s, meeting.id, MISSED) == [] for s in streams.values())
    assert await refused(call(world, "EndMeeting", org.tokens[answers], meeting_id=meeting.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "ORGANIZER_ONLY")
    ended = (await call(world, "EndMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert ended.state == mpb.MEETING_STATE_ENDED and ended.HasField("ended_time")
    assert await refused(call(world, "JoinMeeting", org.tokens[answers], meeting_id=meeting.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEETING_ENDED")
    after = await attendees(world, org.tokens[organizer], meeting.id)
    assert not any(a.present for a in after.values())
    assert after[answers].HasField("first_join_time") and after[answers].HasField("last_leave_time")
    await second_device.close()
    await close_streams(streams)


async def test_meet_now_rings_at_once_and_an_unanswered_call_becomes_missed(world: System) -> None:
    org = await world.create_org(members=3)
    organizer, answers, silent = org.member_ids
    wechat_id, wechat_token = await world.create_wechat_user()
    streams = await open_streams(world, org, [answers, silent])
    streams[wechat_id] = StreamRecorder(world, wechat_token)
    await streams[wechat_id].ready()
    assert await refused(meet_now(world, org.tokens[organizer], [answers, wechat_id])) == (
        grpc.StatusCode.INVALID_ARGUMENT, "WECHAT_USER_IN_INTERNAL_MEETING")

    meeting = await meet_now(world, org.tokens[organizer], [answers, silent, wechat_id], external=True)
    assert (meeting.state, meeting.topic, meeting.type) == (
        mpb.MEETING_STATE_STARTED, "Quick meeting", mpb.MEETING_TYPE_VOICE)
    for person in (answers, silent, wechat_id):
        (ring,) = await arrives(streams[person], meeting.id, INCOMING)
        assert ring.title == "Incoming voice call: Quick meeting"
    await call(world, "JoinMeeting", org.tokens[answers], meeting_id=meeting.id)
    await call(world, "JoinMeeting", wechat_token, meeting_id=meeting.id)  # WeChat users take part too

    (missed,) = await arrives(streams[silent], meeting.id, MISSED, timeout=RING_TIMEOUT_S + 10)
    assert (missed.title, missed.thread_id) == ("Missed voice call: Quick meeting", f"{meeting.id}/call/1")
    inbox = await world.stub("notifications").ListNotifications(npb.ListNotificationsRequest(),
                                                                 metadata=bearer(org.tokens[silent]))
    (entry,) = [n for n in inbox.notifications if n.thread_id == missed.thread_id]
    assert (entry.kind, entry.read) == (MISSED, False), "the call is a missed call in the inbox"
    await asyncio.sleep(0.3)
    assert about(streams[answers], meeting.id, MISSED) == [] and about(streams[wechat_id], meeting.id, MISSED) == []
    states = await attendees(world, org.tokens[organizer], meeting.id)
    assert states[silent].ring_state == mpb.RING_STATE_MISSED
    assert (await call(world, "GetMeeting", org.tokens[silent], meeting_id=meeting.id)).meeting.state == (
        mpb.MEETING_STATE_STARTED), "the others are still in it"
    await close_streams(streams)


async def test_the_meeting_ends_by_itself_when_everyone_left_and_calls_still_ringing_are_missed(world: System) -> None:
    org = await world.create_org(members=3)
    organizer, stays, ringing = org.member_ids
    streams = await open_streams(world, org, [ringing])
    meeting = await meet_now(world, org.tokens[organizer], [stays, ringing], topic="Stand-up")
    await call(world, "JoinMeeting", org.tokens[stays], meeting_id=meeting.id)
    left = (await call(world, "LeaveMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert left.state == mpb.MEETING_STATE_STARTED, "someone is still in it"
    assert await refused(call(world, "LeaveMeeting", org.tokens[organizer], meeting_id=meeting.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_IN_MEETING")
    last = (await call(world, "LeaveMeeting", org.tokens[stays], meeting_id=meeting.id)).meeting
    assert last.state == mpb.MEETING_STATE_ENDED
    (missed,) = await arrives(streams[ringing], meeting.id, MISSED, timeout=RING_TIMEOUT_S / 2)
    assert missed.title == "Missed voice call: Stand-up"
    assert await refused(call(world, "JoinMeeting", org.tokens[ringing], meeting_id=meeting.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEETING_ENDED")
    await close_streams(streams)


async def test_attendance_first_join_last_leave_and_total_time(world: System) -> None:
    org = await world.create_org(members=2)
    organizer, guest = org.member_ids
    meeting = await meet_now(world, org.tokens[organizer], [guest])
    before = dt.datetime.now(dt.UTC)
    await call(world, "JoinMeeting", org.tokens[guest], meeting_id=meeting.id)
    await asyncio.sleep(0.6)
    await call(world, "LeaveMeeting", org.tokens[guest], meeting_id=meeting.id)
    await asyncio.sleep(0.5)  # away: not counted
    await call(world, "JoinMeeting", org.tokens[guest], meeting_id=meeting.id)
    await asyncio.sleep(0.6)
    await call(world, "LeaveMeeting", org.tokens[guest], meeting_id=meeting.id)
    after = dt.datetime.now(dt.UTC)
    record = (await attendees(world, org.tokens[organizer], meeting.id))[guest]
    first = record.first_join_time.ToDatetime(tzinfo=dt.UTC)
    last = record.last_leave_time.ToDatetime(tzinfo=dt.UTC)
    assert before <= first < last <= after
    assert (last - first).total_seconds() >= 1.6, "first join to last leave spans the time away"
    span = (last - first).total_seconds()
    assert 1 <= record.total_seconds <= span - 0.5, "the two stays (1.2 s and more), not the time away"
    session = (await call(world, "ListMeetingAttendees", org.tokens[guest], meeting_id=meeting.id)).session
    assert (session.number, session.present_count) == (1, 1)


async def test_a_series_runs_occurrence_by_occurrence(world: System) -> None:
    org = await world.create_org(members=1)
    organizer, guest = org.admin_id, org.member_ids[0]
    meeting = await schedule(world, org.tokens[organizer], [guest],
                             recurrence=mpb.Recurrence(frequency=mpb.RECURRENCE_FREQUENCY_DAILY, count=2))
    first, second = meeting.current_occurrence.original_start_time, None
    ran = (await call(world, "StartMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert ran.current_occurrence.original_start_time == first
    between = (await call(world, "EndMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert between.state == mpb.MEETING_STATE_SCHEDULED, "the series goes on"
    second = between.current_occurrence.original_start_time
    assert second.ToSeconds() - first.ToSeconds() == 24 * 3600
    again = (await call(world, "StartMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert again.current_occurrence.original_start_time == second
    done = (await call(world, "EndMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert done.state == mpb.MEETING_STATE_ENDED and not done.HasField("current_occurrence")
    runs = [(await call(world, "ListMeetingAttendees", org.tokens[guest], meeting_id=meeting.id,
                        session_number=n)).session for n in (1, 2)]
    assert [r.occurrence_start_time for r in runs] == [first, second]
    assert await refused(call(world, "ListMeetingAttendees", org.tokens[guest], meeting_id=meeting.id,
                              session_number=3)) == (grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND")


async def test_people_added_during_the_meeting_are_called_in(world: System) -> None:
    org = await world.create_org(members=3)
    organizer, first, added = org.member_ids
    streams = await open_streams(world, org, [added])
    meeting = await meet_now(world, org.tokens[organizer], [first])
    mask = field_mask_pb2.FieldMask(paths=["participant_ids"])
    await call(world, "UpdateMeeting", org.tokens[organizer],
               meeting=mpb.Meeting(id=meeting.id, participant_ids=[first, added]), update_mask=mask)
    await arrives(streams[added], meeting.id, INVITATION)
    (ring,) = await arrives(streams[added], meeting.id, INCOMING)
    assert ring.thread_id == f"{meeting.id}/call/1"
    assert await refused(call(world, "UpdateMeeting", org.tokens[organizer],
                              meeting=mpb.Meeting(id=meeting.id, participant_ids=[added]), update_mask=mask)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEETING_IN_PROGRESS")
    await close_streams(streams)


async def test_a_call_still_times_out_when_the_service_restarted_while_it_rang(world: System) -> None:
    org = await world.create_org(members=1)
    organizer, callee = org.admin_id, org.member_ids[0]
    streams = await open_streams(world, org, [callee])
    meeting = await meet_now(world, org.tokens[organizer], [callee])
    await arrives(streams[callee], meeting.id, INCOMING)
    (replica,) = world.hosts["meetings"]
    await world.stop_replica(replica)
    await asyncio.sleep(RING_TIMEOUT_S + 0.5)
    await world.add_replica("meetings")
    (missed,) = await arrives(streams[callee], meeting.id, MISSED)
    assert missed.thread_id == f"{meeting.id}/call/1"
    await close_streams(streams)
