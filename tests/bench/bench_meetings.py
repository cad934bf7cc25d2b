"""Meet now with 50 participants (SPEC F-34, F-41): the time from the MeetNow call to the last
participant's incoming call on an open notifications stream, p50 and p99, beside two bare
baselines measured just before each round: a bare fan-out to 50 (one row per participant
written with asyncpg, one NATS message per participant delivered to a subscriber; target: p99
within 4x) and the bare gRPC bytes push to the same 50 streams held the same way (the floor).
CPU per round by process (from /proc, summed over the rounds) beside the bare push's: CPU
seconds move far less than wall times when other work shares the machine.

    python -m tests.bench meetings
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg

from convene.meetings.v1 import meetings_pb2
from tests.bench.baselines import bare_bytes_push, bare_fanout
from tests.bench.cpu import CpuMeter
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.streams import StreamFleet, now
from tests.bench.system import process_system
from tests.harness import bearer, request_id

PARTICIPANTS = 50
ROUNDS = 60
WARM_UP = 5


async def run(report: Report) -> None:
    # Calls ring longer than the benchmark runs: no missed calls in the background.
    async with process_system(MEETINGS_RING_TIMEOUT_S="3600") as system, bare_bytes_push() as floor:
        org = await system.create_org(members=PARTICIPANTS)
        organizer, participants = org.admin_id, org.member_ids
        fleet = StreamFleet(system.address_of("notifications"), {p: org.tokens[p] for p in participants})
        floor_fleet = StreamFleet(floor.address, {p: org.tokens[p] for p in participants})
        await fleet.start()
        await floor_fleet.start()
        pool = await asyncpg.create_pool(system.database_url, min_size=1, max_size=2)
        meetings = system.stub("meetings")
        samples, bare, pushes = [], [], []
        cpu: dict[str, float] = defaultdict(float)  # CPU seconds over the measured rounds, by process
        try:
            for round_no in range(WARM_UP + ROUNDS):
                baseline = await bare_fanout(system.nats_url, PARTICIPANTS, pool)
                floor_meter = CpuMeter({"bare server": [floor.pid], "bare push holders": floor_fleet.pids})
                pushed = await floor.push(floor_fleet, PARTICIPANTS)
                floor_used = floor_meter.used()
                meter = CpuMeter({**{name: pids for name, pids in system.pids().items() if pids},
                                  "stream holders": fleet.pids})
                started = now()
                reply = await meetings.MeetNow(meetings_pb2.MeetNowRequest(
                    request_id=request_id(), topic="bench", type=meetings_pb2.MEETING_TYPE_VOICE,
                    participant_ids=participants), metadata=bearer(org.tokens[organizer]))
                last = await fleet.wait_for(f"{reply.meeting.id}/call/1", PARTICIPANTS)
                used = meter.used()
                if round_no >= WARM_UP:
                    for name, seconds in {**used, **floor_used}.items():
                        cpu[name] += seconds
                    samples.append(last - started)
                    bare.append(baseline)
                    pushes.append(pushed)
        finally:
            await pool.close()
            await fleet.stop()
            await floor_fleet.stop()
    report.note(f"meet now -> last of {PARTICIPANTS} incoming calls: {summary_ms(samples)}; bare write+NATS:"
                f" {summary_ms(bare)}; bare bytes push: {summary_ms(pushes)}")
    per_round = {name: seconds / ROUNDS * 1000 for name, seconds in cpu.items()}
    report.note("meet now, CPU ms per round (mean, from /proc): " + ", ".join(
        f"{name} {ms:.1f}" for name, ms in per_round.items()))
    report.compare("meet now", f"{PARTICIPANTS} participants, notifications process CPU per meet now",
                   per_round.get("notifications", 0.0), baseline_name="bare server CPU per push",
                   baseline=per_round["bare server"], unit="ms")
    report.compare("meet now", f"{PARTICIPANTS} participants, last incoming call p50", percentile(samples, 50) * 1000,
                   baseline_name="bare write+NATS fan-out p50", baseline=percentile(bare, 50) * 1000, unit="ms")
    report.compare("meet now", f"{PARTICIPANTS} participants, last incoming call p99", percentile(samples, 99) * 1000,
                   baseline_name="bare write+NATS fan-out p99", baseline=percentile(bare, 99) * 1000, unit="ms",
                   target="<= 4x")
    report.compare("meet now", f"{PARTICIPANTS} participants, last incoming call p99", percentile(samples, 99) * 1000,
                   baseline_name="bare gRPC bytes push p99", baseline=percentile(pushes, 99) * 1000, unit="ms")
