"""The floor under any fan-out to open gRPC streams: a bare grpc.aio server (uvloop) that
serializes one message once and writes the same bytes to every open stream.

Subscribe is registered as a generic handler with no serializer (requests arrive as bytes and are
not parsed; responses are written as the bytes given), with no token check, no database and no
NATS. Each `<subject> [<messages>]` line on stdin sends to every open stream `messages` (1 by
default) messages: a chat entry for each but the last, then one card notification (the card's
subject = subject), each about the size of Convene's and each serialized once.

stdout: "port <n>" once listening.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import grpc

from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notifications_pb2 as pb

SERVICE = pb.DESCRIPTOR.services_by_name["NotificationsService"].full_name
CAUGHT_UP = pb.SubscribeResponse(caught_up=pb.CaughtUp()).SerializeToString()


def notification_bytes(subject: str) -> bytes:
    """A live card notification as Convene pushes one (id, sequence and unread count included)."""
    return pb.SubscribeResponse(notification=pb.Notification(
        id="ntf_01jbenchbenchbenchbenchbench", sequence=1, kind=pb.NOTIFICATION_KIND_CARD, thread_id=subject,
        title="Live now: bench", group_id="grp_01jbenchbenchbenchbenchbench", unread_count=1, thread_version=1,
        event_id="evt_01jbenchbenchbenchbenchbench",
        card=groups_pb2.Card(id="card_01jbenchbenchbenchbenchbench", kind=groups_pb2.CARD_KIND_LIVE,
                             subject_id=subject, state=groups_pb2.CARD_STATE_LIVE, title="bench",
                             author_id="mbr_01jbenchbenchbenchbenchbench", version=1),
    )).SerializeToString()


def chat_bytes(subject: str, sequence: int) -> bytes:
    """A chat entry showing a live card, as a group's members get one."""
    response = pb.SubscribeResponse()
    message = response.chat_message
    message.group_id, message.notify = "grp_01jbenchbenchbenchbenchbench", True
    message.item.id, message.item.sequence = f"msg_01jbench{subject[-18:]}", sequence
    message.item.sender_id = "mbr_01jbenchbenchbenchbenchbench"
    message.item.card.CopyFrom(groups_pb2.Card(id="card_01jbenchbenchbenchbenchbench", kind=groups_pb2.CARD_KIND_LIVE,
                                               subject_id=subject, state=groups_pb2.CARD_STATE_LIVE, title="bench",
                                               author_id="mbr_01jbenchbenchbenchbenchbench", version=1))
    return response.SerializeToString()


class BarePush:
    def __init__(self) -> None:
        self.streams: set[asyncio.Queue[bytes]] = set()

    async def subscribe(self, request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.streams.add(queue)
        try:
            yield CAUGHT_UP
            while True:
                yield await queue.get()
        finally:
            self.streams.discard(queue)

    def push(self, subject: str, messages: int) -> None:
        # Each serialized once, whatever the number of streams.
        chat = [chat_bytes(subject, sequence) for sequence in range(1, messages)]
        data = notification_bytes(subject)
        for queue in self.streams:
            for entry in chat:
                queue.put_nowait(entry)
            queue.put_nowait(data)


async def main() -> None:
    push = BarePush()
    server = grpc.aio.server(options=[("grpc.server.max_pending_requests", 20_000),
                                      ("grpc.server.max_pending_requests_hard_limit", 40_000)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {
        "Subscribe": grpc.unary_stream_rpc_method_handler(push.subscribe)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"port {port}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async for line in reader:
        subject, _, messages = line.decode().strip().partition(" ")
        push.push(subject, int(messages or 1))
    await server.stop(0)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
