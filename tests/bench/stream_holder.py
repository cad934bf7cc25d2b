"""A child process holding many users' notification streams for a benchmark.

One grpc.aio client process stalls somewhere near 2,000 concurrent streams (measured here:
1,857-1,959 of 2,000 health Watch streams ever answered from one process; 2 x 1,000 from two
processes all did), and real users hold their streams from their own devices anyway, so
benchmarks spread streams over processes of at most 1,000 each.

stdin: one JSON object {"address": ..., "users": [[user_id, token], ...]}, and for chats
optionally "chat": {"groups_address": ..., "read_interval_s": ..., "receipts_target": ...}.
stdout: "ready" once every stream caught up, then batches of arrivals, one JSON line per subject
and batch: ["<subject_id>", [["<user_id>", <time.monotonic()>], ...]] (CLOCK_MONOTONIC:
comparable across processes). Each arrival is timed when it is read; writing them out in
batches keeps the holders' and the parent's CPU (one line and one parse per notification were
two thirds of a 2,000-stream push's CPU) from competing with the servers being measured.

Subjects: a notification's card subject or thread; a chat entry `<group>:<sequence>`. With
"chat", each member reads as they receive (ChatReader: one MarkChatRead in flight, at most one
per read_interval_s, always up to the latest entry seen) and reports `read:<group>:<sequence>`
when groups has taken the read; a sender's receipts report `read-by:<group>:<sequence>` once
`receipts_target` members have read the entry.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable

import grpc

from convene.groups.v1 import groups_pb2, groups_pb2_grpc
from convene.notifications.v1 import notifications_pb2

FLUSH_EVERY_S = 0.002
SUBSCRIBE = "/convene.notifications.v1.NotificationsService/Subscribe"
parse = notifications_pb2.SubscribeResponse.FromString


class ChatReader:
    """One member reading a chat as its entries arrive: the read position goes to groups with one
    call in flight and at most one call per interval, always up to the latest entry seen."""

    def __init__(self, stub: groups_pb2_grpc.GroupsServiceStub, user_id: str, token: str, interval_s: float,
                 report: Callable[[str, str, float], None]) -> None:
        self._stub = stub
        self._user_id = user_id
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._interval_s = interval_s
        self._report = report
        self._latest: dict[str, int] = {}
        self._sent: dict[str, int] = {}
        self._busy = False
        self._last_call = 0.0

    def saw(self, group_id: str, sequence: int) -> None:
        self._latest[group_id] = max(sequence, self._latest.get(group_id, 0))
        if not self._busy:
            self._busy = True
            loop = asyncio.get_running_loop()
            loop.call_at(max(loop.time(), self._last_call + self._interval_s), self._start)

    def _start(self) -> None:
        asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        self._last_call = loop.time()
        for group_id, sequence in list(self._latest.items()):
            if sequence > self._sent.get(group_id, 0):
                await self._stub.MarkChatRead(groups_pb2.MarkChatReadRequest(
                    group_id=group_id, read_sequence=sequence), metadata=self._metadata)
                self._sent[group_id] = sequence
                self._report(f"read:{group_id}:{sequence}", self._user_id, time.monotonic())
        if any(sequence > self._sent.get(g, 0) for g, sequence in self._latest.items()):
            loop.call_at(self._last_call + self._interval_s, self._start)
        else:
            self._busy = False


async def main() -> None:
    order = json.loads(sys.stdin.readline())
    channel = grpc.aio.insecure_channel(order["address"])
    # Responses read as raw bytes (no deserializer), each timed as read and parsed after.
    subscribe: grpc.aio.UnaryStreamMultiCallable = channel.unary_stream(
        SUBSCRIBE, request_serializer=notifications_pb2.SubscribeRequest.SerializeToString, response_deserializer=None)
    chat = order.get("chat") or {}
    groups = (groups_pb2_grpc.GroupsServiceStub(grpc.aio.insecure_channel(chat["groups_address"]))
              if chat.get("groups_address") else None)
    receipts_target = chat.get("receipts_target", 0)
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

    def report(subject: str, user_id: str, when: float) -> None:
        if not pending:
            loop.call_later(FLUSH_EVERY_S, flush)
        pending[subject].append((user_id, when))

    async def hold(user_id: str, token: str) -> None:
        nonlocal caught_up
        reader = (ChatReader(groups, user_id, token, chat["read_interval_s"], report) if groups is not None
                  else None)
        read_by: set[int] = set()
        for _ in range(60):  # a busy server may refuse a stream for a moment (UNAVAILABLE): retry, as a client does
            call = subscribe(notifications_pb2.SubscribeRequest(), metadata=(("authorization", f"Bearer {token}"),))
            try:
                raw = await call.read()
                break
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
                await asyncio.sleep(1.0)
        else:
            raise RuntimeError(f"no stream for {user_id}")
        while raw is not grpc.aio.EOF:
            arrived = time.monotonic()
            response = parse(raw)
            which = response.WhichOneof("event")
            if which == "caught_up":
                caught_up += 1
                if caught_up == len(order["users"]):
                    everyone_ready.set()
            elif which == "chat_message":
                message = response.chat_message
                report(f"{message.group_id}:{message.item.sequence}", user_id, arrived)
                if reader is not None and message.item.sender_id != user_id:  # one's own needs no read
                    reader.saw(message.group_id, message.item.sequence)
            elif which == "chat_receipts":
                for count in response.chat_receipts.counts:
                    if receipts_target and count.read_count >= receipts_target and count.sequence not in read_by:
                        read_by.add(count.sequence)
                        report(f"read-by:{response.chat_receipts.group_id}:{count.sequence}", user_id, arrived)
            elif which == "resync":  # read too slowly: the server ended this stream
                report("resync", user_id, time.monotonic())
            elif which == "notification":
                report(response.notification.card.subject_id or response.notification.thread_id, user_id, arrived)
            raw = await call.read()

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
