"""Retention: exactly what is past its keep time is deleted, by `convene prune` and by the
pruning job every service keeps on a durable timer, in batches (here of 2 rows)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest

from convene.notifications.v1 import notifications_pb2 as pb
from services.runtime import retention
from tests.harness import System, bearer, eventually, module_system, publish_events
from tests.notifications_kit import notice, notices_event, wechat_users
from tests.test_ops_cli import convene

BATCH = 2


@pytest.fixture(scope="module")
async def running(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("retention"), "identity", "notifications",
                             retention_batch=BATCH) as system:
        yield system


async def deliver(system: System, conn: asyncpg.Connection, *notices: tuple[list[str], str]) -> list[str]:
    """One event per (recipients, thread); returns the event ids once every notification is written."""
    events = [notices_event("meetings", notice(recipients, thread_id=thread, title=thread))
              for recipients, thread in notices]
    await publish_events(system.nats_url, *events)
    expected = sum(len(recipients) for recipients, _ in notices)

    async def written() -> bool:
        return await conn.fetchval("SELECT count(*) FROM notifications.notifications WHERE event_id = ANY($1)",
                                   [e.id for e in events]) == expected

    await eventually(written, what="notifications written")
    return [e.id for e in events]


async def age(conn: asyncpg.Connection, table: str, column: str, where: str, days: float, *args: object) -> int:
    status = await conn.execute(
        f"UPDATE {table} SET {column} = now() - make_interval(days => {days}) WHERE {where}", *args)
    return int(status.split()[-1])


async def inbox(system: System, token: str) -> pb.ListNotificationsResponse:
    return await system.stub("notifications").ListNotifications(
        pb.ListNotificationsRequest(page_size=50), metadata=bearer(token))


async def test_prune_deletes_exactly_what_is_past_retention(running: System) -> None:
    (alice, alice_token), (bob, bob_token) = await wechat_users(running, 2)
    conn = await asyncpg.connect(running.database_url)
    try:
        old_read, old_unread, mixed_old, bob_old = await deliver(
            running, conn, ([alice], "old-read"), ([alice], "old-unread"), ([alice], "mixed"), ([bob], "bob-old"))
        recent, mixed_new = await deliver(running, conn, ([alice], "recent"), ([alice], "mixed"))
        await running.stub("notifications").MarkRead(pb.MarkReadRequest(thread_id="old-read"),
                                                     metadata=bearer(alice_token))
        assert (await inbox(running, alice_token)).unread_count == 3
        assert (await inbox(running, bob_token)).unread_count == 1

        # Past retention (180 days for notifications, 30 for read marks, 14 for inbox rows, 7 for
        # idempotency records); everything else stays, a day short of it included.
        old = [old_read, old_unread, mixed_old, bob_old]
        assert await age(conn, "notifications.notifications", "created_at", "event_id = ANY($1)", 181, old) == 4
        assert await age(conn, "notifications.notifications", "created_at", "event_id = $1", 179, recent) == 1
        assert await age(conn, "notifications.read_marks", "created_at", "user_id = $1", 31, alice) == 1
        inbox_old = await age(conn, "notifications.inbox", "processed_at", "event_id = ANY($1)", 15, old)
        assert inbox_old == 4
        await age(conn, "notifications.inbox", "processed_at", "event_id = $1", 13, recent)
        # The two CreateWeChatUser calls above: one 8 days old, one 6.
        first, second = [r["request_id"] for r in await conn.fetch(
            "SELECT request_id FROM identity.idempotency ORDER BY created_at")]
        assert await age(conn, "identity.idempotency", "created_at", "request_id = $1", 8, first) == 1
        assert await age(conn, "identity.idempotency", "created_at", "request_id = $1", 6, second) == 1
        inbox_before = await conn.fetchval("SELECT count(*) FROM notifications.inbox")

        code, stdout, stderr = await convene("--json", "prune", "notifications", "identity",
                                             DATABASE_URL=running.database_url, RETENTION_BATCH=str(BATCH))
        assert code == 0, stderr
        deleted = {(row["service"], row["table"]): row["deleted"] for row in json.loads(stdout)}
        assert deleted == {
            ("notifications", "inbox"): 4, ("notifications", "idempotency"): 0,
            ("notifications", "notifications"): 4, ("notifications", "read_marks"): 1,
            ("identity", "inbox"): 0, ("identity", "idempotency"): 1,
        }

        remaining = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM notifications.notifications"
                                                             " WHERE user_id = ANY($1)", [alice, bob])}
        assert remaining == {recent, mixed_new}
        assert await conn.fetchval("SELECT count(*) FROM notifications.read_marks WHERE user_id = $1", alice) == 0
        assert await conn.fetchval("SELECT count(*) FROM notifications.inbox") == inbox_before - 4
        assert [r["request_id"] for r in await conn.fetch("SELECT request_id FROM identity.idempotency")] == [second]
        # The inbox shows the entries left, and the unread counts follow them.
        alice_inbox = await inbox(running, alice_token)
        assert sorted(n.thread_id for n in alice_inbox.notifications) == ["mixed", "recent"]
        assert alice_inbox.unread_count == 2
        assert (await inbox(running, bob_token)).unread_count == 0
        assert len((await inbox(running, bob_token)).notifications) == 0
    finally:
        await conn.close()


async def test_the_pruning_job_runs_on_its_timer_in_batches(running: System) -> None:
    (carol, carol_token), = await wechat_users(running, 1)
    conn = await asyncpg.connect(running.database_url)
    try:
        events = await deliver(running, conn, *(([carol], f"thread-{i}") for i in range(5)))
        keep = await deliver(running, conn, ([carol], "kept"))
        # Five old ones: three batches of two for the job (2 + 2 + 1).
        assert await age(conn, "notifications.notifications", "created_at", "event_id = ANY($1)", 200, events) == 5
        due_before = await conn.fetchval("SELECT due_at FROM notifications.timers WHERE key = $1", retention.TIMER_KEY)
        await conn.execute("UPDATE notifications.timers SET due_at = now() WHERE key = $1", retention.TIMER_KEY)
        await conn.execute("NOTIFY notifications_timers")

        async def pruned() -> bool:
            return await conn.fetchval("SELECT count(*) FROM notifications.notifications WHERE user_id = $1",
                                       carol) == 1

        await eventually(pruned, what="the pruning job to delete the old notifications")
        assert {r["event_id"] for r in await conn.fetch(
            "SELECT event_id FROM notifications.notifications WHERE user_id = $1", carol)} == set(keep)
        assert (await inbox(running, carol_token)).unread_count == 1

        async def waiting_for_next_run() -> bool:
            due = await conn.fetchval("SELECT due_at FROM notifications.timers WHERE key = $1", retention.TIMER_KEY)
            return due is not None and due > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)

        # With nothing left to prune, the job waits RETENTION_EVERY_S (an hour) for its next run.
        await eventually(waiting_for_next_run, what="the next run an hour ahead")
        assert due_before is not None
        assert await conn.fetchval("SELECT count(*) FROM notifications.timers WHERE key = $1",
                                   retention.TIMER_KEY) == 1
    finally:
        await conn.close()
