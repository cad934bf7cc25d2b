"""Group calls (SPEC F-14, F-36): start a voice or video call with chosen participants, join,
leave; the 10th participant turns it into a meeting through `groups.v1.call.upgraded`, which the
meetings service consumes (played here by the test, answering `meetings.v1.meeting.started`)."""

from __future__ import annotations

import asyncio

import grpc

from convene.events.v1 import envelope_pb2
from convene.groups.v1 import events_pb2
from convene.groups.v1 import groups_pb2 as gpb
from convene.notifications.v1 import notifications_pb2 as npb
from services.runtime import subjects
from services.runtime.ids import new_id
from tests.groups_support import card_items, close_streams, groups, meeting_event, new_group, open_streams, publish, world
from tests.harness import EventTap, StreamRecorder, System, bearer, error_reason, eventually, refused, request_id

RING = npb.NOTIFICATION_KIND_INCOMING_CALL
STOPPED = npb.NOTIFICATION_KIND_RINGING_STOPPED


async def start_call(system: System, token: str, group_id: str, participants: list[str],
                     call_type: int = gpb.CALL_TYPE_VOICE) -> gpb.GroupCall:
    started = await groups(system).StartGroupCall(gpb.StartGroupCallRequest(
        request_id=request_id(), group_id=group_id, type=call_type, participant_ids=participants),
        metadata=bearer(token))
    return started.call


async def join(system: System, token: str, call_id: str) -> gpb.GroupCall:
    return (await groups(system).JoinGroupCall(gpb.JoinGroupCallRequest(call_id=call_id),
                                               metadata=bearer(token))).call


async def leave(system: System, token: str, call_id: str) -> gpb.GroupCall:
    return (await groups(system).LeaveGroupCall(gpb.LeaveGroupCallRequest(call_id=call_id),
                                                metadata=bearer(token))).call


def about(tap: EventTap, event_type: str, call_id: str) -> list[envelope_pb2.Envelope]:
    return [e.envelope for e in tap.of_type(event_type) if e.envelope.subject == call_id]


async def test_the_tenth_participant_makes_exactly_one_meeting(world: System) -> None:
    org = await world.create_org(members=11)
    starter, *others = org.member_ids
    group = await new_group(world, org, starter, [org.admin_id, *others])
    tap = await EventTap(world.nats_url, subjects.GROUPS_CALL_UPGRADED).start()
    call = await start_call(world, org.tokens[starter], group.id, others[:9], gpb.CALL_TYPE_VIDEO)
    assert {p.participant_id: p.state for p in call.participants}[starter] == gpb.PARTICIPANT_STATE_JOINED
    assert sum(p.state == gpb.PARTICIPANT_STATE_INVITED for p in call.participants) == 9

    for person in others[:8]:  # nine in the call: still a call
        assert (await join(world, org.tokens[person], call.id)).state == gpb.CALL_STATE_ACTIVE
    # The 10th and an 11th join at the same moment: one of them passes the limit, once.
    outcomes = await asyncio.gather(*(_join_or_refusal(world, org.tokens[p], call.id) for p in others[8:10]))
    assert sorted(o if isinstance(o, str) else gpb.CallState.Name(o.state) for o in outcomes) == [
        "CALL_BECOMING_MEETING", "CALL_STATE_UPGRADING"]
    await eventually(lambda: _true(about(tap, subjects.GROUPS_CALL_UPGRADED, call.id)), what="call.upgraded")
    await asyncio.sleep(0.5)  # a second upgrade would arrive in this window
    (upgraded,) = about(tap, subjects.GROUPS_CALL_UPGRADED, call.id)
    payload = events_pb2.CallUpgraded()
    upgraded.payload.Unpack(payload)
    assert (payload.call_id, payload.group_id, payload.type, payload.starter_id, payload.enterprise_id) == (
        call.id, group.id, gpb.CALL_TYPE_VIDEO, starter, org.enterprise_id)
    assert {starter, *others[:9]} <= set(payload.participant_ids)
    await tap.close()

    # Meetings makes the meeting and says so (delivered twice: a redelivery).
    streams = await open_streams(world, org, [org.admin_id, others[9]])
    meeting_id = new_id("meeting")
    started = meeting_event(subjects.MEETINGS_MEETING_STARTED, meeting_id, group_id=group.id, call_id=call.id,
                            organizer_id=starter)
    await publish(world, started)
    await publish(world, started, again=True)
    await eventually(lambda: _all(s.cards_for(meeting_id) for s in streams.values()), what="meeting card pushed")

    moved = (await groups(world).GetGroupCall(gpb.GetGroupCallRequest(call_id=call.id),
                                              metadata=bearer(org.tokens[starter]))).call
    assert (moved.state, moved.meeting_id) == (gpb.CALL_STATE_UPGRADED, meeting_id)
    cards = await card_items(world, org.tokens[org.admin_id], group.id)
    assert [(c.card.kind, c.card.subject_id, c.card.state) for c in cards] == [
        (gpb.CARD_KIND_MEETING, meeting_id, gpb.CARD_STATE_LIVE)]
    assert await refused(join(world, org.tokens[org.admin_id], call.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "CALL_MOVED_TO_MEETING")

    await publish(world, meeting_event(subjects.MEETINGS_MEETING_ENDED, meeting_id, group_id=group.id,
                                       organizer_id=starter))
    await eventually(lambda: _all(len(s.cards_for(meeting_id)) == 2 for s in streams.values()), what="card ended")
    assert [c.card.state for c in await card_items(world, org.tokens[starter], group.id)] == [gpb.CARD_STATE_ENDED]
    assert all(len(s.cards_for(meeting_id)) == 2 for s in streams.values()), "one card, one update each"
    await close_streams(streams)


async def test_join_leave_and_the_call_ends_when_everyone_left(world: System) -> None:
    org = await world.create_org(members=2)
    starter, friend = org.member_ids
    group = await new_group(world, org, starter, [friend, org.admin_id])
    tap = await EventTap(world.nats_url, subjects.GROUPS_CALL_STARTED, subjects.GROUPS_CALL_ENDED).start()
    call = await start_call(world, org.tokens[starter], group.id, [friend])
    assert await refused(start_call(world, org.tokens[friend], group.id, [])) == (
        grpc.StatusCode.FAILED_PRECONDITION, "CALL_IN_PROGRESS")

    joined = await join(world, org.tokens[org.admin_id], call.id)  # any member of the group may join
    assert {p.participant_id for p in joined.participants if p.state == gpb.PARTICIPANT_STATE_JOINED} == {
        starter, org.admin_id}
    assert (await leave(world, org.tokens[friend], call.id)).state == gpb.CALL_STATE_ACTIVE  # declined the ring
    assert (await leave(world, org.tokens[starter], call.id)).state == gpb.CALL_STATE_ACTIVE
    assert (await leave(world, org.tokens[org.admin_id], call.id)).state == gpb.CALL_STATE_ENDED
    assert await refused(join(world, org.tokens[friend], call.id)) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                                     "CALL_ENDED")
    assert await refused(leave(world, org.tokens[friend], call.id)) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                                      "NOT_IN_CALL")
    await eventually(lambda: _true(about(tap, subjects.GROUPS_CALL_ENDED, call.id)), what="call.ended")
    (started,) = about(tap, subjects.GROUPS_CALL_STARTED, call.id)
    payload = events_pb2.CallStarted()
    started.payload.Unpack(payload)
    assert list(payload.ring_ids) == [friend]
    await tap.close()
    # A new call can start once the last one ended.
    assert (await start_call(world, org.tokens[friend], group.id, [starter])).state == gpb.CALL_STATE_ACTIVE


async def test_answering_or_declining_on_one_device_stops_the_ringing_on_all(world: System) -> None:
    """F-14 with F-41: a rung participant's every device rings; answering on one stops the
    others, and so does declining; someone who joins unrung has nothing to stop."""
    org = await world.create_org(members=3)
    starter, answering, declining = org.member_ids
    group = await new_group(world, org, starter, [answering, declining, org.admin_id])
    phones = await open_streams(world, org, [answering, declining, org.admin_id])
    desktops = await open_streams(world, org, [answering, declining])
    call = await start_call(world, org.tokens[starter], group.id, [answering, declining])

    def kinds(stream: StreamRecorder) -> list[int]:
        return [n.kind for n in stream.received if n.thread_id == call.id]

    async def heard(people: list[str], wanted: list[int]) -> bool:
        return all(kinds(devices[p]) == wanted for devices in (phones, desktops) for p in people)

    await eventually(lambda: heard([answering, declining], [RING]), what="every device rings")
    await join(world, org.tokens[answering], call.id)
    await leave(world, org.tokens[declining], call.id)
    await join(world, org.tokens[org.admin_id], call.id)  # not rung: nothing to stop
    await eventually(lambda: heard([answering, declining], [RING, STOPPED]), what="every device stops ringing")
    titles = {p: phones[p].received[-1].title for p in (answering, declining)}
    assert titles == {answering: f"Call answered: {group.name}", declining: f"Call declined: {group.name}"}
    await asyncio.sleep(0.3)
    assert kinds(phones[org.admin_id]) == []
    await close_streams({**{f"phone-{p}": s for p, s in phones.items()},
                         **{f"desktop-{p}": s for p, s in desktops.items()}})


async def test_call_refusals_leave_nothing_behind(world: System) -> None:
    org = await world.create_org(members=2)
    starter, outsider = org.member_ids
    wechat_id, wechat_token = await world.create_wechat_user()
    group = await new_group(world, org, starter, [org.admin_id, wechat_id], kind=gpb.GROUP_KIND_EXTERNAL)

    assert await refused(start_call(world, wechat_token, group.id, [starter])) == (
        grpc.StatusCode.PERMISSION_DENIED, "WECHAT_USER_CANNOT_START_CALL")
    assert await refused(start_call(world, org.tokens[outsider], group.id, [])) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert await refused(start_call(world, org.tokens[starter], group.id, [outsider])) == (
        grpc.StatusCode.FAILED_PRECONDITION, "PARTICIPANT_NOT_IN_GROUP")
    assert await refused(start_call(world, org.tokens[starter], group.id, [], gpb.CALL_TYPE_UNSPECIFIED)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ENUM_VALUE")
    assert await refused(join(world, org.tokens[starter], new_id("call"))) == (
        grpc.StatusCode.NOT_FOUND, "CALL_NOT_FOUND")
    assert await refused(join(world, org.tokens[starter], "call_nope")) == (
        grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID")

    call = await start_call(world, org.tokens[starter], group.id, [wechat_id])  # no refused call stayed open
    assert await refused(join(world, org.tokens[outsider], call.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert (await join(world, wechat_token, call.id)).state == gpb.CALL_STATE_ACTIVE  # WeChat users may take part


async def _join_or_refusal(system: System, token: str, call_id: str) -> gpb.GroupCall | str:
    try:
        return await join(system, token, call_id)
    except grpc.aio.AioRpcError as error:
        return error_reason(error)


async def _all(values: object) -> bool:
    return all(values)


async def _true(value: object) -> bool:
    return bool(value)

