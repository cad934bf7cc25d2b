"""A child process tapping like for the room benchmark: SendLikes calls at a steady rate from
many viewers, in its own process so that its client CPU does not slow the benchmark's clock or
its comment posts. Each call carries `taps_per_call` taps, as a like button gathers the taps of a
moment (SendLikesRequest.count).

stdin: one JSON object {"address", "live_id", "tokens": [...], "per_second" (taps), "taps_per_call",
"seconds"}. It keeps its pace for `seconds` and stops: a call that finds IN_FLIGHT calls still
waiting is not sent (counted in "skipped"), so an overloaded server shows as skipped taps, not
as a benchmark that never ends.
stdout: one JSON line at the end: {"sent" (taps counted), "calls", "failed", "skipped", "total",
"errors"} (the last like total returned, and failures by status and message).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time

import grpc

from convene.live.v1 import room_pb2, room_pb2_grpc

IN_FLIGHT = 200
# A call still waiting this long after the end is given up (counted as failed).
GRACE_S = 30


async def main() -> None:
    order = json.loads(sys.stdin.readline())
    channel = grpc.aio.insecure_channel(order["address"])
    stub = room_pb2_grpc.RoomServiceStub(channel)
    tokens = itertools.cycle(order["tokens"])
    taps = int(order.get("taps_per_call", 1))
    request = room_pb2.SendLikesRequest(live_id=order["live_id"], count=taps)
    in_flight = 0
    result: dict = {"sent": 0, "calls": 0, "failed": 0, "skipped": 0, "total": 0, "errors": {}}

    async def tap(token: str) -> None:
        nonlocal in_flight
        try:
            reply = await stub.SendLikes(request, metadata=(("authorization", f"Bearer {token}"),),
                                         timeout=order["seconds"] + GRACE_S)
            result["sent"] += taps
            result["calls"] += 1
            result["total"] = max(result["total"], reply.like_count)
        except grpc.aio.AioRpcError as error:
            result["failed"] += 1
            why = f"{error.code().name}: {error.details()}"
            result["errors"][why] = result["errors"].get(why, 0) + 1
        finally:
            in_flight -= 1

    interval = taps / order["per_second"]
    started = time.monotonic()
    tasks = set()
    for n in range(int(order["per_second"] * order["seconds"] / taps)):
        delay = started + n * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= IN_FLIGHT:
            result["skipped"] += taps
            continue
        in_flight += 1
        task = asyncio.create_task(tap(next(tokens)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
