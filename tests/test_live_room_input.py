"""Bad input on every RoomService and ModerationService RPC gets a clear status and reason, never
UNKNOWN or INTERNAL: malformed fields, unknown lives, comments that are empty, too long, from
someone who did not join or on an ended live, likes from outside the audience."""

from __future__ import annotations

import grpc
import pytest

from convene.live.v1 import live_pb2
from convene.live.v1 import moderation_pb2 as mpb
from convene.live.v1 import room_pb2 as rpb
from tests.harness import System, bearer, refused, request_id
from tests.room_support import Room, room_system

UNKNOWN_LIVE = "live_01m7zzzzzzzzzzzzzzzzzzzzzz"
VIEWER = "usr_01m7zzzzzzzzzzzzzzzzzzzzzz"
R = grpc.StatusCode

ROOM_CASES = [
    ("SubscribeRoom", rpb.SubscribeRoomRequest(), R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("SubscribeRoom", rpb.SubscribeRoomRequest(live_id=UNKNOWN_LIVE, after_sequence=-1),
     R.INVALID_ARGUMENT, "INVALID_SEQUENCE"),
    ("SubscribeRoom", rpb.SubscribeRoomRequest(live_id=UNKNOWN_LIVE), R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("PostComment", rpb.PostCommentRequest(live_id=UNKNOWN_LIVE, text="hi"), R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("PostComment", rpb.PostCommentRequest(request_id="r", live_id=UNKNOWN_LIVE, text="   "),
     R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("PostComment", rpb.PostCommentRequest(request_id="r", live_id=UNKNOWN_LIVE, text="x" * 201),
     R.INVALID_ARGUMENT, "FIELD_TOO_LONG"),
    ("PostComment", rpb.PostCommentRequest(request_id="r", live_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz", text="hi"),
     R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("PostComment", rpb.PostCommentRequest(request_id="r", live_id=UNKNOWN_LIVE, text="hi"),
     R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("SendLikes", rpb.SendLikesRequest(live_id=UNKNOWN_LIVE, count=101), R.INVALID_ARGUMENT, "INVALID_LIKE_COUNT"),
    ("SendLikes", rpb.SendLikesRequest(live_id=UNKNOWN_LIVE, count=-1), R.INVALID_ARGUMENT, "INVALID_LIKE_COUNT"),
    ("SendLikes", rpb.SendLikesRequest(live_id=UNKNOWN_LIVE), R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("RaiseHand", rpb.RaiseHandRequest(), R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("RaiseHand", rpb.RaiseHandRequest(live_id=UNKNOWN_LIVE), R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("LowerHand", rpb.LowerHandRequest(live_id="x"), R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("AnswerHand", rpb.AnswerHandRequest(live_id=UNKNOWN_LIVE, viewer_id="grp_01m7zzzzzzzzzzzzzzzzzzzzzz"),
     R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("AnswerHand", rpb.AnswerHandRequest(live_id=UNKNOWN_LIVE, viewer_id=VIEWER), R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("GetGuestEndpoint", rpb.GetGuestEndpointRequest(live_id=UNKNOWN_LIVE), R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("EndGuest", rpb.EndGuestRequest(live_id=UNKNOWN_LIVE, viewer_id="nope"), R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("EndGuest", rpb.EndGuestRequest(live_id=UNKNOWN_LIVE), R.NOT_FOUND, "LIVE_NOT_FOUND"),
]

MODERATION_CASES = [
    ("DeleteComment", mpb.DeleteCommentRequest(live_id=UNKNOWN_LIVE, reason="spam"),
     R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("DeleteComment", mpb.DeleteCommentRequest(live_id=UNKNOWN_LIVE, comment_sequence=1),
     R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("DeleteComment", mpb.DeleteCommentRequest(live_id=UNKNOWN_LIVE, comment_sequence=1, reason="x" * 501),
     R.INVALID_ARGUMENT, "FIELD_TOO_LONG"),
    ("DeleteComment", mpb.DeleteCommentRequest(live_id=UNKNOWN_LIVE, comment_sequence=1, reason="spam"),
     R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("MuteViewer", mpb.MuteViewerRequest(live_id=UNKNOWN_LIVE, viewer_id=VIEWER, reason="r"),
     R.INVALID_ARGUMENT, "INVALID_DURATION"),
    ("MuteViewer", mpb.MuteViewerRequest(live_id=UNKNOWN_LIVE, viewer_id=VIEWER, reason="r",
                                         duration_seconds=31 * 24 * 3600), R.INVALID_ARGUMENT, "INVALID_DURATION"),
    ("MuteViewer", mpb.MuteViewerRequest(live_id=UNKNOWN_LIVE, viewer_id=VIEWER, reason="r", duration_seconds=60),
     R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("UnmuteViewer", mpb.UnmuteViewerRequest(live_id=UNKNOWN_LIVE, reason="r"), R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("UnmuteViewer", mpb.UnmuteViewerRequest(live_id=UNKNOWN_LIVE, viewer_id=VIEWER, reason="r"),
     R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("RemoveViewer", mpb.RemoveViewerRequest(live_id=UNKNOWN_LIVE, viewer_id="svc_01m7zzzzzzzzzzzzzzzzzzzzzz",
                                             reason="r"), R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("RemoveViewer", mpb.RemoveViewerRequest(live_id=UNKNOWN_LIVE, viewer_id=VIEWER, reason="r"),
     R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("ListModerationActions", mpb.ListModerationActionsRequest(page_size=-1), R.INVALID_ARGUMENT, "INVALID_PAGE_SIZE"),
    ("ListModerationActions", mpb.ListModerationActionsRequest(page_token="garbage"),
     R.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN"),
    ("ListModerationActions", mpb.ListModerationActionsRequest(live_id=UNKNOWN_LIVE), R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("ReportLive", mpb.ReportLiveRequest(live_id=UNKNOWN_LIVE, reason=mpb.REPORT_REASON_SPAM),
     R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("ReportLive", mpb.ReportLiveRequest(request_id="r", live_id=UNKNOWN_LIVE), R.INVALID_ARGUMENT, "INVALID_ENUM_VALUE"),
    ("ReportLive", mpb.ReportLiveRequest(request_id="r", live_id=UNKNOWN_LIVE, reason=mpb.REPORT_REASON_OTHER),
     R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("ReportLive", mpb.ReportLiveRequest(request_id="r", live_id=UNKNOWN_LIVE, reason=mpb.REPORT_REASON_SPAM),
     R.NOT_FOUND, "LIVE_NOT_FOUND"),
    ("ListReports", mpb.ListReportsRequest(state=9), R.INVALID_ARGUMENT, "INVALID_ENUM_VALUE"),
    ("ListReports", mpb.ListReportsRequest(live_id="live"), R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("ListReports", mpb.ListReportsRequest(), R.PERMISSION_DENIED, "ADMIN_ONLY"),
    ("ResolveReport", mpb.ResolveReportRequest(report_id=VIEWER, resolution=1, note="n"),
     R.INVALID_ARGUMENT, "MALFORMED_ID"),
    ("ResolveReport", mpb.ResolveReportRequest(report_id="rpt_01m7zzzzzzzzzzzzzzzzzzzzzz", note="n"),
     R.INVALID_ARGUMENT, "INVALID_ENUM_VALUE"),
    ("ResolveReport", mpb.ResolveReportRequest(report_id="rpt_01m7zzzzzzzzzzzzzzzzzzzzzz", resolution=1),
     R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("ResolveReport", mpb.ResolveReportRequest(report_id="rpt_01m7zzzzzzzzzzzzzzzzzzzzzz", resolution=1, note="n"),
     R.NOT_FOUND, "REPORT_NOT_FOUND"),
    ("UpdateBlockedWords", mpb.UpdateBlockedWordsRequest(), R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("UpdateBlockedWords", mpb.UpdateBlockedWordsRequest(add=[" "]), R.INVALID_ARGUMENT, "FIELD_REQUIRED"),
    ("UpdateBlockedWords", mpb.UpdateBlockedWordsRequest(add=["w" * 51]), R.INVALID_ARGUMENT, "FIELD_TOO_LONG"),
    ("UpdateBlockedWords", mpb.UpdateBlockedWordsRequest(add=[f"w{i}" for i in range(101)]),
     R.INVALID_ARGUMENT, "TOO_MANY_VALUES"),
    ("UpdateBlockedWords", mpb.UpdateBlockedWordsRequest(add=["spam"]), R.PERMISSION_DENIED, "ADMIN_ONLY"),
    ("ListBlockedWords", mpb.ListBlockedWordsRequest(page_size=-3), R.INVALID_ARGUMENT, "INVALID_PAGE_SIZE"),
]


async def _call(room: Room, service: str, rpc: str, request: object, metadata: object) -> object:
    stub = room.rooms() if service == "room" else room.moderation()
    call = getattr(stub, rpc)(request, metadata=metadata)
    if rpc == "SubscribeRoom":
        return await call.read()
    return await call


@pytest.mark.parametrize(("service", "rpc", "request_message", "code", "reason"),
                         [("room", *c) for c in ROOM_CASES] + [("moderation", *c) for c in MODERATION_CASES],
                         ids=[f"{c[0]}-{c[3]}" for c in ROOM_CASES + MODERATION_CASES])
async def test_bad_input_is_refused_with_a_reason(room_system: System, service: str, rpc: str,
                                                  request_message: object, code: grpc.StatusCode, reason: str) -> None:
    room = await _room(room_system)
    # A plain viewer (not an admin) calls.
    got = await refused(_call(room, service, rpc, request_message, bearer(room.token(room.viewers[0]))))
    assert got == (code, reason)


async def test_every_rpc_is_covered_and_needs_a_token(room_system: System) -> None:
    room = await _room(room_system)
    for service, cases, module in (("room", ROOM_CASES, rpb), ("moderation", MODERATION_CASES, mpb)):
        name = "RoomService" if service == "room" else "ModerationService"
        methods = set(module.DESCRIPTOR.services_by_name[name].methods_by_name)
        assert methods == {c[0] for c in cases}
        for method in sorted(methods):
            request_type = getattr(module, f"{method}Request")
            got = await refused(_call(room, service, method, request_type(), ()))
            assert got == (R.UNAUTHENTICATED, "TOKEN_MISSING"), method


async def test_comments_and_likes_from_outside_the_room_are_refused(room_system: System) -> None:
    wechat_id, wechat_token = await room_system.create_wechat_user()
    room = await Room.open(room_system, members=3, wechat_ids=[wechat_id])  # employees only
    joined, never_joined = room.viewers
    await room.join(room.token(joined))
    code, reason = await refused(room.comment(room.token(never_joined), "hello?"))
    assert (code, reason) == (R.FAILED_PRECONDITION, "NOT_JOINED")
    for call in (room.comment(wechat_token, "let me in"), room.like(wechat_token)):
        code, reason = await refused(call)
        assert (code, reason) == (R.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    other = await room_system.create_org(members=1)
    code, reason = await refused(room.like(other.tokens[other.member_ids[0]]))
    assert (code, reason) == (R.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    stream = room.record(room.token(never_joined))
    await stream.until_ended()
    assert stream.error is not None and stream.error.code() == R.FAILED_PRECONDITION

    await room.scene.end(room.live_id)
    for call in (room.comment(room.token(joined), "too late"), room.like(room.token(joined))):
        code, reason = await refused(call)
        assert (code, reason) == (R.FAILED_PRECONDITION, "LIVE_ENDED")
    # A scheduled live has no room yet.
    scheduled = (await room.scene.schedule(3600)).live.id
    code, reason = await refused(room.rooms().PostComment(rpb.PostCommentRequest(
        request_id=request_id(), live_id=scheduled, text="early"), metadata=bearer(room.token(room.host))))
    assert (code, reason) == (R.FAILED_PRECONDITION, "LIVE_NOT_STARTED")
    await room.scene.live.CancelScheduledLive(live_pb2.CancelScheduledLiveRequest(live_id=scheduled),
                                              metadata=bearer(room.token(room.host)))


_ROOMS: dict[int, Room] = {}


async def _room(system: System) -> Room:
    if id(system) not in _ROOMS:
        _ROOMS[id(system)] = await Room.open(system, members=2)
    return _ROOMS[id(system)]
