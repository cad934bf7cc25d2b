"""The room of a busy live (SPEC F-29): one live, 5,000 viewers holding room streams (from child
processes of at most 500, tests/bench/room_holder.py), 100 comments a second (from 200 viewers,
through PostComment) and 1,000 likes a second (one SendLikes call per tap, from a child process,
tests/bench/room_tapper.py) for 30 s.

Figures: each comment from the start of its PostComment call to the moment the last of the 5,000
streams read it, p50 and p99; stream writes per second (messages the streams read); the live
process's CPU (user + system, from /proc) over the 30 s, and per message written. Beside them, in
the same run and against the same holders, a bare grpc.aio server (tests/bench/bare_room_server.py:
no token check, database or NATS) that batches the same comments at the same interval and writes
each batch to the 5,000 streams as the same bytes. Targets: p99 under 1 s; CPU per message written
at most 1.5x the bare server's.

    python -m tests.bench room            # with the other benchmarks' framework
    python -m tests.bench.bench_room      # alone
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from convene.live.v1 import live_pb2, room_pb2, room_pb2_grpc
from services.runtime.ids import new_id
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import spawn_holders
from tests.bench.system import ProcessSystem, process_system
from tests.harness import bearer, request_id

VIEWERS = 5000
COMMENTERS = 200
COMMENTS_PER_S = 100
LIKES_PER_S = 1000
SECONDS = 30
FLUSH_S = 0.25  # the room's default (LIVE_ROOM_FLUSH_S)
TEXTS = ["新品什么时候发货？", "Great demo, thanks!", "主播讲得太好了 👍", "Can you show the pricing slide again?",
         "支持！", "Is there a replay afterwards?", "这个功能企业版有吗", "Hello from the Shenzhen office"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class RoomFleet:
    """Room streams for `viewers` held by child processes; when the last stream read each sequence."""

    address: str
    live_id: str
    viewers: list[tuple[str, str]]
    arrivals: dict[int, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))
    messages: int = 0
    gaps: int = 0
    dups: int = 0
    _procs: list[asyncio.subprocess.Process] = field(default_factory=list)
    _readers: list[asyncio.Task] = field(default_factory=list)

    async def start(self) -> None:
        self._procs = await spawn_holders("tests.bench.room_holder", {"address": self.address,
                                                                     "live_id": self.live_id}, self.viewers)
        ready = [asyncio.Event() for _ in self._procs]
        self._readers = [asyncio.create_task(self._read(p, r)) for p, r in zip(self._procs, ready)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 300)

    async def _read(self, proc: asyncio.subprocess.Process, ready: asyncio.Event) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            if raw.strip() == b"ready":
                ready.set()
                continue
            line = json.loads(raw)
            self.messages += line["messages"]
            self.gaps, self.dups = self.gaps + line["gaps"], self.dups + line["dups"]
            for first, last, streams, latest in line["batches"]:
                for sequence in range(first, last + 1):
                    seen = self.arrivals[sequence]
                    seen[0] += streams
                    seen[1] = max(seen[1], latest)

    async def everyone_read(self, sequences: list[int], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while any(self.arrivals[s][0] < len(self.viewers) for s in sequences):
            if time.monotonic() > deadline:
                short = sum(1 for s in sequences if self.arrivals[s][0] < len(self.viewers))
                raise RuntimeError(f"{short} comments did not reach all {len(self.viewers)} streams")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        for proc in self._procs:
            if proc.returncode is None:
                proc.kill()
        for proc in self._procs:
            await proc.wait()
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


@dataclass
class Run:
    delivery: list[float]
    writes_per_s: float
    cpu_s: float
    messages: int
    comments: int
    likes: int = 0

    @property
    def cpu_per_message_us(self) -> float:
        return self.cpu_s / self.messages * 1e6


async def _paced(count: int, per_second: float, post) -> list[asyncio.Task]:
    """`post(n)` started at a steady rate (not waiting for one to finish before the next)."""
    started = time.monotonic()
    tasks = []
    for n in range(count):
        delay = started + n / per_second - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(n)))
    return tasks


async def measure(fleet: RoomFleet, pid: int, post, tapping: asyncio.subprocess.Process | None = None,
                  taps: dict | None = None) -> Run:
    """SECONDS of comments (and likes, when `tapping`: it starts on reading `taps`) while the
    fleet reads; `post(n)` returns (sequence, when its call started)."""
    messages_before, cpu_before, began = fleet.messages, cpu_seconds(pid), time.monotonic()
    if tapping is not None:
        assert tapping.stdin is not None
        tapping.stdin.write((json.dumps(taps) + "\n").encode())
        await tapping.stdin.drain()
    posted = await asyncio.gather(*await _paced(SECONDS * COMMENTS_PER_S, COMMENTS_PER_S, post))
    likes = 0
    if tapping is not None:
        assert tapping.stdout is not None
        tapped = json.loads(await tapping.stdout.readline())
        likes = tapped["sent"]
        if tapped["failed"]:
            print(f"  {tapped['failed']} like calls failed: {tapped['errors']}", flush=True)
    elapsed, cpu = time.monotonic() - began, cpu_seconds(pid) - cpu_before
    messages = fleet.messages - messages_before
    await fleet.everyone_read([sequence for sequence, _ in posted])
    delivery = [fleet.arrivals[sequence][1] - started for sequence, started in posted]
    return Run(delivery=delivery, writes_per_s=messages / elapsed, cpu_s=cpu, messages=messages,
               comments=len(posted), likes=likes)


async def bare_run(viewers: list[tuple[str, str]]) -> Run:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.bare_room_server", str(FLUSH_S), str(LIKES_PER_S),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert server.stdin is not None and server.stdout is not None
    port = int((await server.stdout.readline()).decode().split()[1])
    fleet = RoomFleet(f"127.0.0.1:{port}", new_id("live"), viewers)
    try:
        await fleet.start()

        async def post(n: int) -> tuple[int, float]:
            started = time.monotonic()
            server.stdin.write(f"{n + 1} {viewers[n % COMMENTERS][0]} {TEXTS[n % len(TEXTS)]}\n".encode())
            return n + 1, started

        return await measure(fleet, server.pid, post)
    finally:
        await fleet.stop()
        server.kill()
        await server.wait()


async def convene_run(system: ProcessSystem, live_id: str, viewers: list[tuple[str, str]]) -> Run:
    address = system.address_of("live")
    fleet = RoomFleet(address, live_id, viewers)
    tapper = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.room_tapper",
                                                  stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert tapper.stdin is not None
    await fleet.start()
    room = room_pb2_grpc.RoomServiceStub(system.channel(address))
    commenters = viewers[:COMMENTERS]
    taps = {"address": address, "live_id": live_id, "tokens": [t for _, t in viewers], "per_second": LIKES_PER_S,
            "seconds": SECONDS}
    try:
        async def post(n: int) -> tuple[int, float]:
            started = time.monotonic()
            reply = await room.PostComment(room_pb2.PostCommentRequest(
                request_id=request_id(), live_id=live_id, text=TEXTS[n % len(TEXTS)]),
                metadata=bearer(commenters[n % COMMENTERS][1]), timeout=60)
            return reply.comment.sequence, started

        return await measure(fleet, system.processes["live"][0].proc.pid, post, tapper, taps)
    finally:
        if tapper.returncode is None:
            tapper.kill()
        await tapper.wait()
        assert fleet.gaps == 0 and fleet.dups == 0, (fleet.gaps, fleet.dups)
        await fleet.stop()


async def run(report: Report) -> None:
    # No host heartbeats and no viewer heartbeats here: neither times out during the run.
    async with process_system(only=("identity", "groups", "live"), LIVE_VIEWER_TIMEOUT_S="3600",
                              LIVE_HOST_TIMEOUT_S="3600") as system:
        org = await system.create_org(members=1)
        host = org.member_ids[0]
        group_id = await system.create_group(org.tokens[host], [org.admin_id])
        live = system.stub("live")
        live_id = (await live.StartLive(live_pb2.StartLiveRequest(
            request_id=request_id(), group_id=group_id, title="all-hands", audience=live_pb2.AUDIENCE_EVERYONE),
            metadata=bearer(org.tokens[host]))).live.id
        # Employees and outside WeChat users, with tokens as identity mints them, who joined.
        viewers = []
        for i in range(VIEWERS):
            viewer = new_id("member") if i % 2 else new_id("wechat_user")
            viewers.append((viewer, system.signer.mint(viewer, enterprise_id=org.enterprise_id if i % 2 else "",
                                                       ttl_s=3600)[0]))
        queue = iter(viewers)

        async def joiner() -> None:
            for _, token in queue:
                await live.JoinLive(live_pb2.JoinLiveRequest(live_id=live_id), metadata=bearer(token))

        await asyncio.gather(*(joiner() for _ in range(50)))

        bare = await bare_run(viewers)
        ours = await convene_run(system, live_id, viewers)
        stats = (await live.GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=live_id),
                                         metadata=bearer(org.tokens[host]))).stats
        assert stats.comment_num == ours.comments and stats.like_count == ours.likes, stats

    report.note(f"room, {VIEWERS:,} streams, {COMMENTS_PER_S} comments/s + {LIKES_PER_S} likes/s for {SECONDS} s:"
                f" post -> last stream {summary_ms(ours.delivery)}; {ours.writes_per_s:,.0f} writes/s;"
                f" live process CPU {ours.cpu_s / SECONDS:.2f} cores ({ours.likes:,} likes counted)")
    report.note(f"bare grpc.aio push of the same batches: {summary_ms(bare.delivery)};"
                f" {bare.writes_per_s:,.0f} writes/s; CPU {bare.cpu_s / SECONDS:.2f} cores")
    for p, target in ((50, ""), (99, "< 1 s")):
        report.compare("live room", f"comment to last of {VIEWERS:,} streams, p{p}", percentile(ours.delivery, p) * 1000,
                       baseline_name=f"bare grpc.aio push p{p}", baseline=percentile(bare.delivery, p) * 1000,
                       unit="ms", target=target)
    report.compare("live room", "stream writes per second", ours.writes_per_s, baseline_name="bare grpc.aio push",
                   baseline=bare.writes_per_s, unit="/s", higher_is_better=True)
    report.compare("live room", "server CPU", ours.cpu_s / SECONDS, baseline_name="bare grpc.aio push",
                   baseline=bare.cpu_s / SECONDS, unit="cores")
    report.compare("live room", "server CPU per message written", ours.cpu_per_message_us,
                   baseline_name="bare grpc.aio push", baseline=bare.cpu_per_message_us, unit="us",
                   target="<= 1.5x")


async def _standalone() -> int:
    from services.runtime.logs import configure_logging

    configure_logging("bench", level="warning", fmt="console")
    report = Report()
    await run(report)
    print()
    print(report.markdown())
    return 0


if __name__ == "__main__":
    try:
        import uvloop

        sys.exit(uvloop.run(_standalone()))
    except ImportError:
        sys.exit(asyncio.run(_standalone()))
