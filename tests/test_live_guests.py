"""Raising a hand to speak (连麦, SPEC F-29): raise, accept, the guest's own publish endpoint,
taken off by the host or leaving; declined hands; the statistics WeCom reports (comment_num,
mic_num, is_comment, is_mic). Over real NATS and PostgreSQL, two live replicas."""

from __future__ import annotations

import asyncpg
import grpc

from convene.live.v1 import live_pb2
from convene.live.v1 import room_pb2 as rpb
from services.live import room_store
from tests.harness import System, bearer, eventually, refused
from tests.room_support import MAX_GUESTS, Room, room_system


async def _publisher(system: System, live_id: str, stream_key: str) -> tuple[str, str] | None:
    """What the one key lookup a media edge goes through answers."""
    conn = await asyncpg.connect(system.database_url, server_settings={"search_path": "live"})
    try:
        return await room_store.publisher_of_key(conn, live_id, stream_key)
    finally:
        await conn.close()


async def test_raise_hand_accept_publish_and_taken_off(room_system: System) -> None:
    room = await Room.open(room_system, members=4)
    guest, leaver, watcher = room.viewers
    for viewer in room.viewers:
        await room.join(room.token(viewer))
    host_view = await room.record(room.token(room.host), replica=1).ready()
    audience = await room.record(room.token(watcher), replica=0).ready()
    rooms, as_host = room.rooms(), bearer(room.token(room.host))

    await rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id), metadata=bearer(room.token(guest)))
    await rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id), metadata=bearer(room.token(guest)))  # once
    await host_view.wait(lambda r: bool(r.of_kind("hand_raised")), "the raised hand")
    assert [e.hand_raised.viewer_id for e in host_view.of_kind("hand_raised")] == [guest]

    accepted = await room.rooms(1).AnswerHand(rpb.AnswerHandRequest(live_id=room.live_id, viewer_id=guest,
                                                                    accept=True), metadata=as_host)
    assert accepted.guest.viewer_id == guest and guest in accepted.guest.play_url
    for recorder in (host_view, audience):
        await recorder.wait(lambda r: bool(r.of_kind("guests_changed")), "the new guest")
        change = recorder.of_kind("guests_changed")[-1].guests_changed
        assert change.joined_id == guest and [g.viewer_id for g in change.guests] == [guest]
    endpoint = (await rooms.GetGuestEndpoint(rpb.GetGuestEndpointRequest(live_id=room.live_id),
                                             metadata=bearer(room.token(guest)))).publish
    assert endpoint.stream_key and endpoint.url.endswith(f"{room.live_id}.{guest}")
    assert await _publisher(room_system, room.live_id, endpoint.stream_key) == ("guest", guest)
    # Only the guest gets it; the host's own key still works beside it.
    code, reason = await refused(rooms.GetGuestEndpoint(rpb.GetGuestEndpointRequest(live_id=room.live_id),
                                                        metadata=bearer(room.token(watcher))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_GUEST")
    host_key = (await room.scene.live.GoLive(live_pb2.GoLiveRequest(live_id=room.live_id),
                                             metadata=as_host)).publish.stream_key

    async def host_granted() -> bool:
        return await _publisher(room_system, room.live_id, host_key) == ("host", room.host)

    await eventually(host_granted, what="the host's publish grant")
    # A stranger cannot take the guest off; the host can.
    code, reason = await refused(rooms.EndGuest(rpb.EndGuestRequest(live_id=room.live_id, viewer_id=guest),
                                                metadata=bearer(room.token(watcher))))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "HOST_ONLY")
    await rooms.EndGuest(rpb.EndGuestRequest(live_id=room.live_id, viewer_id=guest), metadata=as_host)
    await audience.wait(lambda r: r.of_kind("guests_changed")[-1].guests_changed.left_id == guest, "the guest off")
    assert list(audience.of_kind("guests_changed")[-1].guests_changed.guests) == []
    assert await _publisher(room_system, room.live_id, endpoint.stream_key) is None
    code, reason = await refused(rooms.GetGuestEndpoint(rpb.GetGuestEndpointRequest(live_id=room.live_id),
                                                        metadata=bearer(room.token(guest))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_GUEST")

    # Another guest leaves when they like; a third raise is declined; seats are limited.
    for viewer in (leaver, guest):
        await rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id), metadata=bearer(room.token(viewer)))
        await rooms.AnswerHand(rpb.AnswerHandRequest(live_id=room.live_id, viewer_id=viewer, accept=True),
                               metadata=as_host)
    await rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id), metadata=bearer(room.token(watcher)))
    code, reason = await refused(rooms.AnswerHand(rpb.AnswerHandRequest(
        live_id=room.live_id, viewer_id=watcher, accept=True), metadata=as_host))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "GUEST_SEATS_FULL")
    assert MAX_GUESTS == 2
    await rooms.AnswerHand(rpb.AnswerHandRequest(live_id=room.live_id, viewer_id=watcher, accept=False),
                           metadata=as_host)
    await rooms.EndGuest(rpb.EndGuestRequest(live_id=room.live_id), metadata=bearer(room.token(leaver)))
    await host_view.wait(lambda r: [g.viewer_id for g in r.of_kind("guests_changed")[-1].guests_changed.guests]
                         == [guest], "the leaver gone")
    declined = host_view.of_kind("hand_lowered")[-1].hand_lowered
    assert (declined.viewer_id, declined.reason) == (watcher, rpb.HAND_LOWERED_REASON_DECLINED)
    # Whoever opens now sees who is on the mic and no hand waiting.
    late = await room.record(room.token(watcher), replica=1).ready()
    assert [g.viewer_id for g in late.snapshot.guests] == [guest] and list(late.snapshot.raised_hands) == []

    # WeCom's figures: the live's mic_num counts viewers who went on the mic, once each.
    await room.comment(room.token(watcher), "welcome")
    stats = await room.stats()
    assert (stats.mic_num, stats.comment_num) == (2, 1)
    records = {v.viewer_id: v for v in (await room.scene.live.ListViewers(
        live_pb2.ListViewersRequest(live_id=room.live_id), metadata=as_host)).viewers}
    assert {v: (r.is_comment, r.is_mic) for v, r in records.items() if v != room.host} == {
        guest: (False, True), leaver: (False, True), watcher: (True, False)}
    for recorder in (host_view, audience, late):
        await recorder.close()
    await room.scene.end(room.live_id)
    assert await _publisher(room_system, room.live_id, host_key) is None, "keys die with the live"


async def test_hands_are_for_viewers_in_the_room(room_system: System) -> None:
    room = await Room.open(room_system, members=3)
    joined, stranger = room.viewers
    await room.join(room.token(joined))
    rooms = room.rooms()
    code, reason = await refused(rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id),
                                                 metadata=bearer(room.token(stranger))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_JOINED")
    code, reason = await refused(rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id),
                                                 metadata=bearer(room.token(room.host))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "HOST_CANNOT_RAISE_HAND")
    code, reason = await refused(rooms.LowerHand(rpb.LowerHandRequest(live_id=room.live_id),
                                                 metadata=bearer(room.token(joined))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "HAND_NOT_RAISED")
    await rooms.RaiseHand(rpb.RaiseHandRequest(live_id=room.live_id), metadata=bearer(room.token(joined)))
    code, reason = await refused(rooms.AnswerHand(rpb.AnswerHandRequest(
        live_id=room.live_id, viewer_id=joined, accept=True), metadata=bearer(room.token(joined))))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "HOST_ONLY")
    await rooms.LowerHand(rpb.LowerHandRequest(live_id=room.live_id), metadata=bearer(room.token(joined)))
    code, reason = await refused(rooms.AnswerHand(rpb.AnswerHandRequest(
        live_id=room.live_id, viewer_id=joined, accept=True), metadata=bearer(room.token(room.host))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "HAND_NOT_RAISED")
    await room.scene.end(room.live_id)
