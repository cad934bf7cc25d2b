"""Moderation of lives (SPEC F-51): deleted comments disappear for every viewer; muted viewers,
blocked words and a too fast author are refused; a removed viewer's stream ends and their rejoin
is refused; reports reach the live's admins and no other enterprise's; every action is recorded.
Over real NATS and PostgreSQL, two live replicas."""

from __future__ import annotations

import asyncio

import grpc
from google.rpc import error_details_pb2, status_pb2

from convene.live.v1 import live_pb2
from convene.live.v1 import moderation_pb2 as mpb
from convene.live.v1 import room_pb2 as rpb
from tests.harness import System, bearer, error_reason, eventually, refused, request_id
from tests.room_support import BLOCKED_WORDS_CACHE_S, COMMENT_BURST, COMMENT_RATE_PER_S, Room, room_system


async def test_a_deleted_comment_disappears_for_every_viewer(room_system: System) -> None:
    room = await Room.open(room_system, members=4)
    for viewer in room.viewers:
        await room.join(room.token(viewer))
    recorders = [await room.record(room.token(v), replica=i % 2).ready() for i, v in enumerate(room.viewers)]
    kept = await room.comment(room.token(room.viewers[0]), "nice launch")
    spam = await room.comment(room.token(room.viewers[1]), "buy cheap followers", replica=1)
    for recorder in recorders:
        await recorder.wait(lambda r: len(r.comments) == 2, "both comments")

    deleted = await room.moderation(1).DeleteComment(mpb.DeleteCommentRequest(
        live_id=room.live_id, comment_sequence=spam.sequence, reason="spam"), metadata=bearer(room.token(room.host)))
    assert deleted.action.kind == mpb.MODERATION_ACTION_KIND_COMMENT_DELETED
    assert deleted.action.target_id == room.viewers[1] and deleted.action.actor_id == room.host
    for recorder in recorders:
        await recorder.wait(lambda r: r.comments == [(kept.sequence, "nice launch")], "the deletion")

    # Whoever comes later does not see it either: not in a snapshot, and redacted in a replay.
    fresh = await room.record(room.token(room.viewers[2]), replica=0).ready()
    assert [c.text for c in fresh.snapshot.recent_comments] == ["nice launch"]
    replay = await room.record(room.token(room.viewers[2]), replica=1, after_sequence=spam.sequence - 1).ready()
    await replay.wait(lambda r: bool(r.of_kind("comment_deleted")), "the replay")
    assert replay.events[0].sequence == spam.sequence and replay.events[0].HasField("redacted")

    code, reason = await refused(room.moderation().DeleteComment(mpb.DeleteCommentRequest(
        live_id=room.live_id, comment_sequence=spam.sequence, reason="again"), metadata=bearer(room.token(room.host))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "COMMENT_ALREADY_DELETED")
    # A viewer is not a moderator; an admin of the enterprise is.
    code, reason = await refused(room.moderation().DeleteComment(mpb.DeleteCommentRequest(
        live_id=room.live_id, comment_sequence=kept.sequence, reason="mine"),
        metadata=bearer(room.token(room.viewers[0]))))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    await room.moderation().DeleteComment(mpb.DeleteCommentRequest(
        live_id=room.live_id, comment_sequence=kept.sequence, reason="off topic"),
        metadata=bearer(room.token(room.scene.org.admin_id)))
    for recorder in (*recorders, fresh, replay):
        await recorder.wait(lambda r: r.comments == [], "the admin's deletion")
        await recorder.close()
    await room.scene.end(room.live_id)


async def test_a_muted_viewer_is_refused_until_unmuted(room_system: System) -> None:
    room = await Room.open(room_system, members=3)
    loud, watcher = room.viewers
    for viewer in room.viewers:
        await room.join(room.token(viewer))
    recorder = await room.record(room.token(watcher), replica=1).ready()
    muted = await room.moderation().MuteViewer(mpb.MuteViewerRequest(
        live_id=room.live_id, viewer_id=loud, duration_seconds=600, reason="shouting"),
        metadata=bearer(room.token(room.host)))
    assert muted.action.until.seconds > 0
    code, reason = await refused(room.comment(room.token(loud), "LISTEN TO ME", replica=1))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "VIEWER_MUTED")
    code, reason = await refused(room.rooms().RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id),
                                                        metadata=bearer(room.token(loud))))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "VIEWER_MUTED")
    await recorder.wait(lambda r: bool(r.of_kind("viewer_muted")), "the mute in the room")
    # Their own stream says so when it opens.
    own = await room.record(room.token(loud)).ready()
    assert own.snapshot.muted_until.seconds == muted.action.until.seconds
    await own.close()

    await room.moderation().UnmuteViewer(mpb.UnmuteViewerRequest(live_id=room.live_id, viewer_id=loud,
                                                                 reason="calmed down"),
                                         metadata=bearer(room.token(room.host)))
    code, reason = await refused(room.moderation().UnmuteViewer(mpb.UnmuteViewerRequest(
        live_id=room.live_id, viewer_id=loud, reason="twice"), metadata=bearer(room.token(room.host))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_MUTED")
    await room.comment(room.token(loud), "sorry")
    await recorder.wait(lambda r: [t for _, t in r.comments] == ["sorry"], "the comment after the unmute")
    code, reason = await refused(room.moderation().MuteViewer(mpb.MuteViewerRequest(
        live_id=room.live_id, viewer_id=room.host, duration_seconds=60, reason="x"),
        metadata=bearer(room.token(room.scene.org.admin_id))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "TARGET_IS_HOST")
    await recorder.close()
    await room.scene.end(room.live_id)


async def test_a_comment_with_a_blocked_word_is_refused(room_system: System) -> None:
    room = await Room.open(room_system, members=2)
    viewer = room.viewers[0]
    await room.join(room.token(viewer))
    admin = bearer(room.token(room.scene.org.admin_id))
    updated = await room.moderation().UpdateBlockedWords(mpb.UpdateBlockedWordsRequest(add=["Scam", "代购"]),
                                                         metadata=admin)
    assert updated.word_count == 2
    for text in ("total scam here", "ＳＣＡＭ", "找我代购"):  # any case, full width, inside a word
        code, reason = await refused(room.comment(room.token(viewer), text, replica=1))
        assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "COMMENT_HAS_BLOCKED_WORD"), text
    await room.comment(room.token(viewer), "great product")
    # Another enterprise's words do not apply here, and its admins do not see this list.
    other = await Room.open(room_system, members=2)
    await other.join(other.token(other.viewers[0]))
    await other.comment(other.token(other.viewers[0]), "not a scam")
    listed = await other.moderation().ListBlockedWords(mpb.ListBlockedWordsRequest(),
                                                       metadata=bearer(other.token(other.scene.org.admin_id)))
    assert list(listed.words) == []
    code, reason = await refused(room.moderation().ListBlockedWords(mpb.ListBlockedWordsRequest(),
                                                                    metadata=bearer(room.token(viewer))))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")

    await room.moderation().UpdateBlockedWords(mpb.UpdateBlockedWordsRequest(remove=["scam"]), metadata=admin)
    listed = await room.moderation().ListBlockedWords(mpb.ListBlockedWordsRequest(), metadata=admin)
    assert [w.word for w in listed.words] == ["代购"]

    async def accepted_on_both() -> bool:
        try:
            for replica in (0, 1):
                await room.comment(room.token(room.host), "scam, said nobody", replica=replica)
            return True
        except grpc.aio.AioRpcError as error:
            assert error_reason(error) == "COMMENT_HAS_BLOCKED_WORD"
            return False

    await eventually(accepted_on_both, timeout=10, every=BLOCKED_WORDS_CACHE_S,
                     what="a removed word no longer refused on any replica")
    actions = await room.moderation().ListModerationActions(mpb.ListModerationActionsRequest(), metadata=admin)
    kinds = [(a.kind, sorted(a.words)) for a in actions.actions]
    assert kinds == [(mpb.MODERATION_ACTION_KIND_BLOCKED_WORDS_REMOVED, ["scam"]),
                     (mpb.MODERATION_ACTION_KIND_BLOCKED_WORDS_ADDED, ["scam", "代购"])]
    await room.scene.end(room.live_id)
    await other.scene.end(other.live_id)


async def test_an_author_commenting_too_fast_is_told_when_to_retry(room_system: System) -> None:
    room = await Room.open(room_system, members=2)
    viewer = room.viewers[0]
    await room.join(room.token(viewer))
    for n in range(COMMENT_BURST):
        await room.comment(room.token(viewer), f"quick {n}")
    try:
        await room.comment(room.token(viewer), "one too many", replica=1)
        raise AssertionError("the comment past the burst was accepted")
    except grpc.aio.AioRpcError as error:
        assert (error.code(), error_reason(error)) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "COMMENT_RATE_LIMITED")
        delays = []
        for key, value in error.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                for detail in status_pb2.Status.FromString(value).details:
                    retry = error_details_pb2.RetryInfo()
                    if detail.Unpack(retry):
                        delays.append(retry.retry_delay.ToTimedelta().total_seconds())
        assert len(delays) == 1 and 0 < delays[0] <= 1 / COMMENT_RATE_PER_S
    # The same request again returns the comment it posted, and takes nothing from the limit.
    first = await room.comment(room.token(room.host), "once", request="same-request")
    again = await room.comment(room.token(room.host), "once", request="same-request", replica=1)
    assert again == first
    await room.scene.end(room.live_id)


async def test_a_removed_viewer_loses_stream_heartbeats_and_rejoin(room_system: System) -> None:
    room = await Room.open(room_system, members=3)
    troll, watcher = room.viewers
    for viewer in room.viewers:
        await room.join(room.token(viewer))
    await room.rooms().RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id), metadata=bearer(room.token(troll)))
    streams = [await room.record(room.token(troll), replica=r).ready() for r in (0, 1)]
    recorder = await room.record(room.token(watcher), replica=1).ready()
    assert [h.viewer_id for h in recorder.snapshot.raised_hands] == [troll]

    action = await room.remove(room.token(room.scene.org.admin_id), troll)
    assert (action.kind, action.target_id, action.reason) == (mpb.MODERATION_ACTION_KIND_VIEWER_REMOVED, troll, "spam")
    for stream in streams:
        await stream.until_ended()
        assert stream.error is not None
        assert (stream.error.code(), error_reason(stream.error)) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                     "REMOVED_FROM_LIVE")
    await recorder.wait(lambda r: bool(r.of_kind("viewer_removed")), "the removal in the room")
    lowered = recorder.of_kind("hand_lowered")[-1].hand_lowered
    assert (lowered.viewer_id, lowered.reason) == (troll, rpb.HAND_LOWERED_REASON_REMOVED)

    live = room.scene.live
    for call in (room.join(room.token(troll)),
                 live.ViewerHeartbeat(live_pb2.ViewerHeartbeatRequest(live_id=room.live_id),
                                      metadata=bearer(room.token(troll))),
                 room.comment(room.token(troll), "I'm back")):
        code, reason = await refused(call)
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "REMOVED_FROM_LIVE")
    again = room.record(room.token(troll))
    await again.until_ended()
    assert error_reason(again.error) == "REMOVED_FROM_LIVE"
    # Likes check removals as read at most a second ago.
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            await room.like(room.token(troll))
        except grpc.aio.AioRpcError as error:
            assert error_reason(error) == "REMOVED_FROM_LIVE"
            break
        assert asyncio.get_running_loop().time() < deadline, "likes of a removed viewer still counted"
        await asyncio.sleep(0.2)
    stats = await room.stats()
    assert stats.current_viewers == 1, "their watch session was closed"
    await recorder.close()
    await room.scene.end(room.live_id)


async def test_reports_reach_the_lives_admins_and_no_other_enterprises(room_system: System) -> None:
    wechat_id, wechat_token = await room_system.create_wechat_user()
    room = await Room.open(room_system, members=2, wechat_ids=[wechat_id], audience=live_pb2.AUDIENCE_EVERYONE)
    admin = bearer(room.token(room.scene.org.admin_id))
    other = await room_system.create_org(members=1)
    other_admin = bearer(other.tokens[other.admin_id])

    reported = await room.moderation().ReportLive(mpb.ReportLiveRequest(
        request_id=request_id(), live_id=room.live_id, reason=mpb.REPORT_REASON_SPAM), metadata=bearer(wechat_token))
    report = reported.report
    assert (report.state, report.reporter_id, report.enterprise_id) == (
        mpb.REPORT_STATE_OPEN, wechat_id, room.scene.org.enterprise_id)
    again = await room.moderation().ReportLive(mpb.ReportLiveRequest(
        request_id=request_id(), live_id=room.live_id, reason=mpb.REPORT_REASON_ABUSE), metadata=bearer(wechat_token))
    assert again.report.id == report.id, "one open report per viewer and live"

    listed = await room.moderation().ListReports(mpb.ListReportsRequest(), metadata=admin)
    assert [r.id for r in listed.reports] == [report.id]
    assert list((await room.moderation().ListReports(mpb.ListReportsRequest(), metadata=other_admin)).reports) == []
    for call in (room.moderation().ListReports(mpb.ListReportsRequest(live_id=room.live_id), metadata=other_admin),
                 room.moderation().ResolveReport(mpb.ResolveReportRequest(
                     report_id=report.id, resolution=mpb.REPORT_RESOLUTION_DISMISS, note="not ours"),
                     metadata=other_admin),
                 room.moderation().ListReports(mpb.ListReportsRequest(),
                                               metadata=bearer(room.token(room.viewers[0])))):
        code, reason = await refused(call)
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")

    dismissed = await room.moderation().ResolveReport(mpb.ResolveReportRequest(
        report_id=report.id, resolution=mpb.REPORT_RESOLUTION_DISMISS, note="a joke"), metadata=admin)
    assert (dismissed.report.state, dismissed.report.resolved_by) == (mpb.REPORT_STATE_DISMISSED,
                                                                      room.scene.org.admin_id)
    code, reason = await refused(room.moderation().ResolveReport(mpb.ResolveReportRequest(
        report_id=report.id, resolution=mpb.REPORT_RESOLUTION_DISMISS, note="twice"), metadata=admin))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "REPORT_ALREADY_RESOLVED")

    # Two more reports; force-stopping through one resolves both and ends the live.
    await room.join(room.token(room.viewers[0]))
    watcher = await room.record(room.token(room.viewers[0])).ready()
    second = (await room.moderation().ReportLive(mpb.ReportLiveRequest(
        request_id=request_id(), live_id=room.live_id, reason=mpb.REPORT_REASON_ILLEGAL),
        metadata=bearer(wechat_token))).report
    third = (await room.moderation().ReportLive(mpb.ReportLiveRequest(
        request_id=request_id(), live_id=room.live_id, reason=mpb.REPORT_REASON_OTHER, note="weird"),
        metadata=bearer(room.token(room.viewers[0])))).report
    stopped = await room.moderation(1).ResolveReport(mpb.ResolveReportRequest(
        report_id=second.id, resolution=mpb.REPORT_RESOLUTION_FORCE_STOP, note="illegal content"), metadata=admin)
    assert stopped.report.state == mpb.REPORT_STATE_FORCE_STOPPED
    await watcher.until_ended()
    ended = watcher.events[-1].live_changed.live
    assert (ended.state, ended.end_reason, ended.end_note) == (
        live_pb2.LIVE_STATE_ENDED, live_pb2.END_REASON_FORCE_STOPPED, "illegal content")
    resolved = await room.moderation().ListReports(mpb.ListReportsRequest(state=mpb.REPORT_STATE_FORCE_STOPPED),
                                                   metadata=admin)
    assert {r.id for r in resolved.reports} == {second.id, third.id}
    assert list((await room.moderation().ListReports(mpb.ListReportsRequest(), metadata=admin)).reports) == []

    actions = await room.moderation().ListModerationActions(
        mpb.ListModerationActionsRequest(live_id=room.live_id, page_size=1), metadata=admin)
    assert actions.next_page_token
    rest = await room.moderation().ListModerationActions(mpb.ListModerationActionsRequest(
        live_id=room.live_id, page_token=actions.next_page_token), metadata=admin)
    recorded = [(a.kind, a.report_id, a.reason, a.actor_id) for a in [*actions.actions, *rest.actions]]
    assert recorded == [(mpb.MODERATION_ACTION_KIND_LIVE_FORCE_STOPPED, second.id, "illegal content",
                         room.scene.org.admin_id),
                        (mpb.MODERATION_ACTION_KIND_REPORT_DISMISSED, report.id, "a joke", room.scene.org.admin_id)]
    assert all(a.create_time.seconds > 0 for a in [*actions.actions, *rest.actions])
    code, reason = await refused(room.moderation().ListModerationActions(
        mpb.ListModerationActionsRequest(live_id=room.live_id), metadata=other_admin))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
