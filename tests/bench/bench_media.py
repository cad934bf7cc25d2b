"""Media plane benchmarks (SPEC F-52), each beside a bare baseline from the same run.

1. HLS playback: playlist and segment requests per second through the media edge (play token
   checked and the playlist rewritten on every request), beside a bare aiohttp static file server
   serving the same files, with the same client (32 requests in flight). Target: at least 0.5x.
2. Ingest CPU per 720p 2 Mbps stream: CPU seconds of the edge process and its segmenter for one
   20 s push, beside ffmpeg alone receiving the same push over RTMP (`-listen 1`) and remuxing it
   to the same HLS. Target: at most 2x.
3. The token work of one request at the edge: the play token check (cached after the first
   request) and the play rights (media.play_rights: removals, ended lives, narrowed audiences,
   revocations; 10,000 of each held), beside the token check alone (what a request did before
   the rights). In-process CPU per call. No target: it must stay small beside item 1.
4. Publish to segment available: from the pusher's start to the first segment listed in the
   playlist the edge serves, p50 / p99 over 15 pushes, beside ffmpeg alone (RTMP listen -> HLS,
   first segment in its playlist on disk). Target: p99 under 1.5 s beyond the 1 s segment.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.kv import KeyValue

from convene.live.v1 import live_pb2
from infra.ports import free_port, wait_port
from services.media.play_rights import PlayRights
from services.runtime import jws
from services.runtime.keys import KeySet
from services.runtime.play_tokens import PlayTokens
from services.runtime.revocations import Revocations
from tests.bench.bench_trust import _per_call_us
from tests.bench.report import Report, percentile
from tests.bench.system import process_system
from tests.harness import bearer, request_id
from tests.media_support import ffmpeg

PUSH_S = 20
LATENCY_SAMPLES = 15
REQUESTS = 4000
IN_FLIGHT = 32


async def run(report: Report) -> None:
    token_work(report)
    rtmp_port, http_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="convene-bench-media-") as tmp:
        folder = Path(tmp)
        media_root = folder / "media"
        source = folder / "720p.flv"
        await encode_720p(source)
        env = dict(MEDIA_RTMP_PORT=str(rtmp_port), MEDIA_HTTP_PORT=str(http_port), MEDIA_ROOT=str(media_root),
                   LIVE_MEDIA_BASE_URL=f"rtmp://127.0.0.1:{rtmp_port}/live",
                   LIVE_PLAY_BASE_URL=f"http://127.0.0.1:{http_port}/hls", LIVE_PLAY_TOKEN_TTL_S="3600",
                   LIVE_HOST_TIMEOUT_S="600")
        async with process_system(only=("identity", "groups", "live", "media"), **env) as system:
            org = await system.create_org(members=2)
            host = org.member_ids[0]
            group_id = await system.create_group(org.tokens[host], [org.admin_id, org.member_ids[1]])
            live = system.stub("live")

            async def start() -> live_pb2.StartLiveResponse:
                return await live.StartLive(live_pb2.StartLiveRequest(
                    request_id=request_id(), group_id=group_id, title="bench"), metadata=bearer(org.tokens[host]))

            async def end(live_id: str) -> None:
                await live.EndLive(live_pb2.EndLiveRequest(live_id=live_id), metadata=bearer(org.tokens[host]))

            edge_pid = system.processes["media"][0].proc.pid  # type: ignore[union-attr]
            await ingest_cpu(report, folder, source, start, end, edge_pid)
            await publish_latency(report, folder, source, start, end, http_port, system, org)
            await playback_rate(report, folder, media_root, start, end, source, http_port, system, org)


class _LiveKey:
    """live's signing key for minting play tokens in-process."""

    issuer = "live"

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.kid = "live.bench"
        self.keyset = KeySet()
        self.keyset.add(self.kid, self.key.public_key())

    def sign(self, claims: dict, *, typ: str) -> str:
        return jws.sign(claims, self.key, kid=self.kid, typ=typ)


def token_work(report: Report, held: int = 10_000) -> None:
    live = _LiveKey()
    tokens = PlayTokens(live.keyset, ring=live)  # duck-typed ring: no database
    revocations = Revocations()
    rights = PlayRights(tokens, revocations)
    now_ms = int(time.time() * 1000)

    def entry(key: str, value: int) -> KeyValue.Entry:
        return KeyValue.Entry(bucket="bench", key=key, value=str(value).encode(), revision=0, delta=0, created=None,
                              operation=None)

    for i in range(held):
        rights._apply(entry(f"removed.live_{i % 100}.usr_{i}", now_ms))
        rights._apply(entry(f"ended.live_e{i}", now_ms))
        rights._apply(entry(f"narrowed.live_{i}", now_ms - 600_000))
        revocations._apply(entry(f"usr_r{i}", int(time.time())))
    # A viewer of a live with removals and a narrowed audience, neither touching them: every
    # lookup made, none refusing (the common case, and the longest path).
    token, _ = tokens.mint(live_id="live_7", viewer_id="wx_viewer", replay=False, employee=False, ttl_s=60)
    rights.check(token, live_id="live_7", replay=False)  # not refused

    def checked(_: int) -> object:
        return rights.check(token, live_id="live_7", replay=False)

    report.compare("media", f"token work per HLS request, play rights checked ({held:,} losses of each kind held)",
                   _per_call_us(checked), baseline_name="the play token check alone (before)",
                   baseline=_per_call_us(lambda _: tokens.check(token, live_id="live_7", replay=False)), unit="us")


async def encode_720p(path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
        "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", str(PUSH_S), "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2M", "-maxrate", "2M", "-bufsize", "2M",
        "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv", str(path))
    assert await process.wait() == 0


async def pusher(source: Path, url: str) -> asyncio.subprocess.Process:
    """Push the file in real time (stream copy: the pusher itself costs little)."""
    return await asyncio.create_subprocess_exec(
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", str(source), "-c", "copy",
        "-f", "flv", url, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


def cpu_of(pid: int) -> float:
    """CPU seconds of a process and its reaped children (the segmenters it waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def hls_args(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return ["-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
            "-hls_flags", "delete_segments+omit_endlist+independent_segments+temp_file",
            "-hls_segment_filename", str(folder / "s-%d.ts"), str(folder / "index.m3u8")]


def listening(port: int) -> bool:
    """Whether something listens on loopback:port (read from /proc: a probe connection would be
    taken by `ffmpeg -listen 1` as its one client)."""
    wanted = f"0100007F:{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(line.split()[1] == wanted and line.split()[3] == "0A" for line in lines)


async def ffmpeg_alone(folder: Path, port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-listen", "1", "-f", "flv",
        "-i", f"rtmp://127.0.0.1:{port}/live/bench", "-map", "0", "-c", "copy", *hls_args(folder),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    deadline = time.perf_counter() + 10
    while not listening(port):
        assert time.perf_counter() < deadline and process.returncode is None, "ffmpeg -listen did not start"
        await asyncio.sleep(0.01)
    return process


async def ingest_cpu(report: Report, folder: Path, source: Path, start, end, edge_pid: int) -> None:
    ours, bare = [], []
    for round_no in range(2):
        started = await start()
        before = cpu_of(edge_pid)
        push = await pusher(source, started.publish.push_url)
        assert await push.wait() == 0
        await asyncio.sleep(1.5)  # the segmenter flushes and is reaped
        ours.append(cpu_of(edge_pid) - before)
        await end(started.live.id)

        port = free_port()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        alone = await ffmpeg_alone(folder / f"alone-{round_no}", port)
        push = await pusher(source, f"rtmp://127.0.0.1:{port}/live/bench")
        codes = await asyncio.wait_for(asyncio.gather(push.wait(), alone.wait()), PUSH_S + 30)
        assert codes == [0, 0], f"ffmpeg alone failed: {codes}"
        # The pusher's CPU is in RUSAGE_CHILDREN too: measure it alone and take it out.
        after_both = resource.getrusage(resource.RUSAGE_CHILDREN)
        both = (after_both.ru_utime + after_both.ru_stime) - (usage.ru_utime + usage.ru_stime)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        sink = await asyncio.create_subprocess_exec(
            ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-i", str(source), "-c", "copy",
            "-f", "flv", "-y", str(folder / "pusher-only.flv"))
        await sink.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        pusher_cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
        bare.append(max(0.001, both - pusher_cpu))
    report.compare("media", f"ingest CPU per {PUSH_S} s of 720p 2 Mbps (edge + segmenter)", min(ours),
                   baseline_name="ffmpeg alone (RTMP listen -> HLS)", baseline=min(bare), unit="CPU s",
                   target="<= 2x")


async def first_segment_http(session: aiohttp.ClientSession, url: str, timeout: float = 15) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        async with session.get(url) as response:
            if response.status == 200 and b".ts" in await response.read():
                return time.perf_counter()
        await asyncio.sleep(0.01)
    raise TimeoutError(url)


async def publish_latency(report: Report, folder: Path, source: Path, start, end, http_port: int, system, org) -> None:
    viewer = org.member_ids[1]
    ours, bare = [], []
    async with aiohttp.ClientSession() as session:
        for round_no in range(LATENCY_SAMPLES):
            started = await start()
            joined = await system.stub("live").JoinLive(live_pb2.JoinLiveRequest(live_id=started.live.id),
                                                        metadata=bearer(org.tokens[viewer]))
            url = f"{joined.play.url}?token={joined.play.play_token}"
            began = time.perf_counter()
            push = await pusher(source, started.publish.push_url)
            ours.append(await first_segment_http(session, url) - began)
            push.kill()
            await push.wait()
            await end(started.live.id)

            port = free_port()
            target = folder / f"latency-{round_no}"
            alone = await ffmpeg_alone(target, port)
            began = time.perf_counter()
            push = await pusher(source, f"rtmp://127.0.0.1:{port}/live/bench")
            playlist = target / "index.m3u8"
            deadline = began + 15
            while not (playlist.exists() and ".ts" in playlist.read_text()):
                assert time.perf_counter() < deadline, "ffmpeg alone made no segment"
                await asyncio.sleep(0.01)
            bare.append(time.perf_counter() - began)
            push.kill()
            await push.wait()
            await alone.wait()
    report.compare("media", "publish to segment available, p50", percentile(ours, 50) * 1000,
                   baseline_name="ffmpeg alone", baseline=percentile(bare, 50) * 1000, unit="ms")
    report.compare("media", "publish to segment available, p99", percentile(ours, 99) * 1000,
                   baseline_name="ffmpeg alone", baseline=percentile(bare, 99) * 1000, unit="ms",
                   target="< 2500 ms (1 s segment + 1.5 s)")


async def playback_rate(report: Report, folder: Path, media_root: Path, start, end, source: Path, http_port: int,
                        system, org) -> None:
    started = await start()
    joined = await system.stub("live").JoinLive(live_pb2.JoinLiveRequest(live_id=started.live.id),
                                                metadata=bearer(org.tokens[org.member_ids[1]]))
    push = await pusher(source, started.publish.push_url)
    url = f"{joined.play.url}?token={joined.play.play_token}"
    async with aiohttp.ClientSession() as session:
        await first_segment_http(session, url)
        await asyncio.sleep(4)  # a few segments
    push.kill()
    await push.wait()
    await asyncio.sleep(1)
    live_dir = media_root / "live" / started.live.id
    segment = next(line for line in (live_dir / "index.m3u8").read_text().splitlines()
                   if line and not line.startswith("#"))
    base = joined.play.url.rsplit("/", 1)[0]
    ours = await request_rate([url, f"{base}/{segment}?token={joined.play.play_token}"])

    port = free_port()
    bare_server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.bare_static_server", str(media_root), str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await asyncio.to_thread(wait_port, port, 15)
        bare_base = f"http://127.0.0.1:{port}/hls/live/{started.live.id}"
        bare = await request_rate([f"{bare_base}/index.m3u8", f"{bare_base}/{segment}"])
    finally:
        bare_server.terminate()
        await bare_server.wait()
    size_kb = (live_dir / segment).stat().st_size / 1024  # before the end: it deletes the live's HLS
    await end(started.live.id)
    report.compare("media", f"HLS requests/s, playlist + {size_kb:.0f} KB segment, token checked", ours,
                   baseline_name="bare aiohttp static server", baseline=bare, unit="req/s",
                   target=">= 0.5x", higher_is_better=True)


async def request_rate(urls: list[str]) -> float:
    """Requests per second alternating `urls`, IN_FLIGHT at a time, REQUESTS in all."""
    count = 0
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as session:
        for url in urls:  # warm up
            async with session.get(url) as response:
                assert response.status == 200, (url, response.status)
                await response.read()

        async def worker(index: int) -> None:
            nonlocal count
            while count < REQUESTS:
                count += 1
                async with session.get(urls[(count + index) % len(urls)]) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(IN_FLIGHT)))
        return REQUESTS / (time.perf_counter() - started)
