"""A bare room fan-out, for a baseline: RoomService.SubscribeRoom streams with no token check,
no database and no NATS. Comments come as `<sequence> <author> <text>` lines on stdin, or as
PostComment calls (answered at once with the next sequence); SendLikes calls add to the like
total. Every `flush_s` the comments since the last write and the figures become one message,
serialized once and written as the same bytes to every open stream (what the room does, without
the room).

argv: flush_s. stdout: "port <n>" once listening.
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
        self.pending: list[rpb.RoomEvent] = []
        self.counters = rpb.RoomCounters()

    def comment(self, author: str, text: str) -> rpb.Comment:
        self.sequence += 1
        event = rpb.RoomEvent(sequence=self.sequence, comment=rpb.Comment(
            sequence=self.sequence, author_id=author, text=text))
        event.time.GetCurrentTime()
        event.comment.create_time.CopyFrom(event.time)
        self.pending.append(event)
        return event.comment

    async def post_comment(self, request: rpb.PostCommentRequest, context: grpc.aio.ServicerContext) -> rpb.PostCommentResponse:
        return rpb.PostCommentResponse(comment=self.comment("usr_bare", request.text))

    async def send_likes(self, request: rpb.SendLikesRequest, context: grpc.aio.ServicerContext) -> rpb.SendLikesResponse:
        self.counters.likes += request.count or 1
        return rpb.SendLikesResponse(like_count=self.counters.likes)

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
    flush_s = float(sys.argv[1])
    room = BareRoom()
    server = grpc.aio.server(options=[("grpc.server.max_pending_requests", 20_000),
                                      ("grpc.server.max_pending_requests_hard_limit", 40_000)])
    handlers = {
        "SubscribeRoom": grpc.unary_stream_rpc_method_handler(
            room.subscribe, request_deserializer=rpb.SubscribeRoomRequest.FromString, response_serializer=None),
        "PostComment": grpc.unary_unary_rpc_method_handler(
            room.post_comment, request_deserializer=rpb.PostCommentRequest.FromString,
            response_serializer=rpb.PostCommentResponse.SerializeToString),
        "SendLikes": grpc.unary_unary_rpc_method_handler(
            room.send_likes, request_deserializer=rpb.SendLikesRequest.FromString,
            response_serializer=rpb.SendLikesResponse.SerializeToString),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("convene.live.v1.RoomService", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"port {port}", flush=True)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async def take() -> None:
        async for line in reader:
            _, author, text = line.decode().rstrip("\n").split(" ", 2)
            room.comment(author, text)

    taking = asyncio.create_task(take())
    while not taking.done():
        await asyncio.sleep(flush_s)
        room.counters.viewers = len(room.streams)
        if not room.pending:
            continue
        room.counters.comments += len(room.pending)
        data = rpb.SubscribeRoomResponse(events=room.pending, counters=room.counters).SerializeToString()
        room.pending.clear()
        for queue in room.streams:
            queue.put_nowait(data)
    await server.stop(0)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
