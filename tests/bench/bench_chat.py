"""Chat in real time (SPEC F-15): a group of 500 members with their streams open, 20
messages per second for 30 s, each member reading as they receive; then again at 5 messages per
second, a rate the bare grpc.aio push keeps up with on this shared 2-core machine.

Figures: post -> the last member's stream (p50 / p99 over the messages), the read receipts
reaching the sender (the sender's stream showing that all 499 others read a message: from the
post, and from the last of those reads being taken by groups), and CPU per message by process;
beside, in the same run and on the same schedule: a bare NATS fan-out of the same messages (a
NATS message per member to one subscriber) and a bare grpc.aio push to the same 500 streams
(tests/bench/bare_stream_server.py: no token check, database or NATS), the streams held the
same way (tests/bench/stream_holder.py, two processes of 250).

Members read as a device does: on each entry they receive they report their read position, with
one call in flight and at most one call per READ_INTERVAL_S (a member reading 20 messages a
second reports about once a second), so 500 members make about 500 reads a second.

    python -m tests.bench chat
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import defaultdict

import grpc

from convene.groups.v1 import groups_pb2, groups_pb2_grpc
from convene.identity.v1 import identity_pb2
from tests.bench.baselines import bare_fanout_paced
from tests.bench.cpu import CpuMeter
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import StreamFleet, now
from tests.bench.system import ProcessSystem, process_system
from tests.harness import bearer, request_id

MEMBERS = 500
# The rate, and one at which the bare grpc.aio push keeps up on this shared 2-core machine.
RATES = (20.0, 5.0)
SECONDS = int(os.environ.get("BENCH_CHAT_SECONDS", "30"))  # shorter runs while developing
WARM_UP = 20
READ_INTERVAL_S = 1.0
PER_HOLDER = 250


async def make_members(system: ProcessSystem, count: int) -> dict[str, str]:
    """Members of one enterprise ({member id: token}), tokens signed here (the bench holds the key)."""
    identity = system.stub("identity")
    operator = bearer(system.operator_token)
    created = await identity.CreateEnterprise(identity_pb2.CreateEnterpriseRequest(
        request_id=request_id(), name="Bench Co"), metadata=operator)
    enterprise_id = created.enterprise.id
    in_flight = asyncio.Semaphore(32)

    async def one(index: int) -> str:
        async with in_flight:
            added = await identity.AddMember(identity_pb2.AddMemberRequest(
                request_id=request_id(), enterprise_id=enterprise_id, display_name=f"member {index}",
                role=identity_pb2.MEMBER_ROLE_MEMBER), metadata=operator)
            return added.member.id

    ids = await asyncio.gather(*(one(i) for i in range(count)))
    return {member_id: await system.mint_token(member_id, enterprise_id, ttl_s=3600) for member_id in ids}


async def paced(count: int, rate: float, send: object) -> None:
    """Call `send(index)` `rate` times a second, each in its own task (a slow one delays no other)."""
    loop = asyncio.get_running_loop()
    first = loop.time()
    tasks = []
    for index in range(count):
        await asyncio.sleep(max(0.0, first + index / rate - loop.time()))
        tasks.append(asyncio.create_task(send(index)))  # type: ignore[operator]
    await asyncio.gather(*tasks)


def cpu_note(cpu: dict[str, float], count: int) -> str:
    """CPU milliseconds per message, by process."""
    return ", ".join(f"{name} {seconds * 1000 / count:.2f}" for name, seconds in cpu.items() if seconds > 0)


async def bare_push(users: dict[str, str], count: int, rate: float) -> tuple[list[float], dict[str, float]]:
    """Seconds to the last of the streams for each of `count` messages pushed by a bare grpc.aio
    server, on the chat's schedule; and the CPU seconds it took (server, stream holders)."""
    server = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.bare_stream_server",
                                                  stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert server.stdin is not None and server.stdout is not None
    port = int((await server.stdout.readline()).decode().split()[1])
    fleet = StreamFleet(f"127.0.0.1:{port}", users, per_process=PER_HOLDER)
    started: dict[str, float] = {}
    try:
        await fleet.start()
        meter = CpuMeter({"bare server": [server.pid], "stream holders": fleet.pids})

        async def send(index: int) -> None:
            subject = f"bare-{index}"
            started[subject] = now()
            server.stdin.write(f"{subject}\n".encode())  # type: ignore[union-attr]
            await server.stdin.drain()  # type: ignore[union-attr]

        await paced(count, rate, send)
        samples = [await fleet.wait_for(subject, len(users)) - at for subject, at in started.items()]
        return samples, meter.used()
    finally:
        await fleet.stop()
        server.kill()
        await server.wait()


async def convene_chat(system: ProcessSystem, users: dict[str, str], sender: str, group_id: str,
                       count: int, rate: float) -> tuple[list[float], list[float], list[float], dict[str, float]]:
    """(post -> last member, post -> the sender sees all others read it, last read -> the sender
    sees it) in seconds, per message after the warm-up; and the CPU seconds each process took."""
    fleet = StreamFleet(system.address_of("notifications"), users, per_process=PER_HOLDER,
                        chat={"groups_address": system.address_of("groups"), "read_interval_s": READ_INTERVAL_S,
                              "receipts_target": len(users) - 1})
    channel = grpc.aio.insecure_channel(system.address_of("groups"))
    stub = groups_pb2_grpc.GroupsServiceStub(channel)
    posted: dict[int, float] = {}
    post_calls: list[float] = []
    try:
        await fleet.start()
        meter = CpuMeter({**system.pids(), "stream holders": fleet.pids})

        async def send(index: int) -> None:
            started = now()
            reply = await stub.PostMessage(groups_pb2.PostMessageRequest(
                request_id=request_id(), group_id=group_id, text=f"message {index}: the quarterly numbers are in"),
                metadata=bearer(users[sender]))
            posted[reply.item.sequence] = started
            post_calls.append(now() - started)

        await paced(count, rate, send)
        measured = sorted(posted)[WARM_UP:]
        deadline = now() + 60
        delivered = [await _last_arrival(fleet, f"{group_id}:{s}", len(users), deadline) - posted[s] for s in measured]
        seen_read = {s: await _last_arrival(fleet, f"read-by:{group_id}:{s}", 1, deadline) for s in measured}
        last_reads = _last_reads(fleet, group_id, measured)
        cpu = meter.used()
        reads = sum(len(by_user) for subject, by_user in fleet.arrivals.items() if subject.startswith("read:"))
        print(f"  {reads} reads taken by groups ({reads / count:.1f} per message); PostMessage {_summary(post_calls)}")
        resyncs = len(fleet.arrivals.get("resync", {}))
        if resyncs:
            print(f"  {resyncs} streams read too slowly and were told to resync (their later arrivals are missing)")
        return (_known(delivered), _known([seen_read[s] - posted[s] for s in measured]),
                _known([seen_read[s] - last_reads[s] for s in measured]), cpu)
    finally:
        await channel.close()
        await fleet.stop()


async def _last_arrival(fleet: StreamFleet, subject: str, expected: int, deadline: float) -> float:
    """When the last of `expected` streams saw `subject`; on a machine so busy that streams fell
    behind and were ended (Resync), the last of those that did by `deadline`."""
    try:
        return await fleet.wait_for(subject, expected, timeout=max(0.01, deadline - now()))
    except RuntimeError:
        return max(fleet.arrivals[subject].values(), default=float("nan"))


def _known(samples: list[float]) -> list[float]:
    return [x for x in samples if x == x]  # NaN: nobody saw it (every stream was ended)


def _last_reads(fleet: StreamFleet, group_id: str, sequences: list[int]) -> dict[int, float]:
    """For each sequence, when the last member's read that covers it was taken by groups."""
    reads: dict[str, list[tuple[int, float]]] = defaultdict(list)  # member -> (read up to, when)
    prefix = f"read:{group_id}:"
    for subject, by_user in fleet.arrivals.items():
        if subject.startswith(prefix):
            for user, when in by_user.items():
                reads[user].append((int(subject[len(prefix):]), when))
    last: dict[int, float] = {}
    for sequence in sequences:
        covering = [min((when for upto, when in member if upto >= sequence), default=None) for member in reads.values()]
        last[sequence] = max((when for when in covering if when is not None), default=float("nan"))
    return last


async def run(report: Report) -> None:
    async with process_system(only=("identity", "groups", "notifications")) as system:
        started = time.perf_counter()
        users = await make_members(system, MEMBERS)
        sender, *others = users
        created = await system.stub("groups").CreateGroup(groups_pb2.CreateGroupRequest(
            request_id=request_id(), name="all hands", kind=groups_pb2.GROUP_KIND_INTERNAL, member_ids=others),
            metadata=bearer(users[sender]))
        report.note(f"{MEMBERS} members and their group made in {time.perf_counter() - started:.0f} s")
        for rate in RATES:
            await measure(report, system, users, sender, created.group.id, rate)


def _summary(samples: list[float]) -> str:
    return summary_ms(samples) if samples else "no samples (every stream fell behind)"


async def measure(report: Report, system: ProcessSystem, users: dict[str, str], sender: str, group_id: str,
                  rate: float) -> None:
    count = WARM_UP + int(rate * SECONDS)
    report.note(f"{rate:g} msg/s: load average before: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    nats_samples = (await bare_fanout_paced(system.nats_url, MEMBERS, rate=rate, count=count))[WARM_UP:]
    report.note(f"{rate:g} msg/s: bare NATS fan-out to {MEMBERS}: last delivery {_summary(nats_samples)}")
    grpc_samples, bare_cpu = await bare_push(users, count, rate)
    grpc_samples = grpc_samples[WARM_UP:]
    report.note(f"{rate:g} msg/s: bare grpc.aio push to {MEMBERS} open streams: last delivery {_summary(grpc_samples)}")
    report.note(f"{rate:g} msg/s: bare grpc.aio push, CPU ms per message: {cpu_note(bare_cpu, count)}")
    delivered, all_read, after_last_read, cpu = await convene_chat(system, users, sender, group_id, count, rate)
    report.note(f"{rate:g} msg/s: chat: post -> last of {MEMBERS} streams {_summary(delivered)}")
    report.note(f"{rate:g} msg/s: chat, CPU ms per message (its reads included): {cpu_note(cpu, count)}")
    report.note(f"{rate:g} msg/s: chat: post -> sender sees all {MEMBERS - 1} read {_summary(all_read)}; "
                f"last read taken -> sender sees it {_summary(after_last_read)}")

    if not (delivered and all_read and after_last_read and grpc_samples):
        report.note(f"{rate:g} msg/s: not compared: the machine was too busy for every stream to keep up")
        return
    metric = f"{MEMBERS} members, {rate:g} msg/s, post -> last member"
    for p in (50, 99):
        report.compare("chat push", f"{metric} p{p}", percentile(delivered, p) * 1000,
                       baseline_name=f"bare grpc.aio push p{p}", baseline=percentile(grpc_samples, p) * 1000,
                       unit="ms", target="<= 2x" if p == 99 and rate == RATES[0] else "")
    report.compare("chat push", f"{metric} p99", percentile(delivered, 99) * 1000,
                   baseline_name="bare NATS fan-out p99", baseline=percentile(nats_samples, 99) * 1000, unit="ms")
    report.compare("chat push", f"{MEMBERS} members, {rate:g} msg/s, CPU per message (all processes)",
                   sum(cpu.values()) * 1000 / count, baseline_name="bare grpc.aio push (server + holders)",
                   baseline=sum(bare_cpu.values()) * 1000 / count, unit="ms")
    for p in (50, 99):
        report.compare("chat receipts", f"{rate:g} msg/s, last read taken -> sender's count p{p}",
                       percentile(after_last_read, p) * 1000, baseline_name=f"bare grpc.aio push p{p}",
                       baseline=percentile(grpc_samples, p) * 1000, unit="ms")
    report.compare("chat receipts", f"{rate:g} msg/s, post -> sender sees all {MEMBERS - 1} read p50 (reads"
                   f" every {READ_INTERVAL_S:g} s)", percentile(all_read, 50) * 1000,
                   baseline_name="bare grpc.aio push p50", baseline=percentile(grpc_samples, 50) * 1000, unit="ms")
