"""The browser protocols beside native gRPC, in the same run: unary calls (`GetMember`, a light
read, and `PostMessage`, a write as a chat sends it) and a stream delivery (one notice to three
users, one holding its `Subscribe` stream natively, one through notifications' own browser edge,
one through the gateway), latency p50 / p99.

Identity, groups, notifications and the gateway each run as their own process; each service also
serves gRPC-Web and Connect itself (BROWSER_PORT, the edge in-process). The clients are in this
process: grpc.aio for native gRPC, aiohttp speaking Connect and gRPC-Web binary (what the
TypeScript client sends), so the difference is the protocol and the route, not a client runtime.
Unary calls alternate in rounds (machine noise falls on all alike); each stream sample is one
notice, timed from its publish to its arrival on each stream. The gateway's hop alone is measured
in the same rounds: a bare echo upstream called natively and through a gateway of its own.
Target: through the browser protocol at most 1.5x native gRPC's latency (the services' own edge;
the gateway, for a page with one origin and no ingress, is a hop more and reported beside it).

    python -m tests.bench gateway
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import grpc

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as npb
from infra.ports import LOOPBACK, free_port, wait_port
from infra.run import Service, service_env
from services.gateway.methods import UPSTREAM_SERVICES
from services.runtime import subjects
from services.runtime.events import new_envelope
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.system import ProcessSystem, process_system
from tests.harness import bearer, publish_events

ROUNDS, CALLS_PER_ROUND, WARM_UP = 6, 300, 200
DELIVERIES = 150
GET_MEMBER = "/convene.identity.v1.IdentityService/GetMember"
POST_MESSAGE = "/convene.groups.v1.GroupsService/PostMessage"
SUBSCRIBE = "/convene.notifications.v1.NotificationsService/Subscribe"


def start_gateway(system: ProcessSystem, upstream: str | None = None, log: str = "gateway") -> tuple[Service, str]:
    """The gateway in front of the system's services, or of `upstream` for all of them."""
    port = free_port()
    gateway = Service("gateway", port, LOOPBACK, system._run_dir / "logs" / f"{log}.log", echo=False)
    env = service_env(system.nats_url, 1, system.database_url)
    env.update(LOG_LEVEL="warning", LOG_FORMAT="json", GATEWAY_PORT=str(port),
               **{f"GATEWAY_{service.upper()}_ADDRESS": upstream or (
                   system.address_of(service) if service in system.processes else "127.0.0.1:9")
                  for service in UPSTREAM_SERVICES})
    gateway.start(env)
    try:
        # Only identity and notifications run: /healthz would say 503 for the others; the port is enough.
        wait_port(port, 30)
    except TimeoutError:
        gateway.terminate()
        gateway.wait_stopped(time.monotonic() + 10)
        raise
    return gateway, f"http://{gateway.address}"


def frame(message: bytes) -> bytes:
    return struct.pack(">BI", 0, len(message)) + message


async def timed(call: Callable[[], Awaitable[object]], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


class Stream:
    """A Subscribe stream read in the background, noting when each notification (by title) came."""

    def __init__(self, items: Callable[[], AsyncIterator[npb.SubscribeResponse]]) -> None:
        self._items = items
        self.arrivals: dict[str, float] = {}
        self.caught_up = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.caught_up.wait(), 20)

    async def _read(self) -> None:
        async for item in self._items():
            if item.HasField("caught_up"):
                self.caught_up.set()
            elif item.HasField("notification"):
                self.arrivals[item.notification.title] = time.perf_counter()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def gateway_items(session: aiohttp.ClientSession, url: str, token: str
                  ) -> Callable[[], AsyncIterator[npb.SubscribeResponse]]:
    """Subscribe over Connect (binary), read frame by frame as a browser would."""

    async def items() -> AsyncIterator[npb.SubscribeResponse]:
        headers = {"content-type": "application/connect+proto", "connect-protocol-version": "1",
                   "authorization": f"Bearer {token}"}
        body = frame(npb.SubscribeRequest().SerializeToString())
        async with session.post(url + SUBSCRIBE, data=body, headers=headers) as reply:
            while True:
                flags, length = struct.unpack(">BI", await reply.content.readexactly(5))
                payload = await reply.content.readexactly(length)
                if flags & 0x02:
                    return
                yield npb.SubscribeResponse.FromString(payload)

    return items


def native_items(channel: grpc.aio.Channel, token: str) -> Callable[[], AsyncIterator[npb.SubscribeResponse]]:
    def items() -> AsyncIterator[npb.SubscribeResponse]:
        call = channel.unary_stream(SUBSCRIBE, request_serializer=npb.SubscribeRequest.SerializeToString,
                                    response_deserializer=npb.SubscribeResponse.FromString)
        return call(npb.SubscribeRequest(), metadata=bearer(token)).__aiter__()

    return items


async def run(report: Report) -> None:
    async with process_system(only=("identity", "groups", "notifications"), browsers=True) as system, \
            bare_echo() as echo:
        gateway, url = start_gateway(system)
        echo_gateway, echo_url = start_gateway(system, echo, log="gateway-echo")
        try:
            await measure(report, system, url, echo, echo_url)
        finally:
            for each in (gateway, echo_gateway):
                each.terminate()
                each.wait_stopped(time.monotonic() + 10)


@contextlib.asynccontextmanager
async def bare_echo() -> AsyncIterator[str]:
    """tests/bench/bare_echo_server.py (no token check, no work); yields its address."""
    echo = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.bare_echo_server",
                                                stdout=asyncio.subprocess.PIPE)
    try:
        assert echo.stdout is not None
        line = await asyncio.wait_for(echo.stdout.readline(), 30)
        yield f"{LOOPBACK}:{int(line.split()[1])}"
    finally:
        echo.kill()
        await echo.wait()


# Where a browser's call goes: the service's own edge (in-process), or the gateway in front.
OWN, GATEWAY = "own edge", "via gateway"
PROTOCOLS = ("connect", "grpc-web")


async def measure(report: Report, system: ProcessSystem, url: str, echo: str, echo_url: str) -> None:
    org = await system.create_org(members=3)
    native_user, own_user, gateway_user = org.member_ids
    token = org.tokens[native_user]
    group_id = await system.create_group(token, [own_user, gateway_user])
    member = identity_pb2.GetMemberRequest(member_id=native_user).SerializeToString()
    # Each unary RPC: its path, its upstream, where browsers reach it and how to make a request
    # (every message posted is a new one). "echo" is the gateway's hop alone: GetMember's bytes
    # and token to the bare echo upstream, natively and through a gateway of its own.
    unaries: dict[str, tuple[str, str, dict[str, str], Callable[[], bytes]]] = {
        "GetMember": (GET_MEMBER, system.address_of("identity"),
                      {OWN: system.browser_url_of("identity"), GATEWAY: url}, lambda: member),
        "PostMessage": (POST_MESSAGE, system.address_of("groups"),
                        {OWN: system.browser_url_of("groups"), GATEWAY: url},
                        lambda: groups_pb2.PostMessageRequest(request_id=uuid.uuid4().hex, group_id=group_id,
                                                              text="你好").SerializeToString()),
        "echo": (GET_MEMBER, echo, {GATEWAY: echo_url}, lambda: member),
    }
    channels = {rpc: grpc.aio.insecure_channel(upstream) for rpc, (_, upstream, _, _) in unaries.items()}
    connector = aiohttp.TCPConnector(limit=8)
    samples: dict[tuple[str, str, str], list[float]] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        auth = {"authorization": f"Bearer {token}"}
        calls: dict[tuple[str, str, str], Callable[[], Awaitable[object]]] = {}
        for rpc, (path, _, bases, make) in unaries.items():
            native_call: grpc.aio.UnaryUnaryMultiCallable = channels[rpc].unary_unary(
                path, request_serializer=None, response_deserializer=None)

            async def native(call: grpc.aio.UnaryUnaryMultiCallable = native_call,
                             make: Callable[[], bytes] = make) -> None:
                await call(make(), metadata=bearer(token))

            calls[(rpc, "native", "")] = native
            for route, base in bases.items():
                async def connect(target: str = base + path, make: Callable[[], bytes] = make) -> None:
                    async with session.post(target, data=make(), headers={
                            **auth, "content-type": "application/proto", "connect-protocol-version": "1"}) as reply:
                        await reply.read()
                        assert reply.status == 200, reply.status

                async def grpc_web(target: str = base + path, make: Callable[[], bytes] = make) -> None:
                    async with session.post(target, data=frame(make()), headers={
                            **auth, "content-type": "application/grpc-web+proto", "x-grpc-web": "1"}) as reply:
                        body = await reply.read()
                        trailer = body[5 + struct.unpack(">I", body[1:5])[0]:]
                        assert body[0] == 0 and b"grpc-status: 0" in trailer, trailer

                calls.update({(rpc, "connect", route): connect, (rpc, "grpc-web", route): grpc_web})
        for call in calls.values():
            await timed(call, WARM_UP)
        # Round by round through every RPC, protocol and route: the machine's noise falls on all alike.
        for _ in range(ROUNDS):
            for key, call in calls.items():
                samples.setdefault(key, []).extend(await timed(call, CALLS_PER_ROUND))

        # Stream delivery: one notice to three users, each reading its own stream.
        notifications = grpc.aio.insecure_channel(system.address_of("notifications"))
        streams = {"native": Stream(native_items(notifications, org.tokens[native_user])),
                   OWN: Stream(gateway_items(session, system.browser_url_of("notifications"), org.tokens[own_user])),
                   GATEWAY: Stream(gateway_items(session, url, org.tokens[gateway_user]))}
        for stream in streams.values():
            await stream.start()
        delivery: dict[str, list[float]] = {name: [] for name in streams}
        try:
            for index in range(DELIVERIES + 10):
                title = f"bench {index}"
                notice = notice_pb2.Notice(recipient_ids=org.member_ids, kind=npb.NOTIFICATION_KIND_CARD, title=title)
                envelope = new_envelope(subjects.LIVE_NOTICE_REQUESTED, subject=title,
                                        payload=notice_pb2.NoticesRequested(notices=[notice]))
                sent = time.perf_counter()
                await publish_events(system.nats_url, envelope)
                deadline = time.monotonic() + 10
                while not all(title in stream.arrivals for stream in streams.values()):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"notice {title} did not reach every stream")
                    await asyncio.sleep(0.0005)
                if index >= 10:  # warm-up
                    for name, stream in streams.items():
                        delivery[name].append(stream.arrivals[title] - sent)
        finally:
            for stream in streams.values():
                await stream.stop()
            await notifications.close()
    for channel in channels.values():
        await channel.close()

    for (rpc, protocol, route), values in samples.items():
        report.note(f"{rpc:<11} {protocol:<9} {route:<11} {summary_ms(values)}")
    for name, values in delivery.items():
        report.note(f"delivery {name:<11} {summary_ms(values)}")
    added: dict[tuple[str, str], float] = {}
    for rpc, (_, _, bases, _) in unaries.items():
        native_samples = samples[(rpc, "native", "")]
        for route in bases:
            for protocol in PROTOCOLS:
                for p in (50, 99):
                    # The target is the services' own edge: the gateway is a hop more, for one origin.
                    report.compare("browser protocol", f"unary {rpc}, {protocol}, {route}, p{p}",
                                   percentile(samples[(rpc, protocol, route)], p) * 1000,
                                   baseline_name=f"native gRPC p{p}", baseline=percentile(native_samples, p) * 1000,
                                   unit="ms", target="<= 1.5x" if p == 50 and route == OWN else "")
            added[(rpc, route)] = percentile(samples[(rpc, "connect", route)], 50) - percentile(native_samples, 50)
            report.note(f"{rpc}: {route} adds {added[(rpc, route)] * 1000:.2f} ms at p50 (connect)")
    report.compare("browser protocol", "added at p50, GetMember via the gateway beside the echo (the hop alone), "
                   "connect", added[("GetMember", GATEWAY)] * 1000, baseline_name="echo's added",
                   baseline=added[("echo", GATEWAY)] * 1000, unit="ms")
    for route in (OWN, GATEWAY):
        for p in (50, 99):
            report.compare("browser protocol", f"stream delivery (publish -> stream), connect, {route}, p{p}",
                           percentile(delivery[route], p) * 1000, baseline_name=f"native gRPC stream p{p}",
                           baseline=percentile(delivery["native"], p) * 1000, unit="ms",
                           target="<= 1.5x" if p == 50 and route == OWN else "")


if __name__ == "__main__":
    from tests.bench.__main__ import main

    try:
        import uvloop

        uvloop.run(main(["gateway"]))
    except ImportError:
        asyncio.run(main(["gateway"]))
