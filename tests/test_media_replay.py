"""The host-gone rule driven by the stream itself (SPEC F-26) and the real replay job (SPEC F-27,
F-52): the recording of the whole live, every piece in order, becomes an HLS VOD with its real
duration; a live without media fails its replay with a reason; the replay obeys the audience;
deleting it deletes its files."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import grpc
import pytest

from convene.groups.v1 import groups_pb2
from convene.live.v1 import events_pb2 as live_events
from convene.live.v1 import live_pb2
from services.runtime import subjects
from tests.harness import EventTap, StreamRecorder, System, eventually, refused
from tests.live_support import Scene
from tests.media_support import Edge, Push, decode, get, media_system

# Long enough for a reconnecting ffmpeg to be on air again on a loaded machine, short for the wait.
HOST_TIMEOUT_S = 6.0


@pytest.fixture(scope="module")
async def media(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[System, Edge]]:
    async with media_system(postgres, tmp_path_factory.mktemp("replay"), host_timeout_s=HOST_TIMEOUT_S) as running:
        yield running


async def _live(scene: Scene, live_id: str) -> live_pb2.Live:
    return (await scene.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))).live


async def _replay(scene: Scene, live_id: str, principal: str, token: str | None = None) -> live_pb2.GetReplayResponse:
    return await scene.live.GetReplay(live_pb2.GetReplayRequest(live_id=live_id), metadata=scene.as_(principal, token))


async def _settled(scene: Scene, live_id: str) -> live_pb2.GetReplayResponse:
    answer = None

    async def final() -> bool:
        nonlocal answer
        answer = await _replay(scene, live_id, scene.host)
        return answer.replay.state in (live_pb2.REPLAY_STATE_READY, live_pb2.REPLAY_STATE_FAILED)

    await eventually(final, timeout=40, every=0.2, what="the replay ready or failed")
    assert answer is not None
    return answer


async def test_the_stream_gone_ends_the_live_a_reconnect_in_time_does_not_and_the_replay_has_both_pieces(media) -> None:
    system, edge = media
    tap = await EventTap(system.nats_url, subjects.LIVE_REPLAY_REQUESTED).start()
    wechat_id, wechat_token = await system.create_wechat_user()
    scene = await Scene.create(system, wechat_ids=[wechat_id])
    member = scene.org.member_ids[1]
    inbox = StreamRecorder(system, scene.org.tokens[member])
    await inbox.ready()
    started = await scene.start(allow_replay=True)
    live_id = started.live.id

    first = await Push(started.publish.push_url, 3).start()
    assert await first.wait() == 0, first.stderr
    gone_at = time.monotonic()
    await asyncio.sleep(1.0)  # the host's connection drops; they reconnect inside LIVE_HOST_TIMEOUT_S
    # Still pushing when the first piece's host timeout has passed.
    second = await Push(started.publish.push_url, HOST_TIMEOUT_S + 1.0).start()
    await asyncio.sleep(max(0.0, gone_at + HOST_TIMEOUT_S + 0.5 - time.monotonic()))
    live = await _live(scene, live_id)
    assert live.state == live_pb2.LIVE_STATE_LIVE and live.stream_on_air, "the reconnect resumed the same live"
    assert await second.wait() == 0, second.stderr
    stopped_at = time.monotonic()

    async def ended() -> bool:
        return (await _live(scene, live_id)).state == live_pb2.LIVE_STATE_ENDED

    await eventually(ended, timeout=20 + HOST_TIMEOUT_S, what="the live ending by itself")
    assert time.monotonic() - stopped_at >= HOST_TIMEOUT_S - 0.5, "ended before the host timeout"
    live = await _live(scene, live_id)
    assert live.end_reason == live_pb2.END_REASON_HOST_GONE and not live.stream_on_air

    answer = await _settled(scene, live_id)
    assert answer.replay.state == live_pb2.REPLAY_STATE_READY, answer
    pushed_s = 3 + HOST_TIMEOUT_S + 1.0
    assert abs(answer.replay.duration_ms - pushed_s * 1000) <= 1000, f"VOD of {answer.replay.duration_ms} ms, {pushed_s} s pushed"
    requested = tap.of_type(subjects.LIVE_REPLAY_REQUESTED, live_id)[0].payload(live_events.ReplayRequested)
    assert len(requested.pieces) == 2 and requested.pieces[0].duration_ms < requested.pieces[1].duration_ms
    await tap.close()

    # The VOD plays: ffmpeg reads all of it from the edge with the viewer's replay token.
    shown = await _replay(scene, live_id, member)
    assert shown.play.url.endswith(f"/replay/{live_id}/index.m3u8") and shown.play.play_token
    vod = f"{shown.play.url}?token={shown.play.play_token}"
    status, playlist = await get(vod)
    assert status == 200 and b"#EXT-X-ENDLIST" in playlist and b"#EXT-X-PLAYLIST-TYPE:VOD" in playlist
    output = await decode(vod, seconds=30)
    assert "Video: h264" in output and "Audio: aac" in output

    # The card changes to "view details" and the members are told (SPEC F-27).
    async def card_offers_replay() -> bool:
        return await scene.card_state(live_id) == groups_pb2.CARD_STATE_REPLAY_READY

    await eventually(card_offers_replay, what="the card offering the replay")
    card = await scene.card(live_id)
    assert card is not None and card.details.replay_url == shown.play.url
    assert abs(card.details.replay_duration_seconds - pushed_s) <= 1

    async def member_told() -> bool:
        return any(n.card.state == groups_pb2.CARD_STATE_REPLAY_READY and n.card.details.replay_url
                   for n in inbox.cards_for(live_id))

    await eventually(member_told, what="the replay-ready notification carrying the VOD")
    await inbox.close()

    # Replay viewing obeys the audience like the live (SPEC F-23).
    code, reason = await refused(_replay(scene, live_id, wechat_id, wechat_token))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    await scene.live.UpdateAudience(live_pb2.UpdateAudienceRequest(live_id=live_id, audience=live_pb2.AUDIENCE_EVERYONE),
                                    metadata=scene.as_(scene.host))
    outsider = await _replay(scene, live_id, wechat_id, wechat_token)
    status, _ = await get(f"{outsider.play.url}?token={outsider.play.play_token}")
    assert status == 200

    # Deleting the replay deletes its files: the playlist answers 404 even to a valid token.
    code, reason = await refused(scene.live.DeleteReplay(live_pb2.DeleteReplayRequest(live_id=live_id),
                                                         metadata=scene.as_(member)))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    deleted = await scene.live.DeleteReplay(live_pb2.DeleteReplayRequest(live_id=live_id),
                                            metadata=scene.as_(scene.org.admin_id))
    assert deleted.replay.state == live_pb2.REPLAY_STATE_DELETED

    async def playlist_gone() -> bool:
        return (await get(vod))[0] == 404

    await eventually(playlist_gone, what="the deleted replay's playlist answering 404")
    assert not (edge.media_root / "replay" / live_id).exists() and not (edge.media_root / "rec" / live_id).exists()
    code, reason = await refused(_replay(scene, live_id, scene.host))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "REPLAY_DELETED")

    async def card_deleted() -> bool:
        return await scene.card_state(live_id) == groups_pb2.CARD_STATE_REPLAY_DELETED

    await eventually(card_deleted, what="the card showing the replay deleted")


async def test_a_live_that_never_received_media_fails_its_replay_with_a_reason(media) -> None:
    system, _ = media
    scene = await Scene.create(system)
    live_id = (await scene.start(allow_replay=True)).live.id
    await scene.end(live_id)
    answer = await _settled(scene, live_id)
    assert (answer.replay.state, answer.replay.failure_reason) == (live_pb2.REPLAY_STATE_FAILED, "NO_RECORDING")
    assert not answer.play.url


async def test_ending_the_live_during_a_push_cuts_the_stream_and_keeps_what_was_pushed(media) -> None:
    system, edge = media
    scene = await Scene.create(system)
    started = await scene.start(allow_replay=True)
    live_id = started.live.id
    pusher = await Push(started.publish.push_url, 30).start()

    async def on_air() -> bool:
        return (await _live(scene, live_id)).stream_on_air

    await eventually(on_air, what="the stream on air")
    await asyncio.sleep(2.5)
    ended_at = time.monotonic()
    await scene.end(live_id)
    assert await pusher.wait(timeout=20) != 0, "the stream of an ended live went on"
    cut_after = time.monotonic() - ended_at

    async def segments_gone() -> bool:
        return not (edge.media_root / "live" / live_id).exists()

    await eventually(segments_gone, what="the ended live's segments deleted")
    answer = await _settled(scene, live_id)
    assert answer.replay.state == live_pb2.REPLAY_STATE_READY, answer
    # What was pushed until the cut: about 3 s on air, plus the time to the cut.
    assert 2000 <= answer.replay.duration_ms <= (3.5 + cut_after + 1) * 1000, answer.replay.duration_ms
