"""A bare gRPC server-streaming fan-out, for a baseline: Subscribe streams with no token check, no
database and no NATS; each `<subject>` line on stdin sends one notification (thread_id = subject)
to every open stream. What any design pays to deliver to N users over Python gRPC streams.

stdout: "port <n>" once listening.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import grpc

from convene.notifications.v1 import notifications_pb2 as pb
from convene.notifications.v1 import notifications_pb2_grpc


class BareNotifications(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self) -> None:
        self.streams: set[asyncio.Queue] = set()

    async def Subscribe(self, request: pb.SubscribeRequest,
                        context: grpc.aio.ServicerContext) -> AsyncIterator[pb.SubscribeResponse]:
        queue: asyncio.Queue = asyncio.Queue()
        self.streams.add(queue)
        try:
            yield pb.SubscribeResponse(caught_up=pb.CaughtUp())
            while True:
                yield await queue.get()
        finally:
            self.streams.discard(queue)


async def main() -> None:
    servicer = BareNotifications()
    server = grpc.aio.server(options=[("grpc.server.max_pending_requests", 20_000),
                                      ("grpc.server.max_pending_requests_hard_limit", 40_000)])
    notifications_pb2_grpc.add_NotificationsServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"port {port}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async for line in reader:
        subject = line.decode().strip()
        for queue in servicer.streams:
            response = pb.SubscribeResponse()
            response.notification.CopyFrom(pb.Notification(thread_id=subject, title="Live now: bench", sequence=1))
            queue.put_nowait(response)
    await server.stop(0)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
