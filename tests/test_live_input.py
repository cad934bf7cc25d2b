"""Bad input on every LiveService RPC gets a clear status and reason, never UNKNOWN."""

from __future__ import annotations

import grpc
import pytest

from convene.live.v1 import live_pb2
from tests.harness import System, refused
from tests.live_support import Scene, live_system

UNKNOWN_LIVE = "live_01m7zzzzzzzzzzzzzzzzzzzzzz"
LONG = "x" * 5000

# (RPC, request, expected code, expected reason)
CASES = [
    ("StartLive", live_pb2.StartLiveRequest(group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz", title="t"),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("StartLive", live_pb2.StartLiveRequest(request_id="r", group_id="nope", title="t"),
     grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("StartLive", live_pb2.StartLiveRequest(request_id="r", group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz", title=LONG),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_TOO_LONG"),
    ("StartLive", live_pb2.StartLiveRequest(request_id="r", group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz", title="t",
                                            audience=42), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ENUM_VALUE"),
    ("StartLive", live_pb2.StartLiveRequest(request_id="r", group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz", title="t"),
     grpc.StatusCode.NOT_FOUND, "GROUP_NOT_FOUND"),
    ("OpenPreview", live_pb2.OpenPreviewRequest(request_id="r", group_id="grp_x", title="t"),
     grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("ScheduleLive", live_pb2.ScheduleLiveRequest(request_id="r", group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz",
                                                  title="t"), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("ScheduleLive", live_pb2.ScheduleLiveRequest(request_id="r", group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz",
                                                  title="t", start_time={"seconds": 1000}),
     grpc.StatusCode.INVALID_ARGUMENT, "START_TIME_IN_PAST"),
    ("ScheduleLive", live_pb2.ScheduleLiveRequest(request_id="r", group_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz",
                                                  title="t", start_time={"seconds": 4102444800},
                                                  reminder_lead_seconds=-5),
     grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REMINDER_LEAD"),
    ("GetLive", live_pb2.GetLiveRequest(), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("GetLive", live_pb2.GetLiveRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("GoLive", live_pb2.GoLiveRequest(live_id="mtg_01m7zzzzzzzzzzzzzzzzzzzzzz"),
     grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("GoLive", live_pb2.GoLiveRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("CancelScheduledLive", live_pb2.CancelScheduledLiveRequest(live_id=UNKNOWN_LIVE),
     grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("RemindMe", live_pb2.RemindMeRequest(live_id=""), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("UpdateAudience", live_pb2.UpdateAudienceRequest(live_id=UNKNOWN_LIVE),
     grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ENUM_VALUE"),
    ("UpdateAudience", live_pb2.UpdateAudienceRequest(live_id=UNKNOWN_LIVE, audience=live_pb2.AUDIENCE_EVERYONE),
     grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("RotateStreamKey", live_pb2.RotateStreamKeyRequest(live_id=UNKNOWN_LIVE),
     grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("HostHeartbeat", live_pb2.HostHeartbeatRequest(live_id="x"), grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("JoinLive", live_pb2.JoinLiveRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("JoinLive", live_pb2.JoinLiveRequest(live_id=UNKNOWN_LIVE, share_link="garbage"),
     grpc.StatusCode.INVALID_ARGUMENT, "SHARE_LINK_MALFORMED"),
    ("JoinLive", live_pb2.JoinLiveRequest(live_id=UNKNOWN_LIVE, forward_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz"),
     grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("ViewerHeartbeat", live_pb2.ViewerHeartbeatRequest(live_id=UNKNOWN_LIVE),
     grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("LeaveLive", live_pb2.LeaveLiveRequest(), grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("GetLiveStats", live_pb2.GetLiveStatsRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("ListViewers", live_pb2.ListViewersRequest(live_id=UNKNOWN_LIVE, page_size=-1),
     grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_SIZE"),
    ("CreateShareLink", live_pb2.CreateShareLinkRequest(live_id=UNKNOWN_LIVE),
     grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("ListShares", live_pb2.ListSharesRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("EndLive", live_pb2.EndLiveRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("ForceStopLive", live_pb2.ForceStopLiveRequest(live_id=UNKNOWN_LIVE),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("GetReplay", live_pb2.GetReplayRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("DeleteReplay", live_pb2.DeleteReplayRequest(live_id=UNKNOWN_LIVE), grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND"),
]


@pytest.mark.parametrize(("rpc", "request_message", "code", "reason"), CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in CASES])
async def test_bad_input_is_refused_with_a_reason(live_system: System, rpc: str, request_message: object,
                                                  code: grpc.StatusCode, reason: str) -> None:
    scene = await _scene(live_system)
    got = await refused(getattr(scene.live, rpc)(request_message, metadata=scene.as_(scene.host)))
    assert got == (code, reason)


async def test_every_rpc_is_covered_and_needs_a_token(live_system: System) -> None:
    covered = {case[0] for case in CASES}
    methods = set(live_pb2.DESCRIPTOR.services_by_name["LiveService"].methods_by_name)
    assert methods == covered
    scene = await _scene(live_system)
    for name in sorted(methods):
        request_type = getattr(live_pb2, f"{name}Request")
        code, reason = await refused(getattr(scene.live, name)(request_type()))
        assert (code, reason) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING"), name


_SCENES: dict[int, Scene] = {}


async def _scene(system: System) -> Scene:
    if id(system) not in _SCENES:
        _SCENES[id(system)] = await Scene.create(system, members=1)
    return _SCENES[id(system)]
