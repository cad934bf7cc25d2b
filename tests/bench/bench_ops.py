"""What observability costs: the join storm and the live fan-out with metrics and info logs on
(a /metrics port per process, scraped every 5 s, one log line per RPC and per handled event),
beside the same with them off (METRICS_PORT=off, LOG_LEVEL=warning), in the same run. Target:
at most 10 % slower. The two systems run side by side and are measured at the same moments
(storm windows of WINDOW_S; lives started on both at once), so whatever else the shared machine
does falls on both alike; CPU per join and per live start, from /proc, beside the rates.

Tracing when not configured: what its hooks cost per call (a context-variable read and a
no-op context manager), beside what one join costs the live process.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from convene.live.v1 import live_pb2
from infra.run import SERVICES
from services.runtime import tracing
from services.runtime.ids import new_id
from tests.bench.baselines import grpc_echo_rate
from tests.bench.report import Report, percentile
from tests.bench.streams import StreamFleet, now
from tests.bench.system import ProcessSystem, process_system
from tests.harness import bearer, request_id

IN_FLIGHT = 50
WINDOWS = 8
WINDOW_S = 6.0
TOKENS_PER_SIDE = 40_000
FANOUT_SIZE = 2000
LIVES = 5
WARM_UP = 1
# Prometheus scrapes every 15 s by default; three times as often here.
SCRAPE_EVERY_S = 5.0

# No host heartbeats here: a live must not end by itself while a storm runs on a busy machine.
_QUIET = {"LIVE_HOST_TIMEOUT_S": "3600"}
OFF = {"METRICS_PORT": "off", "LOG_LEVEL": "warning", **_QUIET}
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")
ON = {"LOG_LEVEL": "info", **_QUIET}  # and a metrics port per process (ProcessSystem gives each one)


async def run(report: Report) -> None:
    off_rate = await join_storms(report)
    await fan_outs(report)
    untraced_hooks(report, off_rate)
    await request_id_echo(report)


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_S


def cpu_seconds(system: ProcessSystem, *names: str) -> float:
    """CPU the named services' processes have used so far: less moved by a busy machine than
    throughput, since another job's CPU is not counted."""
    total = 0.0
    for name in names:
        for service in system.processes[name]:
            assert service.proc is not None
            total += _process_cpu(service.proc.pid)
    return total


@asynccontextmanager
async def scraped(system: ProcessSystem, on: bool) -> AsyncIterator[list[int]]:
    """Scrape every service's /metrics every SCRAPE_EVERY_S while on, as Prometheus would;
    yields the count of scrapes answered."""
    answered = [0]
    if not on:
        yield answered
        return

    def scrape_all() -> None:
        for name in SERVICES:
            with urllib.request.urlopen(f"http://{system.metrics_address_of(name)}/metrics", timeout=5) as reply:
                reply.read()
            answered[0] += 1

    async def loop() -> None:
        while True:
            await asyncio.to_thread(scrape_all)
            await asyncio.sleep(SCRAPE_EVERY_S)

    task = asyncio.create_task(loop())
    try:
        yield answered
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def storm_ready(system: ProcessSystem) -> tuple[str, Iterator[str], str]:
    """A live open to everyone, viewers' tokens (members and WeChat users) to join it with, and
    its host's token."""
    org = await system.create_org(members=1)
    host = org.member_ids[0]
    group_id = await system.create_group(org.tokens[host], [org.admin_id])
    started = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="all-hands", audience=live_pb2.AUDIENCE_EVERYONE),
        metadata=bearer(org.tokens[host]))
    tokens = [await system.mint_token(new_id("member"), enterprise_id=org.enterprise_id) if i % 2
              else await system.mint_token(new_id("wechat_user")) for i in range(TOKENS_PER_SIDE)]
    return started.live.id, iter(tokens), org.tokens[host]


async def storm_window(system: ProcessSystem, live_id: str, tokens: Iterator[str]) -> tuple[int, float]:
    """Joins (each a new viewer, IN_FLIGHT at a time) for WINDOW_S: (joins done, live CPU seconds)."""
    live = system.stub("live")
    done = 0
    deadline = time.perf_counter() + WINDOW_S

    async def viewer() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await live.JoinLive(live_pb2.JoinLiveRequest(live_id=live_id), metadata=bearer(next(tokens)))
            done += 1

    cpu = cpu_seconds(system, "live")
    await asyncio.gather(*(viewer() for _ in range(IN_FLIGHT)))
    return done, cpu_seconds(system, "live") - cpu


async def join_storms(report: Report) -> float:
    """Both systems run at once and storm at once, window by window: whatever else the machine
    does falls on both sides alike."""
    joins: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    async with process_system(**OFF) as off, process_system(**ON) as on, scraped(on, True) as scrapes:
        sides = {False: off, True: on}
        ready = dict(zip(sides, await asyncio.gather(*(storm_ready(s) for s in sides.values()))))
        echoes = dict(zip(sides, await asyncio.gather(
            *(grpc_echo_rate(s.address_of("live"), seconds=3.0, in_flight=IN_FLIGHT) for s in sides.values()))))
        total = {False: 0, True: 0}
        for _ in range(WINDOWS):
            results = await asyncio.gather(*(storm_window(sides[o], ready[o][0], ready[o][1]) for o in sides))
            for o, (count, cpu_s) in zip(sides, results):
                total[o] += count
                joins[o].append(count / WINDOW_S)
                cpu[o].append(cpu_s / count * 1000)
            report.note(f"join storm window: off {joins[False][-1]:,.0f} joins/s ({cpu[False][-1]:.3f} ms CPU each),"
                        f" on {joins[True][-1]:,.0f} joins/s ({cpu[True][-1]:.3f} ms CPU each)")
        for o, system in sides.items():
            stats = await system.stub("live").GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=ready[o][0]),
                                                           metadata=bearer(ready[o][2]))
            assert stats.stats.total_viewers == total[o], (stats, total[o])
        assert scrapes[0] > 0, "metrics were never scraped"
        lines = on.log_of("live").read_text().count('"rpc finished"')
        assert lines >= total[True], f"expected a log line per join: {lines} lines, {total[True]} joins"
    report.compare("observability: join storm", f"joins/s, {IN_FLIGHT} in flight, metrics + info logs on",
                   statistics.median(joins[True]), baseline_name="same, metrics and logs off, at the same time",
                   baseline=statistics.median(joins[False]), unit="joins/s", target=">= 0.9x",
                   higher_is_better=True)
    report.compare("observability: join storm", "live process CPU per join, metrics + info logs on",
                   statistics.median(cpu[True]), baseline_name="same, metrics and logs off, at the same time",
                   baseline=statistics.median(cpu[False]), unit="ms", target="<= 1.1x")
    # The join storm's own target (joins at least half the server's gRPC echo), logging on.
    for o in (True, False):
        report.compare("observability: join storm",
                       f"joins/s with metrics + info logs {'on' if o else 'off'}, vs the gRPC echo",
                       statistics.median(joins[o]), baseline_name="gRPC echo (health Check), same server",
                       baseline=echoes[o], unit="calls/s", target=">= 0.5x", higher_is_better=True)
    return statistics.median(joins[False])


FANOUT_SERVICES = ("live", "groups", "notifications")


async def fanout_ready(system: ProcessSystem) -> tuple[list[str], dict[str, str], StreamFleet]:
    org = await system.create_org(members=FANOUT_SIZE - 1)
    fleet = StreamFleet(system.address_of("notifications"), org.tokens)
    await fleet.start()
    return [org.admin_id, *org.member_ids], org.tokens, fleet


async def one_live(system: ProcessSystem, everyone: list[str], tokens: dict[str, str], fleet: StreamFleet,
                   host: str) -> tuple[float, float]:
    """(StartLive -> the last member's stream has the card, CPU of live + groups + notifications)."""
    group_id = await system.create_group(tokens[host], [m for m in everyone if m != host])
    cpu = cpu_seconds(system, *FANOUT_SERVICES)
    began = now()
    reply = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="bench"), metadata=bearer(tokens[host]))
    delivered = await fleet.wait_for(reply.live.id, FANOUT_SIZE) - began
    return delivered, cpu_seconds(system, *FANOUT_SERVICES) - cpu


async def fan_outs(report: Report) -> None:
    """Both systems at once, each live started on both at the same moment."""
    latency: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    async with process_system(**OFF) as off, process_system(**ON) as on, scraped(on, True):
        sides = {False: off, True: on}
        ready = dict(zip(sides, await asyncio.gather(*(fanout_ready(s) for s in sides.values()))))
        try:
            for round_no in range(WARM_UP + LIVES):
                results = await asyncio.gather(*(
                    one_live(sides[o], *ready[o], host=ready[o][0][round_no]) for o in sides))
                if round_no >= WARM_UP:
                    for o, (delivered, cpu_s) in zip(sides, results):
                        latency[o].append(delivered)
                        cpu[o].append(cpu_s)
        finally:
            for _, _, fleet in ready.values():
                await fleet.stop()
    for name, p in (("p50", 50), ("p99", 99)):
        report.compare("observability: live fan-out", f"{FANOUT_SIZE} members, last delivery {name}, "
                       "metrics + info logs on", percentile(latency[True], p) * 1000,
                       baseline_name="same, metrics and logs off, at the same time",
                       baseline=percentile(latency[False], p) * 1000, unit="ms", target="<= 1.1x")
    report.compare("observability: live fan-out", f"{FANOUT_SIZE} members, CPU of live + groups + notifications "
                   "per start, metrics + info logs on", statistics.median(cpu[True]) * 1000,
                   baseline_name="same, metrics and logs off, at the same time",
                   baseline=statistics.median(cpu[False]) * 1000, unit="ms", target="<= 1.1x")


def untraced_hooks(report: Report, joins_per_s: float, calls: int = 200_000) -> None:
    """The hooks an RPC and an event pass through with no OTLP endpoint (span() and
    traceparent()), beside what one join costs: the machine's time per join in the storm."""
    assert tracing.current.get() is None
    began = time.perf_counter()
    for _ in range(calls):
        with tracing.span("x"):
            tracing.traceparent()
    per_call_us = (time.perf_counter() - began) / calls * 1e6
    report.compare("observability: tracing off", "hook cost per call (span + traceparent)", per_call_us,
                   baseline_name="time per join in the storm (1 / joins per s)", baseline=1e6 / joins_per_s,
                   unit="us", target="nothing measurable (< 0.01x)")


_ECHO_SERVER = """
import sys, grpc, uvloop
mode = sys.argv[1]
async def handler(request, context):
    if mode == "headers":
        await context.send_initial_metadata((("x-request-id", "req_0123456789abcdef"),))
    elif mode == "trailers":
        context.set_trailing_metadata((("x-request-id", "req_0123456789abcdef"),))
    return request
async def main():
    server = grpc.aio.server()
    handler_ = grpc.unary_unary_rpc_method_handler(handler)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.Echo", {"Call": handler_}),))
    print(server.add_insecure_port("127.0.0.1:0"), flush=True)
    await server.start()
    await server.wait_for_termination()
uvloop.run(main())
"""


async def request_id_echo(report: Report, calls: int = 20_000) -> None:
    """What echoing `x-request-id` costs a small call: a bare grpc.aio echo server (a process of
    its own, its CPU read from /proc) plain, with the id in the trailers (what the guard does for
    unary calls) and with headers sent first; 50 calls in flight, rounds alternating."""
    import sys

    import grpc

    async def server_cpu_us(mode: str) -> float:
        server = await asyncio.create_subprocess_exec(sys.executable, "-c", _ECHO_SERVER, mode,
                                                      stdout=asyncio.subprocess.PIPE)
        try:
            assert server.stdout is not None
            port = int(await server.stdout.readline())
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                call: Any = channel.unary_unary("/bench.Echo/Call")
                for _ in range(500):
                    await call(b"x")
                left = [calls]

                async def worker() -> None:
                    while left[0] > 0:
                        left[0] -= 1
                        await call(b"x")

                before = _process_cpu(server.pid)
                await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
                return (_process_cpu(server.pid) - before) / calls * 1e6
        finally:
            server.kill()
            await server.wait()

    cost: dict[str, list[float]] = {"plain": [], "trailers": [], "headers": []}
    for _ in range(3):
        for mode in cost:
            cost[mode].append(await server_cpu_us(mode))
    for mode in ("trailers", "headers"):
        report.compare("observability: x-request-id echo", f"bare gRPC echo, server CPU per call, id in the {mode}",
                       statistics.median(cost[mode]), baseline_name="bare gRPC echo",
                       baseline=statistics.median(cost["plain"]), unit="us",
                       target="<= 1.1x" if mode == "trailers" else "")
