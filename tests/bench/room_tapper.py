"""A child process tapping like for the room benchmark: SendLikes calls (one tap each) at a
steady rate from many viewers, in its own process so that its client CPU does not slow the
benchmark's clock or its comment posts.

stdin: one JSON object {"address", "live_id", "tokens": [...], "per_second", "seconds"}.
stdout: one JSON line at the end: {"sent", "failed", "total", "errors"} (the last like total
returned, and failures by status and message).
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


async def main() -> None:
    order = json.loads(sys.stdin.readline())
    channel = grpc.aio.insecure_channel(order["address"])
    stub = room_pb2_grpc.RoomServiceStub(channel)
    tokens = itertools.cycle(order["tokens"])
    request = room_pb2.SendLikesRequest(live_id=order["live_id"], count=1)
    slots = asyncio.Semaphore(IN_FLIGHT)
    result: dict = {"sent": 0, "failed": 0, "total": 0, "errors": {}}

    async def tap(token: str) -> None:
        try:
            reply = await stub.SendLikes(request, metadata=(("authorization", f"Bearer {token}"),), timeout=60)
            result["sent"] += 1
            result["total"] = max(result["total"], reply.like_count)
        except grpc.aio.AioRpcError as error:
            result["failed"] += 1
            why = f"{error.code().name}: {error.details()}"
            result["errors"][why] = result["errors"].get(why, 0) + 1
        finally:
            slots.release()

    interval = 1 / order["per_second"]
    started = time.monotonic()
    tasks = set()
    for n in range(int(order["per_second"] * order["seconds"])):
        delay = started + n * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        task = asyncio.create_task(tap(next(tokens)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
