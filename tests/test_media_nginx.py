"""Production media servers (SPEC F-52): a real nginx-rtmp (Debian's nginx and
libnginx-mod-rtmp, installed by .ci/run) with its HTTP callbacks pointed at the media edge gets
the same key check before any media, the same stream events and the same replay. Without nginx
and its RTMP module the test says so and is skipped."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from convene.live.v1 import live_pb2
from convene.media.v1 import events_pb2 as media_events
from infra.ports import free_port, wait_port
from services.runtime import subjects
from tests.harness import EventTap, System, eventually
from tests.live_support import Scene
from tests.media_support import Edge, decode, get, media_system, push

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(
    NGINX is None or not RTMP_MODULE.exists(),
    reason="needs Debian's nginx and libnginx-mod-rtmp (.ci/run installs them as root)")


def nginx_config(folder: Path, rtmp_port: int, edge: Edge) -> str:
    """What an operator writes: callbacks to the edge, HLS and recordings into its media root."""
    callback = f"{edge.http}/rtmp"
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
load_module {RTMP_MODULE};
{user}
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{rtmp_port};
        chunk_size 4096;
        notify_method post;
        application live {{
            live on;
            on_publish {callback}/on_publish;
            on_publish_done {callback}/on_publish_done;
            on_update {callback}/on_update;
            notify_update_timeout 2s;
            on_play {callback}/on_play;
            on_record_done {callback}/on_record_done;
            hls on;
            hls_path {edge.media_root}/live;
            hls_nested on;
            hls_fragment 1s;
            hls_playlist_length 6s;
            record all;
            record_path {edge.media_root}/rec;
            record_unique on;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def nginx_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
async def media(postgres, tmp_path_factory: pytest.TempPathFactory, nginx_port: int
                ) -> AsyncIterator[tuple[System, Edge]]:
    # Live hands out nginx's address: hosts push to nginx, which asks the edge.
    async with media_system(postgres, tmp_path_factory.mktemp("nginx"),
                            media_base_url=f"rtmp://127.0.0.1:{nginx_port}/live") as running:
        yield running


@pytest.fixture(scope="module")
def nginx(media, nginx_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    _, edge = media
    folder = tmp_path_factory.mktemp("nginx-conf")
    (edge.media_root / "live").mkdir(parents=True, exist_ok=True)
    (edge.media_root / "rec").mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(nginx_config(folder, nginx_port, edge))
    assert NGINX is not None
    process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder), "-e", str(folder / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(nginx_port, 15)
    except TimeoutError:
        process.kill()
        pytest.fail(f"nginx did not start: {process.communicate()[1].decode()[-2000:]}")
    yield nginx_port
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


async def test_nginx_rtmp_gets_the_same_checks_events_and_replay(media, nginx: int) -> None:
    system, edge = media
    tap = await EventTap(system.nats_url, "media.v1.>").start()
    scene = await Scene.create(system)
    started = await scene.start(allow_replay=True)
    live_id = started.live.id
    assert started.publish.push_url.startswith(f"rtmp://127.0.0.1:{nginx}/live/{live_id}?key=")

    code, _ = await push(started.publish.push_url.replace("?key=", "?key=x"), 2)
    assert code != 0, "nginx took a wrong key"
    assert not (edge.media_root / "live" / live_id).exists() and not tap.of_type(subjects.MEDIA_STREAM_PUBLISHED, live_id)

    pushing = asyncio.create_task(push(started.publish.push_url, 5))
    viewer = scene.org.member_ids[1]
    play = (await scene.join(live_id, scene.org.tokens[viewer])).play
    url = f"{play.url}?token={play.play_token}"

    async def listed() -> bool:
        status, body = await get(url)
        return status == 200 and b".ts" in body

    await eventually(listed, timeout=20, what="nginx's HLS served by the edge")
    assert (await _live(scene, live_id)).stream_on_air
    output = await decode(url, seconds=1)
    assert "Video: h264" in output and "Audio: aac" in output
    status, _ = await get(play.url)
    assert status == 403, "nginx's segments need the token too"
    code, errors = await pushing
    assert code == 0, errors

    async def told() -> bool:
        return bool(tap.of_type(subjects.MEDIA_STREAM_UNPUBLISHED, live_id)
                    and tap.of_type(subjects.MEDIA_RECORDING_FINISHED, live_id))

    await eventually(told, what="unpublished and recording finished from nginx's callbacks")
    piece = tap.of_type(subjects.MEDIA_RECORDING_FINISHED, live_id)[0].payload(media_events.RecordingFinished)
    assert piece.path.startswith("rec/") and abs(piece.duration_ms - 5000) <= 1000
    assert (piece.media.video_codec, piece.media.audio_codec) == ("h264", "aac")
    await scene.end(live_id)

    async def settled() -> bool:
        replay = (await scene.live.GetReplay(live_pb2.GetReplayRequest(live_id=live_id),
                                             metadata=scene.as_(scene.host))).replay
        return replay.state in (live_pb2.REPLAY_STATE_READY, live_pb2.REPLAY_STATE_FAILED)

    await eventually(settled, timeout=40, what="the replay of nginx's recording")
    replay = (await scene.live.GetReplay(live_pb2.GetReplayRequest(live_id=live_id), metadata=scene.as_(scene.host))).replay
    assert replay.state == live_pb2.REPLAY_STATE_READY and abs(replay.duration_ms - 5000) <= 1000, replay
    await tap.close()


async def _live(scene: Scene, live_id: str) -> live_pb2.Live:
    return (await scene.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))).live
