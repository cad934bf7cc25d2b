"""A child process holding many users' notification streams for a benchmark.

One grpc.aio client process stalls somewhere near 2,000 concurrent streams (measured here:
1,857-1,959 of 2,000 health Watch streams ever answered from one process; 2 x 1,000 from two
processes all did), and real users hold their streams from their own devices anyway, so
benchmarks spread streams over processes of at most 1,000 each.

stdin: one JSON object {"address": ..., "users": [[user_id, token], ...]}.
stdout: "ready" once every stream caught up, then batches of arrivals, one JSON line per subject
and batch: ["<subject_id>", [["<user_id>", <time.monotonic()>], ...]] (CLOCK_MONOTONIC:
comparable across processes). Each arrival is timed when it is read; writing them out in
batches keeps the holders' and the parent's CPU (one line and one parse per notification were
two thirds of a 2,000-stream push's CPU) from competing with the servers being measured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict

import grpc

from convene.notifications.v1 import notifications_pb2, notifications_pb2_grpc

FLUSH_EVERY_S = 0.002


async def main() -> None:
    order = json.loads(sys.stdin.readline())
    channel = grpc.aio.insecure_channel(order["address"])
    stub = notifications_pb2_grpc.NotificationsServiceStub(channel)
    caught_up = 0
    everyone_ready = asyncio.Event()
    out = sys.stdout
    loop = asyncio.get_running_loop()
    pending: dict[str, list[tuple[str, float]]] = defaultdict(list)

    def flush() -> None:
        for subject, arrivals in pending.items():
            out.write(json.dumps([subject, arrivals]) + "\n")
        pending.clear()
        out.flush()

    async def hold(user_id: str, token: str) -> None:
        nonlocal caught_up
        call = stub.Subscribe(notifications_pb2.SubscribeRequest(),
                              metadata=(("authorization", f"Bearer {token}"),))
        async for response in call:
            if response.HasField("caught_up"):
                caught_up += 1
                if caught_up == len(order["users"]):
                    everyone_ready.set()
            else:
                arrived = time.monotonic()
                subject = response.notification.card.subject_id or response.notification.thread_id
                if not pending:
                    loop.call_later(FLUSH_EVERY_S, flush)
                pending[subject].append((user_id, arrived))

    tasks = [asyncio.create_task(hold(user, token)) for user, token in order["users"]]
    for _ in range(120):
        try:
            await asyncio.wait_for(everyone_ready.wait(), 1)
            break
        except TimeoutError:
            print("holder progress", caught_up, len(order["users"]), file=sys.stderr, flush=True)
    out.write("ready\n")
    out.flush()
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
