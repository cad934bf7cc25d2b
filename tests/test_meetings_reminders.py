"""Reminders (SPEC F-33, F-43): at each occurrence's start the organizer (and, if the meeting
says so, every invitee who has not declined) is reminded, by a durable timer that survives a
restart of the meetings service; a moved meeting reminds at its new time only, a cancelled one
never, one started early not at all, and a series arms its next occurrence."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
from google.protobuf import field_mask_pb2

from convene.meetings.v1 import meetings_pb2 as mpb
from services.runtime.events import timestamp
from tests.harness import System
from tests.meetings_support import (
    INCOMING,
    INVITATION,
    REMINDER,
    about,
    arrives,
    call,
    close_streams,
    in_seconds,
    meetings_world,
    open_streams,
    schedule,
)


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with meetings_world(postgres, tmp_path_factory.mktemp("meetings-reminders")) as system:
        yield system


def created(notification: object) -> dt.datetime:
    return notification.create_time.ToDatetime(tzinfo=dt.UTC)  # type: ignore[attr-defined]


async def test_a_reminder_fires_at_its_time_although_the_service_restarted_during_the_wait(world: System) -> None:
    org = await world.create_org(members=1)
    organizer = org.member_ids[0]
    streams = await open_streams(world, org, [organizer])
    start = in_seconds(2.5)
    meeting = await schedule(world, org.tokens[organizer], [org.admin_id], start=start)

    (replica,) = world.hosts["meetings"]
    await world.stop_replica(replica)  # the process dies while the reminder waits
    await asyncio.sleep(max(0.0, (start - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    assert about(streams[organizer], meeting.id, REMINDER) == []
    await world.add_replica("meetings")

    (reminder,) = await arrives(streams[organizer], meeting.id, REMINDER)
    assert (reminder.title, reminder.thread_id) == ("Starting now: Weekly sync", f"{meeting.id}/reminders")
    assert reminder.body.endswith("Start the meeting now.")
    assert created(reminder) >= start
    await asyncio.sleep(0.5)
    assert len(about(streams[organizer], meeting.id, REMINDER)) == 1, "reminded once"
    await close_streams(streams)


async def test_a_moved_meeting_reminds_at_the_new_time_and_not_at_the_old_one(world: System) -> None:
    org = await world.create_org(members=1)
    organizer = org.member_ids[0]
    streams = await open_streams(world, org, [organizer])
    old_start = in_seconds(1.5)
    meeting = await schedule(world, org.tokens[organizer], [org.admin_id], start=old_start)
    new_start = in_seconds(3.5)
    await call(world, "UpdateMeeting", org.tokens[organizer],
               meeting=mpb.Meeting(id=meeting.id, start_time=timestamp(new_start)),
               update_mask=field_mask_pb2.FieldMask(paths=["start_time"]))

    (reminder,) = await arrives(streams[organizer], meeting.id, REMINDER)
    assert created(reminder) >= new_start, "nothing at the old time"
    await asyncio.sleep(0.5)
    assert len(about(streams[organizer], meeting.id, REMINDER)) == 1
    await close_streams(streams)


async def test_a_cancelled_meeting_never_reminds_nor_rings(world: System) -> None:
    org = await world.create_org(members=2)
    organizer, invitee = org.member_ids
    streams = await open_streams(world, org, [organizer, invitee])
    start = in_seconds(1.5)
    meeting = await schedule(world, org.tokens[organizer], [invitee], start=start,
                             reminder_audience=mpb.REMINDER_AUDIENCE_ALL_BUT_DECLINED)
    await arrives(streams[invitee], meeting.id, INVITATION)
    await call(world, "CancelMeeting", org.tokens[organizer], meeting_id=meeting.id)
    await asyncio.sleep((start - dt.datetime.now(dt.UTC)).total_seconds() + 1.0)
    for person in (organizer, invitee):
        assert about(streams[person], meeting.id, REMINDER, INCOMING) == []
    await close_streams(streams)


async def test_everyone_but_those_who_declined_and_a_series_arms_its_next_occurrence(world: System) -> None:
    org = await world.create_org(members=3)
    organizer, accepted, declined, silent = org.admin_id, *org.member_ids
    streams = await open_streams(world, org, [organizer, accepted, declined, silent])
    start = in_seconds(2).replace(microsecond=0) + dt.timedelta(seconds=1)
    meeting = await schedule(world, org.tokens[organizer], [accepted, declined, silent], start=start,
                             reminder_audience=mpb.REMINDER_AUDIENCE_ALL_BUT_DECLINED,
                             recurrence=mpb.Recurrence(frequency=mpb.RECURRENCE_FREQUENCY_DAILY, count=2))
    await call(world, "ReplyToMeeting", org.tokens[accepted], meeting_id=meeting.id, status=mpb.REPLY_STATUS_ACCEPTED)
    await call(world, "ReplyToMeeting", org.tokens[declined], meeting_id=meeting.id, status=mpb.REPLY_STATUS_DECLINED)

    for person in (organizer, accepted, silent):
        (reminder,) = await arrives(streams[person], meeting.id, REMINDER)
        assert reminder.title == "Starting now: Weekly sync"
    assert about(streams[organizer], meeting.id, REMINDER)[0].body.endswith("Start the meeting now.")
    assert not about(streams[accepted], meeting.id, REMINDER)[0].body.endswith("Start the meeting now.")
    await asyncio.sleep(0.5)
    assert about(streams[declined], meeting.id, REMINDER) == []

    # The next occurrence (tomorrow, same time) is armed as a durable timer row.
    conn = await asyncpg.connect(world.database_url)
    try:
        due = await conn.fetch("SELECT due_at FROM meetings.timers WHERE key LIKE $1", f"remind:{meeting.id}:%")
    finally:
        await conn.close()
    assert [r["due_at"] for r in due] == [start + dt.timedelta(days=1)]
    await close_streams(streams)


async def test_a_meeting_started_early_is_not_reminded(world: System) -> None:
    org = await world.create_org(members=1)
    organizer = org.admin_id
    streams = await open_streams(world, org, [organizer])
    start = in_seconds(1.5)
    meeting = await schedule(world, org.tokens[organizer], org.member_ids, start=start)
    started = (await call(world, "StartMeeting", org.tokens[organizer], meeting_id=meeting.id)).meeting
    assert started.state == mpb.MEETING_STATE_STARTED
    await asyncio.sleep((start - dt.datetime.now(dt.UTC)).total_seconds() + 1.0)
    assert about(streams[organizer], meeting.id, REMINDER) == []
    await close_streams(streams)
