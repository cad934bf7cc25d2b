"""Several notifications replicas (SPEC F-41, F-42): a user connected to any replica gets all
their notifications once; a large fan-out is split into chunks that the replicas share; a
replica killed (SIGKILL, a real process) in the middle of a fan-out to 2,000 users leaves every
user with exactly one notification. Identity and two in-process notifications replicas over real
NATS and PostgreSQL, one system for the module; a third replica as a child process."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from convene.notifications.v1 import notifications_pb2 as pb
from infra.ports import LOOPBACK, free_port
from infra.run import Service, service_env, wait_serving
from services.runtime.db import fetch_one
from services.runtime.ids import new_id
from tests.harness import StreamRecorder, System, eventually, module_system, publish_events
from tests.notifications_kit import card_event, notice, notices_event, wechat_users

CHUNK = 100
ACK_WAIT_S = 3.0


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("notifications-replicas"), "identity",
                             "notifications", fanout_chunk=CHUNK, fanout_ack_wait_s=ACK_WAIT_S,
                             idle_check_s=2.0) as running:
        await running.add_replica("notifications")
        yield running


async def delivered(database_url: str, dedupe_key: str) -> tuple[int, int]:
    """(notifications, distinct users) written for one notice."""
    conn = await asyncpg.connect(database_url)
    try:
        row = await fetch_one(conn, "SELECT count(*) AS n, count(DISTINCT user_id) AS users"
                                  " FROM notifications.notifications WHERE dedupe_key = $1", dedupe_key)
        return row["n"], row["users"]
    finally:
        await conn.close()


async def sequences_have_no_gaps(database_url: str, user_ids: list[str]) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(
            "SELECT bool_and(c.last_sequence = (SELECT count(*) FROM notifications.notifications n"
            "                                   WHERE n.user_id = c.user_id))"
            " FROM notifications.user_cursors c WHERE c.user_id = ANY($1::text[])", user_ids)
    finally:
        await conn.close()


def everyone_has(database_url: str, dedupe_key: str, count: int):
    async def check() -> bool:
        return await delivered(database_url, dedupe_key) == (count, count)

    return check


async def test_a_user_on_either_replica_gets_everything_once(system: System) -> None:
    [(left, left_token), (right, right_token), (both, both_token)] = await wechat_users(system, 3)
    streams = {
        "left": StreamRecorder(system, left_token, replica=0),
        "right": StreamRecorder(system, right_token, replica=1),
        "both-0": StreamRecorder(system, both_token, replica=0),
        "both-1": StreamRecorder(system, both_token, replica=1),
    }
    await asyncio.gather(*(s.ready() for s in streams.values()))
    await publish_events(system.nats_url, *(card_event([left, right, both]) for _ in range(20)))

    async def all_arrived() -> bool:
        return all(len(s.received) >= 20 for s in streams.values())

    await eventually(all_arrived, what="twenty cards on every stream")
    await asyncio.sleep(0.3)
    for stream in streams.values():
        assert stream.sequences == list(range(1, 21))
    assert [n.id for n in streams["both-0"].received] == [n.id for n in streams["both-1"].received]
    # Both replicas took events from the shared durable consumer.
    handled = [sum(c.stats.handled for c in host.consumers if c.spec.durable == "notifications--groups")
               for host in system.hosts["notifications"]]
    assert sum(handled) == 20
    for stream in streams.values():
        await stream.close()


async def test_a_large_fan_out_is_shared_between_replicas(system: System) -> None:
    users = await wechat_users(system, 2)
    streams = [StreamRecorder(system, token, replica=i) for i, (_, token) in enumerate(users)]
    await asyncio.gather(*(s.ready() for s in streams))
    recipients = [u for u, _ in users] + [new_id("member") for _ in range(1998)]
    chunks_before = _chunks_handled(system)
    event = notices_event("meetings", notice(recipients, title="All-hands in 10 minutes"))
    await publish_events(system.nats_url, event)
    await eventually(everyone_has(system.database_url, event.id, 2000), what="2,000 notifications")
    chunks = [after - before for after, before in zip(_chunks_handled(system), chunks_before)]
    assert sum(chunks) == 2000 // CHUNK and all(chunks), f"chunks per replica: {chunks}"
    await eventually(lambda: _each_has(streams, 1), what="the notice on both streams")
    assert await sequences_have_no_gaps(system.database_url, recipients)
    for stream in streams:
        await stream.close()


async def test_a_replica_killed_in_the_middle_of_a_fan_out_leaves_everyone_with_exactly_one(
        system: System, tmp_path: Path) -> None:
    users = await wechat_users(system, 5)
    streams = [StreamRecorder(system, token, replica=i % 2) for i, (_, token) in enumerate(users)]
    await asyncio.gather(*(s.ready() for s in streams))
    # A round whose fan-out was over before the kill landed proves nothing: another round, with a
    # fresh replica and fan-out, until one kill lands in the middle.
    fanouts: list[tuple[str, list[str]]] = []
    for _ in range(3):
        run_dir = tmp_path / f"round-{len(fanouts)}"
        run_dir.mkdir()
        victim = await start_process_replica(system, run_dir)
        try:
            recipients = [new_id("member") for _ in range(1995)] + [u for u, _ in users]
            event = notices_event("meetings", notice(recipients, kind=pb.NOTIFICATION_KIND_INCOMING_CALL,
                                                     title="Incoming call"))
            await publish_events(system.nats_url, event)
            fanouts.append((event.id, recipients))

            async def under_way(event_id: str = event.id) -> bool:
                return (await delivered(system.database_url, event_id))[0] > 0

            await eventually(under_way, every=0.005, what="the fan-out under way")
            assert victim.proc is not None
            victim.proc.send_signal(signal.SIGKILL)  # mid-transaction: its chunks roll back and are redelivered
            await asyncio.to_thread(victim.proc.wait, 10)
            written, _ = await delivered(system.database_url, event.id)
        finally:
            victim.wait_stopped(0)
        if written < 2000:
            break
    else:
        pytest.fail("every fan-out was over before its replica was killed")

    for event_id, recipients in fanouts:
        await eventually(everyone_has(system.database_url, event_id, 2000), timeout=ACK_WAIT_S * 10,
                         what="every user's notification after the kill")
        assert await sequences_have_no_gaps(system.database_url, recipients)
    await eventually(lambda: _each_has(streams, len(fanouts)), what="the call on every open stream")
    await asyncio.sleep(0.5)
    for stream in streams:
        assert [n.title for n in stream.received] == ["Incoming call"] * len(fanouts)
        await stream.close()


async def start_process_replica(system: System, run_dir: Path) -> Service:
    """A notifications replica as its own process (`python -m services.notifications`), with
    several fan-out workers so that it holds chunks when it is killed."""
    env = service_env(system.nats_url, 1, system.database_url)
    env.update(LOG_LEVEL="warning", LOG_FORMAT="json", NOTIFICATIONS_FANOUT_CHUNK=str(CHUNK),
               NOTIFICATIONS_FANOUT_WORKERS="4", NOTIFICATIONS_FANOUT_ACK_WAIT_S=str(ACK_WAIT_S))
    service = Service("notifications", free_port(), LOOPBACK, run_dir / "notifications-process.log", echo=False)
    service.start(env)
    await asyncio.to_thread(wait_serving, [service], 60)
    return service


def _chunks_handled(system: System) -> list[int]:
    return [sum(c.stats.handled for c in host.consumers if c.spec.durable == "notifications--fanout")
            for host in system.hosts["notifications"]]


async def _each_has(streams: list[StreamRecorder], count: int) -> bool:
    await asyncio.sleep(0)
    return all(len(s.received) >= count for s in streams)
