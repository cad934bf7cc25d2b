"""Raising a hand to speak (连麦, SPEC F-29): raise, accept, the guest's own publish endpoint,
taken off by the host or leaving; declined hands; the statistics WeCom reports (comment_num,
mic_num, is_comment, is_mic). Over real NATS and PostgreSQL, two live replicas."""

from __future__ import annotations

import grpc
import nats

from convene.live.v1 import live_pb2, media_pb2
from convene.live.v1 import room_pb2 as rpb
from services.runtime import bus, subjects
from services.runtime.ids import new_id
from tests.harness import System, bearer, eventually, refused
from tests.room_support import MAX_GUESTS, Room, room_system


async def _may_publish(system: System, live_id: str, endpoint: live_pb2.PublishEndpoint) -> str:
    """What live answers a media edge that asks whether this endpoint's key may publish ('' when
    it may): the stream name says whose stream it is, `<live id>` or `<live id>.<guest id>`."""
    stream, _, secret = endpoint.stream_key.partition("?key=")
    _, _, guest_id = stream.partition(".")
    nc = await nats.connect(system.nats_url.split(","))
    try:
        answer = await bus.request(nc, subjects.LIVE_AUTHORIZE_PUBLISH, media_pb2.AuthorizePublishRequest(
            live_id=live_id, stream_key=secret, guest_id=guest_id, edge_id="edge-test", publish_id=new_id("publish")),
            media_pb2.AuthorizePublishResponse)
    finally:
        await nc.close()
    assert isinstance(answer, media_pb2.AuthorizePublishResponse)
    return "" if answer.allowed else answer.reason


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
    assert endpoint.stream_key.startswith(f"{room.live_id}.{guest}?key=")
    assert endpoint.push_url == f"{endpoint.url}/{endpoint.stream_key}"
    assert await _may_publish(room_system, room.live_id, endpoint) == ""
    # Only the guest gets one; the guest's key is no key to the host's stream, nor another's.
    code, reason = await refused(rooms.GetGuestEndpoint(rpb.GetGuestEndpointRequest(live_id=room.live_id),
                                                        metadata=bearer(room.token(watcher))))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_GUEST")
    as_host_stream = live_pb2.PublishEndpoint(stream_key=f"{room.live_id}?key={endpoint.stream_key.split('=')[1]}")
    assert await _may_publish(room_system, room.live_id, as_host_stream) in ("STREAM_KEY_INVALID", "GRANT_PENDING")
    as_watcher = live_pb2.PublishEndpoint(stream_key=endpoint.stream_key.replace(guest, watcher))
    assert await _may_publish(room_system, room.live_id, as_watcher) == "STREAM_KEY_INVALID"
    # A stranger cannot take the guest off; the host can.
    code, reason = await refused(rooms.EndGuest(rpb.EndGuestRequest(live_id=room.live_id, viewer_id=guest),
                                                metadata=bearer(room.token(watcher))))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "HOST_ONLY")
    await rooms.EndGuest(rpb.EndGuestRequest(live_id=room.live_id, viewer_id=guest), metadata=as_host)
    await audience.wait(lambda r: r.of_kind("guests_changed")[-1].guests_changed.left_id == guest, "the guest off")
    assert list(audience.of_kind("guests_changed")[-1].guests_changed.guests) == []
    assert await _may_publish(room_system, room.live_id, endpoint) == "STREAM_KEY_INVALID"
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
    guest_endpoint = (await rooms.GetGuestEndpoint(rpb.GetGuestEndpointRequest(live_id=room.live_id),
                                                   metadata=bearer(room.token(guest)))).publish
    for recorder in (host_view, audience, late):
        await recorder.close()
    await room.scene.end(room.live_id)
    assert await _may_publish(room_system, room.live_id, guest_endpoint) == "LIVE_ENDED", "keys die with the live"


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
