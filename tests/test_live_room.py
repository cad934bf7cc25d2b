"""The room stream (SPEC F-29): every viewer sees every comment once and in one order across two
live replicas; a reconnect resumes with no gap and no duplicate, or starts over from a snapshot;
the audience applies while the stream runs; likes add up; the live's end ends every stream.
Over real NATS and PostgreSQL, two live replicas in the test's event loop."""

from __future__ import annotations

import asyncio

import grpc
import nats
import pytest
from nats.js.errors import NotFoundError

from convene.live.v1 import live_pb2, room_pb2
from services.runtime import subjects
from tests.harness import System, bearer, error_reason, refused
from tests.room_support import BACKLOG, COMMENT_BURST, Room, RoomRecorder, room_system


def _contiguous(recorder: RoomRecorder, after: int) -> bool:
    return recorder.sequences == list(range(after + 1, after + 1 + len(recorder.sequences)))


async def test_every_viewer_sees_every_comment_once_in_one_order_across_two_replicas(room_system: System) -> None:
    room = await Room.open(room_system, members=8)
    viewers = room.viewers
    for viewer in viewers:
        await room.join(room.token(viewer))
    # Half the viewers hold their stream on each replica; the host's is on the second.
    recorders = [room.record(room.token(v), replica=i % 2) for i, v in enumerate(viewers)]
    recorders.append(room.record(room.token(room.host), replica=1))
    await asyncio.gather(*(r.ready() for r in recorders))
    start = recorders[0].snapshot.sequence
    assert all(r.snapshot.sequence == start for r in recorders)

    # Four authors post through both replicas at once, each their whole burst.
    authors = [room.host, *viewers[:3]]
    posts = [room.comment(room.token(a), f"{a} says {n}", replica=(i + n) % 2)
             for i, a in enumerate(authors) for n in range(COMMENT_BURST)]
    posted = await asyncio.gather(*posts)
    expected = sorted((c.sequence, c.text) for c in posted)
    assert [s for s, _ in expected] == list(range(start + 1, start + 1 + len(posted))), "one gap-free sequence"

    for recorder in recorders:
        await recorder.wait(lambda r: len(r.of_kind("comment")) >= len(posted), "every comment on every stream")
    for recorder in recorders:
        assert recorder.comments == expected
        assert _contiguous(recorder, start), recorder.sequences  # no gap, no duplicate, one order
        assert recorder.counters.comments == len(posted)
    by_host = {c.sequence for c in posted if c.author_id == room.host}
    assert {e.sequence for e in recorders[0].of_kind("comment") if e.comment.by_host} == by_host
    # Batched: fewer messages than comments on a stream.
    assert len(recorders[0].messages) < len(posted) + 1
    for recorder in recorders:
        await recorder.close()
    await room.scene.end(room.live_id)


async def test_a_reconnect_resumes_with_no_gap_or_duplicate_or_starts_over(room_system: System) -> None:
    room = await Room.open(room_system, members=10)
    viewer, *authors = room.viewers
    for principal in room.viewers:
        await room.join(room.token(principal))
    first = await room.record(room.token(viewer), replica=0).ready()
    await room.comment(room.token(authors[0]), "one")
    await first.wait(lambda r: len(r.of_kind("comment")) == 1, "the first comment")
    seen = first.last_sequence
    await first.close()

    # Away: three comments come meanwhile; the viewer comes back through the other replica.
    for text in ("two", "three", "four"):
        await room.comment(room.token(authors[1]), text)
    back = await room.record(room.token(viewer), replica=1, after_sequence=seen).ready()
    assert back.first_snapshot is None
    await back.wait(lambda r: len(r.of_kind("comment")) == 3, "the missed comments")
    await room.comment(room.token(authors[2]), "five", replica=0)
    await back.wait(lambda r: len(r.of_kind("comment")) == 4, "the next comment, live")
    assert _contiguous(back, seen)
    assert [t for _, t in back.comments] == ["two", "three", "four", "five"]
    await back.close()

    # Away for longer than the room keeps: told to start over, from a snapshot.
    behind = back.last_sequence
    for author in authors[3:]:
        for n in range(COMMENT_BURST):
            await room.comment(room.token(author), f"{author} {n}")
    late = await room.record(room.token(viewer), replica=0, after_sequence=behind).ready()
    assert late.snapshot.start_over
    assert len(late.snapshot.recent_comments) == BACKLOG
    assert late.snapshot.recent_comments[-1].sequence == late.snapshot.sequence
    await late.close()

    # A sequence the room never had is refused.
    future = room.record(room.token(viewer), after_sequence=late.snapshot.sequence + 100)
    await future.until_ended()
    assert future.error is not None
    assert (future.error.code(), error_reason(future.error)) == (grpc.StatusCode.OUT_OF_RANGE,
                                                                 "SEQUENCE_FROM_THE_FUTURE")
    await room.scene.end(room.live_id)


async def test_a_wechat_users_stream_ends_when_the_audience_becomes_employees_only(room_system: System) -> None:
    wechat_id, wechat_token = await room_system.create_wechat_user()
    room = await Room.open(room_system, wechat_ids=[wechat_id], audience=live_pb2.AUDIENCE_EVERYONE)
    employee = room.viewers[0]
    await room.join(wechat_token)
    await room.join(room.token(employee))
    outsider = await room.record(wechat_token, replica=1).ready()
    colleague = await room.record(room.token(employee), replica=0).ready()
    await room.comment(wechat_token, "hello from outside")
    await colleague.wait(lambda r: len(r.of_kind("comment")) == 1, "the outsider's comment")

    await room.scene.live.UpdateAudience(live_pb2.UpdateAudienceRequest(
        live_id=room.live_id, audience=live_pb2.AUDIENCE_EMPLOYEES), metadata=bearer(room.token(room.host)))
    await outsider.until_ended()
    assert outsider.error is not None
    assert (outsider.error.code(), error_reason(outsider.error)) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                     "NOT_IN_AUDIENCE")
    await colleague.wait(lambda r: bool(r.of_kind("live_changed")), "the audience change")
    assert colleague.of_kind("live_changed")[-1].live_changed.live.audience == live_pb2.AUDIENCE_EMPLOYEES
    assert not colleague.ended
    # Nor can they come back, comment or like while it stays so.
    code, reason = await refused(room.comment(wechat_token, "still here?"))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    again = room.record(wechat_token)
    await again.until_ended()
    assert error_reason(again.error) == "NOT_IN_AUDIENCE"
    await colleague.close()
    await room.scene.end(room.live_id)


async def test_likes_add_up_on_the_server_and_the_room_shows_the_total(room_system: System) -> None:
    room = await Room.open(room_system, members=3)
    for viewer in room.viewers:
        await room.join(room.token(viewer))
    watcher = await room.record(room.token(room.viewers[0]), replica=1).ready()
    taps = [room.like(room.token(v), count, replica=i % 2) for i, v in enumerate(room.viewers)
            for count in (1, 5, 1, 1, 3)]
    totals = await asyncio.gather(*taps)
    expected = 2 * (1 + 5 + 1 + 1 + 3)
    assert max(totals) == expected
    await watcher.wait(lambda r: r.counters.likes == expected, "the like total")
    assert len(watcher.messages) < len(taps), "a running total, not a message per tap"
    assert (await room.stats()).like_count == expected
    await watcher.close()
    await room.scene.end(room.live_id)


async def test_the_end_of_the_live_ends_every_room_stream(room_system: System) -> None:
    room = await Room.open(room_system, members=3)
    await room.join(room.token(room.viewers[0]))
    recorders = [await room.record(room.token(room.viewers[0]), replica=r).ready() for r in (0, 1)]
    await room.comment(room.token(room.host), "thanks for watching")
    await room.scene.end(room.live_id)
    for recorder in recorders:
        await recorder.until_ended()
        assert recorder.error is None
        assert recorder.events[-1].live_changed.live.state == live_pb2.LIVE_STATE_ENDED
    # The room of an ended live opens no more; a client that missed the end still gets it.
    code, reason = await refused(room.rooms().SubscribeRoom(
        room_pb2.SubscribeRoomRequest(live_id=room.live_id), metadata=bearer(room.token(room.host))).read())
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "LIVE_ENDED")
    late = room.record(room.token(room.viewers[0]), after_sequence=recorders[0].events[-1].sequence - 1)
    await late.until_ended()
    assert late.error is None and late.events[-1].live_changed.live.state == live_pb2.LIVE_STATE_ENDED


async def test_the_room_subject_is_core_nats_only(room_system: System) -> None:
    """The per-live subject must never be stored by the LIVE stream (`live.v1.*.*`)."""
    nc = await nats.connect(room_system.nats_url.split(","))
    try:
        with pytest.raises(NotFoundError):
            await nc.jetstream().find_stream_name_by_subject(subjects.live_room("live_01m7zzzzzzzzzzzzzzzzzzzzzz"))
    finally:
        await nc.close()
