"""The core of the service: notices in, one notification per user out (SPEC F-40..F-43).

`accept(conn, event, notices)` runs in the transaction of the consumer that took the event:
- a notice due later becomes a durable timer (F-43), moved or withdrawn by later requests;
- a notice to at most `fanout_chunk` users is written at once and pushed after commit;
- a larger one is split into chunks, written to the outbox as `notifications.v1.chunk.queued`,
  which the durable `notifications--fanout` (shared by every replica) delivers in parallel.
Exactly once per user (F-42) whatever redelivers what: each notification row is unique on
(user, dedupe key), and `store.deliver` skips users who already have it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from convene.notifications.v1 import delivery_pb2, notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import notices, store, texts
from services.notifications.hub import Hub
from services.runtime import metrics, subjects, timers
from services.runtime.consumer import AfterCommit
from services.runtime.db import Connection
from services.runtime.events import Event, new_envelope
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event

log = get_logger(__name__)

TIMER_KIND = "notice"


class Delivery:
    def __init__(self, hub: Hub, *, chunk_size: int) -> None:
        self._hub = hub
        self._chunk_size = chunk_size

    # ------------------------------------------------------------------------------ intake

    async def accept(self, conn: Connection, event: Event, requested: Iterable[notice_pb2.Notice],
                     withdrawals: Iterable[notice_pb2.NoticeWithdrawal] = ()) -> AfterCommit | None:
        """Take the notices `event` asks for (in the consumer's transaction)."""
        pushes: list[AfterCommit] = []
        for index, raw in enumerate(requested):
            notice = notices.checked(raw, default_thread=f"{event.id}/{index}")
            dedupe_key = notices.dedupe_key(event, index, notice)
            timer_key = notices.timer_key(dedupe_key)
            if notice.key:
                key = notices.revision_key(event, notice.key)
                if not await store.advance_revision(conn, key, notice.revision, withdrawn=False):
                    log.info("late request for a keyed notice ignored", key=key, revision=notice.revision)
                    continue
                # A new revision replaces the pending one (a meeting moved), even by one due now.
                timer_key = notices.timer_key(key)
                await timers.cancel(conn, timer_key)
            due = notices.due_time(notice)
            if due is not None:
                payload = delivery_pb2.TimedNotice(notice=notice, dedupe_key=dedupe_key, event_id=event.id)
                await timers.schedule(conn, timer_key, TIMER_KIND, due, payload.SerializeToString())
                continue
            push = await self.fan_out(conn, notice, dedupe_key, event.id, correlation_id=event.envelope.correlation_id)
            if push is not None:
                pushes.append(push)
        for withdrawal in withdrawals:
            key = notices.revision_key(event, withdrawal.key)
            if await store.advance_revision(conn, key, withdrawal.revision, withdrawn=True):
                await timers.cancel(conn, notices.timer_key(key))
        return _all(pushes)

    async def fan_out(self, conn: Connection, notice: notice_pb2.Notice, dedupe_key: str, event_id: str,
                      *, correlation_id: str = "") -> AfterCommit | None:
        """Deliver now, in this transaction, or queue chunks that every replica shares."""
        recipients = list(notice.recipient_ids)
        if len(recipients) <= self._chunk_size:
            return await self.write(conn, notice, recipients, dedupe_key, event_id)
        await self.queue_chunks(conn, notice, dedupe_key, event_id, correlation_id=correlation_id)
        return None

    async def queue_chunks(self, conn: Connection, notice: notice_pb2.Notice, dedupe_key: str,
                           event_id: str, *, correlation_id: str = "") -> None:
        recipients = list(notice.recipient_ids)
        parts = [recipients[i:i + self._chunk_size] for i in range(0, len(recipients), self._chunk_size)]
        shared = notice_pb2.Notice()
        shared.CopyFrom(notice)
        del shared.recipient_ids[:]
        for index, part in enumerate(parts):
            chunk = delivery_pb2.FanoutChunk(notice=shared, dedupe_key=dedupe_key, event_id=event_id,
                                             index=index, count=len(parts))
            chunk.notice.recipient_ids.extend(part)
            await add_event(conn, new_envelope(subjects.NOTIFICATIONS_CHUNK_QUEUED, subject=dedupe_key,
                                               correlation_id=correlation_id or event_id, payload=chunk))
        log.info("fan-out split into chunks", dedupe_key=dedupe_key, recipients=len(recipients), chunks=len(parts))

    # ------------------------------------------------------------------------------ handlers

    async def on_chunk(self, event: Event, conn: Connection) -> AfterCommit | None:
        """Consumer `notifications--fanout`: one slice of a large fan-out."""
        chunk = event.payload(delivery_pb2.FanoutChunk)
        return await self.write(conn, chunk.notice, list(chunk.notice.recipient_ids), chunk.dedupe_key,
                                chunk.event_id)

    async def on_due(self, timer: timers.Timer, conn: Connection) -> None:
        """A timed notice fell due. Delivered through the fan-out consumer, which pushes to open
        streams once its transaction commits (a timer has no after-commit step)."""
        timed = delivery_pb2.TimedNotice.FromString(timer.payload)
        await self.queue_chunks(conn, timed.notice, timed.dedupe_key, timed.event_id)

    # ------------------------------------------------------------------------------ writing

    async def write(self, conn: Connection, notice: notice_pb2.Notice, recipients: list[str],
                    dedupe_key: str, event_id: str) -> AfterCommit | None:
        if not recipients:
            return None
        content = store.Content(
            kind=notice.kind, thread_id=notice.thread_id, title=notice.title, body=notice.body,
            group_id=notice.group_id, card=notice.card.SerializeToString() if notice.HasField("card") else None,
            thread_version=notice.thread_version, event_id=event_id, dedupe_key=dedupe_key,
            text=notice.text.SerializeToString() if notice.HasField("text") else None,
        )
        started = time.perf_counter()
        delivered = await store.deliver(conn, recipients, content)
        if (recorded := metrics.current.get()) is not None:
            recorded.fanout_seconds.observe(time.perf_counter() - started)
            recorded.fanout_recipients.observe(len(delivered.user_ids))
        if not delivered.user_ids:
            return None
        template = pb.Notification(kind=notice.kind, thread_id=notice.thread_id, title=notice.title,
                                   body=notice.body, group_id=notice.group_id, event_id=event_id,
                                   thread_version=notice.thread_version, locale=texts.DEFAULT_LOCALE)
        if notice.HasField("card"):
            template.card.CopyFrom(notice.card)
        if notice.HasField("text"):
            template.text.CopyFrom(notice.text)

        async def push() -> None:
            await self._hub.publish_fanout(template, delivered)

        return push


def _all(pushes: list[AfterCommit]) -> AfterCommit | None:
    if not pushes:
        return None
    if len(pushes) == 1:
        return pushes[0]

    async def run_all() -> None:
        for push in pushes:
            await push()

    return run_all
