"""What observability costs: the join storm and the live fan-out with metrics and info logs on
(a /metrics port per process, scraped every second, one log line per RPC and per handled event),
beside the same with them off (METRICS_PORT=off, LOG_LEVEL=warning), in the same run. Target:
at most 10 % slower. Rounds alternate off, on, off, on so that a machine that gets busier
during the run does not favour one side.

Tracing when not configured: what its hooks cost per call (a context-variable read and a
no-op context manager), beside what one join costs the live process.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import urllib.request
from collections.abc import AsyncIterator
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

VIEWERS = 5000
IN_FLIGHT = 50
STORM_ROUNDS = 3
FANOUT_SIZE = 2000
LIVES = 5
WARM_UP = 1
SCRAPE_EVERY_S = 1.0

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
    """Scrape every service's /metrics every second while on, as Prometheus would (more often
    than its usual 15 s); yields the count of scrapes answered."""
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


async def join_storm(on: bool) -> tuple[float, float, float]:
    """(joins per second, live process CPU ms per join, the live server's gRPC echo rate)."""
    async with process_system(**(ON if on else OFF)) as system, scraped(system, on) as scrapes:
        org = await system.create_org(members=1)
        host = org.member_ids[0]
        group_id = await system.create_group(org.tokens[host], [org.admin_id])
        started = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
            request_id=request_id(), group_id=group_id, title="all-hands", audience=live_pb2.AUDIENCE_EVERYONE),
            metadata=bearer(org.tokens[host]))
        live_id = started.live.id
        tokens = [system.signer.mint(new_id("member"), enterprise_id=org.enterprise_id)[0] if i % 2
                  else system.signer.mint(new_id("wechat_user"))[0] for i in range(VIEWERS)]
        echo = await grpc_echo_rate(system.address_of("live"), seconds=3.0, in_flight=IN_FLIGHT)
        live = system.stub("live")
        queue = iter(tokens)

        async def viewer() -> None:
            for token in queue:
                await live.JoinLive(live_pb2.JoinLiveRequest(live_id=live_id), metadata=bearer(token))

        began, cpu = time.perf_counter(), cpu_seconds(system, "live")
        await asyncio.gather(*(viewer() for _ in range(IN_FLIGHT)))
        rate = VIEWERS / (time.perf_counter() - began)
        cpu_ms = (cpu_seconds(system, "live") - cpu) / VIEWERS * 1000
        if on:
            assert scrapes[0] > 0, "metrics were never scraped"
            lines = system.log_of("live").read_text().count('"rpc finished"')
            assert lines >= VIEWERS, f"expected a log line per join, found {lines}"
        return rate, cpu_ms, echo


async def join_storms(report: Report) -> float:
    rates: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    echoes: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(STORM_ROUNDS):
        for on in (False, True):
            rate, cpu_ms, echo = await join_storm(on)
            rates[on].append(rate)
            cpu[on].append(cpu_ms)
            echoes[on].append(echo)
            report.note(f"join storm, observability {'on' if on else 'off'}: {rate:,.0f} joins/s, "
                        f"live process {cpu_ms:.3f} ms CPU per join")
    report.compare("observability: join storm", f"{VIEWERS} viewers, {IN_FLIGHT} in flight, metrics + info logs on",
                   statistics.median(rates[True]), baseline_name="same, metrics and logs off",
                   baseline=statistics.median(rates[False]), unit="joins/s", target=">= 0.9x",
                   higher_is_better=True)
    report.compare("observability: join storm", "live process CPU per join, metrics + info logs on",
                   statistics.median(cpu[True]), baseline_name="same, metrics and logs off",
                   baseline=statistics.median(cpu[False]), unit="ms", target="<= 1.1x")
    # The join storm's own target (issue 5) with logging and metrics on.
    report.compare("observability: join storm", "joins/s with metrics + info logs on, vs the gRPC echo",
                   statistics.median(rates[True]), baseline_name="gRPC echo (health Check), same server",
                   baseline=statistics.median(echoes[True]), unit="calls/s", target=">= 0.5x",
                   higher_is_better=True)
    return statistics.median(rates[False])


FANOUT_SERVICES = ("live", "groups", "notifications")


async def fan_out(on: bool) -> tuple[list[float], float]:
    """(last delivery of each live, CPU ms of live + groups + notifications per live start)."""
    async with process_system(**(ON if on else OFF)) as system, scraped(system, on):
        org = await system.create_org(members=FANOUT_SIZE - 1)
        everyone = [org.admin_id, *org.member_ids]
        fleet = StreamFleet(system.address_of("notifications"), org.tokens)
        await fleet.start()
        samples = []
        cpu = 0.0
        try:
            for round_no in range(WARM_UP + LIVES):
                if round_no == WARM_UP:
                    cpu = cpu_seconds(system, *FANOUT_SERVICES)
                host = everyone[round_no]
                group_id = await system.create_group(org.tokens[host], [m for m in everyone if m != host])
                began = now()
                reply = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
                    request_id=request_id(), group_id=group_id, title="bench"), metadata=bearer(org.tokens[host]))
                delivered = await fleet.wait_for(reply.live.id, FANOUT_SIZE) - began
                if round_no >= WARM_UP:
                    samples.append(delivered)
            cpu_ms = (cpu_seconds(system, *FANOUT_SERVICES) - cpu) / LIVES * 1000
        finally:
            await fleet.stop()
        return samples, cpu_ms


async def fan_outs(report: Report) -> None:
    off, off_cpu = await fan_out(False)
    on, on_cpu = await fan_out(True)
    for name, p in (("p50", 50), ("p99", 99)):
        report.compare("observability: live fan-out", f"{FANOUT_SIZE} members, last delivery {name}, "
                       "metrics + info logs on", percentile(on, p) * 1000,
                       baseline_name="same, metrics and logs off", baseline=percentile(off, p) * 1000, unit="ms",
                       target="<= 1.1x")
    report.compare("observability: live fan-out", f"{FANOUT_SIZE} members, CPU of live + groups + notifications "
                   "per start, metrics + info logs on", on_cpu, baseline_name="same, metrics and logs off",
                   baseline=off_cpu, unit="ms", target="<= 1.1x")


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
