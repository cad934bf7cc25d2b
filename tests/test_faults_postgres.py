"""The five services through PostgreSQL faults, as ops would try them: a durable embedded
PostgreSQL that the test stops (fast or immediate shutdown) and starts again on the same port
while the services run and users hold their streams. One system for the module: every service
in the test's loop plus a groups replica as a process of its own, whose JSON log is read.

What must hold: health says NOT_SERVING while the database is away and SERVING after, without a
restart; every outbox drains and every consumer resumes; nothing a user was sent is lost or
doubled; every RPC answers UNAVAILABLE (DEPENDENCY_UNAVAILABLE, with a retry hint) or succeeds,
never INTERNAL, and a service logs its outage in a few JSON lines, not a traceback per request;
an outage longer than the refusal budget loses nothing of a 2,000-member fan-out; and a push
that never left (its replica died after the commit) reaches the open streams within 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from convene.groups.v1 import groups_pb2, groups_pb2_grpc
from convene.identity.v1 import identity_pb2
from convene.live.v1 import live_pb2
from convene.meetings.v1 import meetings_pb2
from convene.notifications.v1 import delivery_pb2, notifications_pb2
from infra.embedded import EmbeddedPostgres, NatsCluster
from infra.ports import LOOPBACK, free_port
from infra.run import Service, service_env, wait_serving
from services.notifications.hub import Hub
from services.runtime import deadletters, subjects
from services.runtime.db import ensure_database
from services.runtime.ids import new_id
from services.runtime.supervisor import Loop
from tests.harness import STUBS, Org, StreamRecorder, System, bearer, eventually, publish_events, request_id
from tests.notifications_kit import notice, notices_event, wechat_users
from tests.room_support import Room
from tests.test_thin_flow import start_live

SCHEMAS = ("identity", "groups", "live", "meetings", "notifications")
# The refusal budget, cut down from 10 so that an outage outlasts it many times over: were a
# failed try while the database is away counted, the fan-out would be set aside in seconds.
MAX_REFUSALS = 2
CHUNK = 100


@dataclass
class Faulty:
    postgres: EmbeddedPostgres
    nats: NatsCluster
    system: System
    groups_process: Service
    groups_log: Path
    org: Org
    group_id: str

    @property
    def database_url(self) -> str:
        return self.system.database_url

    @property
    def host_token(self) -> str:
        return self.org.tokens[self.org.member_ids[0]]

    def addresses(self) -> list[str]:
        return [h.address for hosts in self.system.hosts.values() for h in hosts] + [self.groups_process.address]


@pytest.fixture(scope="module")
async def faulty(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Faulty]:
    folder = tmp_path_factory.mktemp("postgres-faults")
    postgres = EmbeddedPostgres(folder / "postgres", durable=True)
    postgres.start()
    nats = NatsCluster(folder / "nats", size=1)
    nats.start()
    await ensure_database(postgres.url, "convene")
    system = System(nats.urls, postgres.dsn("convene"), fanout_chunk=CHUNK, consumer_max_refusals=MAX_REFUSALS)
    groups_log = folder / "groups-process.log"
    process = Service("groups", free_port(), LOOPBACK, groups_log, echo=False)
    try:
        await system.start()
        env = service_env(nats.urls, 1, system.database_url)
        env.update(LOG_LEVEL="info", LOG_FORMAT="json", CONSUMER_MAX_REFUSALS=str(MAX_REFUSALS))
        process.start(env)
        await asyncio.to_thread(wait_serving, [process], 60)
        org = await system.create_org(members=9)
        group_id = await system.create_group(org.tokens[org.member_ids[0]], [org.admin_id, *org.member_ids[1:]])
        yield Faulty(postgres, nats, system, process, groups_log, org, group_id)
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait_stopped, time.monotonic() + 20)
        await system.stop()
        nats.stop()
        postgres.stop()


# ------------------------------------------------------------------------------ helpers


async def health_of(address: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
        except grpc.aio.AioRpcError as error:
            return error.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


async def everyone(faulty: Faulty, status: str) -> bool:
    return all(s == status for s in await asyncio.gather(*(health_of(a) for a in faulty.addresses())))


@contextlib.asynccontextmanager
async def postgres_down(faulty: Faulty, *, immediate: bool = False) -> AsyncIterator[None]:
    """PostgreSQL stopped for the body; started again (same port, same data) after it."""
    await asyncio.to_thread(faulty.postgres.stop, immediate=immediate)
    try:
        yield
    finally:
        await asyncio.to_thread(faulty.postgres.start)


async def query(database_url: str, sql: str, *args: object) -> Any:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def drained(faulty: Faulty) -> bool:
    """Every outbox empty and every durable consumer of every replica caught up."""
    sql = " + ".join(f"(SELECT count(*) FROM {schema}.outbox)" for schema in SCHEMAS)
    if await query(faulty.database_url, f"SELECT {sql}") != 0:
        return False
    js = faulty.system.hosts["live"][0].runtime.nc.jetstream()  # type: ignore[union-attr]
    for hosts in faulty.system.hosts.values():
        for consumer in hosts[0].consumers:
            info = await js.consumer_info(consumer.spec.stream, consumer.spec.durable)
            if info.num_pending or info.num_ack_pending:
                return False
    return True


def no_duplicates(stream: StreamRecorder) -> bool:
    """Exactly once as the user sees it: gap-free sequences, no notification twice."""
    seen = [(n.event_id, n.thread_id, n.thread_version, n.title) for n in stream.received]
    return stream.item_sequences == list(range(1, len(stream.item_sequences) + 1)) and len(seen) == len(set(seen))


async def open_streams(system: System, tokens: dict[str, str], replica: int = 0) -> dict[str, StreamRecorder]:
    streams = {user: StreamRecorder(system, token, replica=replica) for user, token in tokens.items()}
    await asyncio.gather(*(s.ready() for s in streams.values()))
    return streams


async def time_to_reach(streams: dict[str, StreamRecorder], live_id: str, started_at: float) -> float:
    await eventually(lambda: _true(all(s.cards_for(live_id) for s in streams.values())), timeout=20, every=0.005,
                     what="the live card on every stream")
    return time.monotonic() - started_at


# ------------------------------------------------------------------------------ restarts


async def test_postgres_restarted_while_lives_start_and_end(faulty: Faulty) -> None:
    system = faulty.system
    streams = await open_streams(system, faulty.org.tokens)
    started: list[str] = []
    wrong: list[str] = []  # codes a client must never see
    flowing = True

    async def flow() -> None:
        """A host starting and ending lives, retrying what was UNAVAILABLE, as a client would: with
        the same request id (a start whose commit went through but whose answer was lost is
        answered again, not refused as a second live)."""
        live_stub = system.stub("live")
        running = ""
        start_request = ""
        while flowing:
            try:
                if not running:
                    start_request = start_request or request_id()
                    running = (await live_stub.StartLive(live_pb2.StartLiveRequest(
                        request_id=start_request, group_id=faulty.group_id, title="Quarterly all-hands",
                        allow_replay=True), metadata=bearer(faulty.host_token))).live.id
                    start_request = ""
                    started.append(running)
                await live_stub.EndLive(live_pb2.EndLiveRequest(live_id=running), metadata=bearer(faulty.host_token))
                running = ""
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    wrong.append(f"{error.code().name}: {error.details()}")
                await asyncio.sleep(0.1)
        if running:  # a live left running would keep the next tests' host busy
            await eventually(lambda: _ended(system, faulty.host_token, running), timeout=30, what="the last live ended")

    flowing_task = asyncio.create_task(flow())
    try:
        for round_ in range(3):
            await eventually(_grown_to(started, 3 * (round_ + 1)), timeout=30,
                             what=f"lives flowing (round {round_}, {len(started)} started, {wrong[-3:]})")
            async with postgres_down(faulty, immediate=round_ == 1):
                await eventually(lambda: everyone(faulty, "NOT_SERVING"), timeout=15, every=0.1,
                                 what="every replica NOT_SERVING while PostgreSQL is away")
                await asyncio.sleep(1.0)
            await eventually(lambda: everyone(faulty, "SERVING"), timeout=30, every=0.1,
                             what="every replica SERVING again, not restarted")
    finally:
        flowing = False
        await flowing_task
    assert not wrong, wrong

    await eventually(lambda: drained(faulty), timeout=60, every=0.25, what="every outbox and consumer drained")
    await eventually(lambda: _true(all(all(s.cards_for(live) for live in started) for s in streams.values())),
                     timeout=30, what="every live's card on every stream")
    await asyncio.sleep(1.0)  # a doubled notification would arrive here
    assert all(no_duplicates(s) for s in streams.values())
    # Wake-ups listen again: a new live reaches every member at once, not at the 1 s polls.
    took = []
    for _ in range(3):
        began = time.monotonic()
        live = (await start_live(system, faulty.host_token, faulty.group_id)).live.id
        took.append(await time_to_reach(streams, live, began))
        await system.stub("live").EndLive(live_pb2.EndLiveRequest(live_id=live), metadata=bearer(faulty.host_token))
    # Polls alone would put about a second on it (the issue measured 1.03 s); a busy machine may
    # slow one live, so the median must be under a second and none over two.
    assert sorted(took)[1] < 1.0 and max(took) < 2.0, took
    for hosts in system.hosts.values():
        for host in hosts:
            assert not host.supervisor.down(), [loop.name for loop in host.supervisor.down()]
            assert host.relay is not None and host.relay._wake.listening
    for stream in streams.values():
        await stream.close()


async def test_an_open_stream_waits_through_a_database_restart(faulty: Faulty) -> None:
    """A stream that must read the database while PostgreSQL is away (here: a push ahead of its
    next sequence, so it reads the gap) waits for it instead of ending, and goes on delivering
    once it is back."""
    system = faulty.system
    users = await wechat_users(system, 2)
    streams = await open_streams(system, dict(users))
    nc = system.hosts["notifications"][0].runtime.nc  # type: ignore[union-attr]
    ahead = delivery_pb2.DeliveryCommitted(items=[
        delivery_pb2.DeliveryCommitted.Item(user_id=user, notification=notifications_pb2.Notification(sequence=5))
        for user, _ in users])
    async with postgres_down(faulty):
        await nc.publish(subjects.NOTIFICATIONS_PUSH, ahead.SerializeToString())
        await asyncio.sleep(1.5)  # the gap's read fails at once while the database is away
        assert not [s.error for s in streams.values() if s.ended]
    await eventually(lambda: everyone(faulty, "SERVING"), timeout=30, every=0.1, what="SERVING again")
    await publish_events(system.nats_url, notices_event("meetings", notice([u for u, _ in users], title="After")))
    await eventually(lambda: _true(all(s.received for s in streams.values())), timeout=20,
                     what="the next notification on the same streams")
    for stream in streams.values():
        assert not stream.ended and [n.title for n in stream.received] == ["After"] and no_duplicates(stream)
        await stream.close()


async def test_a_room_loop_the_database_restart_fails_is_restarted_and_its_stream_resumes(faulty: Faulty) -> None:
    """The room's loop (reading PostgreSQL every second) fails while the database is away: it
    shows down in the live replica's health, the supervisor runs it again once the database is
    back, and the viewer's open room stream goes on with what is posted next."""
    system = faulty.system
    room = await Room.open(system, members=2)
    viewer = room.viewers[0]
    await room.join(room.token(viewer))
    stream = await room.record(room.token(viewer)).ready()
    await room.comment(room.token(viewer), "before")
    await stream.wait(lambda r: "before" in [text for _, text in r.comments], "the comment before")
    live = system.hosts["live"][0]

    def room_loop() -> Loop:
        return next(loop for loop in live.supervisor.loops if loop.name == f"live room {room.live_id}")

    assert room_loop().up
    async with postgres_down(faulty):
        await eventually(lambda: _true(not room_loop().up), timeout=20, every=0.1, what="the room loop down")
        assert await health_of(live.address) == "NOT_SERVING"
    await eventually(lambda: everyone(faulty, "SERVING"), timeout=30, every=0.1, what="SERVING again")
    await eventually(lambda: _true(room_loop().up), timeout=20, every=0.1, what="the room loop restored")
    assert room_loop().restarts >= 1 and room_loop().outages >= 1
    await room.comment(room.token(viewer), "after")
    await stream.wait(lambda r: "after" in [text for _, text in r.comments], "the comment after, on the same stream")
    assert not stream.ended and stream.error is None
    assert [text for _, text in stream.comments] == ["before", "after"]
    await stream.close()


# ------------------------------------------------------------------------------ the RPC edge


def _retry_hint(error: grpc.aio.AioRpcError) -> tuple[str, float | None]:
    reason, delay = "", None
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
                if detail.Unpack(info):
                    reason = info.reason
                elif detail.Unpack(retry):
                    delay = retry.retry_delay.ToMilliseconds() / 1000
    return reason, delay


def _filled(request_type: type, ids: dict[str, str]) -> object:
    """A request that passes validation where it can: ids of real objects, names, a request id."""
    request = request_type()
    for field in request.DESCRIPTOR.fields:
        name = field.name
        if field.type == field.TYPE_STRING:
            value = ids.get(name) or ids.get(name.removesuffix("s")) or ("x" if not name.endswith("_id") else "")
            if name == "request_id":
                value = request_id()
            if field.is_repeated:
                if value:
                    getattr(request, name).append(value)
            elif value:
                setattr(request, name, value)
        elif field.type == field.TYPE_ENUM and not field.is_repeated:
            setattr(request, name, 1)
    return request


async def sweep_every_rpc(system: System, ids: dict[str, str],
                          callers: list[tuple[tuple[str, str], ...]]) -> dict[str, set[str]]:
    """Every method of every service, with an empty request and one filled in with `ids`, as
    each of `callers`, all at once (calls that ask another service over NATS wait up to its
    timeout): status code name -> the methods that answered it. UNAVAILABLE must carry
    DEPENDENCY_UNAVAILABLE."""
    codes: dict[str, set[str]] = {}
    in_flight = asyncio.Semaphore(32)

    async def one(stub: Any, method: MethodDescriptor, request: Message, caller: tuple[tuple[str, str], ...]) -> None:
        async with in_flight:
            call = getattr(stub, method.name)(request, metadata=caller, timeout=10)
            try:
                if method.server_streaming:
                    async for _ in call:
                        break
                    call.cancel()
                else:
                    await call
                code = "OK"
            except grpc.aio.AioRpcError as error:
                code = error.code().name
                if error.code() == grpc.StatusCode.UNAVAILABLE:
                    assert _retry_hint(error)[0] == "DEPENDENCY_UNAVAILABLE", method.full_name
            codes.setdefault(code, set()).add(method.full_name)

    calls = []
    for name, module in (("identity", identity_pb2), ("groups", groups_pb2), ("live", live_pb2),
                         ("meetings", meetings_pb2), ("notifications", notifications_pb2)):
        service = module.DESCRIPTOR.services_by_name[STUBS[name].__name__.removesuffix("Stub")]
        stub = system.stub(name)
        for method in service.methods:
            request_type = GetMessageClass(method.input_type)
            for request, caller in itertools.product((request_type(), _filled(request_type, ids)), callers):
                calls.append(one(stub, method, request, caller))
    await asyncio.gather(*calls)
    return codes


async def test_every_rpc_answers_unavailable_or_succeeds_while_postgres_is_away(faulty: Faulty) -> None:
    system, org = faulty.system, faulty.org
    live = (await start_live(system, faulty.host_token, faulty.group_id)).live.id  # left running: EndLive below
    meeting = (await system.stub("meetings").MeetNow(meetings_pb2.MeetNowRequest(
        request_id=request_id(), participant_ids=[org.member_ids[1]], type=meetings_pb2.MEETING_TYPE_VIDEO),
        metadata=bearer(faulty.host_token))).meeting.id
    ids = {"group_id": faulty.group_id, "live_id": live, "meeting_id": meeting, "enterprise_id": org.enterprise_id,
           "member_id": org.member_ids[1], "principal_id": org.member_ids[1], "participant_id": org.member_ids[1],
           "user_id": org.member_ids[1], "new_owner_id": org.member_ids[1], "member_ids": org.member_ids[1]}
    host = bearer(faulty.host_token)
    # What users of each service do most, each of which needs the database.
    everyday: list[tuple[str, str, object]] = [
        ("groups", "GetGroup", groups_pb2.GetGroupRequest(group_id=faulty.group_id)),
        ("groups", "ListTimeline", groups_pb2.ListTimelineRequest(group_id=faulty.group_id)),
        ("meetings", "MeetNow", meetings_pb2.MeetNowRequest(request_id=request_id(), participant_ids=[org.member_ids[1]],
                                                           type=meetings_pb2.MEETING_TYPE_VIDEO)),
        ("live", "StartLive", live_pb2.StartLiveRequest(request_id=request_id(), group_id=faulty.group_id,
                                                       title="during the outage")),
        ("live", "EndLive", live_pb2.EndLiveRequest(live_id=live)),
        ("notifications", "ListNotifications", notifications_pb2.ListNotificationsRequest()),
        ("identity", "GetMember", identity_pb2.GetMemberRequest(member_id=org.member_ids[1])),
    ]
    log_size = faulty.groups_log.stat().st_size
    async with postgres_down(faulty):
        await eventually(lambda: everyone(faulty, "NOT_SERVING"), timeout=15, every=0.1, what="NOT_SERVING")
        for name, method, request in everyday:
            call = getattr(system.stub(name), method)(request, metadata=host, timeout=10)
            try:
                await call
                raise AssertionError(f"{method} succeeded without a database")
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, (method, error.code(), error.details())
                assert _retry_hint(error) == ("DEPENDENCY_UNAVAILABLE", 1.0), method
        subscribe = system.stub("notifications").Subscribe(notifications_pb2.SubscribeRequest(), metadata=host)
        with pytest.raises(grpc.aio.AioRpcError) as cut:
            async for _ in subscribe:
                pass
        assert cut.value.code() == grpc.StatusCode.UNAVAILABLE
        # Every method of every service, empty and filled in, as a member and as the platform.
        codes = await sweep_every_rpc(system, ids, [host, bearer(system.operator_token)])
        # The groups process answers a storm of calls in the outage with a few log lines.
        process = groups_pb2_grpc.GroupsServiceStub(system.channel(faulty.groups_process.address))
        for _ in range(50):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await process.GetGroup(groups_pb2.GetGroupRequest(group_id=faulty.group_id), metadata=host, timeout=10)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    await eventually(lambda: everyone(faulty, "SERVING"), timeout=30, every=0.1, what="SERVING again")
    assert not codes.keys() & {"INTERNAL", "UNKNOWN"}, {c: sorted(codes[c]) for c in codes.keys() & {"INTERNAL", "UNKNOWN"}}
    # (measured: 65 of the 89 methods reach the database with these requests; the rest refuse
    # them first, INVALID_ARGUMENT or PERMISSION_DENIED, as they would with the database up)
    assert len(codes.get("UNAVAILABLE", ())) >= 50, "most methods reach the database with filled-in requests"

    with faulty.groups_log.open() as log:
        log.seek(log_size)
        lines = [line for line in log.read().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is JSON, the drivers' included
    # The access line of each call (one per RPC, by design) says UNAVAILABLE; the outage itself
    # is a few lines, not one per call, and no traceback.
    calls = [entry for entry in entries if entry["event"] == "rpc finished"]
    assert len(calls) >= 50 and all(
        (c["code"], c["reason"]) == ("UNAVAILABLE", "DEPENDENCY_UNAVAILABLE") for c in calls), calls[:3]
    others = [entry for entry in entries if entry["event"] not in ("rpc finished", "event handled")]
    events = [entry["event"] for entry in others]
    assert events.count("calls failing: dependency unreachable") == 1, events
    assert "dependency unreachable" in events and "dependency reachable again" in events
    assert len(others) < 40, f"{len(others)} log lines for one outage: {events}"
    assert not any("exception" in entry and "rpc" in entry for entry in entries), events


# ------------------------------------------------------------------------------ fan-outs


async def test_an_outage_longer_than_the_refusal_budget_loses_no_member_of_a_2000_fan_out(faulty: Faulty) -> None:
    system = faulty.system
    users = await wechat_users(system, 5)
    streams = await open_streams(system, dict(users))
    recipients = [new_id("member") for _ in range(1995)] + [user for user, _ in users]
    event = notices_event("meetings", notice(recipients, title="All-hands moved to 3 pm"))
    held_before = _held(system)
    await publish_events(system.nats_url, event)

    async def written() -> int:
        return int(await query(faulty.database_url, "SELECT count(*) FROM notifications.notifications"
                                                    " WHERE dedupe_key = $1", event.id))

    await eventually(lambda: _positive(written()), timeout=30, every=0.005, what="the fan-out under way")
    async with postgres_down(faulty):
        # Many ack waits, and down until the chunks have failed to run more times than
        # MAX_REFUSALS allows (however slowly a busy machine retries).
        await asyncio.sleep(8.0)
        await eventually(lambda: _true(_held(system) - held_before > MAX_REFUSALS), timeout=30, every=0.2,
                         what="the chunks retried through the outage")

    async def everyone_has_it() -> bool:
        return await query(faulty.database_url, "SELECT count(DISTINCT user_id) FROM notifications.notifications"
                                                " WHERE dedupe_key = $1", event.id) == 2000

    await eventually(everyone_has_it, timeout=30, every=0.25, what="all 2,000 notifications")
    assert await written() == 2000, "nobody got it twice"
    await eventually(lambda: _true(all(s.received for s in streams.values())), timeout=10,
                     what="the notice on every open stream")
    await asyncio.sleep(0.5)
    for stream in streams.values():
        assert [n.title for n in stream.received] == ["All-hands moved to 3 pm"]
        await stream.close()
    assert await deadletters.list_dead_letters(system.hosts["notifications"][0].runtime.nc) == []  # type: ignore[union-attr]
    assert await query(faulty.database_url, "SELECT count(*) FROM notifications.consumer_refusals") == 0
    # The tries that failed while the database was away (each would have spent a delivery of
    # the old budget) were holds: none was counted as a refusal, none nak-ed.
    assert _held(system) - held_before > MAX_REFUSALS, "chunks were held through the outage"
    assert sum(c.stats.retried for h in system.hosts["notifications"] for c in h.consumers) == 0


async def test_a_push_that_never_left_reaches_open_streams_within_two_seconds(
        faulty: Faulty, monkeypatch: pytest.MonkeyPatch) -> None:
    """The replica that wrote a fan-out freezes between its commit and its push (as if killed
    there) and is then stopped: streams on the other replica have the notification within 2 s
    of the commit, and its redelivery to the other replica doubles nothing."""
    system = faulty.system
    await system.add_replica("notifications")
    users = await wechat_users(system, 4)  # streams on either replica
    streams = {user: StreamRecorder(system, token, replica=i % 2) for i, (user, token) in enumerate(users)}
    await asyncio.gather(*(s.ready() for s in streams.values()))
    frozen: list[Hub] = []
    publish_fanout = Hub.publish_fanout

    async def freeze(hub: Hub, template: Any, *rest: Any) -> None:
        if template.title != "Incoming call":  # another test's fan-out still settling: not ours
            return await publish_fanout(hub, template, *rest)
        frozen.append(hub)
        await asyncio.Event().wait()

    monkeypatch.setattr(Hub, "publish_fanout", freeze)
    event = notices_event("meetings", notice([user for user, _ in users], title="Incoming call"))
    await publish_events(system.nats_url, event)

    async def committed() -> bool:
        return await query(faulty.database_url, "SELECT count(*) FROM notifications.notifications"
                                                " WHERE dedupe_key = $1", event.id) == len(users)

    await eventually(committed, timeout=20, every=0.01, what="the fan-out committed")
    committed_at = time.monotonic()
    await eventually(lambda: _true(all(s.received for s in streams.values())), timeout=10, every=0.01,
                     what="the notification on every open stream")
    assert time.monotonic() - committed_at < 2.0
    assert len(frozen) == 1, "one replica wrote it and froze"
    monkeypatch.undo()

    hosts = list(system.hosts["notifications"])
    writer = next(h for h in hosts if h.runtime is not None and h.runtime.nc is frozen[0]._nc)
    on_survivor = [stream for i, stream in enumerate(streams.values()) if hosts[i % 2] is not writer]
    await system.stop_replica(writer)  # its event was never acked: redelivered to the survivor
    await eventually(lambda: drained(faulty), timeout=30, every=0.25, what="the redelivery settled")
    await asyncio.sleep(0.5)
    for stream in on_survivor:
        assert [n.title for n in stream.received] == ["Incoming call"]
    for stream in streams.values():
        await stream.close()
    assert len(system.hosts["notifications"]) == 1  # the survivor serves the rest of the module


async def _ended(system: System, token: str, live_id: str) -> bool:
    try:
        await system.stub("live").EndLive(live_pb2.EndLiveRequest(live_id=live_id), metadata=bearer(token))
    except grpc.aio.AioRpcError as error:
        return error.code() == grpc.StatusCode.FAILED_PRECONDITION  # ended already
    return True


def _held(system: System) -> int:
    return sum(c.stats.held for host in system.hosts["notifications"] for c in host.consumers)


async def _positive(value: Awaitable[int]) -> bool:
    return (await value) > 0


def _grown_to(items: list[str], count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(items) >= count

    return check


async def _true(value: bool) -> bool:
    return value



async def test_every_rpc_answers_unavailable_or_succeeds_while_nats_is_away(faulty: Faulty) -> None:
    """NATS (the only node) stopped: calls that need another service's answer are UNAVAILABLE,
    those the database alone serves succeed (a read mark among them: its push to open streams is
    best effort),
    none is INTERNAL; health is NOT_SERVING until NATS is back. Last in the module: with the
    database up, filled-in calls really act (dismiss, remove), so it works on a group of its own."""
    system = faulty.system
    org = await system.create_org(members=2)
    owner = org.tokens[org.member_ids[0]]
    group_id = await system.create_group(owner, [org.admin_id, org.member_ids[1]])
    live = (await start_live(system, owner, group_id)).live.id
    ids = {"group_id": group_id, "live_id": live, "enterprise_id": org.enterprise_id,
           "member_id": org.member_ids[1], "principal_id": org.member_ids[1], "participant_id": org.member_ids[1],
           "user_id": org.member_ids[1], "member_ids": org.member_ids[1]}
    # Notifications has just been told that this user exists (it may reuse that for a minute).
    await system.stub("notifications").ListNotifications(notifications_pb2.ListNotificationsRequest(),
                                                         metadata=bearer(owner))
    node = faulty.nats.nodes[0]
    node.stop()
    try:
        await eventually(lambda: everyone(faulty, "NOT_SERVING"), timeout=15, every=0.1,
                         what="every replica NOT_SERVING while NATS is away")
        marked = await system.stub("notifications").MarkAllRead(notifications_pb2.MarkAllReadRequest(),
                                                                 metadata=bearer(owner), timeout=10)
        assert marked.sequence >= 0
        codes = await sweep_every_rpc(system, ids, [bearer(owner), bearer(system.operator_token)])
    finally:
        node.start()
    await eventually(lambda: everyone(faulty, "SERVING"), timeout=30, every=0.1, what="SERVING again")
    assert not codes.keys() & {"INTERNAL", "UNKNOWN"}, {c: sorted(codes[c]) for c in codes.keys() & {"INTERNAL", "UNKNOWN"}}
    assert codes.get("OK") and codes.get("UNAVAILABLE"), codes.keys()
