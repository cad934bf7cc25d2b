"""Every RPC of every service, fed requests generated from its protobuf descriptor (hypothesis):
whatever the input and whoever calls, the answer is never UNKNOWN or INTERNAL, every refusal
carries a google.rpc.ErrorInfo, error answers stay small (client input is echoed only bounded),
and every service still reports SERVING afterwards.

The budget is bounded (RPC_PROPERTY_EXAMPLES examples per RPC, 100 by default), so the module
runs in `make test`; raise it to search harder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor as d
from google.protobuf import message_factory
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.live.v1 import live_pb2, moderation_pb2, moderation_pb2_grpc, room_pb2
from convene.meetings.v1 import meetings_pb2
from convene.notifications.v1 import notifications_pb2
from tests.harness import System, bearer, error_reason, eventually, module_system, request_id
from tests.rpc_strategies import RequestStrategies, World

EXAMPLES = int(os.environ.get("RPC_PROPERTY_EXAMPLES", "100"))
CALL_TIMEOUT_S = 20.0
# What a refusal may carry back: gRPC clients refuse trailers past 8 KiB by default.
MAX_ERROR_BYTES = 4096

# (the service that serves it, the gRPC service): live also serves its rooms and their moderation.
SERVICES = [
    ("identity", identity_pb2.DESCRIPTOR.services_by_name["IdentityService"]),
    ("groups", groups_pb2.DESCRIPTOR.services_by_name["GroupsService"]),
    ("live", live_pb2.DESCRIPTOR.services_by_name["LiveService"]),
    ("live", room_pb2.DESCRIPTOR.services_by_name["RoomService"]),
    ("live", moderation_pb2.DESCRIPTOR.services_by_name["ModerationService"]),
    ("meetings", meetings_pb2.DESCRIPTOR.services_by_name["MeetingsService"]),
    ("notifications", notifications_pb2.DESCRIPTOR.services_by_name["NotificationsService"]),
]
# Calls that take something away from what they name: they run last, and name only victims.
DESTRUCTIVE = {"RemoveMember", "RevokeTokens", "UnverifyEnterprise", "HandOverContacts", "RemoveExternalContact",
               "DismissGroup", "LeaveGroup", "RemoveGroupMember", "TransferGroupOwnership", "EndLive",
               "ForceStopLive", "CancelScheduledLive", "DeleteReplay", "CancelMeeting", "CancelOccurrence",
               "EndMeeting", "LeaveMeeting", "LeaveGroupCall", "UpdateMember", "RemoveViewer", "MuteViewer",
               "ResolveReport", "EndGuest", "DeleteComment"}


def _methods() -> list[tuple[str, d.MethodDescriptor]]:
    methods = [(name, m) for name, service in SERVICES for m in service.methods]
    return sorted(methods, key=lambda item: item[1].name in DESTRUCTIVE)  # stable: descriptor order otherwise


class Arena:
    """A world of real enterprises, people, a group, a live, a meeting, a call and links."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.world = World()
        self.callers: list[tuple[tuple[str, str], ...]] = []

    async def build(self) -> Arena:
        system = self.system
        org = await system.create_org(members=3)
        other = await system.create_org(members=1)
        victims = await system.create_org(members=2)
        wechat_id, wechat_token = await system.create_wechat_user()
        host, colleague = org.member_ids[0], org.member_ids[1]
        groups = system.stub("groups")
        group_id = await system.create_group(org.tokens[host], [org.admin_id, colleague, wechat_id],
                                             kind=groups_pb2.GROUP_KIND_EXTERNAL)
        started = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
            request_id=request_id(), group_id=group_id, title="launch", audience=live_pb2.AUDIENCE_EVERYONE,
            allow_replay=True), metadata=bearer(org.tokens[host]))
        live_id = started.live.id
        start = meetings_pb2.ScheduleMeetingRequest().start_time
        start.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        meeting = await system.stub("meetings").ScheduleMeeting(meetings_pb2.ScheduleMeetingRequest(
            request_id=request_id(), topic="weekly", type=meetings_pb2.MEETING_TYPE_VIDEO, start_time=start,
            duration_minutes=30, participant_ids=[colleague], time_zone="Asia/Shanghai",
            recurrence=meetings_pb2.Recurrence(frequency=meetings_pb2.RECURRENCE_FREQUENCY_WEEKLY, count=5)),
            metadata=bearer(org.tokens[host]))
        call = await groups.StartGroupCall(groups_pb2.StartGroupCallRequest(
            request_id=request_id(), group_id=group_id, type=groups_pb2.CALL_TYPE_VOICE, participant_ids=[colleague]),
            metadata=bearer(org.tokens[host]))

        async def live_card() -> bool:
            timeline = await groups.ListTimeline(groups_pb2.ListTimelineRequest(group_id=group_id),
                                                 metadata=bearer(org.tokens[host]))
            self.cards = [item.card.id for item in timeline.items if item.card.subject_id == live_id]
            return bool(self.cards)

        await eventually(live_card, what="the live card")
        share = await groups.CreateShareLink(groups_pb2.CreateShareLinkRequest(
            request_id=request_id(), card_id=self.cards[0]), metadata=bearer(org.tokens[colleague]))
        live_share = await system.stub("live").CreateShareLink(live_pb2.CreateShareLinkRequest(live_id=live_id),
                                                               metadata=bearer(org.tokens[host]))
        moderation = moderation_pb2_grpc.ModerationServiceStub(system.channel(system.address_of("live")))
        report = await moderation.ReportLive(
            moderation_pb2.ReportLiveRequest(request_id=request_id(), live_id=live_id,
                                             reason=moderation_pb2.REPORT_REASON_SPAM),
            metadata=bearer(org.tokens[colleague]))
        invite = await groups.CreateGroupInvite(groups_pb2.CreateGroupInviteRequest(group_id=group_id),
                                                metadata=bearer(org.tokens[host]))

        w = self.world
        w.add("enterprise", org.enterprise_id, other.enterprise_id)
        w.add("member", org.admin_id, *org.member_ids, *other.member_ids)
        w.add("wechat_user", wechat_id)
        w.add("service", system.operator_id)
        w.add("group", group_id)
        w.add("live", live_id)
        w.add("meeting", meeting.meeting.id)
        w.add("call", call.call.id)
        w.add("card", *self.cards)
        w.add("forward", share.forward.id, live_share.share_id)
        w.add("report", report.report.id)
        w.victims = [victims.admin_id, *victims.member_ids, victims.enterprise_id]
        w.secrets = [org.api_secret, other.api_secret]
        w.links = [share.url, share.token, live_share.url, invite.invite_token]
        self.callers = [bearer(system.operator_token), bearer(org.tokens[org.admin_id]), bearer(org.tokens[host]),
                        bearer(org.tokens[colleague]), bearer(other.tokens[other.member_ids[0]]),
                        bearer(wechat_token), (("authorization", "Bearer not-a-token"),), ()]
        return self


@pytest.fixture(scope="module")
async def arena(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Arena]:
    async with module_system(postgres, Path(tmp_path_factory.mktemp("rpc-properties"))) as system:
        yield await Arena(system).build()


def _error_info_reason(error: grpc.aio.AioRpcError) -> str:
    return error_reason(error)


def _trailer_bytes(error: grpc.aio.AioRpcError) -> int:
    return sum(len(key) + len(value) for key, value in (error.trailing_metadata() or ()))


async def _call(arena: Arena, service: str, method: d.MethodDescriptor, request: Message,
                metadata: tuple) -> grpc.aio.AioRpcError | None:
    channel = arena.system.channel(arena.system.address_of(service))
    path = f"/{method.containing_service.full_name}/{method.name}"
    response_type = message_factory.GetMessageClass(method.output_type)
    if method.server_streaming:
        call = channel.unary_stream(path, request_serializer=type(request).SerializeToString,
                                    response_deserializer=response_type.FromString)(request, metadata=metadata)
        try:
            async with asyncio.timeout(1.0):
                async for _ in call:
                    break
        except TimeoutError:
            pass  # an open stream with nothing to say yet is a fine answer
        except grpc.aio.AioRpcError as error:
            return error
        finally:
            call.cancel()
        return None
    try:
        await channel.unary_unary(path, request_serializer=type(request).SerializeToString,
                                  response_deserializer=response_type.FromString)(
            request, metadata=metadata, timeout=CALL_TIMEOUT_S)
    except grpc.aio.AioRpcError as error:
        return error
    return None


def _check(error: grpc.aio.AioRpcError | None, what: str) -> None:
    if error is None:
        return
    assert error.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), \
        f"{what}: {error.code().name} {error.details()!r}"
    assert error.code() != grpc.StatusCode.DEADLINE_EXCEEDED, f"{what}: no answer within {CALL_TIMEOUT_S}s"
    assert _error_info_reason(error), f"{what}: {error.code().name} without an ErrorInfo ({error.details()!r})"
    size = _trailer_bytes(error) + len(error.details() or "")
    assert size <= MAX_ERROR_BYTES, f"{what}: an error answer of {size} bytes ({(error.details() or '')[:200]!r})"


async def _all_serving(arena: Arena) -> None:
    for name in dict(SERVICES):
        stub = health_pb2_grpc.HealthStub(arena.system.channel(arena.system.address_of(name)))
        reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, f"{name} is not SERVING"


def _ids(params: Iterator[tuple[str, d.MethodDescriptor]]) -> list[str]:
    return [f"{service}.{method.name}" for service, method in params]


@pytest.mark.parametrize(("service", "method"), _methods(), ids=_ids(iter(_methods())))
async def test_no_input_gets_internal_or_an_answer_without_error_info(arena: Arena, service: str,
                                                                      method: d.MethodDescriptor) -> None:
    loop = asyncio.get_running_loop()
    strategies = RequestStrategies(arena.world, destructive=method.name in DESTRUCTIVE)
    requests = strategies.for_message(method.input_type)
    callers = st.sampled_from(arena.callers)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              phases=(Phase.explicit, Phase.generate, Phase.shrink),
              suppress_health_check=list(HealthCheck))
    @given(request=requests, metadata=callers)
    def property_holds(request: Message, metadata: tuple) -> None:
        future = asyncio.run_coroutine_threadsafe(_call(arena, service, method, request, metadata), loop)
        error = future.result(timeout=CALL_TIMEOUT_S + 10)
        _check(error, f"{service}.{method.name}({request!r:.300})")

    # Hypothesis runs in a worker thread; the calls run on this test's event loop.
    await loop.run_in_executor(None, property_holds)
    await _all_serving(arena)
