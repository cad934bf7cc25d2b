"""The thin flow on a 3-node NATS cluster with R3 streams (SPEC F-20, F-28, F-41, F-42).

Killing the node that leads a stream makes publishes fail for several seconds until a new leader
is elected; the outbox relay and the durable consumers must ride through it without losing or
doubling a card.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from convene.groups.v1 import groups_pb2
from infra.embedded import NatsCluster
from services.runtime import bus
from tests.harness import StreamRecorder, System, eventually
from tests.test_thin_flow import start_live

pytestmark = pytest.mark.integration

GROUP_SIZE = 50


@pytest.fixture
async def cluster_system(nats_cluster: NatsCluster, database_url: str) -> AsyncIterator[System]:
    running = System(nats_cluster.urls, database_url, replicas=3)
    await running.start()
    yield running
    await running.stop()


async def _group_of_fifty(system: System) -> tuple[str, dict[str, str], str]:
    org = await system.create_org(members=GROUP_SIZE - 1)
    host = org.member_ids[0]
    others = [org.admin_id, *org.member_ids[1:]]
    group_id = await system.create_group(org.tokens[host], others)
    return host, org.tokens, group_id


async def _open_streams(system: System, tokens: dict[str, str]) -> dict[str, StreamRecorder]:
    streams = {uid: StreamRecorder(system, token) for uid, token in tokens.items()}
    await asyncio.gather(*(s.ready() for s in streams.values()))
    return streams


async def _assert_one_card_each(streams: dict[str, StreamRecorder], live_id: str, timeout: float) -> None:
    async def everyone_has_it() -> bool:
        return all(s.cards_for(live_id) for s in streams.values())

    await eventually(everyone_has_it, timeout=timeout, every=0.1, what="the live card on all 50 streams")
    await asyncio.sleep(2.0)  # redeliveries after a failover would show up here
    counts = {uid: len(s.cards_for(live_id)) for uid, s in streams.items()}
    assert set(counts.values()) == {1}, counts
    for stream in streams.values():
        assert stream.cards_for(live_id)[0].card.state == groups_pb2.CARD_STATE_LIVE
        # Per-user sequences stay gap-free through the failover.
        assert stream.sequences == list(range(1, len(stream.sequences) + 1))
        await stream.close()


async def test_fifty_members_each_get_exactly_one_card(cluster_system: System) -> None:
    host, tokens, group_id = await _group_of_fifty(cluster_system)
    streams = await _open_streams(cluster_system, tokens)
    started = await start_live(cluster_system, tokens[host], group_id)
    await _assert_one_card_each(streams, started.live.id, timeout=30)


async def _stream_leader(system: System, stream: str) -> str:
    nc = system.hosts["live"][0].runtime.nc  # type: ignore[union-attr]
    info = await nc.jetstream().stream_info(stream)
    assert info.cluster is not None and info.cluster.leader
    return info.cluster.leader


async def test_a_killed_nats_node_loses_and_doubles_nothing(cluster_system: System, nats_cluster: NatsCluster) -> None:
    host, tokens, group_id = await _group_of_fifty(cluster_system)
    streams = await _open_streams(cluster_system, tokens)
    # Kill the node leading the stream the card events go through, right as the live starts.
    leader = await _stream_leader(cluster_system, "GROUPS")
    victim = next(node for node in nats_cluster.nodes if node.name == leader)

    started = await start_live(cluster_system, tokens[host], group_id)
    victim.kill()

    await _assert_one_card_each(streams, started.live.id, timeout=60)
    assert not victim.running


async def test_streams_are_replicated_three_times(cluster_system: System) -> None:
    nc = cluster_system.hosts["live"][0].runtime.nc  # type: ignore[union-attr]
    for service in ("identity", "groups", "live", "meetings", "notifications"):
        info = await nc.jetstream().stream_info(bus.StreamSpec.for_service(service).name)
        assert info.config.num_replicas == 3
