"""Bare baselines, measured in the same run as the benchmark they stand beside."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator

import asyncpg
import grpc
import nats
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.aio.msg import Msg

from services.runtime.ids import new_id
from tests.bench.streams import StreamFleet, now

PAYLOAD = b"x" * 300  # about the size of one serialized card notification


async def bare_fanout(nats_url: str, recipients: int, pool: asyncpg.Pool | None = None) -> float:
    """Seconds to write one row per recipient (when a pool is given) and deliver one NATS
    message per recipient to a subscriber: the floor under any fan-out to open streams."""
    publisher = await nats.connect(nats_url.split(","))
    subscriber = await nats.connect(nats_url.split(","))
    done = asyncio.Event()
    received = 0

    async def on_message(_: object) -> None:
        nonlocal received
        received += 1
        if received == recipients:
            done.set()

    await subscriber.subscribe("bench.fanout.*", cb=on_message)
    await subscriber.flush()
    if pool is not None:
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_fanout (user_id text, seq bigint, body bytea)")
    users = [f"usr_{i:026d}" for i in range(recipients)]
    started = time.perf_counter()
    if pool is not None:
        await pool.execute(
            "INSERT INTO bench_fanout SELECT u, 1, $2 FROM unnest($1::text[]) AS u", users, PAYLOAD)
    for user in users:
        await publisher.publish(f"bench.fanout.{user}", PAYLOAD)
    await publisher.flush()
    await asyncio.wait_for(done.wait(), 60)
    elapsed = time.perf_counter() - started
    await publisher.close()
    await subscriber.close()
    return elapsed


async def nats_echo_latencies(nats_url: str, calls: int) -> list[float]:
    """Round trips of a bare NATS request-reply echo, one at a time."""
    server = await nats.connect(nats_url.split(","))
    client = await nats.connect(nats_url.split(","))

    async def echo(msg: Msg) -> None:
        await msg.respond(msg.data)

    await server.subscribe("bench.echo", cb=echo)
    await server.flush()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await client.request("bench.echo", PAYLOAD[:64], timeout=5)
        samples.append(time.perf_counter() - started)
    await client.close()
    await server.close()
    return samples


async def grpc_echo_rate(address: str, *, seconds: float = 3.0, in_flight: int = 50) -> float:
    """Calls per second of the cheapest gRPC call a Convene server answers (health Check),
    `in_flight` at a time: the bare gRPC floor beside a real RPC on the same server."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        deadline = time.perf_counter() + seconds
        count = 0

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                await stub.Check(health_pb2.HealthCheckRequest(service=""))
                count += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return count / (time.perf_counter() - started)


async def bare_fanout_paced(nats_url: str, recipients: int, *, rate: float, count: int) -> list[float]:
    """`count` messages at `rate` per second, each published once per recipient to a subscriber:
    seconds from each message's first publish to its last delivery (a chat's fan-out with no
    database, no gRPC and nothing per recipient but a NATS message)."""
    publisher = await nats.connect(nats_url.split(","))
    subscriber = await nats.connect(nats_url.split(","))
    received: dict[int, int] = {}
    done: dict[int, float] = {}

    async def on_message(msg: Msg) -> None:
        index = int(msg.subject.rsplit(".", 1)[1])
        received[index] = received.get(index, 0) + 1
        if received[index] == recipients:
            done[index] = time.perf_counter()

    await subscriber.subscribe("bench.chat.*.*", cb=on_message)
    await subscriber.flush()
    users = [f"usr_{i:026d}" for i in range(recipients)]
    started: dict[int, float] = {}
    loop = asyncio.get_running_loop()
    first = loop.time()
    for index in range(count):
        await asyncio.sleep(max(0.0, first + index / rate - loop.time()))
        started[index] = time.perf_counter()
        for user in users:
            await publisher.publish(f"bench.chat.{user}.{index}", PAYLOAD)
        await publisher.flush()
    deadline = time.perf_counter() + 30
    while len(done) < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    await publisher.close()
    await subscriber.close()
    return [done[i] - started[i] for i in sorted(done)]


class BareBytesPush:
    """The bare gRPC bytes push (bare_stream_server: one message serialized once, the same bytes
    written to every open stream) to streams held like Convene's (StreamFleet: the same users,
    the same processes of at most 500 streams reading raw bytes)."""

    def __init__(self, server: asyncio.subprocess.Process, port: int) -> None:
        self._server = server
        self.address = f"127.0.0.1:{port}"

    @property
    def pid(self) -> int:
        return self._server.pid

    async def push(self, fleet: StreamFleet, streams: int, messages: int = 1) -> float:
        """Seconds from the push to the last of `streams` open streams of `fleet`, each stream
        written `messages` messages (the last one is the one timed)."""
        assert self._server.stdin is not None
        subject = new_id("live")
        started = now()
        self._server.stdin.write(f"{subject} {messages}\n".encode())
        await self._server.stdin.drain()
        return await fleet.wait_for(subject, streams) - started


@contextlib.asynccontextmanager
async def bare_bytes_push() -> AsyncIterator[BareBytesPush]:
    server = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.bare_stream_server",
                                                  stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert server.stdout is not None
        port = int((await asyncio.wait_for(server.stdout.readline(), 30)).decode().split()[1])
        yield BareBytesPush(server, port)
    finally:
        server.kill()
        await server.wait()
