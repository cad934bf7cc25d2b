"""RTMP ingest through the embedded media edge (SPEC F-52): the stream key is checked with live
before any media is accepted; the stream's life is told on the bus; bad input is refused and
the edge keeps serving. A real ffmpeg pushes a test pattern with audio."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from convene.live.v1 import live_pb2
from convene.media.v1 import events_pb2 as media_events
from services.runtime import subjects
from tests.harness import EventTap, System, eventually
from tests.live_support import Scene
from tests.media_support import Edge, Push, media_system, push

# A live with no stream ends after this: long enough for a test's refused pushes on a busy machine.
HOST_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
async def media(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[System, Edge]]:
    async with media_system(postgres, tmp_path_factory.mktemp("ingest"), host_timeout_s=HOST_TIMEOUT_S) as running:
        yield running


@pytest.fixture(scope="module")
async def tap(media) -> AsyncIterator[EventTap]:
    system, _ = media
    events = await EventTap(system.nats_url, "media.v1.>").start()
    yield events
    await events.close()


async def _live(scene: Scene, live_id: str) -> live_pb2.Live:
    return (await scene.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))).live


async def _wait_on_air(scene: Scene, live_id: str) -> None:
    async def on_air() -> bool:
        return (await _live(scene, live_id)).stream_on_air

    await eventually(on_air, what="the live showing its stream on air")


def _nothing_stored(edge: Edge, live_id: str) -> bool:
    return not (edge.media_root / "live" / live_id).exists() and not (edge.media_root / "rec" / live_id).exists()


async def test_the_right_key_is_accepted_and_the_stream_is_told_on_the_bus(media, tap: EventTap) -> None:
    system, edge = media
    scene = await Scene.create(system)
    started = await scene.start(allow_replay=True)
    live_id = started.live.id
    assert started.publish.url == edge.rtmp and started.publish.push_url.startswith(f"{edge.rtmp}/{live_id}?key=")
    pusher = await Push(started.publish.push_url, 4).start()
    await _wait_on_air(scene, live_id)
    assert await pusher.wait() == 0, pusher.stderr

    async def off_air() -> bool:
        return not (await _live(scene, live_id)).stream_on_air

    await eventually(off_air, what="the live showing its stream gone")
    published = tap.of_type(subjects.MEDIA_STREAM_PUBLISHED, live_id)
    assert len(published) == 1
    facts = published[0].payload(media_events.StreamPublished)
    assert (facts.media.video_codec, facts.media.audio_codec) == ("h264", "aac")
    assert (facts.media.width, facts.media.height) == (320, 240)
    await eventually(lambda: _has(tap, subjects.MEDIA_RECORDING_FINISHED, live_id), what="the recording")
    recording = tap.of_type(subjects.MEDIA_RECORDING_FINISHED, live_id)[0].payload(media_events.RecordingFinished)
    assert abs(recording.duration_ms - 4000) <= 500 and recording.bytes > 10_000
    assert (edge.media_root / recording.path).is_file()
    gone = tap.of_type(subjects.MEDIA_STREAM_UNPUBLISHED, live_id)[0].payload(media_events.StreamUnpublished)
    assert gone.reason == media_events.UNPUBLISH_REASON_PUBLISHER_STOPPED
    assert gone.publish_id == facts.publish_id == recording.publish_id
    await scene.end(live_id)


async def _has(tap: EventTap, event_type: str, live_id: str) -> bool:
    return bool(tap.of_type(event_type, live_id))


async def test_wrong_rotated_away_and_ended_keys_are_refused_before_any_media(media, tap: EventTap) -> None:
    system, edge = media
    scene = await Scene.create(system)
    started = await scene.start(allow_replay=True)
    live_id, good = started.live.id, started.publish.push_url

    code, errors = await push(good.replace("?key=", "?key=x"), 2)
    assert code != 0 and "STREAM_KEY_INVALID" in errors, "a wrong key was accepted"
    rotated = await scene.live.RotateStreamKey(live_pb2.RotateStreamKeyRequest(live_id=live_id),
                                               metadata=scene.as_(scene.host))
    code, errors = await push(good, 2)
    assert code != 0 and "STREAM_KEY_INVALID" in errors, "a rotated-away key was accepted"
    assert _nothing_stored(edge, live_id) and not tap.of_type(subjects.MEDIA_STREAM_PUBLISHED, live_id)

    other = await Scene.create(system)
    ended = await other.start(allow_replay=True)
    await other.end(ended.live.id)
    code, errors = await push(ended.publish.push_url, 2)
    assert code != 0 and "LIVE_ENDED" in errors, "the key of an ended live was accepted"
    assert _nothing_stored(edge, ended.live.id)

    assert (await push(rotated.publish.push_url, 1))[0] == 0, "the new key works"
    await scene.end(live_id)


async def test_a_second_publisher_is_refused_and_the_first_goes_on(media, tap: EventTap) -> None:
    system, edge = media
    scene = await Scene.create(system)
    started = await scene.start()
    live_id = started.live.id
    first = await Push(started.publish.push_url, 5).start()
    await _wait_on_air(scene, live_id)
    code, errors = await push(started.publish.push_url, 3)
    assert code != 0 and "ALREADY_PUBLISHING" in errors, "a second publisher was accepted"
    assert await first.wait() == 0, first.stderr
    assert len(tap.of_type(subjects.MEDIA_STREAM_PUBLISHED, live_id)) == 1
    assert not (edge.media_root / "rec" / live_id).exists(), "no replay allowed: nothing recorded"
    await scene.end(live_id)


async def test_rotating_the_key_or_ending_the_live_cuts_the_stream_there(media, tap: EventTap) -> None:
    system, _ = media
    scene = await Scene.create(system)
    started = await scene.start()
    live_id = started.live.id
    pusher = await Push(started.publish.push_url, 30).start()
    await _wait_on_air(scene, live_id)
    await scene.live.RotateStreamKey(live_pb2.RotateStreamKeyRequest(live_id=live_id), metadata=scene.as_(scene.host))
    assert await pusher.wait(timeout=20) != 0, "the stream went on with a rotated-away key"
    gone = tap.of_type(subjects.MEDIA_STREAM_UNPUBLISHED, live_id)[0].payload(media_events.StreamUnpublished)
    assert (gone.reason, gone.detail) == (media_events.UNPUBLISH_REASON_CUT_OFF, "PUBLISH_REVOKED")

    other = await Scene.create(system)
    running = await other.start()
    pusher = await Push(running.publish.push_url, 30).start()
    await _wait_on_air(other, running.live.id)
    await other.end(running.live.id)
    assert await pusher.wait(timeout=20) != 0, "the stream of an ended live went on"
    await scene.end(live_id)


async def test_garbage_and_unknown_paths_are_refused_and_the_edge_keeps_serving(media, tap: EventTap) -> None:
    system, edge = media

    def garbage() -> bytes:
        with socket.create_connection(("127.0.0.1", edge.rtmp_port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 8)
            sock.settimeout(10)
            try:
                return sock.recv(4096)  # the edge closes the connection
            except (ConnectionResetError, TimeoutError):
                return b""

    assert await asyncio.to_thread(garbage) == b""
    scene = await Scene.create(system)
    started = await scene.start()
    live_id, key = started.live.id, started.publish.stream_key.split("?key=")[1]
    for url, reason in ((f"rtmp://127.0.0.1:{edge.rtmp_port}/other/{live_id}?key={key}", "UNKNOWN_PATH"),
                        (f"{edge.rtmp}/live_00000000000000000000000000?key={key}", "LIVE_NOT_FOUND"),
                        (f"{edge.rtmp}/{live_id}", "UNKNOWN_PATH"),  # no key
                        (f"{edge.rtmp}/..%2F..%2Fetc?key={key}", "UNKNOWN_PATH")):
        code, errors = await push(url, 1)
        assert code != 0 and reason in errors, f"{url} was not refused with {reason}: {errors[-300:]}"
    assert not tap.of_type(subjects.MEDIA_STREAM_PUBLISHED, live_id)
    assert (await push(started.publish.push_url, 1))[0] == 0, "the edge stopped serving"
    await scene.end(live_id)


async def test_srs_callbacks_get_the_same_check_and_events(media, tap: EventTap) -> None:
    """SRS posts JSON hooks and wants the body `0` to allow; the same check and events follow."""
    import aiohttp

    system, edge = media
    scene = await Scene.create(system)
    started = await scene.start()
    live_id, key = started.live.id, started.publish.stream_key.split("?key=")[1]

    async def hook(action: str, param: str, path: str) -> tuple[int, str]:
        body = {"action": action, "client_id": "c1", "ip": "127.0.0.1", "vhost": "__defaultVhost__",
                "app": "live", "stream": live_id, "param": param}
        async with aiohttp.ClientSession() as session, session.post(f"{edge.http}/rtmp/{path}", json=body) as answer:
            return answer.status, await answer.text()

    assert await hook("on_publish", "?key=wrong-key-0123456789", "on_publish") == (403, "1")
    assert not tap.of_type(subjects.MEDIA_STREAM_PUBLISHED, live_id)
    assert await hook("on_publish", f"?key={key}", "on_publish") == (200, "0")
    await _wait_on_air(scene, live_id)
    assert await hook("on_unpublish", "", "on_publish_done") == (200, "0")

    async def off_air() -> bool:
        return not (await _live(scene, live_id)).stream_on_air

    await eventually(off_air, what="the stream gone after SRS's on_unpublish")
    async with aiohttp.ClientSession() as session, session.post(f"{edge.http}/rtmp/on_publish",
                                                                data=b"\x00\xff garbage") as answer:
        assert answer.status in (400, 403)

    def http_garbage() -> None:
        with socket.create_connection(("127.0.0.1", edge.http_port), timeout=10) as sock:
            sock.sendall(bytes(range(256)) * 4)
            sock.settimeout(10)
            try:
                sock.recv(4096)
            except (ConnectionResetError, TimeoutError):
                pass

    await asyncio.to_thread(http_garbage)
    async with aiohttp.ClientSession() as session, session.get(f"{edge.http}/healthz") as answer:
        assert answer.status == 200, "the edge's HTTP stopped serving"
    await scene.end(live_id)


async def test_an_edge_that_dies_without_a_word_lets_go_after_its_lease(media) -> None:
    """An edge killed mid-stream sends no `unpublished` and no more renewals: another publish is
    refused while its lease runs, and a live nobody pushes to again ends by itself a lease plus
    the host timeout after the last renewal (SPEC F-26)."""
    import nats

    from convene.live.v1 import media_pb2
    from services.runtime import bus
    from services.runtime.events import new_envelope
    from tests.harness import publish_events
    from tests.media_support import FAST_MEDIA

    system, _ = media
    scene = await Scene.create(system)
    started = await scene.start()
    live_id, key = started.live.id, started.publish.stream_key.split("?key=")[1]
    nc = await nats.connect(system.nats_url.split(","))
    try:
        async def ask(publish_id: str) -> media_pb2.AuthorizePublishResponse:
            return await bus.request(nc, subjects.LIVE_AUTHORIZE_PUBLISH, media_pb2.AuthorizePublishRequest(
                live_id=live_id, stream_key=key, edge_id="dead-edge", publish_id=publish_id),
                media_pb2.AuthorizePublishResponse)

        async def granted() -> bool:  # as an edge does, ask again while the start's grant is pending
            answer = await ask("pub_dead")
            assert answer.allowed or answer.reason == "GRANT_PENDING", answer
            return answer.allowed

        await eventually(granted, what="the publish allowed")
        await publish_events(system.nats_url, new_envelope(
            subjects.MEDIA_STREAM_PUBLISHED, subject=live_id, correlation_id=live_id,
            payload=media_events.StreamPublished(live_id=live_id, publish_id="pub_dead", edge_id="dead-edge")))
        await _wait_on_air(scene, live_id)
        died_at = asyncio.get_running_loop().time()
        assert (await ask("pub_other")).reason == "ALREADY_PUBLISHING"

        async def ended() -> bool:
            return (await _live(scene, live_id)).state == live_pb2.LIVE_STATE_ENDED

        lease, timeout = float(FAST_MEDIA["publish_lease_s"]), HOST_TIMEOUT_S
        await eventually(ended, timeout=lease + timeout + 15, every=0.2, what="the live ending by itself")
        assert asyncio.get_running_loop().time() - died_at >= lease + timeout - 1
        assert (await _live(scene, live_id)).end_reason == live_pb2.END_REASON_HOST_GONE
    finally:
        await nc.close()
