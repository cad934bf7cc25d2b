"""What the meetings tests share: one system per test module (identity, groups, meetings and
notifications over a real NATS and PostgreSQL; each test makes its own enterprise), the calls a
client makes, and reading what reached people's open notification streams."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

from convene.meetings.v1 import meetings_pb2 as mpb
from convene.notifications.v1 import notifications_pb2 as npb
from services.runtime.events import timestamp
from tests.groups_support import close_streams, open_streams
from tests.harness import StreamRecorder, System, bearer, eventually, module_system, request_id

# Groups only where a test turns a group call into a meeting.
SERVICES = ("identity", "meetings", "notifications")
INVITATION = npb.NOTIFICATION_KIND_MEETING_INVITATION
UPDATED = npb.NOTIFICATION_KIND_MEETING_UPDATED
CANCELLED = npb.NOTIFICATION_KIND_MEETING_CANCELLED
REPLY = npb.NOTIFICATION_KIND_MEETING_REPLY
REMINDER = npb.NOTIFICATION_KIND_REMINDER
INCOMING = npb.NOTIFICATION_KIND_INCOMING_CALL
MISSED = npb.NOTIFICATION_KIND_MISSED_CALL
STOPPED = npb.NOTIFICATION_KIND_RINGING_STOPPED


@contextlib.asynccontextmanager
async def meetings_world(postgres: object, data_dir: Path, *, with_groups: bool = False,
                         **settings: object) -> AsyncIterator[System]:
    names = (*SERVICES, "groups") if with_groups else SERVICES
    async with module_system(postgres, data_dir, *names, **settings) as system:
        yield system


def meetings(system: System):
    return system.stub("meetings")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def in_seconds(seconds: float) -> dt.datetime:
    return now() + dt.timedelta(seconds=seconds)


async def schedule(system: System, token: str, participants: list[str], *, start: dt.datetime | None = None,
                   topic: str = "Weekly sync", duration: int = 30, **fields: object) -> mpb.Meeting:
    request = mpb.ScheduleMeetingRequest(
        request_id=request_id(), topic=topic, type=fields.pop("type", mpb.MEETING_TYPE_VIDEO),
        start_time=timestamp(start or in_seconds(3600)), duration_minutes=duration, participant_ids=participants,
        **fields)
    return (await meetings(system).ScheduleMeeting(request, metadata=bearer(token))).meeting


async def meet_now(system: System, token: str, participants: list[str], **fields: object) -> mpb.Meeting:
    request = mpb.MeetNowRequest(request_id=request_id(), type=mpb.MEETING_TYPE_VOICE,
                                 participant_ids=participants, **fields)
    return (await meetings(system).MeetNow(request, metadata=bearer(token))).meeting


async def get(system: System, token: str, meeting_id: str) -> mpb.Meeting:
    return (await meetings(system).GetMeeting(mpb.GetMeetingRequest(meeting_id=meeting_id),
                                              metadata=bearer(token))).meeting


async def call(system: System, rpc: str, token: str, **fields: object):
    request = getattr(mpb, f"{rpc}Request")(**fields)
    return await getattr(meetings(system), rpc)(request, metadata=bearer(token))


def about(stream: StreamRecorder, meeting_id: str, *kinds: int) -> list[npb.Notification]:
    """What the stream received about the meeting (any of its threads), of `kinds` if given."""
    return [n for n in stream.received
            if n.thread_id.split("/")[0] == meeting_id and (not kinds or n.kind in kinds)]


async def arrives(stream: StreamRecorder, meeting_id: str, kind: int, count: int = 1, *,
                  timeout: float = 15) -> list[npb.Notification]:
    """Wait until the stream holds `count` notifications of `kind` about the meeting."""

    async def there() -> bool:
        return len(about(stream, meeting_id, kind)) >= count

    await eventually(there, timeout=timeout, what=f"{npb.NotificationKind.Name(kind)} x{count} about {meeting_id}")
    return about(stream, meeting_id, kind)


async def everyone_gets(streams: dict[str, StreamRecorder], people: list[str], meeting_id: str,
                        kind: int) -> None:
    for person in people:
        await arrives(streams[person], meeting_id, kind)
