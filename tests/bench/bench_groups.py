"""Groups (SPEC F-12): posting a card into a group of 2,000 members, and reading a
timeline page, beside a bare baseline measured in the same run: the same rows written and read
with plain asyncpg in the same tables (no domain layer, no protobuf results, no access check).

Convene's figure is the groups domain against PostgreSQL, as its consumer runs it: the inbox row,
the subject, the card, the timeline entry and the CardChanged event in the outbox (with the 2,000
recipients) in one transaction; and ListTimeline's page with its access check and protobuf
response. The baseline writes the same card, entry and outbox row (its payload serialized the
same way) and reads the same page. Target: within 2x.

    python -m tests.bench groups          # with the other benchmarks' framework
    python -m tests.bench.bench_groups    # alone
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import asyncpg

from convene.groups.v1 import events_pb2
from convene.groups.v1 import groups_pb2 as pb
from convene.live.v1 import events_pb2 as live_events
from convene.live.v1 import live_pb2
from infra.embedded import EmbeddedPostgres
from services.groups import store
from services.groups.chat import Chat
from services.groups.covers import Covers
from services.groups.domain import Groups
from services.groups.red_packets import RedPackets
from services.groups.service import DEFINITION
from services.groups.settings import GroupsSettings
from services.runtime import db, subjects
from services.runtime.auth import Principal
from services.runtime.events import Event, new_envelope
from services.runtime.ids import new_id
from services.runtime.pagination import PageTokens, current_page_tokens
from tests.bench.report import Report, percentile, summary_ms

MEMBERS = 2000
POSTS = 300
READS = 600
PAGE = 50
WARM_UP = 20


async def _group(pool: asyncpg.Pool, owner: str, members: list[str]) -> str:
    async with pool.acquire() as conn, conn.transaction():
        row = await store.insert_group(conn, new_id("group"), "all hands", pb.GROUP_KIND_INTERNAL, "ent_bench", owner,
                                       members)
    return row["id"]


def _started(group_id: str, host: str) -> Event:
    live = live_pb2.Live(id=new_id("live"), group_id=group_id, host_id=host, title="all-hands")
    return Event(new_envelope(subjects.LIVE_SESSION_STARTED, subject=live.id, correlation_id=live.id,
                              payload=live_events.SessionStarted(live=live)))


async def convene_post(pool: asyncpg.Pool, groups: Groups, group_id: str, host: str) -> None:
    event = _started(group_id, host)
    live_id = event.envelope.subject
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)", "groups--live-cards", event.id)
        await groups.show_card(conn, event, group_id=group_id, subject_id=live_id, kind=pb.CARD_KIND_LIVE,
                               state=pb.CARD_STATE_LIVE, title="all-hands", author_id=host)


async def bare_post(pool: asyncpg.Pool, group_id: str, host: str) -> None:
    live_id, card_id = new_id("live"), new_id("card")
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO card_subjects (subject_id, kind, state, state_rank, title, author_id)"
            " VALUES ($1, 1, 2, 2, 'all-hands', $2)", live_id, host)
        await conn.execute("INSERT INTO cards (id, group_id, subject_id) VALUES ($1, $2, $3)", card_id, group_id, live_id)
        item_id = new_id("message")
        await conn.execute(
            "WITH seq AS (UPDATE groups SET last_sequence = last_sequence + 1 WHERE id = $2 RETURNING last_sequence)"
            " INSERT INTO timeline_items (id, group_id, sequence, sender_id, card_id)"
            " SELECT $1, $2, last_sequence, $3, $4 FROM seq", item_id, group_id, host, card_id)
        members = await conn.fetchval("SELECT array_agg(member_id) FROM group_members WHERE group_id = $1", group_id)
        payload = events_pb2.CardChanged(group_id=group_id, group_name="all hands", item_id=item_id,
                                         recipient_ids=members, card=pb.Card(id=card_id, subject_id=live_id))
        await conn.execute("INSERT INTO outbox (event_id, subject, envelope) VALUES ($1, $2, $3)",
                           new_id("event"), subjects.GROUPS_CARD_POSTED, payload.SerializeToString())


async def convene_read(chat: Chat, reader: Principal, group_id: str) -> None:
    page = await chat.list_timeline(reader, group_id, PAGE, "", None)
    assert len(page.items) == PAGE


async def bare_read(pool: asyncpg.Pool, group_id: str) -> None:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT t.id, t.sequence, t.sender_id, t.text, t.created_at, t.forward_id, t.card_id, s.*"
            " FROM timeline_items t LEFT JOIN cards c ON c.id = t.card_id"
            " LEFT JOIN card_subjects s ON s.subject_id = c.subject_id"
            " WHERE t.group_id = $1 ORDER BY t.sequence DESC LIMIT $2", group_id, PAGE)
    assert len(rows) == PAGE


async def _timed(samples: list[float], work: object) -> None:
    started = time.perf_counter()
    await work  # type: ignore[misc]
    samples.append(time.perf_counter() - started)


async def measure(report: Report, dsn: str) -> None:
    pool = await db.create_pool(dsn, "groups", min_size=2, max_size=2)
    try:
        await db.migrate(pool, "groups", DEFINITION.migrations)
        settings = GroupsSettings(service_name="groups")
        # No NATS: nothing measured here asks identity.
        groups = Groups(pool, None, settings, secret=b"bench-secret-0123456789abcdef")
        chat = Chat(pool, settings, RedPackets(pool, Covers(pool, None)))
        host = new_id("member")
        members = [host, *(new_id("member") for _ in range(MEMBERS - 1))]
        ours_group, bare_group = await _group(pool, host, members), await _group(pool, host, members)

        for _ in range(WARM_UP):
            await convene_post(pool, groups, ours_group, host)
            await bare_post(pool, bare_group, host)
        ours: list[float] = []
        bare: list[float] = []
        for _ in range(POSTS):  # interleaved, so both see the same machine
            await _timed(ours, convene_post(pool, groups, ours_group, host))
            await _timed(bare, bare_post(pool, bare_group, host))
        report.note(f"post a card to {MEMBERS:,} members: Convene {summary_ms(ours)}; bare {summary_ms(bare)}")
        report.compare("groups card post", f"{MEMBERS:,} members, p50", percentile(ours, 50) * 1000,
                       baseline_name="bare asyncpg p50", baseline=percentile(bare, 50) * 1000, unit="ms",
                       target="<= 2x")

        reader = Principal(id=host, kind="member", enterprise_id="ent_bench")
        # The page tokens the RPC guard sets for each call (a page's next token is signed).
        current_page_tokens.set(PageTokens(os.urandom(32)))
        ours, bare = [], []
        for _ in range(WARM_UP):
            await convene_read(chat, reader, ours_group)
            await bare_read(pool, bare_group)
        for _ in range(READS):
            await _timed(ours, convene_read(chat, reader, ours_group))
            await _timed(bare, bare_read(pool, bare_group))
        report.note(f"read a timeline page of {PAGE}: Convene {summary_ms(ours)}; bare {summary_ms(bare)}")
        report.compare("groups timeline page", f"{PAGE} items, p50", percentile(ours, 50) * 1000,
                       baseline_name="bare asyncpg p50", baseline=percentile(bare, 50) * 1000, unit="ms",
                       target="<= 2x")
    finally:
        await pool.close()


async def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="convene-bench-groups-") as tmp:
        postgres = EmbeddedPostgres(Path(tmp) / "postgres", durable=False)
        postgres.start()
        try:
            await db.ensure_database(postgres.url, "bench")
            await measure(report, postgres.dsn("bench"))
        finally:
            postgres.stop()


if __name__ == "__main__":
    from services.runtime.logs import configure_logging

    configure_logging("bench", level="warning", fmt="console")
    report = Report()
    try:
        import uvloop

        uvloop.run(run(report))
    except ImportError:
        asyncio.run(run(report))
    print(report.markdown())
