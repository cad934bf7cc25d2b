"""Live benchmarks.

1. Live start to card on every member's open stream (SPEC F-20, F-28, F-41): for groups of 100,
   500 and 2,000 members, the time from the StartLive call to the moment the last member's
   stream holds the live card, beside two bare baselines measured just before each live: the
   bare gRPC bytes push to the same number of streams, held the same way (the floor: one
   message serialized once, the same bytes to every stream), and a bare write+NATS fan-out
   (one row per member with asyncpg, one NATS message per member). Each live's hops are timed
   too, from the StartLive call: answered, `live.v1.session.started` stored, the card committed
   (`groups.v1.card.posted`), the notifications committed (their push), first and last stream.
2. Join storm (SPEC F-23, F-25): 5,000 viewers join one live, 50 calls in flight, each join
   checked against the audience and recorded; joins per second beside the same server's
   cheapest gRPC call (health Check) with 50 in flight, measured in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import defaultdict
from collections.abc import AsyncIterator

import asyncpg
import nats
from nats.aio.msg import Msg

from convene.events.v1 import envelope_pb2
from convene.live.v1 import live_pb2
from convene.notifications.v1 import delivery_pb2
from services.runtime import subjects
from services.runtime.ids import new_id
from tests.bench.baselines import bare_bytes_push, bare_fanout, grpc_echo_rate
from tests.bench.cpu import CpuMeter
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import StreamFleet, now
from tests.bench.system import process_system
from tests.harness import bearer, request_id

SIZES = (100, 500, 2000)
LIVES_PER_SIZE = 7
WARM_UP = 1
VIEWERS = 5000
IN_FLIGHT = 50


async def run(report: Report) -> None:
    await fan_out(report)
    await join_storm(report)


HOPS = ("answered", "event stored", "card committed", "notifications committed", "first stream", "last stream")
TARGETS = {100: "<= 3x", 2000: "<= 2x"}


@contextlib.asynccontextmanager
async def hop_probe(nats_url: str) -> AsyncIterator[dict[str, dict[str, float]]]:
    """When each live's events went by on NATS ({live id: {hop: time.monotonic()}}): its start
    stored (the relay publishes the outbox row), its card committed (groups' event), its
    notifications committed (the push that follows the commit)."""
    seen: dict[str, dict[str, float]] = defaultdict(dict)
    nc = await nats.connect(nats_url.split(","))

    async def on_event(msg: Msg) -> None:
        at = now()
        envelope = envelope_pb2.Envelope.FromString(msg.data)
        hop = "event stored" if msg.subject == subjects.LIVE_SESSION_STARTED else "card committed"
        seen[envelope.correlation_id].setdefault(hop, at)

    async def on_push(msg: Msg) -> None:
        at = now()
        batch = delivery_pb2.DeliveryCommitted.FromString(msg.data)
        if batch.HasField("shared") and batch.shared.notification.card.subject_id:
            seen[batch.shared.notification.card.subject_id].setdefault("notifications committed", at)

    await nc.subscribe(subjects.LIVE_SESSION_STARTED, cb=on_event)
    await nc.subscribe(subjects.GROUPS_CARD_POSTED, cb=on_event)
    await nc.subscribe(subjects.NOTIFICATIONS_PUSH, cb=on_push)
    await nc.flush()
    try:
        yield seen
    finally:
        await nc.close()


async def fan_out(report: Report) -> None:
    async with process_system() as system, bare_bytes_push() as floor, hop_probe(system.nats_url) as probe:
        org = await system.create_org(members=max(SIZES) - 1)
        everyone = [org.admin_id, *org.member_ids]
        fleet = StreamFleet(system.address_of("notifications"), org.tokens)
        await fleet.start()
        pool = await asyncpg.create_pool(system.database_url, min_size=1, max_size=2)
        hosts = iter(everyone)
        try:
            for size in SIZES:
                members = everyone[:size]
                floor_fleet = StreamFleet(floor.address, {m: org.tokens[m] for m in members})
                await floor_fleet.start()
                samples, bare, pushes, pushes_both = [], [], [], []
                hops: dict[str, list[float]] = defaultdict(list)
                cpu: dict[str, list[float]] = defaultdict(list)  # CPU seconds per round, by process
                try:
                    for round_no in range(WARM_UP + LIVES_PER_SIZE):
                        baseline = await bare_fanout(system.nats_url, size, pool)
                        floor_meter = CpuMeter({"bare server": [floor.pid]})
                        pushed = await floor.push(floor_fleet, size)
                        floor_cpu = floor_meter.used()["bare server"]
                        # What a live start writes to each member's stream: the card's chat entry
                        # and the card notification.
                        floor_meter = CpuMeter({"bare server": [floor.pid]})
                        pushed_both = await floor.push(floor_fleet, size, messages=2)
                        floor_cpu_both = floor_meter.used()["bare server"]
                        host = next(hosts)
                        group_id = await system.create_group(org.tokens[host], [m for m in members if m != host])
                        meter = CpuMeter({**{name: pids for name, pids in system.pids().items() if pids},
                                          "stream holders": fleet.pids})
                        started = now()
                        reply = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
                            request_id=request_id(), group_id=group_id, title="bench"),
                            metadata=bearer(org.tokens[host]))
                        answered = now()
                        last = await fleet.wait_for(reply.live.id, size)
                        used = meter.used()
                        if round_no >= WARM_UP:  # the first live of a size warms caches and connections
                            samples.append(last - started)
                            bare.append(baseline)
                            pushes.append(pushed)
                            pushes_both.append(pushed_both)
                            for name, seconds in {**used, "bare server, one message": floor_cpu,
                                                  "bare server, two messages": floor_cpu_both}.items():
                                cpu[name].append(seconds)
                            times = {**probe[reply.live.id], "answered": answered, "last stream": last,
                                     "first stream": min(fleet.arrivals[reply.live.id].values())}
                            for hop in HOPS:
                                if hop in times:
                                    hops[hop].append(times[hop] - started)
                finally:
                    await floor_fleet.stop()
                report.note(f"live start -> last of {size} streams: {summary_ms(samples)}; bare bytes push:"
                            f" {summary_ms(pushes)}; two messages a stream: {summary_ms(pushes_both)};"
                            f" bare write+NATS: {summary_ms(bare)}")
                report.note(f"live start to {size} members, hops p50 (p99) from the call: " + ", ".join(
                    f"{hop} {percentile(hops[hop], 50) * 1000:.1f} ({percentile(hops[hop], 99) * 1000:.1f}) ms"
                    for hop in HOPS if hops[hop]))
                report.note(f"live start to {size} members, CPU ms per round (median, from /proc): " + ", ".join(
                    f"{name} {statistics.median(seconds) * 1000:.0f}" for name, seconds in cpu.items()))
                report.compare("live fan-out", f"{size} members, notifications process CPU per live start",
                               statistics.median(cpu["notifications"]) * 1000,
                               baseline_name="bare server CPU per push, chat entry + notification a stream",
                               baseline=statistics.median(cpu["bare server, two messages"]) * 1000, unit="ms")
                report.compare("live fan-out", f"{size} members, last delivery p99",
                               percentile(samples, 99) * 1000, baseline_name="bare gRPC bytes push p99",
                               baseline=percentile(pushes, 99) * 1000, unit="ms", target=TARGETS.get(size, ""))
                report.compare("live fan-out", f"{size} members, last delivery p99", percentile(samples, 99) * 1000,
                               baseline_name="bare gRPC bytes push p99, chat entry + notification a stream",
                               baseline=percentile(pushes_both, 99) * 1000, unit="ms")
                report.compare("live fan-out", f"{size} members, last delivery p99",
                               percentile(samples, 99) * 1000, baseline_name="bare write+NATS fan-out p99",
                               baseline=percentile(bare, 99) * 1000, unit="ms")
        finally:
            await pool.close()
            await fleet.stop()


async def join_storm(report: Report) -> None:
    # The host sends no heartbeats here: on a loaded machine the storm may outlast the default
    # 60 s host timeout, which would end the live under it.
    async with process_system(LIVE_HOST_TIMEOUT_S="3600") as system:
        org = await system.create_org(members=1)
        host = org.member_ids[0]
        group_id = await system.create_group(org.tokens[host], [org.admin_id])
        # Viewers: employees and outside WeChat users, with tokens as identity mints them (signed
        # with identity's key, several seconds of RSA: before the live starts, so that its host's
        # heartbeat timeout does not run meanwhile). The live process has seen none of them.
        tokens = [await system.mint_token(new_id("member"), enterprise_id=org.enterprise_id) if i % 2
                  else await system.mint_token(new_id("wechat_user")) for i in range(VIEWERS)]
        started = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
            request_id=request_id(), group_id=group_id, title="all-hands", audience=live_pb2.AUDIENCE_EVERYONE),
            metadata=bearer(org.tokens[host]))
        live_id = started.live.id
        address = system.address_of("live")
        echo = await grpc_echo_rate(address, seconds=3.0, in_flight=IN_FLIGHT)
        live = system.stub("live")
        queue = iter(tokens)

        async def viewer() -> None:
            for token in queue:
                await live.JoinLive(live_pb2.JoinLiveRequest(live_id=live_id), metadata=bearer(token))

        began = time.perf_counter()
        await asyncio.gather(*(viewer() for _ in range(IN_FLIGHT)))
        joins_per_s = VIEWERS / (time.perf_counter() - began)
        stats = await live.GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=live_id), metadata=bearer(org.tokens[host]))
        assert stats.stats.total_viewers == VIEWERS, stats
        report.compare("live join storm", f"{VIEWERS} viewers, {IN_FLIGHT} in flight", joins_per_s,
                       baseline_name="gRPC echo (health Check)", baseline=echo, unit="calls/s",
                       target=">= 0.5x", higher_is_better=True)
