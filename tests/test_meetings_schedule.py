"""Scheduling, replies and managing a meeting (SPEC F-30, F-31): invitations to every invitee,
accept / tentative / decline (changeable) with the organizer told and listing them, changes told
exactly to every invitee, and only the organizer (or an enterprise admin) managing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from convene.meetings.v1 import meetings_pb2 as mpb
from services.runtime.events import timestamp
from services.runtime.ids import new_id
from tests.harness import StreamRecorder, System, bearer, refused, request_id
from tests.meetings_support import (
    CANCELLED,
    INVITATION,
    REPLY,
    UPDATED,
    about,
    arrives,
    call,
    close_streams,
    everyone_gets,
    get,
    in_seconds,
    meetings,
    meetings_world,
    open_streams,
    schedule,
)


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with meetings_world(postgres, tmp_path_factory.mktemp("meetings-schedule")) as system:
        yield system


async def update(system: System, token: str, meeting_id: str, paths: list[str], **fields: object) -> mpb.Meeting:
    request = mpb.UpdateMeetingRequest(meeting=mpb.Meeting(id=meeting_id, **fields),
                                       update_mask=field_mask_pb2.FieldMask(paths=paths))
    return (await meetings(system).UpdateMeeting(request, metadata=bearer(token))).meeting


async def reply(system: System, token: str, meeting_id: str, status: int) -> mpb.Reply:
    return (await call(system, "ReplyToMeeting", token, meeting_id=meeting_id, status=status)).reply


async def test_invitations_reach_every_invitee_and_the_organizer_follows_the_replies(world: System) -> None:
    org = await world.create_org(members=3)
    organizer, first, second = org.member_ids
    wechat_id, wechat_token = await world.create_wechat_user()
    streams = await open_streams(world, org, [organizer, first, second])
    streams[wechat_id] = StreamRecorder(world, wechat_token)
    await streams[wechat_id].ready()

    meeting = await schedule(world, org.tokens[organizer], [first, second, wechat_id, organizer, first],
                             external=True, notes="Agenda: numbers", time_zone="Asia/Shanghai")
    assert list(meeting.participant_ids) == sorted([first, second, wechat_id]), "organizer and repeats left out"
    assert (meeting.state, meeting.version, meeting.time_zone, meeting.external) == (
        mpb.MEETING_STATE_SCHEDULED, 1, "Asia/Shanghai", True)
    await everyone_gets(streams, [first, second, wechat_id], meeting.id, INVITATION)
    (invitation,) = about(streams[first], meeting.id, INVITATION)
    assert invitation.title == "Meeting invitation: Weekly sync"
    assert "(Asia/Shanghai)" in invitation.body and "Agenda: numbers" in invitation.body
    assert invitation.thread_id == meeting.id

    assert (await reply(world, org.tokens[first], meeting.id, mpb.REPLY_STATUS_ACCEPTED)).status == (
        mpb.REPLY_STATUS_ACCEPTED)
    await reply(world, org.tokens[second], meeting.id, mpb.REPLY_STATUS_TENTATIVE)
    await reply(world, wechat_token, meeting.id, mpb.REPLY_STATUS_DECLINED)
    changed = await reply(world, org.tokens[second], meeting.id, mpb.REPLY_STATUS_DECLINED)  # changed their mind
    assert changed.status == mpb.REPLY_STATUS_DECLINED and changed.HasField("reply_time")
    told = await arrives(streams[organizer], meeting.id, REPLY, 4)
    assert [n.title for n in told] == [
        f"{first} accepted: Weekly sync", f"{second} tentatively accepted: Weekly sync",
        f"{wechat_id} declined: Weekly sync", f"{second} declined: Weekly sync"]
    await reply(world, org.tokens[first], meeting.id, mpb.REPLY_STATUS_ACCEPTED)  # the same again: not news

    listed = await call(world, "ListMeetingReplies", org.tokens[organizer], meeting_id=meeting.id, page_size=2)
    rest = await call(world, "ListMeetingReplies", org.tokens[organizer], meeting_id=meeting.id,
                      page_token=listed.next_page_token)
    statuses = {r.participant_id: r.status for r in [*listed.replies, *rest.replies]}
    assert statuses == {first: mpb.REPLY_STATUS_ACCEPTED, second: mpb.REPLY_STATUS_DECLINED,
                        wechat_id: mpb.REPLY_STATUS_DECLINED}
    assert (listed.accepted_count, listed.tentative_count, listed.declined_count, listed.no_reply_count) == (1, 0, 2, 0)
    assert not rest.next_page_token
    # An admin of the enterprise may look too; an invitee may not.
    assert len((await call(world, "ListMeetingReplies", org.tokens[org.admin_id], meeting_id=meeting.id)).replies) == 3
    assert await refused(call(world, "ListMeetingReplies", org.tokens[first], meeting_id=meeting.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "ORGANIZER_ONLY")
    assert await refused(reply(world, org.tokens[organizer], meeting.id, mpb.REPLY_STATUS_ACCEPTED)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "ORGANIZER_DOES_NOT_REPLY")
    assert await refused(reply(world, org.tokens[org.admin_id], meeting.id, mpb.REPLY_STATUS_ACCEPTED)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTICIPANT")
    await asyncio.sleep(0.3)
    assert len(about(streams[organizer], meeting.id, REPLY)) == 4, "an unchanged reply tells nobody"
    await close_streams(streams)


async def test_every_invitee_is_told_exactly_what_changed(world: System) -> None:
    org = await world.create_org(members=4)
    organizer, stays, removed, added = org.member_ids
    streams = await open_streams(world, org, org.member_ids)
    meeting = await schedule(world, org.tokens[organizer], [stays, removed], time_zone="Europe/Berlin",
                             start=in_seconds(7 * 24 * 3600))
    await everyone_gets(streams, [stays, removed], meeting.id, INVITATION)

    new_start = in_seconds(8 * 24 * 3600).replace(microsecond=0)
    changed = await update(world, org.tokens[organizer], meeting.id,
                           ["topic", "start_time", "participant_ids", "notes", "duration_minutes"],
                           topic="Roadmap review", start_time=timestamp(new_start), participant_ids=[stays, added],
                           notes="Bring the numbers", duration_minutes=45)
    assert (changed.topic, changed.start_time.ToSeconds(), list(changed.participant_ids), changed.notes,
            changed.duration_minutes, changed.version) == (
        "Roadmap review", int(new_start.timestamp()), sorted([stays, added]), "Bring the numbers", 45, 2)
    (told,) = await arrives(streams[stays], meeting.id, UPDATED)
    lines = told.body.split("\n")
    assert lines[0] == "Topic: “Weekly sync” → “Roadmap review”"
    assert lines[1].startswith("Time: ") and "(Europe/Berlin) → " in lines[1]
    assert lines[2:] == ["Duration: 30 min → 45 min", "Notes: Bring the numbers",
                         f"Participants: added {added}; removed {removed}"]
    assert told.thread_version == 2, "ordered after the invitation in the meeting's thread"
    (invited,) = await arrives(streams[added], meeting.id, INVITATION)
    assert invited.title == "Meeting invitation: Roadmap review"
    (gone,) = await arrives(streams[removed], meeting.id, CANCELLED)
    assert gone.body == "You were removed from this meeting."
    assert about(streams[added], meeting.id, UPDATED) == [] and about(streams[organizer], meeting.id) == []

    # One change, one line; the same values again change nothing.
    await update(world, org.tokens[organizer], meeting.id, ["notes"], notes="Bring the slides")
    both = await arrives(streams[stays], meeting.id, UPDATED, 2)
    assert both[1].body == "Notes: Bring the slides"
    same = await update(world, org.tokens[organizer], meeting.id, ["topic"], topic="Roadmap review")
    assert same.version == 3
    await asyncio.sleep(0.3)
    assert len(about(streams[stays], meeting.id, UPDATED)) == 2
    await close_streams(streams)


async def test_only_the_organizer_or_an_admin_manages(world: System) -> None:
    org = await world.create_org(members=3)
    organizer, invitee, other = org.member_ids
    streams = await open_streams(world, org, [organizer, invitee])
    meeting = await schedule(world, org.tokens[organizer], [invitee])
    await arrives(streams[invitee], meeting.id, INVITATION)

    for token in (org.tokens[invitee], org.tokens[other]):
        assert await refused(update(world, token, meeting.id, ["topic"], topic="Hijacked")) == (
            grpc.StatusCode.PERMISSION_DENIED, "ORGANIZER_ONLY")
        assert await refused(call(world, "CancelMeeting", token, meeting_id=meeting.id)) == (
            grpc.StatusCode.PERMISSION_DENIED, "ORGANIZER_ONLY")
    unchanged = await get(world, org.tokens[organizer], meeting.id)
    assert (unchanged.topic, unchanged.version, unchanged.state) == ("Weekly sync", 1, mpb.MEETING_STATE_SCHEDULED)
    assert await refused(get(world, org.tokens[other], meeting.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTICIPANT")

    # An admin of the enterprise may; the organizer is told, as every invitee.
    by_admin = await update(world, org.tokens[org.admin_id], meeting.id, ["topic"], topic="Renamed by admin")
    assert by_admin.version == 2
    for person in (organizer, invitee):
        (told,) = await arrives(streams[person], meeting.id, UPDATED)
        assert told.body == "Topic: “Weekly sync” → “Renamed by admin”"
    await asyncio.sleep(0.3)
    assert len(about(streams[invitee], meeting.id, UPDATED)) == 1, "the refused changes told nobody"
    await close_streams(streams)


async def test_a_cancelled_meeting_is_told_and_then_closed(world: System) -> None:
    org = await world.create_org(members=2)
    organizer, invitee = org.member_ids
    streams = await open_streams(world, org, [invitee])
    meeting = await schedule(world, org.tokens[organizer], [invitee])
    cancelled = (await call(world, "CancelMeeting", org.tokens[organizer], meeting_id=meeting.id,
                            reason="Moved to the offsite")).meeting
    assert cancelled.state == mpb.MEETING_STATE_CANCELLED and not cancelled.HasField("current_occurrence")
    (told,) = await arrives(streams[invitee], meeting.id, CANCELLED)
    assert (told.title, told.body) == ("Meeting cancelled: Weekly sync", "Moved to the offsite")
    for attempt in (update(world, org.tokens[organizer], meeting.id, ["topic"], topic="Back"),
                    call(world, "CancelMeeting", org.tokens[organizer], meeting_id=meeting.id),
                    reply(world, org.tokens[invitee], meeting.id, mpb.REPLY_STATUS_ACCEPTED),
                    call(world, "StartMeeting", org.tokens[organizer], meeting_id=meeting.id)):
        assert await refused(attempt) == (grpc.StatusCode.FAILED_PRECONDITION, "MEETING_CANCELLED")
    await close_streams(streams)


async def test_who_may_be_invited_and_listing_ones_meetings(world: System) -> None:
    org = await world.create_org(members=2)
    other_org = await world.create_org(members=1)
    organizer, invitee = org.member_ids
    wechat_id, wechat_token = await world.create_wechat_user()
    token = org.tokens[organizer]

    assert await refused(schedule(world, token, [wechat_id])) == (
        grpc.StatusCode.INVALID_ARGUMENT, "WECHAT_USER_IN_INTERNAL_MEETING")
    assert await refused(schedule(world, token, [other_org.member_ids[0]], external=True)) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")
    assert await refused(schedule(world, token, [new_id("member")])) == (grpc.StatusCode.NOT_FOUND,
                                                                        "PRINCIPAL_NOT_FOUND")
    assert await refused(schedule(world, wechat_token, [organizer])) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                        "MEMBERS_ONLY")
    assert await refused(schedule(world, token, [invitee], start=in_seconds(-3600))) == (
        grpc.StatusCode.INVALID_ARGUMENT, "START_TIME_IN_PAST")

    request = mpb.ScheduleMeetingRequest(request_id=request_id(), topic="Once", type=mpb.MEETING_TYPE_VOICE,
                                         start_time=timestamp(in_seconds(600)), duration_minutes=15,
                                         participant_ids=[invitee])
    first = await meetings(world).ScheduleMeeting(request, metadata=bearer(token))
    again = await meetings(world).ScheduleMeeting(request, metadata=bearer(token))
    assert again.meeting.id == first.meeting.id, "a repeated request_id schedules one meeting"
    second = await schedule(world, token, [invitee], topic="Twice")
    await call(world, "CancelMeeting", token, meeting_id=second.id)

    mine = await call(world, "ListMyMeetings", org.tokens[invitee])
    assert [m.id for m in mine.meetings] == [first.meeting.id], "cancelled ones only on request"
    everything = await call(world, "ListMyMeetings", token, include_finished=True, page_size=1)
    rest = await call(world, "ListMyMeetings", token, include_finished=True, page_token=everything.next_page_token)
    assert [m.id for m in [*everything.meetings, *rest.meetings]] == [second.id, first.meeting.id]
    assert (await call(world, "ListMyMeetings", org.tokens[org.admin_id])).meetings == []
