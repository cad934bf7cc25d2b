"""Fan-out of one event to 2,000 and 10,000 users with their streams open (SPEC F-41).

Each round publishes one `groups.v1.card.posted` whose recipients are users with an open stream
(held by child processes, tests/bench/streams.py), and times each stream's arrival from the
publish. Figures per size, with one and with two notifications replicas (each its own process):
notifications per second (users / last delivery) and the last delivery's p99 over the rounds,
beside two baselines measured in the same run: a bare fan-out of the same size (one row per user
written with asyncpg, one NATS message per user to a subscriber) and the bare gRPC bytes push (a
server with no token check, database or NATS writing one message, serialized once, to each of the
same N users' streams, held the same way: the floor; target: p99 within 1.5x at 10,000), both
measured before each round; then two replicas against one, end to end and for the fan-out's commits alone (no
stream open, so the clients' processes take no CPU from the replicas).

    python -m tests.bench notifications            # or standalone:
    python -m tests.bench.bench_notifications
"""

from __future__ import annotations

import asyncio
import statistics
import time

import asyncpg
import nats

from convene.identity.v1 import identity_pb2
from services.runtime.ids import new_id
from tests.bench.baselines import BareBytesPush, bare_bytes_push, bare_fanout
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import StreamFleet, now
from tests.bench.system import ProcessSystem, process_system
from tests.harness import bearer, request_id
from tests.notifications_kit import card_event

SIZES = (2000, 10_000)
ROUNDS = 3
# Recipients per fan-out chunk (the service's default, set explicitly: the commit-only figure
# counts chunks).
CHUNK = 2000


async def make_users(system: ProcessSystem, count: int) -> dict[str, str]:
    """WeChat users identity knows ({user id: token}), with tokens signed here (the bench holds
    the key), so that making them costs one call each."""
    identity = system.stub("identity")
    in_flight = asyncio.Semaphore(64)

    async def one() -> str:
        async with in_flight:
            created = await identity.CreateWeChatUser(identity_pb2.CreateWeChatUserRequest(
                request_id=request_id(), display_name="bench"), metadata=bearer(system.operator_token))
            return created.wechat_user.id

    ids = await asyncio.gather(*(one() for _ in range(count)))
    return {user_id: await system.mint_token(user_id, ttl_s=3600) for user_id in ids}


async def open_fleets(system: ProcessSystem, users: dict[str, str]) -> list[tuple[StreamFleet, set[str]]]:
    """Every user's stream, the users spread evenly over the notifications replicas."""
    addresses = [s.address for s in system.processes["notifications"]]
    shares: list[dict[str, str]] = [{} for _ in addresses]
    for index, (user_id, token) in enumerate(users.items()):
        shares[index % len(addresses)][user_id] = token
    fleets = [(StreamFleet(address, share), set(share)) for address, share in zip(addresses, shares)]
    for fleet, _ in fleets:
        await fleet.start()
    return fleets


async def fan_out(js: nats.js.JetStreamContext, fleets: list[tuple[StreamFleet, set[str]]],
                  users: list[str]) -> list[float]:
    """One card to `users`; seconds from the publish to each user's stream."""
    live_id = new_id("live")
    event = card_event(users, live_id=live_id)
    wanted = set(users)
    started = now()
    await js.publish(event.type, event.SerializeToString(), headers={"Nats-Msg-Id": event.id})
    for fleet, held in fleets:
        await fleet.wait_for(live_id, len(wanted & held))
    return [arrival - started for fleet, _ in fleets for arrival in fleet.arrivals[live_id].values()]


async def committed_fan_out(js: nats.js.JetStreamContext, pool: asyncpg.Pool, size: int) -> float:
    """Seconds from the publish of a card to `size` users with no stream open until every chunk
    of its fan-out is committed: the replicas' share of the work, without the clients'."""
    chunks = "SELECT count(*) FROM notifications.inbox WHERE consumer = 'notifications--fanout'"
    before = await pool.fetchval(chunks)
    event = card_event([new_id("member") for _ in range(size)])
    started = now()
    await js.publish(event.type, event.SerializeToString(), headers={"Nats-Msg-Id": event.id})
    while await pool.fetchval(chunks) < before + -(-size // CHUNK):
        await asyncio.sleep(0.005)
    return now() - started


async def measure(report: Report, system: ProcessSystem, js: nats.js.JetStreamContext, pool: asyncpg.Pool,
                  users: dict[str, str], throughput: dict[tuple, float], floor: BareBytesPush) -> None:
    replicas = len(system.processes["notifications"])
    fleets = await open_fleets(system, users)
    everyone = list(users)
    try:
        for size in SIZES:
            lasts, bare, latencies, pushes = [], [], [], []
            # The floor's streams: the same users, held the same way, pushed to between rounds.
            floor_fleet = StreamFleet(floor.address, dict(list(users.items())[:size]))
            await floor_fleet.start()
            try:
                await floor.push(floor_fleet, size)  # warm-up
                for _ in range(ROUNDS):
                    bare.append(await bare_fanout(system.nats_url, size, pool))
                    pushes.append(await floor.push(floor_fleet, size))
                    round_latencies = await fan_out(js, fleets, everyone[:size])
                    lasts.append(max(round_latencies))
                    latencies += round_latencies
            finally:
                await floor_fleet.stop()
            throughput[(size, replicas)] = size / statistics.median(lasts)
            report.note(f"{size} users, {replicas} replica(s): per-user delivery p50"
                        f" {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms;"
                        f" last delivery {summary_ms(lasts)}; bare write+NATS {summary_ms(bare)};"
                        f" bare gRPC bytes push {summary_ms(pushes)}")
            report.compare("notifications fan-out", f"{size} users, {replicas} replica(s), last delivery p99",
                           percentile(lasts, 99) * 1000, baseline_name="bare write+NATS fan-out p99",
                           baseline=percentile(bare, 99) * 1000, unit="ms")
            report.compare("notifications fan-out", f"{size} users, {replicas} replica(s), last delivery p99",
                           percentile(lasts, 99) * 1000, baseline_name="bare gRPC bytes push p99",
                           baseline=percentile(pushes, 99) * 1000, unit="ms",
                           target="<= 1.5x" if size == 10_000 else "")
            report.compare("notifications fan-out", f"{size} users, {replicas} replica(s), notifications/s",
                           throughput[(size, replicas)], baseline_name="bare write+NATS fan-out",
                           baseline=size / statistics.median(bare), unit="/s", higher_is_better=True)
    finally:
        for fleet, _ in fleets:
            await fleet.stop()
    size = max(SIZES)
    committed = [await committed_fan_out(js, pool, size) for _ in range(ROUNDS)]
    throughput[(size, replicas, "committed")] = size / statistics.median(committed)
    report.note(f"{size} users, no stream open, {replicas} replica(s): every chunk committed {summary_ms(committed)}")


async def run(report: Report) -> None:
    async with process_system(only=("identity", "notifications"), NOTIFICATIONS_FANOUT_CHUNK=str(CHUNK)) as system:
        started = time.perf_counter()
        users = await make_users(system, max(SIZES))
        report.note(f"{len(users)} users made in {time.perf_counter() - started:.0f} s")
        nc = await nats.connect(system.nats_url.split(","))
        pool = await asyncpg.create_pool(system.database_url, min_size=1, max_size=2)
        throughput: dict[tuple, float] = {}
        try:
            js = nc.jetstream()
            async with bare_bytes_push() as floor:
                await measure(report, system, js, pool, users, throughput, floor)
                await asyncio.to_thread(system.add_process, "notifications")
                await measure(report, system, js, pool, users, throughput, floor)
        finally:
            await pool.close()
            await nc.close()
        for size in SIZES:
            report.compare("notifications fan-out", f"{size} users, 2 replicas vs 1, notifications/s",
                           throughput[(size, 2)], baseline_name="1 replica", baseline=throughput[(size, 1)],
                           unit="/s", higher_is_better=True, target="> 1x")
        size = max(SIZES)
        report.compare("notifications fan-out", f"{size} users, no stream open, 2 replicas vs 1, committed/s",
                       throughput[(size, 2, "committed")], baseline_name="1 replica",
                       baseline=throughput[(size, 1, "committed")], unit="/s", higher_is_better=True, target="> 1x")
