"""Live start to card on every member's open stream (issue 5, benchmark 1; SPEC F-20, F-28, F-41).

For groups of 100, 500 and 2,000 members: the time from the StartLive call to the moment the
last member's stream holds the live card, beside a bare fan-out of the same size (write one row
per member with asyncpg and deliver one NATS message per member) measured just before each run.
"""

from __future__ import annotations

import asyncpg

from convene.live.v1 import live_pb2
from tests.bench.baselines import bare_fanout
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import StreamFleet, now
from tests.bench.system import process_system
from tests.harness import bearer, request_id

SIZES = (100, 500, 2000)
LIVES_PER_SIZE = 7


async def run(report: Report) -> None:
    async with process_system() as system:
        org = await system.create_org(members=max(SIZES) - 1)
        everyone = [org.admin_id, *org.member_ids]
        fleet = StreamFleet(system.address_of("notifications"), org.tokens)
        await fleet.start()
        pool = await asyncpg.create_pool(system.database_url, min_size=1, max_size=2)
        hosts = iter(everyone)
        try:
            for size in SIZES:
                members = everyone[:size]
                samples, bare = [], []
                for _ in range(LIVES_PER_SIZE):
                    bare.append(await bare_fanout(system.nats_url, size, pool))
                    host = next(hosts)
                    group_id = await system.create_group(org.tokens[host], [m for m in members if m != host])
                    started = now()
                    reply = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
                        request_id=request_id(), group_id=group_id, title="bench"), metadata=bearer(org.tokens[host]))
                    samples.append(await fleet.wait_for(reply.live.id, size) - started)
                report.note(f"live start -> last of {size} streams: {summary_ms(samples)}; bare: {summary_ms(bare)}")
                report.compare("live fan-out", f"{size} members, last delivery p99",
                               percentile(samples, 99) * 1000, baseline_name="bare write+NATS fan-out p99",
                               baseline=percentile(bare, 99) * 1000, unit="ms",
                               target="<= 2x at 2,000" if size == 2000 else "")
        finally:
            await pool.close()
            await fleet.stop()
