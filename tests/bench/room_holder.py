"""A child process holding many viewers' room streams for the room benchmark (see
stream_holder for why streams are spread over processes of at most 500).

stdin: one JSON object {"address": ..., "live_id": ..., "users": [[viewer_id, token], ...]}.
stdout: "ready" once every stream has its first message, then every FLUSH_EVERY_S one JSON line
{"batches": [[first, last, streams, latest arrival], ...], "messages": n, "gaps": n, "dups": n}:
the event batches read since the last line (first and last sequence, how many streams read that
batch, the latest time.monotonic() one of them read it), messages read, and sequences a stream
skipped or read twice (both must stay 0). Aggregating here keeps the holders' CPU (thousands of
messages a second) away from the servers measured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import grpc

from convene.live.v1 import room_pb2, room_pb2_grpc

FLUSH_EVERY_S = 0.25


async def main() -> None:
    order = json.loads(sys.stdin.readline())
    channel = grpc.aio.insecure_channel(order["address"])
    stub = room_pb2_grpc.RoomServiceStub(channel)
    opened = 0
    everyone_ready = asyncio.Event()
    batches: dict[tuple[int, int], list[float]] = {}
    counts = {"messages": 0, "gaps": 0, "dups": 0}

    async def hold(token: str) -> None:
        nonlocal opened
        call = stub.SubscribeRoom(room_pb2.SubscribeRoomRequest(live_id=order["live_id"]),
                                  metadata=(("authorization", f"Bearer {token}"),))
        last = -1
        async for message in call:
            arrived = time.monotonic()
            if last < 0:
                last = message.snapshot.sequence
                opened += 1
                if opened == len(order["users"]):
                    everyone_ready.set()
                continue
            counts["messages"] += 1
            events = message.events
            if not events:
                continue
            first, final = events[0].sequence, events[-1].sequence
            if first != last + 1:
                counts["gaps" if first > last + 1 else "dups"] += 1
            last = final
            seen = batches.get((first, final))
            if seen is None:
                batches[(first, final)] = [1, arrived]
            else:
                seen[0] += 1
                if arrived > seen[1]:
                    seen[1] = arrived

    tasks = [asyncio.create_task(hold(token)) for _, token in order["users"]]
    for _ in range(180):
        try:
            await asyncio.wait_for(everyone_ready.wait(), 1)
            break
        except TimeoutError:
            print("holder progress", opened, len(order["users"]), file=sys.stderr, flush=True)
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    async def report() -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            line = {"batches": [[a, b, n, t] for (a, b), (n, t) in batches.items()], **counts}
            batches.clear()
            counts.update(messages=0)
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()

    reporter = asyncio.create_task(report())
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        print("streams ended:", len(failures), repr(failures[0])[:300], file=sys.stderr, flush=True)
    reporter.cancel()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
