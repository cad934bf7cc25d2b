"""A guest on the mic (连麦, SPEC F-29 with F-52) publishes their own stream through the media edge,
beside the host's: a real ffmpeg pushing RTMP with the guest's key, over real NATS and
PostgreSQL. The key is checked before any media; viewers play the guest's HLS with their own
play token; taken off the mic, the guest's stream is cut and the key refused, while the host's
live goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from convene.live.v1 import live_pb2
from convene.live.v1 import room_pb2 as rpb
from convene.media.v1 import events_pb2 as media_events
from services.runtime import subjects
from tests.harness import EventTap, System, bearer, eventually
from tests.live_support import Scene
from tests.media_support import Edge, Push, decode, get, media_system, push, streams_of
from tests.room_support import room_stub


@pytest.fixture(scope="module")
async def media(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[System, Edge]]:
    async with media_system(postgres, tmp_path_factory.mktemp("guests")) as running:
        yield running


async def test_a_guest_publishes_beside_the_host_until_taken_off(media) -> None:
    system, edge = media
    tap = await EventTap(system.nats_url, "media.v1.>").start()
    scene = await Scene.create(system, members=3)
    started = await scene.start()
    live_id = started.live.id
    guest, watcher = scene.org.member_ids[1:3]
    for viewer in (guest, watcher):
        await scene.join(live_id, scene.org.tokens[viewer])
    host = await Push(started.publish.push_url, 60).start()
    rooms = room_stub(system)
    await rooms.RaiseHand(rpb.RaiseHandRequest(live_id=live_id), metadata=scene.as_(guest))
    accepted = await rooms.AnswerHand(rpb.AnswerHandRequest(live_id=live_id, viewer_id=guest, accept=True),
                                      metadata=scene.as_(scene.host))
    endpoint = (await rooms.GetGuestEndpoint(rpb.GetGuestEndpointRequest(live_id=live_id),
                                             metadata=scene.as_(guest))).publish
    secret = endpoint.stream_key.split("?key=")[1]
    try:
        # Refused before any media: a made-up key, the guest's key on the host's stream name.
        code, errors = await push(endpoint.push_url.replace(secret, "x" * len(secret)), 2)
        assert code != 0 and "STREAM_KEY_INVALID" in errors, errors
        code, errors = await push(endpoint.push_url.replace(f"{live_id}.{guest}", live_id), 2)
        assert code != 0, "the guest's key opened the host's stream"
        assert not (edge.media_root / "guest" / live_id / guest).exists()

        guest_push = await Push(endpoint.push_url, 60).start()

        async def play_token() -> str:
            renewed = await scene.live.ViewerHeartbeat(live_pb2.ViewerHeartbeatRequest(live_id=live_id),
                                                       metadata=scene.as_(watcher))
            return renewed.play.play_token

        async def guest_playing() -> bool:
            status, body = await get(f"{accepted.guest.play_url}?token={await play_token()}")
            return status == 200 and b".ts" in body

        await eventually(guest_playing, timeout=30, what="the guest's stream in HLS")
        video, audio = streams_of(await decode(f"{accepted.guest.play_url}?token={await play_token()}", 1.0))
        assert video.startswith("h264") and audio.startswith("aac"), (video, audio)
        status, _ = await get(accepted.guest.play_url)
        assert status == 403, "the guest's stream without a play token"
        published = [e.payload(media_events.StreamPublished) for e in tap.of_type(subjects.MEDIA_STREAM_PUBLISHED)]
        assert {p.guest_id for p in published if p.live_id == live_id} == {"", guest}

        # Taken off the mic: the edge cuts the guest at its next renewal; the host goes on.
        await rooms.EndGuest(rpb.EndGuestRequest(live_id=live_id, viewer_id=guest), metadata=scene.as_(scene.host))
        assert await guest_push.wait(timeout=30) != 0, "the guest's stream went on after EndGuest"
        code, errors = await push(endpoint.push_url, 2)
        assert code != 0 and "STREAM_KEY_INVALID" in errors, errors

        async def guest_gone() -> bool:
            return any(e.payload(media_events.StreamUnpublished).guest_id == guest
                       for e in tap.of_type(subjects.MEDIA_STREAM_UNPUBLISHED))

        await eventually(guest_gone, timeout=20, what="the guest's stream gone on the bus")
        live = (await scene.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))).live
        assert live.state == live_pb2.LIVE_STATE_LIVE, "a guest's stream leaving is no host gone"
        assert host.process is not None and host.process.returncode is None, "the host's stream was cut"
        status, _ = await get(f"{accepted.guest.play_url}?token={await play_token()}")
        assert status == 404, "a guest who left is not played any more"
    finally:
        await host.stop()
        await tap.close()
    await scene.live.EndLive(live_pb2.EndLiveRequest(live_id=live_id), metadata=bearer(scene.org.tokens[scene.host]))
