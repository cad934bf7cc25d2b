"""Faults, as ops try them: every service its own process over a 3-node NATS cluster (R3 streams)
and a durable PostgreSQL. Each figure beside a bare baseline measured at the same moment.

1. Token revocation with one of three NATS nodes down (SPEC F-05; stated bound 2 s): from
   RevokeTokens returning to groups refusing the token, once the cluster has re-elected the
   leaders the lost node held. Baseline: a bare KV put on the same bucket, read back by another
   client.
2. Revocation made at the moment the node leading the revocations bucket is killed: from the
   kill to groups refusing the token. Baseline: from the kill to a bare KV put on that bucket
   succeeding (the election the revocation must wait for).
3. PostgreSQL restarted (fast shutdown, 2 s down): from PostgreSQL accepting connections again to
   every replica SERVING (baseline: a bare asyncpg connect and SELECT 1), and a new live's card
   on ten members' streams right after, beside the same before the restart.

    python -m tests.bench faults
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import asyncpg
import grpc
import nats
from grpc_health.v1 import health_pb2, health_pb2_grpc

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.live.v1 import live_pb2
from infra.embedded import EmbeddedPostgres, NatsCluster
from tests.bench.report import Report, summary_ms
from tests.bench.system import ProcessSystem, process_system
from tests.harness import StreamRecorder, bearer
from tests.test_thin_flow import start_live

ROUNDS = 5
PG_DOWN_S = 2.0


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float = 60.0, every_s: float = 0.005) -> float:
    """Seconds until `check()` holds."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError("benchmark condition not reached")
        await asyncio.sleep(every_s)
    return time.monotonic() - started


def _refused(system: ProcessSystem, token: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        try:
            await system.stub("groups").ListMyGroups(groups_pb2.ListMyGroupsRequest(), metadata=bearer(token))
        except grpc.aio.AioRpcError as error:
            return error.code() == grpc.StatusCode.UNAUTHENTICATED
        return False

    return check


async def _revoke(system: ProcessSystem, principal_id: str) -> None:
    """RevokeTokens, retried while identity answers UNAVAILABLE (a client would)."""
    while True:
        try:
            await system.stub("identity").RevokeTokens(identity_pb2.RevokeTokensRequest(principal_id=principal_id),
                                                       metadata=bearer(system.operator_token), timeout=10)
            return
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
            await asyncio.sleep(0.05)


async def _put_until_taken(kv: object, key: str) -> None:
    while True:
        try:
            await kv.put(key, b"0")  # type: ignore[attr-defined]
            return
        except Exception:
            await asyncio.sleep(0.02)


async def _cluster_settled(js: object, victim: str | None) -> bool:
    """Leaders for the revocation path, none on `victim`; with `victim` None, every peer current."""
    try:
        infos = [await js.stream_info("KV_revocations"), await js.stream_info("IDENTITY"),  # type: ignore[attr-defined]
                 await js.consumer_info("IDENTITY", "identity--revocations")]  # type: ignore[attr-defined]
    except Exception:
        return False
    for info in infos:
        cluster = info.cluster
        if cluster is None or not cluster.leader or cluster.leader == victim:
            return False
        if victim is None and not all(peer.current for peer in cluster.replicas or []):
            return False
    return True


def _settled(js: object, victim: str | None) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await _cluster_settled(js, victim)

    return check


async def _one_loss(system: ProcessSystem, cluster: NatsCluster, js: object, kv: object, read_kv: object,
                    round_: int) -> tuple[float, float, float, float, str]:
    """Kill the node leading the revocations bucket; (revocation at the loss, bare put at the
    loss, revocation with the node down, bare put + read back with the node down, node)."""
    users = [await system.create_wechat_user() for _ in range(2)]
    info = await js.stream_info("KV_revocations")  # type: ignore[attr-defined]
    assert info.cluster is not None and info.cluster.leader
    victim = next(node for node in cluster.nodes if node.name == info.cluster.leader)
    killed_at = time.monotonic()
    victim.kill()

    async def convene_at_loss() -> float:
        await _revoke(system, users[0][0])
        await _until(_refused(system, users[0][1]))
        return time.monotonic() - killed_at

    async def bare_at_loss() -> float:
        await _put_until_taken(kv, f"bench-window-{round_}")
        return time.monotonic() - killed_at

    at_loss, bare_loss = await asyncio.gather(convene_at_loss(), bare_at_loss())

    await _until(_settled(js, victim.name), every_s=0.1)  # one node down, leaders elected
    await asyncio.sleep(1.0)
    await _revoke(system, users[1][0])
    node_down = await _until(_refused(system, users[1][1]))
    key = f"bench-steady-{round_}"
    started = time.monotonic()
    await kv.put(key, b"0")  # type: ignore[attr-defined]

    async def read_back() -> bool:
        try:
            return (await read_kv.get(key)).value == b"0"  # type: ignore[attr-defined]
        except Exception:
            return False

    await _until(read_back)
    bare_down = time.monotonic() - started
    victim.start()
    await _until(_settled(js, None), every_s=0.2)
    return at_loss, bare_loss, node_down, bare_down, victim.name


async def _revocations(report: Report, system: ProcessSystem, cluster: NatsCluster) -> None:
    bare = await nats.connect(cluster.urls.split(","), reconnect_time_wait=0.25, max_reconnect_attempts=-1)
    reader = await nats.connect(cluster.urls.split(","), reconnect_time_wait=0.25, max_reconnect_attempts=-1)
    js = bare.jetstream()
    kv, read_kv = await js.key_value("revocations"), await reader.jetstream().key_value("revocations")
    steady, steady_bare, window, window_bare = [], [], [], []
    try:
        for round_ in range(ROUNDS):
            at_loss, bare_loss, node_down, bare_down, victim = await _one_loss(system, cluster, js, kv, read_kv, round_)
            window.append(at_loss)
            window_bare.append(bare_loss)
            steady.append(node_down)
            steady_bare.append(bare_down)
            report.note(f"round {round_}: killed {victim}; at the loss {at_loss:.2f} s (bare put {bare_loss:.2f} s);"
                        f" node down {node_down * 1000:.1f} ms (bare {bare_down * 1000:.1f} ms)")
    finally:
        await bare.close()
        await reader.close()
    report.compare("revocation, one of 3 NATS nodes down", f"revoke -> refused, worst of {ROUNDS}",
                   max(steady) * 1000, baseline_name="bare KV put + read back, worst", baseline=max(steady_bare) * 1000,
                   unit="ms", target="<= 2000 ms")
    report.note(f"node down: Convene {summary_ms(steady)}; bare {summary_ms(steady_bare)}")
    report.compare("revocation at the loss of the bucket's leader", f"kill -> refused, median of {ROUNDS}",
                   statistics.median(window) * 1000, baseline_name="kill -> bare KV put taken, median",
                   baseline=statistics.median(window_bare) * 1000, unit="ms")
    report.note(f"at the loss: Convene {summary_ms(window)}; bare {summary_ms(window_bare)}")


async def _all_serving(system: ProcessSystem) -> bool:
    async def status(address: str) -> int:
        async with grpc.aio.insecure_channel(address) as channel:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.aio.AioRpcError:
                return -1
            return reply.status

    addresses = [s.address for group in system.processes.values() for s in group]
    return all(s == health_pb2.HealthCheckResponse.SERVING for s in await asyncio.gather(*map(status, addresses)))


async def _live_to_everyone(system: ProcessSystem, token: str, group_id: str,
                            streams: list[StreamRecorder]) -> float:
    started = time.monotonic()
    while True:
        try:
            live = (await start_live(system, token, group_id)).live.id
            break
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            await asyncio.sleep(0.02)

    async def everyone() -> bool:
        return all(s.cards_for(live) for s in streams)

    await _until(everyone, every_s=0.002)
    took = time.monotonic() - started
    await system.stub("live").EndLive(live_pb2.EndLiveRequest(live_id=live), metadata=bearer(token))
    return took


async def _postgres_restarts(report: Report, system: ProcessSystem, postgres: EmbeddedPostgres) -> None:
    org = await system.create_org(members=9)
    host = org.tokens[org.member_ids[0]]
    group_id = await system.create_group(host, [org.admin_id, *org.member_ids[1:]])
    streams = [StreamRecorder(system, token) for token in org.tokens.values()]
    await asyncio.gather(*(s.ready() for s in streams))
    serving, bare, before, after = [], [], [], []
    try:
        for _ in range(ROUNDS):
            before.append(await _live_to_everyone(system, host, group_id, streams))
            await asyncio.to_thread(postgres.stop)
            await asyncio.sleep(PG_DOWN_S)
            await asyncio.to_thread(postgres.start)

            async def connects() -> bool:
                try:
                    conn = await asyncpg.connect(system.database_url, timeout=1)
                    await conn.fetchval("SELECT 1")
                    await conn.close()
                    return True
                except Exception:
                    return False

            bare_s, serving_s = await asyncio.gather(_until(connects), _until(lambda: _all_serving(system), every_s=0.02))
            bare.append(bare_s)
            serving.append(serving_s)
            after.append(await _live_to_everyone(system, host, group_id, streams))
            report.note(f"restart: SERVING after {serving_s:.2f} s (bare connect {bare_s * 1000:.0f} ms);"
                        f" live to 10 streams {after[-1] * 1000:.0f} ms (before: {before[-1] * 1000:.0f} ms)")
    finally:
        for stream in streams:
            await stream.close()
    report.compare("PostgreSQL restart", f"back -> every replica SERVING, worst of {ROUNDS}", max(serving) * 1000,
                   baseline_name="back -> bare connect + SELECT 1, worst", baseline=max(bare) * 1000, unit="ms")
    report.compare("PostgreSQL restart", "new live to 10 streams right after, p50", statistics.median(after) * 1000,
                   baseline_name="the same before the restart, p50", baseline=statistics.median(before) * 1000,
                   unit="ms", target="< 1000 ms")


async def run(report: Report) -> None:
    async with process_system(nats_nodes=3, durable=True) as system:
        cluster, postgres = system.servers["nats"], system.servers["postgres"]
        assert isinstance(cluster, NatsCluster) and isinstance(postgres, EmbeddedPostgres)
        await _revocations(report, system, cluster)
        await _postgres_restarts(report, system, postgres)


if __name__ == "__main__":
    from services.runtime.logs import configure_logging

    configure_logging("bench", level="warning", fmt="console")
    asyncio.run(run(Report()))
