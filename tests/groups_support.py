"""What the groups tests share: one system per test module (identity, groups, notifications over a
real NATS and PostgreSQL; each test makes its own enterprises), small configured limits, and the
events the tests publish in place of live and meetings (which lets them send events twice, late
or out of order)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from convene.events.v1 import envelope_pb2
from convene.groups.v1 import groups_pb2 as gpb
from convene.live.v1 import events_pb2 as live_events
from convene.live.v1 import live_pb2
from convene.meetings.v1 import events_pb2 as meeting_events
from convene.meetings.v1 import meetings_pb2
from services.runtime import subjects
from services.runtime.events import new_envelope
from services.runtime.ids import new_id
from tests.harness import Org, StreamRecorder, System, bearer, module_system, publish_events, request_id

# Small limits so refusals are cheap to reach; the defaults (WeCom's sizes) are checked apart.
LIMITS = {"internal_max_members": 12, "external_max_members": 6, "external_max_wechat_users": 2}


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """Identity, groups and notifications; live and meetings are played by the tests."""
    async with module_system(postgres, tmp_path_factory.mktemp("groups"), "identity", "groups", "notifications",
                             **LIMITS) as system:
        yield system


def groups(system: System):
    return system.stub("groups")


async def new_group(system: System, org: Org, owner: str, members: list[str], *,
                    kind: int = gpb.GROUP_KIND_INTERNAL, name: str = "launch team") -> gpb.Group:
    created = await groups(system).CreateGroup(gpb.CreateGroupRequest(
        request_id=request_id(), name=name, kind=kind, member_ids=members), metadata=bearer(org.tokens[owner]))
    return created.group


async def timeline(system: System, token: str, group_id: str, **fields: object) -> gpb.ListTimelineResponse:
    return await groups(system).ListTimeline(gpb.ListTimelineRequest(group_id=group_id, **fields),
                                             metadata=bearer(token))


async def card_items(system: System, token: str, group_id: str) -> list[gpb.TimelineItem]:
    return [i for i in (await timeline(system, token, group_id)).items if i.HasField("card")]


# -------------------------------------------------------------- playing live


def live_event(event_type: str, live_id: str, group_id: str, host_id: str, title: str = "Quarterly all-hands",
               **figures: int) -> envelope_pb2.Envelope:
    live = live_pb2.Live(id=live_id, group_id=group_id, host_id=host_id, title=title)
    payload = (live_events.SessionStarted(live=live) if event_type == subjects.LIVE_SESSION_STARTED
               else live_events.SessionEnded(live=live, **figures))
    return new_envelope(event_type, subject=live_id, correlation_id=live_id, payload=payload)


async def publish(system: System, *envelopes: envelope_pb2.Envelope, again: bool = False) -> None:
    """As the owner's outbox relay would; `again` publishes a second copy of the same event."""
    await publish_events(system.nats_url, *envelopes, as_new_messages=again)


async def start_live(system: System, group_id: str, host_id: str, title: str = "Quarterly all-hands") -> str:
    live_id = new_id("live")
    await publish(system, live_event(subjects.LIVE_SESSION_STARTED, live_id, group_id, host_id, title))
    return live_id


def viewer_joined(live_id: str, viewer_id: str, share_id: str) -> envelope_pb2.Envelope:
    return new_envelope(subjects.LIVE_VIEWER_JOINED, subject=live_id, correlation_id=live_id,
                        payload=live_events.ViewerJoined(live_id=live_id, viewer_id=viewer_id, share_id=share_id))


# ---------------------------------------------------------- playing meetings


def meeting_event(event_type: str, meeting_id: str, *, group_id: str, call_id: str = "", organizer_id: str,
                  topic: str = "launch team") -> envelope_pb2.Envelope:
    meeting = meetings_pb2.Meeting(id=meeting_id, organizer_id=organizer_id, topic=topic,
                                   type=meetings_pb2.MEETING_TYPE_VOICE, state=meetings_pb2.MEETING_STATE_STARTED)
    payload = (meeting_events.MeetingStarted(meeting=meeting, source_call_id=call_id, group_id=group_id)
               if event_type == subjects.MEETINGS_MEETING_STARTED
               else meeting_events.MeetingEnded(meeting=meeting, group_id=group_id))
    return new_envelope(event_type, subject=meeting_id, correlation_id=meeting_id, payload=payload)


# ----------------------------------------------------------------- streams


async def open_streams(system: System, org: Org, people: list[str]) -> dict[str, StreamRecorder]:
    streams = {p: StreamRecorder(system, org.tokens[p]) for p in people}
    await asyncio.gather(*(s.ready() for s in streams.values()))
    return streams


async def close_streams(streams: dict[str, StreamRecorder]) -> None:
    await asyncio.gather(*(s.close() for s in streams.values()))
