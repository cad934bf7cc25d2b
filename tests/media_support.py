"""Shared set-up for the media plane tests: the five services and the media edge over one NATS
and a fresh database, with short timings; a real ffmpeg pushing a test pattern with audio over
RTMP; HLS fetched over HTTP and decoded by ffmpeg."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from infra.ports import free_port
from tests.harness import System, module_system

# Seconds, short so the tests wait little (production: minutes). The play token outlives the
# 5 s leeway signed claims get, by a little.
FAST_MEDIA = dict(replay_delay_s=1.0, host_timeout_s=3.0, viewer_timeout_s=30.0, sweep_interval_s=0.5,
                  play_token_ttl_s=4, publish_lease_s=6.0, authorize_wait_s=1.0, hls_segment_s=1.0)


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass
class Edge:
    rtmp_port: int
    http_port: int
    media_root: Path

    @property
    def rtmp(self) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def settings(self) -> dict[str, object]:
        return dict(rtmp_port=self.rtmp_port, http_port=self.http_port, media_root=self.media_root,
                    media_base_url=self.rtmp, play_base_url=f"{self.http}/hls")


def new_edge(folder: Path) -> Edge:
    return Edge(free_port(), free_port(), folder / "media")


@contextlib.asynccontextmanager
async def media_system(postgres, folder: Path, **settings: object) -> AsyncIterator[tuple[System, Edge]]:
    """module_system with the media edge (meetings left out): yields (system, edge)."""
    edge = new_edge(folder)
    async with module_system(postgres, folder, "identity", "groups", "live", "notifications", "media",
                             **{**FAST_MEDIA, **edge.settings(), **settings}) as system:
        yield system, edge


class Push:
    """`ffmpeg -re` pushing a test pattern (320x240, 30 fps, keyframe every second) and a sine
    tone (AAC) for `seconds`, as OBS would push a camera."""

    def __init__(self, url: str, seconds: float, *, size: str = "320x240", bitrate: str = "") -> None:
        self.url = url
        self.seconds = seconds
        self.size = size
        self.bitrate = bitrate
        self.process: asyncio.subprocess.Process | None = None
        self.stderr = ""

    async def start(self) -> Push:
        video = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p"]
        if self.bitrate:
            video += ["-b:v", self.bitrate, "-maxrate", self.bitrate, "-bufsize", self.bitrate]
        self.process = await asyncio.create_subprocess_exec(
            ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc=size={self.size}:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", str(self.seconds), *video, "-c:a", "aac", "-b:a", "64k", "-f", "flv", self.url,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        return self

    async def wait(self, timeout: float | None = None) -> int:
        assert self.process is not None
        _, errors = await asyncio.wait_for(self.process.communicate(), timeout or self.seconds + 30)
        self.stderr = errors.decode(errors="replace")
        return self.process.returncode or 0

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def push(url: str, seconds: float, **options: str) -> tuple[int, str]:
    """Push for `seconds` and wait: (ffmpeg's exit code, its error output)."""
    pusher = await Push(url, seconds, **options).start()
    code = await pusher.wait()
    return code, pusher.stderr


async def get(url: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers or {}) as response:
        return response.status, await response.read()


async def decode(url: str, seconds: float = 2.0) -> str:
    """ffmpeg reads `url` and decodes `seconds` of it; returns what it says of the streams.
    Fails the test when ffmpeg cannot."""
    process = await asyncio.create_subprocess_exec(
        ffmpeg(), "-hide_banner", "-nostdin", "-i", url, "-t", str(seconds), "-f", "null", "-",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, errors = await asyncio.wait_for(process.communicate(), 60)
    text = errors.decode(errors="replace")
    assert process.returncode == 0, f"ffmpeg could not decode {url}:\n{text[-2000:]}"
    return text


def streams_of(ffmpeg_output: str) -> tuple[str, str]:
    """(video line, audio line) of the input ffmpeg described."""
    video = re.search(r"Stream #0:\d+.*: Video: (.*)", ffmpeg_output)
    audio = re.search(r"Stream #0:\d+.*: Audio: (.*)", ffmpeg_output)
    return (video.group(1) if video else "", audio.group(1) if audio else "")
