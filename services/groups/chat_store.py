"""Groups' SQL for chats (SPEC F-15, F-50): entries stored once with the chat's sequence, each
member's read position and state, receipts computed from read positions, red packets.

Nothing here writes a row per member per message: a message is one `timeline_items` row (and a
`red_packets` row for a red packet); reading moves one `group_members` row; unread counts and
receipts are computed from read positions. Unread counts use ordinals: `groups.chat_count` is
how many entries so far count (everything but recall entries), each counting entry keeps that
count as of itself (`ordinal`), and a member keeps the ordinal of their read position
(`read_ordinal`); the recalled entries after a read position are subtracted (an indexed few).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from convene.groups.v1 import covers_pb2
from convene.groups.v1 import groups_pb2 as pb
from services.groups.card_store import SUBJECT_FIELDS, fill_card, set_time
from services.groups.store import ADMIN_IDS
from services.runtime.db import Connection, fetch_one

# timeline_items.kind
TEXT, CARD, RED_PACKET, RECALL = "text", "card", "red_packet", "recall"
# Kinds a sender may recall, and whose read receipts senders see.
MESSAGE_KINDS = (TEXT, RED_PACKET)
QUOTE_CHARS = 200


# ------------------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class NewEntry:
    """What an entry holds besides its place (sequence, ordinal), which `append` gives it."""

    item_id: str
    sender_id: str
    kind: str
    text: str | None = None
    card_id: str | None = None
    forward_id: str | None = None
    reply_to_sequence: int | None = None
    mention_ids: Sequence[str] = field(default_factory=tuple)
    mention_all: bool = False
    recall_of: int | None = None

    @property
    def counts(self) -> bool:
        """Whether the entry counts towards unread counts (recall entries do not)."""
        return self.kind != RECALL


async def append(conn: Connection, group_id: str, entry: NewEntry) -> asyncpg.Record:
    """The entry at the chat's next sequence. The chat's row is locked until commit, so entries
    of one chat are numbered one after another; its count and last activity move with it.
    Returns id, sequence, created_at and chat_count (the count as of the entry)."""
    return await fetch_one(
        conn, "WITH g AS (UPDATE groups SET last_sequence = last_sequence + 1, chat_count = chat_count + $10::int,"
        "   last_activity_at = now() WHERE id = $2 RETURNING last_sequence, chat_count)"
        " INSERT INTO timeline_items AS t (id, group_id, sequence, sender_id, kind, text, card_id, forward_id,"
        "   reply_to_sequence, mention_ids, mention_all, recall_of, ordinal)"
        " SELECT $1, $2, g.last_sequence, $3, $4, $5, $6, $7, $8, $9, $11, $12,"
        "   CASE WHEN $10::int = 1 THEN g.chat_count END FROM g"
        " RETURNING t.id, t.sequence, t.created_at, (SELECT chat_count FROM g)",
        entry.item_id, group_id, entry.sender_id, entry.kind, entry.text, entry.card_id, entry.forward_id,
        entry.reply_to_sequence, list(entry.mention_ids), int(entry.counts), entry.mention_all, entry.recall_of,
    )


# The columns item_from_row reads, and the joins that give them: the entry, what it quotes, the
# entry a recall entry recalls, a red packet with its cover, a card with its subject. The quote,
# the recalled entry and the red packet are looked up only for entries that have one (OFFSET 0
# keeps each a subquery, so the condition on `t` gates it): a page of cards probes none of them,
# and a lookup is one index probe, never a scan of the chat per entry (which the planner chose
# for plain joins on a chat it had no statistics of yet: 6.7 ms for a page of 50 of 120 entries).
_ITEM_COLUMNS = (
    "t.id AS item_id, t.group_id AS item_group_id, t.sequence, t.sender_id, t.created_at, t.forward_id,"
    " t.kind AS item_kind, t.text,"
    " t.card_id, t.mention_ids, t.mention_all, t.recalled_at, t.recalled_by,"
    " q.sequence AS quote_sequence, q.id AS quote_id, q.sender_id AS quote_sender_id, q.kind AS quote_kind,"
    " q.text AS quote_text, q.recalled_at AS quote_recalled_at,"
    " r.id AS recalled_id, r.sender_id AS recalled_sender_id, t.recall_of,"
    " rp.amount_fen, rp.shares, rp.greeting, rp.claimed_shares, rp.claimed_fen,"
    " rp.cover_id, rp.cover_name, rp.cover_image_ref, rp.cover_enterprise_id, rp.cover_enterprise_name,"
    f" {SUBJECT_FIELDS}"
)
_ITEM_JOINS = (
    " LEFT JOIN LATERAL (SELECT q.sequence, q.id, q.sender_id, q.kind, q.text, q.recalled_at FROM timeline_items q"
    "   WHERE t.reply_to_sequence IS NOT NULL AND q.group_id = t.group_id AND q.sequence = t.reply_to_sequence"
    "   OFFSET 0) q ON true"
    " LEFT JOIN LATERAL (SELECT r.id, r.sender_id FROM timeline_items r"
    "   WHERE t.recall_of IS NOT NULL AND r.group_id = t.group_id AND r.sequence = t.recall_of OFFSET 0) r ON true"
    " LEFT JOIN LATERAL (SELECT rp.amount_fen, rp.shares, rp.greeting, rp.claimed_shares, rp.claimed_fen,"
    "   cv.id AS cover_id, cv.name AS cover_name, cv.image_ref AS cover_image_ref,"
    "   cv.enterprise_id AS cover_enterprise_id, cv.enterprise_name AS cover_enterprise_name"
    f"   FROM red_packets rp LEFT JOIN covers cv ON cv.id = rp.cover_id WHERE t.kind = '{RED_PACKET}'"
    "   AND rp.item_id = t.id OFFSET 0) rp ON true"
    " LEFT JOIN cards c ON c.id = t.card_id LEFT JOIN card_subjects s ON s.subject_id = c.subject_id"
)
ITEMS_FROM = f"SELECT {_ITEM_COLUMNS} FROM timeline_items t{_ITEM_JOINS}"


def fill_item(item: pb.TimelineItem, row: asyncpg.Record) -> pb.TimelineItem:
    """A timeline entry as every reader sees it: a recalled entry has no content."""
    item.id = row["item_id"]
    item.sequence = row["sequence"]
    item.sender_id = row["sender_id"]
    set_time(item.create_time, row["created_at"])
    if row["forward_id"] is not None:
        item.forward_id = row["forward_id"]
    if row["mention_ids"]:  # most entries mention no one: no call for them (a page builds 50)
        item.mention_ids.extend(row["mention_ids"])
    if row["mention_all"]:
        item.mention_all = True
    if row["quote_sequence"] is not None:
        quote = item.reply_to
        quote.sequence, quote.item_id, quote.sender_id = row["quote_sequence"], row["quote_id"], row["quote_sender_id"]
        quote.recalled = row["quote_recalled_at"] is not None
        if row["quote_kind"] == TEXT and not quote.recalled:
            quote.text = (row["quote_text"] or "")[:QUOTE_CHARS]
    kind = row["item_kind"]
    if row["recalled_at"] is not None:
        _fill_recall(item.recalled, sequence=row["sequence"], item_id=row["item_id"], sender_id=row["sender_id"],
                     by=row["recalled_by"], at=row["recalled_at"])
    elif kind == TEXT:
        item.text = row["text"] or ""
    elif kind == CARD:
        fill_card(item.card, row["card_id"], row)
    elif kind == RED_PACKET:
        packet = item.red_packet
        packet.amount_fen, packet.shares, packet.greeting = row["amount_fen"], row["shares"], row["greeting"]
        packet.claimed_shares, packet.claimed_amount_fen = row["claimed_shares"], row["claimed_fen"]
        if row["cover_id"] is not None:
            packet.cover.CopyFrom(cover_face(row))
    elif kind == RECALL:
        _fill_recall(item.recall, sequence=row["recall_of"], item_id=row["recalled_id"],
                     sender_id=row["recalled_sender_id"], by=row["sender_id"], at=row["created_at"])
    return item


def _fill_recall(recall: pb.Recall, *, sequence: int, item_id: str, sender_id: str, by: str, at: dt.datetime) -> None:
    recall.sequence, recall.item_id, recall.sender_id, recall.recalled_by_id = sequence, item_id, sender_id, by
    set_time(recall.recall_time, at)


def cover_face(row: asyncpg.Record) -> covers_pb2.RedPacketCover:
    return covers_pb2.RedPacketCover(
        cover_id=row["cover_id"], name=row["cover_name"], image_ref=row["cover_image_ref"],
        enterprise_id=row["cover_enterprise_id"], enterprise_name=row["cover_enterprise_name"])


def item_from_row(row: asyncpg.Record) -> pb.TimelineItem:
    return fill_item(pb.TimelineItem(), row)


def new_card_item(appended: asyncpg.Record, sender_id: str, card: pb.Card, forward_id: str | None) -> pb.TimelineItem:
    """A card's entry just appended (`append`'s row), as fill_item shows it, without reading it
    back: a new card entry quotes nothing, mentions no one and is not recalled."""
    entry = pb.TimelineItem(id=appended["id"], sequence=appended["sequence"], sender_id=sender_id, card=card,
                            forward_id=forward_id or "")
    set_time(entry.create_time, appended["created_at"])
    return entry


async def item(conn: Connection, group_id: str, sequence: int) -> pb.TimelineItem:
    return item_from_row(await fetch_one(conn, f"{ITEMS_FROM} WHERE t.group_id = $1 AND t.sequence = $2",
                                         group_id, sequence))


async def entry(conn: Connection, item_id: str, *, lock: bool = False) -> asyncpg.Record | None:
    """The entry's own row (group, sequence, kind, sender, time, recall; `now` the database's
    clock), optionally locked."""
    return await conn.fetchrow(
        "SELECT id, group_id, sequence, kind, sender_id, created_at, recalled_at, now() AS now FROM timeline_items"
        f" WHERE id = $1{' FOR UPDATE' if lock else ''}", item_id)


async def timeline_page(conn: Connection, group_id: str, principal_id: str, *, any_reader: bool,
                        before: int | None, after: int | None, limit: int) -> list[asyncpg.Record]:
    """The access check and a page in one round trip: no rows means no such group; a first row
    with is_member false means the principal may not read; item_id NULL means an empty page;
    `muted` is the principal's do-not-disturb. Newest first before `before`, or oldest first
    after `after`."""
    if after is not None:
        where, order, bound = "t.sequence > $3", "ASC", after
    else:
        where, order, bound = "t.sequence < $3", "DESC", before if before is not None else 2**62
    return await conn.fetch(
        "WITH a AS MATERIALIZED (SELECT m.muted IS NOT NULL AS is_member, m.muted FROM groups g"
        "   LEFT JOIN group_members m ON m.group_id = g.id AND m.member_id = $2"
        "   WHERE g.id = $1 AND g.dismissed_at IS NULL)"
        f" SELECT a.is_member, a.muted, p.* FROM a LEFT JOIN LATERAL ({ITEMS_FROM}"
        f"   WHERE t.group_id = $1 AND {where} AND (a.is_member OR $5)"
        f"   ORDER BY t.sequence {order} LIMIT $4) p ON true",
        group_id, principal_id, bound, limit, any_reader,
    )


async def recall(conn: Connection, item_id: str, recalled_by: str) -> None:
    """Erase the entry's content for good (its text, and a mention marker it set)."""
    await conn.execute(
        "UPDATE timeline_items SET text = NULL, mention_ids = '{}', mention_all = false, recalled_at = now(),"
        " recalled_by = $2 WHERE id = $1", item_id, recalled_by)


# ------------------------------------------------------------------------------ member state

# A member's ChatState, from their row `m` and the chat's row `g` (one snapshot: the unread count
# and the marker are as of g.last_sequence).
_UNREAD = (
    "g.chat_count - m.read_ordinal - (SELECT count(*) FROM timeline_items x WHERE x.group_id = m.group_id"
    " AND x.sequence > m.read_sequence AND x.recalled_at IS NOT NULL AND x.ordinal IS NOT NULL)"
)
_MENTIONED = (
    "(EXISTS (SELECT 1 FROM timeline_items x WHERE x.group_id = m.group_id AND x.mention_all"
    "   AND x.sequence > m.read_sequence AND x.sender_id <> m.member_id)"
    " OR EXISTS (SELECT 1 FROM timeline_items x WHERE x.mention_ids <> '{}' AND x.mention_ids @> ARRAY[m.member_id]"
    "   AND x.group_id = m.group_id AND x.sequence > m.read_sequence))"
)
STATE_COLUMNS = (
    "m.group_id, m.member_id, m.read_sequence, m.muted, m.state_version, g.enterprise_id,"
    " g.last_sequence AS as_of_sequence,"
    f" {_UNREAD} AS unread_count, {_MENTIONED} AS mentioned"
)


def state_from_row(row: asyncpg.Record) -> pb.ChatState:
    return pb.ChatState(
        group_id=row["group_id"], read_sequence=row["read_sequence"], unread_count=row["unread_count"],
        as_of_sequence=row["as_of_sequence"], mentioned=row["mentioned"], muted=row["muted"],
        version=row["state_version"])


async def state(conn: Connection, group_id: str, member_id: str) -> asyncpg.Record | None:
    """The member's state with the chat's last sequence (None: not a member, or no such chat)."""
    return await conn.fetchrow(
        f"SELECT {STATE_COLUMNS} FROM group_members m JOIN groups g ON g.id = m.group_id AND g.dismissed_at IS NULL"
        " WHERE m.group_id = $1 AND m.member_id = $2", group_id, member_id)


async def reads_due(conn: Connection, group_id: str, interval_s: float) -> asyncpg.Record | None:
    """The chat's enterprise_id, and when its next read update may run (`due`): now, or one
    interval after the last one. None: no such chat."""
    return await conn.fetchrow(
        "SELECT g.enterprise_id, coalesce((SELECT greatest(now(), r.flushed_at + make_interval(secs => $2))"
        " FROM chat_receipts r WHERE r.group_id = g.id), now()) AS due FROM groups g WHERE g.id = $1",
        group_id, interval_s)


async def advance_reads(conn: Connection, group_id: str, reads: dict[str, int]) -> dict[str, asyncpg.Record]:
    """Move members' read positions forward ({member: sequence}, each at most the chat's last), in
    one statement; the new state row of each member whose position moved (not those who are not
    members, read past the end, or had read that far)."""
    rows = await conn.fetch(
        "UPDATE group_members m SET read_sequence = w.sequence, state_version = m.state_version + 1,"
        "   read_ordinal = coalesce((SELECT t.ordinal FROM timeline_items t WHERE t.group_id = $1"
        "     AND t.sequence <= w.sequence AND t.ordinal IS NOT NULL ORDER BY t.sequence DESC LIMIT 1), 0)"
        " FROM groups g, unnest($2::text[], $3::bigint[]) AS w(member_id, sequence)"
        " WHERE m.group_id = $1 AND m.member_id = w.member_id AND g.id = m.group_id"
        "   AND g.dismissed_at IS NULL AND w.sequence <= g.last_sequence AND m.read_sequence < w.sequence"
        f" RETURNING {STATE_COLUMNS}",
        group_id, list(reads), list(reads.values()),
    )
    return {row["member_id"]: row for row in rows}


async def read_own_entry(conn: Connection, group_id: str, member_id: str, sequence: int,
                         chat_count: int) -> asyncpg.Record | None:
    """Posting reads the chat up to one's own entry (`chat_count` as of it)."""
    return await conn.fetchrow(
        "UPDATE group_members m SET read_sequence = $3, read_ordinal = $4, state_version = m.state_version + 1"
        " FROM groups g WHERE m.group_id = $1 AND m.member_id = $2 AND g.id = m.group_id AND m.read_sequence < $3"
        f" RETURNING {STATE_COLUMNS}",
        group_id, member_id, sequence, chat_count,
    )


async def set_muted(conn: Connection, group_id: str, member_id: str, muted: bool) -> asyncpg.Record | None:
    """None when the member's chat already was so (or they are not in it)."""
    return await conn.fetchrow(
        "UPDATE group_members m SET muted = $3, state_version = m.state_version + 1 FROM groups g"
        " WHERE m.group_id = $1 AND m.member_id = $2 AND g.id = m.group_id AND g.dismissed_at IS NULL"
        f" AND m.muted <> $3 RETURNING {STATE_COLUMNS}",
        group_id, member_id, muted,
    )


async def recipients(conn: Connection, group_id: str) -> list[asyncpg.Record]:
    """Everyone in the chat now, with do-not-disturb."""
    return await conn.fetch("SELECT member_id, muted FROM group_members WHERE group_id = $1", group_id)


async def members_among(conn: Connection, group_id: str, candidate_ids: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT member_id FROM group_members WHERE group_id = $1 AND member_id = ANY($2::text[])",
        group_id, list(candidate_ids))
    return {r["member_id"] for r in rows}


# ----------------------------------------------------------------------------- conversations



async def conversations_page(conn: Connection, member_id: str, before: tuple[dt.datetime, str] | None,
                             limit: int) -> list[asyncpg.Record]:
    """The member's chats, most recently active first, with their state and last entry."""
    activity, group_id = before or (dt.datetime.max.replace(tzinfo=dt.UTC), "")
    return await conn.fetch(
        f"SELECT g.*, {STATE_COLUMNS},"
        " (SELECT count(*) FROM group_members c WHERE c.group_id = g.id) AS member_count,"
        f" {ADMIN_IDS}"
        " FROM group_members m JOIN groups g ON g.id = m.group_id AND g.dismissed_at IS NULL"
        " WHERE m.member_id = $1 AND ($3 = '' OR (g.last_activity_at, g.id) < ($2, $3))"
        " ORDER BY g.last_activity_at DESC, g.id DESC LIMIT $4",
        member_id, activity, group_id, limit,
    )


async def last_items(conn: Connection, chats: list[tuple[str, int]]) -> dict[str, pb.TimelineItem]:
    """The entry at each (chat, sequence), by chat."""
    if not chats:
        return {}
    rows = await conn.fetch(
        f"{ITEMS_FROM} JOIN unnest($1::text[], $2::bigint[]) AS w(group_id, sequence)"
        " ON t.group_id = w.group_id AND t.sequence = w.sequence",
        [c for c, _ in chats], [s for _, s in chats])
    return {row["item_group_id"]: item_from_row(row) for row in rows}


async def total_unread(conn: Connection, member_id: str) -> int:
    """The unread counts of the member's chats that are not muted, added up."""
    return await conn.fetchval(
        f"SELECT coalesce(sum({_UNREAD}), 0)::bigint FROM group_members m"
        " JOIN groups g ON g.id = m.group_id AND g.dismissed_at IS NULL WHERE m.member_id = $1 AND NOT m.muted",
        member_id)


# ---------------------------------------------------------------------------------- receipts

# Who a message at `t` is read by: members other than its sender who were in the chat when it
# was sent; of them, those whose read position reached it have read it.
_RECEIPT_AUDIENCE = "m.group_id = t.group_id AND m.member_id <> t.sender_id AND m.joined_sequence < t.sequence"
_HAS_READ = "m.read_sequence >= t.sequence"


async def receipt_lists(conn: Connection, group_id: str, sequence: int) -> asyncpg.Record:
    """read_ids and unread_ids of one message."""
    return await fetch_one(
        conn, "SELECT coalesce(array_agg(m.member_id ORDER BY m.member_id) FILTER (WHERE " + _HAS_READ + "), '{}') AS read_ids,"
        " coalesce(array_agg(m.member_id ORDER BY m.member_id) FILTER (WHERE NOT " + _HAS_READ + "), '{}')"
        " AS unread_ids FROM timeline_items t JOIN group_members m ON " + _RECEIPT_AUDIENCE +
        " WHERE t.group_id = $1 AND t.sequence = $2",
        group_id, sequence)


async def take_read_moves(conn: Connection, group_id: str) -> list[asyncpg.Record]:
    """The members who read further since the last read update (member_id, before: their
    position then, read_sequence: now), marked taken. (The update holds the chat's reads timer,
    then these rows; a read takes the timer before its row, so the two never wait for each
    other in a circle.)"""
    return await conn.fetch(
        "WITH moved AS (SELECT member_id, receipted_sequence AS before FROM group_members"
        "   WHERE group_id = $1 AND receipted_sequence < read_sequence FOR UPDATE)"
        " UPDATE group_members m SET receipted_sequence = m.read_sequence FROM moved"
        " WHERE m.group_id = $1 AND m.member_id = moved.member_id"
        " RETURNING m.member_id, moved.before, m.read_sequence",
        group_id)


async def states(conn: Connection, group_id: str, member_ids: list[str]) -> list[asyncpg.Record]:
    """The states of some members of a chat (state_from_row rows)."""
    return await conn.fetch(
        f"SELECT {STATE_COLUMNS} FROM group_members m JOIN groups g ON g.id = m.group_id"
        " WHERE m.group_id = $1 AND m.member_id = ANY($2::text[])", group_id, member_ids)


async def receipt_counts(conn: Connection, group_id: str, after: int, up_to: int, limit: int) -> list[asyncpg.Record]:
    """sequence, sender_id, read_count and unread_count of the latest `limit` messages in
    (after, up_to] that are not recalled."""
    return await conn.fetch(
        "SELECT t.sequence, t.sender_id, count(m.member_id) FILTER (WHERE " + _HAS_READ + ") AS read_count,"
        " count(m.member_id) FILTER (WHERE NOT " + _HAS_READ + ") AS unread_count"
        " FROM (SELECT * FROM timeline_items WHERE group_id = $1 AND sequence > $2 AND sequence <= $3"
        "   AND kind = ANY($5::text[]) AND recalled_at IS NULL ORDER BY sequence DESC LIMIT $4) t"
        " LEFT JOIN group_members m ON " + _RECEIPT_AUDIENCE +
        " GROUP BY t.sequence, t.sender_id ORDER BY t.sequence",
        group_id, after, up_to, limit, list(MESSAGE_KINDS))


async def bump_receipts_version(conn: Connection, group_id: str) -> int:
    return await conn.fetchval(
        "INSERT INTO chat_receipts AS r (group_id, version) VALUES ($1, 1)"
        " ON CONFLICT (group_id) DO UPDATE SET version = r.version + 1, flushed_at = now() RETURNING version",
        group_id)


# -------------------------------------------------------------------------------- red packets


async def insert_red_packet(conn: Connection, item_id: str, amount_fen: int, shares: int, greeting: str,
                            cover_id: str | None) -> None:
    await conn.execute(
        "INSERT INTO red_packets (item_id, amount_fen, shares, greeting, cover_id) VALUES ($1, $2, $3, $4, $5)",
        item_id, amount_fen, shares, greeting, cover_id)


async def lock_red_packet(conn: Connection, item_id: str) -> asyncpg.Record:
    """The packet's row, locked: claims of one packet go one after another."""
    return await fetch_one(
        conn, "SELECT amount_fen, shares, claimed_shares, claimed_fen FROM red_packets WHERE item_id = $1 FOR UPDATE",
        item_id)


async def has_claimed(conn: Connection, item_id: str, claimer_id: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT true FROM red_packet_claims WHERE item_id = $1 AND claimer_id = $2", item_id, claimer_id))


async def add_claim(conn: Connection, item_id: str, claimer_id: str, amount_fen: int) -> asyncpg.Record:
    """Record the claim (the caller holds the packet's lock and checked it is the first)."""
    await conn.execute(
        "UPDATE red_packets SET claimed_shares = claimed_shares + 1, claimed_fen = claimed_fen + $2"
        " WHERE item_id = $1", item_id, amount_fen)
    return await fetch_one(
        conn, "INSERT INTO red_packet_claims (item_id, claimer_id, amount_fen) VALUES ($1, $2, $3)"
        " RETURNING claimer_id, amount_fen, claimed_at", item_id, claimer_id, amount_fen)


async def claims(conn: Connection, item_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT claimer_id, amount_fen, claimed_at FROM red_packet_claims WHERE item_id = $1 ORDER BY claimed_at",
        item_id)


def claim_from_row(row: asyncpg.Record) -> pb.RedPacketClaim:
    claim = pb.RedPacketClaim(claimer_id=row["claimer_id"], amount_fen=row["amount_fen"])
    set_time(claim.claim_time, row["claimed_at"])
    return claim
