"""A bare room fan-out, for a baseline: RoomService.SubscribeRoom streams with no token check,
no database and no NATS. Each `<sequence> <author> <text>` line on stdin is a comment; every
`flush_s` the comments since the last write and the figures become one message, serialized once
and written as the same bytes to every open stream (what the room does, without the room).

argv: flush_s, likes per second (the like total grows by that). stdout: "port <n>" once listening.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import grpc

from convene.live.v1 import room_pb2 as rpb


class BareRoom:
    def __init__(self) -> None:
        self.streams: set[asyncio.Queue[bytes]] = set()
        self.sequence = 0

    async def subscribe(self, request: rpb.SubscribeRoomRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.streams.add(queue)
        try:
            yield rpb.SubscribeRoomResponse(snapshot=rpb.RoomSnapshot(sequence=self.sequence)).SerializeToString()
            while True:
                yield await queue.get()
        finally:
            self.streams.discard(queue)


async def main() -> None:
    flush_s, likes_per_s = float(sys.argv[1]), float(sys.argv[2])
    room = BareRoom()
    server = grpc.aio.server(options=[("grpc.server.max_pending_requests", 20_000),
                                      ("grpc.server.max_pending_requests_hard_limit", 40_000)])
    handler = grpc.unary_stream_rpc_method_handler(
        room.subscribe, request_deserializer=rpb.SubscribeRoomRequest.FromString, response_serializer=None)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "convene.live.v1.RoomService", {"SubscribeRoom": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"port {port}", flush=True)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pending: list[rpb.RoomEvent] = []
    counters = rpb.RoomCounters(viewers=0)

    async def take() -> None:
        async for line in reader:
            sequence, author, text = line.decode().rstrip("\n").split(" ", 2)
            event = rpb.RoomEvent(sequence=int(sequence), comment=rpb.Comment(
                sequence=int(sequence), author_id=author, text=text))
            event.time.GetCurrentTime()
            event.comment.create_time.CopyFrom(event.time)
            pending.append(event)

    taking = asyncio.create_task(take())
    while not taking.done():
        await asyncio.sleep(flush_s)
        counters.likes += int(likes_per_s * flush_s)
        counters.viewers = len(room.streams)
        if not pending:
            continue
        counters.comments += len(pending)
        room.sequence = pending[-1].sequence
        data = rpb.SubscribeRoomResponse(events=pending, counters=counters).SerializeToString()
        pending.clear()
        for queue in room.streams:
            queue.put_nowait(data)
    await server.stop(0)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
