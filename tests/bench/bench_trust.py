"""Trust benchmarks: what the RPC guard's checks cost per call, and the join storm with them.

1. In process, per call: the request's validation plan (a join, a meeting with its recurrence
   and participants), verifying a bearer token the process has not seen (Ed25519) and one it has
   (the verified-token cache), minting a play token; each beside the bare operation underneath
   (an attribute read per field, the bare Ed25519 verify, an HMAC).
2. The join storm of bench_live (5,000 viewers, each with a token the live process never saw,
   50 in flight) beside the gRPC echo of the same server in the same run: target >= 0.5x.

    python -m tests.bench trust
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from convene.live.v1 import live_pb2
from convene.meetings.v1 import meetings_pb2
from services.runtime.auth import TokenVerifier
from services.runtime.ids import new_id
from services.runtime.play_tokens import PlayTokens
from services.runtime.validate import request_plan
from tests.bench import bench_live
from tests.bench.report import Report
from tests.harness import LocalIssuer

ROUNDS = 3000


def _per_call_us(work: Callable[[int], object], rounds: int = ROUNDS) -> float:
    """Microseconds per call, the best of three passes (the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for i in range(rounds):
            work(i)
        best = min(best, (time.perf_counter() - started) / rounds * 1e6)
    return best


def guard_costs(report: Report) -> None:
    join = live_pb2.JoinLiveRequest(live_id=new_id("live"), share_link="")
    join_plan = request_plan(join.DESCRIPTOR)
    meeting = meetings_pb2.ScheduleMeetingRequest(
        request_id=new_id("request"), topic="weekly sync", type=meetings_pb2.MEETING_TYPE_VIDEO,
        duration_minutes=30, participant_ids=[new_id("member") for _ in range(20)], time_zone="Asia/Shanghai",
        recurrence=meetings_pb2.Recurrence(frequency=meetings_pb2.RECURRENCE_FREQUENCY_WEEKLY, count=10))
    meeting.start_time.GetCurrentTime()
    meeting_plan = request_plan(meeting.DESCRIPTOR)

    def read_join(_: int) -> object:
        return (join.live_id, join.share_link, join.forward_id)

    report.compare("guard", "validation plan, JoinLive", _per_call_us(lambda _: join_plan.check(join)),
                   baseline_name="reading its 3 fields", baseline=_per_call_us(read_join), unit="us")
    report.compare("guard", "validation plan, ScheduleMeeting (20 participants)",
                   _per_call_us(lambda _: meeting_plan.check(meeting)),
                   baseline_name="reading its fields", baseline=_per_call_us(
                       lambda _: (meeting.topic, list(meeting.participant_ids), meeting.start_time.seconds,
                                  meeting.recurrence.frequency, meeting.time_zone)), unit="us")

    issuer = LocalIssuer()
    fresh = [issuer.token(new_id("member"), new_id("enterprise")) for _ in range(ROUNDS * 3)]
    verifier = TokenVerifier(issuer.keyset)
    unseen = iter(fresh)
    key = Ed25519PrivateKey.generate()
    message = b"x" * 220  # a token's signing input
    signature = key.sign(message)
    public = key.public_key()
    report.compare("guard", "bearer token never seen (Ed25519)", _per_call_us(lambda _: verifier.verify(next(unseen))),
                   baseline_name="bare Ed25519 verify", baseline=_per_call_us(lambda _: public.verify(signature, message)),
                   unit="us")
    again = fresh[0]
    report.compare("guard", "bearer token seen before (cache)", _per_call_us(lambda _: verifier.verify(again)),
                   baseline_name="HMAC-SHA256 of it (the old token check)",
                   baseline=_per_call_us(lambda _: hmac.digest(b"k" * 32, again.encode(), "sha256")), unit="us")
    play = PlayTokens(issuer.keyset, ring=_LiveRing())  # duck-typed: no database
    report.compare("guard", "play token minted (Ed25519)",
                   _per_call_us(lambda i: play.mint(live_id="live_x", viewer_id=f"usr_{i}")),
                   baseline_name="bare Ed25519 sign", baseline=_per_call_us(lambda _: key.sign(message)), unit="us")


class _LiveRing:
    """live's ring for the bench: one key, no database."""

    issuer = "live"

    def __init__(self) -> None:
        self._issuer = LocalIssuer()

    def sign(self, claims: dict, *, typ: str) -> str:
        return self._issuer.sign(claims, typ=typ)


async def run(report: Report) -> None:
    guard_costs(report)
    await bench_live.join_storm(report)
