"""Live start to card on every member's open stream (issue 5, benchmark 1; SPEC F-20, F-28, F-41).

For groups of 100, 500 and 2,000 members: the time from the StartLive call to the moment the
last member's stream holds the live card, beside a bare fan-out of the same size (write one row
per member with asyncpg and deliver one NATS message per member) measured just before each run.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg

from convene.live.v1 import live_pb2
from tests.bench.baselines import bare_fanout
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.system import process_system
from tests.harness import StreamRecorder, bearer, request_id

SIZES = (100, 500, 2000)
LIVES_PER_SIZE = 7


async def run(report: Report) -> None:
    async with process_system() as system:
        org = await system.create_org(members=max(SIZES) - 1)
        everyone = [org.admin_id, *org.member_ids]
        arrivals: dict[str, dict[str, float]] = {}  # live id -> member -> first arrival
        waiting: dict[str, tuple[int, asyncio.Event]] = {}

        def recorder_for(member: str) -> StreamRecorder:
            def on_card(notification: object) -> None:
                live_id = notification.card.subject_id  # type: ignore[attr-defined]
                seen = arrivals.setdefault(live_id, {})
                if member not in seen:
                    seen[member] = time.perf_counter()
                    expected, done = waiting.get(live_id, (0, None))  # type: ignore[assignment]
                    if done is not None and len(seen) >= expected:
                        done.set()

            return StreamRecorder(system, org.tokens[member], on_notification=on_card)

        streams = [recorder_for(member) for member in everyone]
        await asyncio.gather(*(s.ready(timeout=60) for s in streams))
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
                    done = asyncio.Event()
                    started = time.perf_counter()
                    reply = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
                        request_id=request_id(), group_id=group_id, title="bench"), metadata=bearer(org.tokens[host]))
                    waiting[reply.live.id] = (size, done)
                    if len(arrivals.get(reply.live.id, {})) < size:
                        try:
                            await asyncio.wait_for(done.wait(), 120)
                        except TimeoutError:
                            failed = [s for s in streams if s.error is not None]
                            raise RuntimeError(
                                f"{len(arrivals.get(reply.live.id, {}))} of {size} streams got the card;"
                                f" {len(failed)} streams failed: {failed[0].error if failed else ''}") from None
                    samples.append(max(arrivals[reply.live.id].values()) - started)
                report.note(f"live start -> last of {size} streams: {summary_ms(samples)}; bare: {summary_ms(bare)}")
                report.compare("live fan-out", f"{size} members, last delivery p99",
                               percentile(samples, 99) * 1000, baseline_name="bare write+NATS fan-out p99",
                               baseline=percentile(bare, 99) * 1000, unit="ms",
                               target="<= 2x at 2,000" if size == 2000 else "")
        finally:
            await pool.close()
            await asyncio.gather(*(s.close() for s in streams))
