"""The room of a busy live (SPEC F-29): one live, 5,000 viewers holding room streams (from child
processes of at most 500, tests/bench/room_holder.py), 100 comments a second (from 200 viewers,
through PostComment) and 1,000 likes a second (taps gathered 5 to a SendLikes call, 200 calls a
second, from a child process, tests/bench/room_tapper.py) for 30 s, one live replica at its
default settings.

Figures: each comment from the start of its PostComment call to the moment the last of the 5,000
streams read it, p50 and p99; how long the PostComment call took to be answered, p50 and p99,
and how the posts ended (gRPC's core cancels a call the server has not taken in after 30 s);
stream writes per second (messages the streams read) and how often each stream was written; the live
process's CPU (user + system, from /proc) over the 30 s, and per stream write. Beside them, in
the same run and against the same holders, a bare grpc.aio server (tests/bench/bare_room_server.py:
no token check, database or NATS) that batches the same comments at the same interval and writes
each batch to the 5,000 streams as the same bytes: told of each comment on a pipe (the bare push),
and again receiving the same PostComment and SendLikes calls as the room (the bare push + calls,
the floor of what those calls cost in grpc.aio). Targets: p99 under 1 s; CPU per stream write at
most 1.5x the bare push's.

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

import grpc

from convene.live.v1 import live_pb2, room_pb2, room_pb2_grpc
from services.live.settings import LiveSettings
from services.runtime.ids import new_id
from tests.bench.cpu import tree_cpu
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import spawn_holders, stop_holders
from tests.bench.system import ProcessSystem, process_system
from tests.harness import bearer, request_id

# The size; BENCH_ROOM_VIEWERS runs another (the flush interval follows, as in the room).
VIEWERS = int(os.environ.get("BENCH_ROOM_VIEWERS", "5000"))
COMMENTERS = 200
COMMENTS_PER_S = 100
LIKES_PER_S = 1000
# Taps a viewer's like button gathers into one SendLikes call (about half a second of tapping):
# one call per tap saturates even the bare grpc.aio server here (docs/BENCHMARKS.md).
TAPS_PER_CALL = 5
SECONDS = 30
DRAIN_S = 30
TEXTS = ["新品什么时候发货？", "Great demo, thanks!", "主播讲得太好了 👍", "Can you show the pricing slide again?",
         "支持！", "Is there a replay afterwards?", "这个功能企业版有吗", "Hello from the Shenzhen office"]


def flush_interval() -> float:
    """How often the room writes to VIEWERS streams on one replica at its default settings."""
    defaults = LiveSettings(service_name="live")
    return max(defaults.room_flush_s, VIEWERS / defaults.room_max_writes_per_s)


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

    async def everyone_read(self, sequences: list[int]) -> int:
        """Wait until every stream read `sequences`, at most DRAIN_S; returns how many some
        stream still had not read then."""
        deadline = time.monotonic() + DRAIN_S
        while True:
            unread = [s for s in sequences if self.arrivals[s][0] < len(self.viewers)]
            if not unread or time.monotonic() > deadline:
                for sequence in unread:
                    self.arrivals[sequence][1] = time.monotonic()
                return len(unread)
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        await stop_holders(self._procs, self._readers)


@dataclass
class Run:
    delivery: list[float]
    # How long each comment post took to be answered (0 when told on a pipe).
    answered: list[float]
    writes_per_s: float
    cpu_s: float
    messages: int
    comments: int
    likes: int = 0
    # Comments some stream had not read when the wait ended (counted as read then).
    late: int = 0
    # Comment posts that failed, by status and gRPC's details.
    failed: dict[str, int] = field(default_factory=dict)
    # How often each stream was written, on average (streams x seconds / messages).
    interval_s: float = 0.0

    @property
    def cpu_per_message_us(self) -> float:
        return self.cpu_s / self.messages * 1e6

    def summary(self) -> str:
        late = f"; {self.late} comments still unread by some stream after {DRAIN_S} s" if self.late else ""
        posts = f"{self.comments:,} of {SECONDS * COMMENTS_PER_S:,} comment posts answered"
        if any(self.answered):
            posts += f" in {summary_ms(self.answered)}"
        failed = f", failed: {self.failed}" if self.failed else ""
        return (f"post -> last stream {summary_ms(self.delivery)}; {posts}{failed}; {self.writes_per_s:,.0f} writes/s"
                f" (each stream every {self.interval_s:.2f} s); CPU {self.cpu_s / SECONDS:.2f} cores,"
                f" {self.cpu_per_message_us:.0f} us per write{late}")


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


async def measure(fleet: RoomFleet, pid: int, post, taps: dict | None = None) -> Run:
    """SECONDS of comments (`post(n)` returns its sequence, when its call started and how long it
    took to be answered), and of
    likes when `taps` says where (a tapper process), while the fleet reads."""
    tapper = None
    if taps is not None:
        tapper = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.room_tapper",
                                                      stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        await asyncio.sleep(2)  # its imports, before the clock starts
    try:
        messages_before, cpu_before, began = fleet.messages, tree_cpu(pid), time.monotonic()
        if tapper is not None and taps is not None:
            assert tapper.stdin is not None
            tapper.stdin.write((json.dumps({**taps, "per_second": LIKES_PER_S, "taps_per_call": TAPS_PER_CALL,
                                            "seconds": SECONDS}) + "\n").encode())
            await tapper.stdin.drain()
        results = await asyncio.gather(*await _paced(SECONDS * COMMENTS_PER_S, COMMENTS_PER_S, post),
                                       return_exceptions=True)
        likes = 0
        if tapper is not None:
            assert tapper.stdout is not None
            tapped = json.loads(await tapper.stdout.readline())
            likes = tapped["sent"]
            if tapped["failed"] or tapped["skipped"]:
                print(f"  likes: {tapped['failed']} calls failed {tapped['errors']}, {tapped['skipped']} taps not sent"
                      " (every call slot busy)", flush=True)
        elapsed, cpu = time.monotonic() - began, tree_cpu(pid) - cpu_before
        messages = fleet.messages - messages_before
    finally:
        if tapper is not None and tapper.returncode is None:
            tapper.kill()
            await tapper.wait()
    posted = [r for r in results if isinstance(r, tuple)]
    failed: dict[str, int] = {}
    for result in results:
        if isinstance(result, grpc.aio.AioRpcError):
            why = f"{result.code().name}: {(result.details() or '')[:80]}"  # the status and what gRPC said
            failed[why] = failed.get(why, 0) + 1
        elif isinstance(result, BaseException):
            raise result
    late = await fleet.everyone_read([sequence for sequence, _, _ in posted])
    delivery = [fleet.arrivals[sequence][1] - started for sequence, started, _ in posted]
    assert fleet.gaps == 0 and fleet.dups == 0, f"{fleet.gaps} gaps, {fleet.dups} duplicates"
    return Run(delivery=delivery, answered=[answered for _, _, answered in posted], writes_per_s=messages / elapsed,
               cpu_s=cpu, messages=messages, comments=len(posted), likes=likes, late=late, failed=failed,
               interval_s=len(fleet.viewers) * elapsed / max(1, messages))


def poster(channel: grpc.aio.Channel, live_id: str, commenters: list[tuple[str, str]]):
    room = room_pb2_grpc.RoomServiceStub(channel)

    async def post(n: int) -> tuple[int, float, float]:
        started = time.monotonic()
        reply = await room.PostComment(room_pb2.PostCommentRequest(
            request_id=request_id(), live_id=live_id, text=TEXTS[n % len(TEXTS)]),
            metadata=bearer(commenters[n % len(commenters)][1]), timeout=120)
        return reply.comment.sequence, started, time.monotonic() - started

    return post


async def bare_run(viewers: list[tuple[str, str]], *, with_calls: bool) -> Run:
    """The bare server, told of each comment on stdin, or (`with_calls`) receiving the same
    PostComment and SendLikes calls as the room."""
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.bare_room_server", str(flush_interval()),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert server.stdin is not None and server.stdout is not None
    address = f"127.0.0.1:{int((await server.stdout.readline()).decode().split()[1])}"
    live_id = new_id("live")
    fleet = RoomFleet(address, live_id, viewers)
    try:
        await fleet.start()
        if with_calls:
            taps = {"address": address, "live_id": live_id, "tokens": [t for _, t in viewers]}
            async with grpc.aio.insecure_channel(address) as channel:
                return await measure(fleet, server.pid, poster(channel, live_id, viewers[:COMMENTERS]), taps)

        pipe = server.stdin

        async def post(n: int) -> tuple[int, float, float]:
            started = time.monotonic()
            pipe.write(f"{n + 1} {viewers[n % COMMENTERS][0]} {TEXTS[n % len(TEXTS)]}\n".encode())
            return n + 1, started, 0.0

        return await measure(fleet, server.pid, post)
    finally:
        await fleet.stop()
        server.kill()
        await server.wait()


async def convene_run(system: ProcessSystem, live_id: str, viewers: list[tuple[str, str]]) -> Run:
    address = system.address_of("live")
    fleet = RoomFleet(address, live_id, viewers)
    await fleet.start()
    try:
        taps = {"address": address, "live_id": live_id, "tokens": [t for _, t in viewers]}
        process = system.processes["live"][0].proc
        assert process is not None
        return await measure(fleet, process.pid,
                             poster(system.channel(address), live_id, viewers[:COMMENTERS]), taps)
    finally:
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
            viewers.append((viewer, await system.mint_token(viewer, org.enterprise_id if i % 2 else "",
                                                            ttl_s=3600)))
        queue = iter(viewers)

        async def joiner() -> None:
            for _, token in queue:
                await live.JoinLive(live_pb2.JoinLiveRequest(live_id=live_id), metadata=bearer(token))

        await asyncio.gather(*(joiner() for _ in range(50)))

        bare = await bare_run(viewers, with_calls=False)
        report.note(f"bare grpc.aio push of the same batches: {bare.summary()}")
        bare_calls = await bare_run(viewers, with_calls=True)
        report.note(f"bare grpc.aio push, receiving the same calls: {bare_calls.summary()}")
        ours = await convene_run(system, live_id, viewers)
        stats = (await live.GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=live_id),
                                         metadata=bearer(org.tokens[host]))).stats
        assert stats.comment_num == ours.comments and stats.like_count == ours.likes, stats

    report.note(f"room, {VIEWERS:,} streams, {COMMENTS_PER_S} comments/s + {LIKES_PER_S} likes/s for {SECONDS} s,"
                f" its write budget's interval {flush_interval():.2f} s: {ours.summary()} ({ours.likes:,} likes counted)")
    for p, target in ((50, ""), (99, "< 1 s")):
        report.compare("live room", f"comment to last of {VIEWERS:,} streams, p{p}", percentile(ours.delivery, p) * 1000,
                       baseline_name=f"bare grpc.aio push p{p}", baseline=percentile(bare.delivery, p) * 1000,
                       unit="ms", target=target)
    for p in (50, 99):
        report.compare("live room", f"comment post answered, p{p}", percentile(ours.answered, p) * 1000,
                       baseline_name=f"bare push + the same calls p{p}", baseline=percentile(bare_calls.answered, p) * 1000,
                       unit="ms")
    report.compare("live room", "comment posts answered", ours.comments, baseline_name="bare push + the same calls",
                   baseline=bare_calls.comments, unit="posts", higher_is_better=True, target=f"{SECONDS * COMMENTS_PER_S:,}")
    report.compare("live room", "stream writes per second", ours.writes_per_s, baseline_name="bare grpc.aio push",
                   baseline=bare.writes_per_s, unit="/s", higher_is_better=True)
    report.compare("live room", "server CPU", ours.cpu_s / SECONDS, baseline_name="bare grpc.aio push",
                   baseline=bare.cpu_s / SECONDS, unit="cores")
    report.compare("live room", "server CPU per stream write", ours.cpu_per_message_us,
                   baseline_name="bare grpc.aio push", baseline=bare.cpu_per_message_us, unit="us",
                   target="<= 1.5x")
    report.compare("live room", "server CPU per stream write", ours.cpu_per_message_us,
                   baseline_name="bare push + the same calls", baseline=bare_calls.cpu_per_message_us, unit="us")
