"""The one validation layer in the RPC guard (services/runtime/validate.py RequestPlan): what
PostgreSQL or Python cannot hold is refused for every RPC before any work, with INVALID_ARGUMENT
and a reason naming the field; error answers echo client input bounded; requests over the size
limit get RESOURCE_EXHAUSTED with an ErrorInfo up to the gRPC core's own limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2, status_pb2

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.meetings.v1 import meetings_pb2
from convene.notifications.v1 import notifications_pb2
from services.runtime.grpc_server import MAX_REQUEST_BYTES
from services.runtime.ids import is_id, kind_of, new_id
from services.runtime.validate import MAX_REPEATED, MAX_TIMESTAMP_S, MIN_TIMESTAMP_S
from tests.harness import Org, System, bearer, forged_page_token, module_system, refused, request_id

INVALID = grpc.StatusCode.INVALID_ARGUMENT


class World:
    def __init__(self, system: System, org: Org) -> None:
        self.system, self.org = system, org
        self.admin = bearer(org.tokens[org.admin_id])
        self.member_id = org.member_ids[0]
        self.member = bearer(org.tokens[self.member_id])


@pytest.fixture(scope="module")
async def world(postgres, tmp_path_factory) -> AsyncIterator[World]:
    async with module_system(postgres, tmp_path_factory.mktemp("validation"), "identity", "groups", "meetings",
                             "notifications") as system:
        yield World(system, await system.create_org(members=2))


def _error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo | None:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info
    return None


async def _refusal(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str, dict[str, str], str]:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        info = _error_info(error)
        return (error.code(), info.reason if info else "", dict(info.metadata) if info else {},
                error.details() or "")
    raise AssertionError("the call succeeded but should have been refused")


def _timestamp(seconds: int, nanos: int = 0) -> Any:
    stamp = meetings_pb2.ScheduleMeetingRequest().start_time
    stamp.seconds, stamp.nanos = seconds, nanos
    return stamp


def test_an_id_is_the_whole_string() -> None:
    good = new_id("live")
    assert kind_of(good) == "live"
    for bad in (good + "\n", good + "\x00", " " + good, good + " ", good.upper()):
        assert kind_of(bad) is None and not is_id(bad, "live"), repr(bad)


async def test_nul_in_any_text_field_is_refused_naming_the_field(world: World) -> None:
    identity = world.system.stub("identity")
    code, reason, metadata, _ = await _refusal(identity.CreateWeChatUser(identity_pb2.CreateWeChatUserRequest(
        request_id=request_id(), display_name="Li\x00Lei"), metadata=bearer(world.system.operator_token)))
    assert (code, reason, metadata["field"]) == (INVALID, "INVALID_TEXT", "display_name")
    # Nested, and in a repeated message.
    code, reason, metadata, _ = await _refusal(identity.UpdateMember(identity_pb2.UpdateMemberRequest(
        member=identity_pb2.Member(id=world.member_id, display_name="a\x00"),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"])), metadata=world.admin))
    assert (code, reason, metadata["field"]) == (INVALID, "INVALID_TEXT", "member.display_name")
    code, reason, metadata, _ = await _refusal(identity.UpdateServiceMenu(identity_pb2.UpdateServiceMenuRequest(
        enterprise_id=world.org.enterprise_id, entries=[
            identity_pb2.ServiceMenuEntry(title="ok", kind=identity_pb2.SERVICE_MENU_ENTRY_KIND_URL,
                                          target="https://a.example"),
            identity_pb2.ServiceMenuEntry(title="x\x00", kind=identity_pb2.SERVICE_MENU_ENTRY_KIND_URL,
                                          target="https://a.example")]), metadata=world.admin))
    assert (code, reason, metadata["field"]) == (INVALID, "INVALID_TEXT", "entries[1].title")
    # request_id, thread ids: text that reaches PostgreSQL too.
    code, reason, metadata, _ = await _refusal(world.system.stub("notifications").MarkRead(
        notifications_pb2.MarkReadRequest(thread_id="live_\x00"), metadata=world.member))
    assert (code, reason, metadata["field"]) == (INVALID, "INVALID_TEXT", "thread_id")
    code, reason, metadata, _ = await _refusal(world.system.stub("groups").CreateGroup(groups_pb2.CreateGroupRequest(
        request_id="r\x00", name="team", kind=groups_pb2.GROUP_KIND_INTERNAL), metadata=world.member))
    assert (code, reason, metadata["field"]) == (INVALID, "INVALID_TEXT", "request_id")


async def test_unknown_enum_numbers_are_refused_wherever_they_are(world: World) -> None:
    code, reason, metadata, _ = await _refusal(world.system.stub("identity").UpdateServiceMenu(
        identity_pb2.UpdateServiceMenuRequest(enterprise_id=world.org.enterprise_id, entries=[
            identity_pb2.ServiceMenuEntry(title="a", kind=70_000, target="https://a.example")]),
        metadata=world.admin))
    assert (code, reason, metadata["field"]) == (INVALID, "INVALID_ENUM_VALUE", "entries[0].kind")


async def test_timestamps_outside_what_python_holds_are_refused(world: World) -> None:
    meetings = world.system.stub("meetings")

    def schedule(start: Any, zone: str = "UTC", **more: Any) -> Awaitable[Any]:
        return meetings.ScheduleMeeting(meetings_pb2.ScheduleMeetingRequest(
            request_id=request_id(), topic="far", type=meetings_pb2.MEETING_TYPE_VOICE, start_time=start,
            duration_minutes=60, time_zone=zone, **more), metadata=world.member)

    for seconds, nanos in ((MAX_TIMESTAMP_S + 1, 0), (MIN_TIMESTAMP_S - 1, 0), (253402300800, 0), (2**62, 0),
                           (1_900_000_000, 1_000_000_000), (1_900_000_000, -1)):
        code, reason, metadata, _ = await _refusal(schedule(_timestamp(seconds, nanos)))
        assert (code, reason, metadata["field"]) == (INVALID, "TIMESTAMP_OUT_OF_RANGE", "start_time"), seconds
    # The last second taken, in the zone furthest ahead, repeating weekly: the series simply ends
    # with datetime's year 9999 (no overflow once the zone and the recurrence apply).
    last = await schedule(_timestamp(MAX_TIMESTAMP_S), "Pacific/Kiritimati", recurrence=meetings_pb2.Recurrence(
        frequency=meetings_pb2.RECURRENCE_FREQUENCY_WEEKLY))
    listed = await meetings.ListOccurrences(meetings_pb2.ListOccurrencesRequest(meeting_id=last.meeting.id),
                                            metadata=world.member)
    assert 1 <= len(listed.occurrences) <= 2
    for zone in ("Etc/GMT+12", "America/St_Johns"):
        farthest = await schedule(_timestamp(MAX_TIMESTAMP_S), zone)
        assert farthest.meeting.start_time.seconds == MAX_TIMESTAMP_S
    occurrence = await _refusal(meetings.CancelOccurrence(meetings_pb2.CancelOccurrenceRequest(
        meeting_id=last.meeting.id, original_start_time=_timestamp(2**62)), metadata=world.member))
    assert occurrence[:3] == (INVALID, "TIMESTAMP_OUT_OF_RANGE", {"field": "original_start_time"})


async def test_hand_made_page_tokens_are_refused(world: World) -> None:
    groups = world.system.stub("groups")
    group_id = await world.system.create_group(world.org.tokens[world.member_id], [world.org.admin_id])
    for position in ({"before": 10**30}, {"before": "x"}, {"before": [1]}, {"after": 1}):
        code, reason, _, _ = await _refusal(groups.ListTimeline(groups_pb2.ListTimelineRequest(
            group_id=group_id, page_token=forged_page_token(position)), metadata=world.member))
        assert (code, reason) == (INVALID, "INVALID_PAGE_TOKEN"), position
    # A real token of one list is no token of another (nor of another service).
    members = await world.system.stub("identity").ListMembers(identity_pb2.ListMembersRequest(
        enterprise_id=world.org.enterprise_id, page_size=1), metadata=world.admin)
    assert members.next_page_token
    for call in (groups.ListTimeline(groups_pb2.ListTimelineRequest(group_id=group_id,
                                                                    page_token=members.next_page_token),
                                     metadata=world.member),
                 world.system.stub("identity").ListEnterprises(identity_pb2.ListEnterprisesRequest(
                     page_token=members.next_page_token + "x"), metadata=bearer(world.system.operator_token))):
        assert (await _refusal(call))[:2] == (INVALID, "INVALID_PAGE_TOKEN")
    # Still the next page for its own list.
    after = await world.system.stub("identity").ListMembers(identity_pb2.ListMembersRequest(
        enterprise_id=world.org.enterprise_id, page_size=1, page_token=members.next_page_token), metadata=world.admin)
    assert after.members and after.members[0].id != members.members[0].id


async def test_oversized_lists_are_refused_before_any_work(world: World) -> None:
    code, reason, metadata, _ = await _refusal(world.system.stub("groups").CreateGroup(groups_pb2.CreateGroupRequest(
        request_id=request_id(), name="all", kind=groups_pb2.GROUP_KIND_INTERNAL,
        member_ids=[new_id("member") for _ in range(MAX_REPEATED + 1)]), metadata=world.member))
    assert (code, reason, metadata["field"]) == (INVALID, "TOO_MANY_VALUES", "member_ids")


async def test_error_answers_echo_client_input_bounded(world: World) -> None:
    """An update mask path of 100 KB used to be copied into the message and metadata until the
    answer passed gRPC's header limit: now the refusal is small and still readable."""
    meetings = world.system.stub("meetings")
    huge = "p" * 10_000
    code, reason, metadata, details = await _refusal(meetings.UpdateMeeting(meetings_pb2.UpdateMeetingRequest(
        meeting=meetings_pb2.Meeting(id=new_id("meeting")),
        update_mask=field_mask_pb2.FieldMask(paths=[huge, huge + "q"])), metadata=world.member))
    assert (code, reason) == (INVALID, "INVALID_UPDATE_MASK")
    assert len(details) <= 400 and all(len(value) <= 120 for value in metadata.values())
    code, reason, metadata, _ = await _refusal(meetings.UpdateMeeting(meetings_pb2.UpdateMeetingRequest(
        meeting=meetings_pb2.Meeting(id=new_id("meeting")),
        update_mask=field_mask_pb2.FieldMask(paths=["x" * 100_000])), metadata=world.member))
    assert (code, reason, metadata["field"]) == (INVALID, "FIELD_TOO_LONG", "update_mask.paths[0]")


async def test_request_size_limits(world: World) -> None:
    """Up to MAX_REQUEST_BYTES served; up to the core's 4 MiB refused with an ErrorInfo; past it
    the gRPC core answers by itself (RESOURCE_EXHAUSTED, no ErrorInfo: no server code runs)."""
    posts = world.system.stub("groups")
    group_id = await world.system.create_group(world.org.tokens[world.member_id], [world.org.admin_id])

    def post(size: int) -> Awaitable[Any]:
        return posts.PostMessage(groups_pb2.PostMessageRequest(request_id=request_id(), group_id=group_id,
                                                               text="x" * size), metadata=world.member)

    code, reason, metadata, _ = await _refusal(post(2 * MAX_REQUEST_BYTES))
    assert (code, reason, metadata["max_bytes"]) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "REQUEST_TOO_LARGE",
                                                     str(MAX_REQUEST_BYTES))
    code, reason, _, _ = await _refusal(post(5 * 1024 * 1024))
    assert (code, reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "")
    assert (await refused(post(MAX_REQUEST_BYTES // 2)))[1] == "FIELD_TOO_LONG"  # the field's own rule, below


async def test_a_meeting_far_ahead_ends_before_datetime_does(world: World) -> None:
    start = dt.datetime(9999, 12, 1, 9, tzinfo=dt.UTC)
    scheduled = await world.system.stub("meetings").ScheduleMeeting(meetings_pb2.ScheduleMeetingRequest(
        request_id=request_id(), topic="daily", type=meetings_pb2.MEETING_TYPE_VOICE,
        start_time=_timestamp(int(start.timestamp())), duration_minutes=1440, time_zone="Pacific/Kiritimati",
        recurrence=meetings_pb2.Recurrence(frequency=meetings_pb2.RECURRENCE_FREQUENCY_DAILY)),
        metadata=world.member)
    listed = await world.system.stub("meetings").ListOccurrences(meetings_pb2.ListOccurrencesRequest(
        meeting_id=scheduled.meeting.id, page_size=200), metadata=world.member)
    assert 25 <= len(listed.occurrences) <= 31
