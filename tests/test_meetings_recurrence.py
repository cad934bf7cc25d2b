"""Recurring meetings (SPEC F-30): daily / weekly / monthly, until a date or a count, at the same
local wall-clock time in the meeting's time zone across daylight-saving changes; single
occurrences edited or cancelled on their own."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf import field_mask_pb2

from convene.meetings.v1 import meetings_pb2 as mpb
from services.meetings.recurrence import Series
from services.runtime.events import timestamp
from tests.harness import System, refused
from tests.meetings_support import (
    INVITATION,
    UPDATED,
    about,
    arrives,
    call,
    close_streams,
    in_seconds,
    meetings_world,
    now,
    open_streams,
    schedule,
)

WEEKLY = mpb.RECURRENCE_FREQUENCY_WEEKLY
BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with meetings_world(postgres, tmp_path_factory.mktemp("meetings-recurrence")) as system:
        yield system


def next_dst_change(zone_name: str) -> dt.date:
    """The first local date, a week ahead or later, whose noon has another UTC offset than the day before."""
    tz = ZoneInfo(zone_name)

    def offset(day: dt.date) -> dt.timedelta | None:
        return dt.datetime.combine(day, dt.time(12), tz).utcoffset()

    day = now().astimezone(tz).date() + dt.timedelta(days=8)
    while offset(day) == offset(day - dt.timedelta(days=1)):
        day += dt.timedelta(days=1)
    return day


def wall_clock(ts: object, zone_name: str) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC).astimezone(ZoneInfo(zone_name))  # type: ignore[attr-defined]


# ------------------------------------------------------------------------ the rule itself


def test_a_weekly_series_keeps_its_wall_clock_time_across_dst() -> None:
    for zone_name in (BERLIN, "America/New_York", "Australia/Sydney"):
        change = next_dst_change(zone_name)
        series = Series(dt.datetime.combine(change - dt.timedelta(days=7), dt.time(9)), zone_name, 30, WEEKLY, count=3)
        starts = list(series.original_starts())
        local = [s.astimezone(ZoneInfo(zone_name)) for s in starts]
        assert [t.time() for t in local] == [dt.time(9)] * 3, zone_name
        assert [t.date() for t in local] == [change - dt.timedelta(days=7), change, change + dt.timedelta(days=7)]
        assert starts[1] - starts[0] != dt.timedelta(days=7), "the UTC gap is a week plus or minus the DST hour"


def test_daily_monthly_until_count_and_a_time_the_clock_skips() -> None:
    daily = Series(dt.datetime(2030, 1, 30, 8, 0), "Asia/Shanghai", 15, mpb.RECURRENCE_FREQUENCY_DAILY, interval=2,
                   until=dt.date(2030, 2, 5))
    assert [s.astimezone(ZoneInfo("Asia/Shanghai")).day for s in daily.original_starts()] == [30, 1, 3, 5]
    monthly = Series(dt.datetime(2030, 1, 31, 10, 0), "UTC", 60, mpb.RECURRENCE_FREQUENCY_MONTHLY, count=4)
    assert [s.month for s in monthly.original_starts()] == [1, 3, 5, 7], "months without a 31st are skipped"
    assert monthly.has_occurrence(dt.datetime(2030, 5, 31, 10, tzinfo=dt.UTC))
    assert not monthly.has_occurrence(dt.datetime(2030, 4, 30, 10, tzinfo=dt.UTC))
    # 02:30 does not exist in Berlin on the spring-forward day: it is taken as 03:30 (RFC 5545).
    gap = Series(dt.datetime(2030, 3, 31, 2, 30), BERLIN, 30)
    (start,) = gap.original_starts()
    assert start.astimezone(ZoneInfo(BERLIN)).time() == dt.time(3, 30)


# ------------------------------------------------------------------------- over the API


async def occurrences(system: System, token: str, meeting_id: str, **fields: object) -> list[mpb.Occurrence]:
    found, page_token = [], ""
    while True:
        page = await call(system, "ListOccurrences", token, meeting_id=meeting_id, page_token=page_token, **fields)
        found += page.occurrences
        page_token = page.next_page_token
        if not page_token:
            return found


async def test_a_weekly_meeting_across_a_dst_change_keeps_its_local_time(world: System) -> None:
    org = await world.create_org(members=1)
    organizer, invitee = org.admin_id, org.member_ids[0]
    change = next_dst_change(BERLIN)
    first = dt.datetime.combine(change - dt.timedelta(days=7), dt.time(9), ZoneInfo(BERLIN))
    meeting = await schedule(world, org.tokens[organizer], [invitee], start=first, time_zone=BERLIN,
                             recurrence=mpb.Recurrence(frequency=WEEKLY, count=4))
    assert meeting.recurrence.count == 4 and meeting.current_occurrence.start_time == timestamp(first)

    listed = await occurrences(world, org.tokens[invitee], meeting.id, page_size=3)
    assert len(listed) == 4
    local = [wall_clock(o.start_time, BERLIN) for o in listed]
    assert [t.strftime("%a %H:%M") for t in local] == [first.strftime("%a 09:00")] * 4
    assert [t.date() for t in local] == [first.date() + dt.timedelta(weeks=i) for i in range(4)]
    utc_hours = [o.start_time.ToDatetime().hour for o in listed]
    assert utc_hours[0] != utc_hours[1] and utc_hours[1:] == [utc_hours[1]] * 3, "the UTC hour moved with DST"


async def test_one_occurrence_moved_and_another_cancelled(world: System) -> None:
    org = await world.create_org(members=2)
    organizer, invitee, other = org.admin_id, *org.member_ids
    streams = await open_streams(world, org, [invitee])
    start = (now() + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    meeting = await schedule(world, org.tokens[organizer], [invitee], start=start, time_zone="Asia/Shanghai",
                             recurrence=mpb.Recurrence(frequency=mpb.RECURRENCE_FREQUENCY_DAILY,
                                                       until_date=(start + dt.timedelta(days=3)).astimezone(
                                                           ZoneInfo("Asia/Shanghai")).date().isoformat()))
    await arrives(streams[invitee], meeting.id, INVITATION)
    series = await occurrences(world, org.tokens[organizer], meeting.id)
    assert len(series) == 4
    second, third = series[1], series[2]

    moved_to = second.start_time.ToDatetime(tzinfo=dt.UTC) + dt.timedelta(hours=2)
    moved = await call(world, "UpdateOccurrence", org.tokens[organizer], meeting_id=meeting.id,
                       occurrence=mpb.Occurrence(original_start_time=second.original_start_time,
                                                 start_time=timestamp(moved_to), topic="Longer one",
                                                 duration_minutes=90),
                       update_mask=field_mask_pb2.FieldMask(paths=["start_time", "topic", "duration_minutes"]))
    assert (moved.occurrence.start_time, moved.occurrence.topic, moved.occurrence.modified) == (
        timestamp(moved_to), "Longer one", True)
    dropped = await call(world, "CancelOccurrence", org.tokens[organizer], meeting_id=meeting.id,
                         original_start_time=third.original_start_time)
    assert dropped.occurrence.cancelled and dropped.meeting.version == 3

    told = await arrives(streams[invitee], meeting.id, UPDATED, 2)
    assert told[0].body.startswith("The occurrence of ") and "\nTime: " in told[0].body
    assert told[0].body.endswith("\nDuration: 30 min → 90 min\nTopic: “Weekly sync” → “Longer one”")
    assert told[1].body.endswith(":\nThis occurrence is cancelled; the series goes on.")
    after = await occurrences(world, org.tokens[invitee], meeting.id)
    assert [(o.modified, o.cancelled) for o in after] == [(False, False), (True, False), (True, True), (False, False)]
    assert after[1].start_time == timestamp(moved_to) and after[0] == series[0] and after[3] == series[3]

    original = second.original_start_time
    assert await refused(call(world, "CancelOccurrence", org.tokens[other], meeting_id=meeting.id,
                              original_start_time=original)) == (grpc.StatusCode.PERMISSION_DENIED, "ORGANIZER_ONLY")
    assert await refused(call(world, "CancelOccurrence", org.tokens[organizer], meeting_id=meeting.id,
                              original_start_time=third.original_start_time)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "OCCURRENCE_CANCELLED")
    assert await refused(call(world, "CancelOccurrence", org.tokens[organizer], meeting_id=meeting.id,
                              original_start_time=timestamp(moved_to))) == (
        grpc.StatusCode.INVALID_ARGUMENT, "OCCURRENCE_NOT_FOUND")
    single = await schedule(world, org.tokens[organizer], [invitee])
    assert await refused(call(world, "CancelOccurrence", org.tokens[organizer], meeting_id=single.id,
                              original_start_time=single.start_time)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_RECURRING")

    # Moving the whole series starts it afresh: the single edits go.
    new_start = start + dt.timedelta(days=1, hours=1)
    await call(world, "UpdateMeeting", org.tokens[organizer], meeting=mpb.Meeting(
        id=meeting.id, start_time=timestamp(new_start)), update_mask=field_mask_pb2.FieldMask(paths=["start_time"]))
    told = await arrives(streams[invitee], meeting.id, UPDATED, 3)
    assert told[2].body.endswith("Occurrences changed on their own follow the new times again.")
    assert [(o.modified, o.cancelled) for o in await occurrences(world, org.tokens[invitee], meeting.id)] == [
        (False, False)] * 3
    assert len(about(streams[invitee], meeting.id, INVITATION)) == 1
    await close_streams(streams)


async def test_upcoming_only_and_an_endless_series(world: System) -> None:
    org = await world.create_org(members=1)
    organizer = org.admin_id
    meeting = await schedule(world, org.tokens[organizer], org.member_ids, start=in_seconds(30),
                             recurrence=mpb.Recurrence(frequency=mpb.RECURRENCE_FREQUENCY_MONTHLY, interval=3))
    page = await call(world, "ListOccurrences", org.tokens[organizer], meeting_id=meeting.id, page_size=5,
                      upcoming_only=True)
    assert len(page.occurrences) == 5 and page.next_page_token, "no end: pages go on"
    months = [o.start_time.ToDatetime().month for o in page.occurrences]
    assert all((b - a) % 12 == 3 for a, b in itertools.pairwise(months))
