"""Token revocation (SPEC F-05) with one of three NATS nodes down: every running service refuses
the revoked tokens within the stated bound (services/runtime/revocations.py).

Before, each service watched the revocations bucket with nats-py's KV watch, whose ordered
consumer lives on one node and is noticed gone only after two missed 5 s heartbeats: with that
node lost, a service went on accepting revoked tokens for up to 20 s (7-14 s was measured by
ops). The node killed here is the one holding a service's watch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from infra.embedded import NatsCluster
from services.runtime.revocations import REVOCATION_BOUND_S
from tests.harness import System, bearer, eventually, refused_within

pytestmark = pytest.mark.integration


@pytest.fixture
async def cluster_system(nats_cluster: NatsCluster, database_url: str) -> AsyncIterator[System]:
    running = System(nats_cluster.urls, database_url, replicas=3)
    await running.start("identity", "groups")
    yield running
    await running.stop()


async def _leaders_back(system: System, killed: str) -> bool:
    """The streams and consumer on the revocation path have leaders, none of them the lost node."""
    js = system.hosts["identity"][0].runtime.nc.jetstream()  # type: ignore[union-attr]
    try:
        infos = [await js.stream_info("KV_revocations"), await js.stream_info("IDENTITY"),
                 await js.consumer_info("IDENTITY", "identity--revocations")]
    except Exception:
        return False
    return all(info.cluster is not None and info.cluster.leader not in ("", None, killed) for info in infos)


async def test_revocation_within_its_bound_with_one_of_three_nats_nodes_down(
        cluster_system: System, nats_cluster: NatsCluster) -> None:
    system = cluster_system
    org = await system.create_org(members=1)
    member = org.member_ids[0]
    token = org.tokens[member]
    assert (await system.stub("groups").ListMyGroups(groups_pb2.ListMyGroupsRequest(), metadata=bearer(token)))

    watch = system.hosts["groups"][0].runtime.revocations._subscription  # type: ignore[union-attr]
    holder = (await watch.consumer_info()).cluster.leader
    victim = next(node for node in nats_cluster.nodes if node.name == holder)
    victim.kill()
    await eventually(lambda: _leaders_back(system, victim.name), timeout=30, every=0.2,
                     what="leaders on the two nodes left")

    await system.stub("identity").RevokeTokens(identity_pb2.RevokeTokensRequest(principal_id=member),
                                               metadata=bearer(system.operator_token))
    calls = {
        "identity": lambda: system.stub("identity").GetMember(
            identity_pb2.GetMemberRequest(member_id=member), metadata=bearer(token)),
        "groups": lambda: system.stub("groups").ListMyGroups(groups_pb2.ListMyGroupsRequest(), metadata=bearer(token)),
    }
    results = await asyncio.gather(*(refused_within(REVOCATION_BOUND_S, call) for call in calls.values()))
    assert results == [(grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")] * len(calls)
    assert not victim.running
