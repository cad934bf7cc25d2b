"""Red packets (SPEC F-50): an amount in shares, sent as a chat message (optionally with an
enterprise cover, whose use counts in the message's own transaction), each share claimed once by
a different recipient. The money itself moves in a payments system, outside Convene."""

from __future__ import annotations

import asyncpg

from convene.groups.v1 import groups_pb2 as pb
from services.groups import chat_store, store
from services.groups.access import member_group
from services.groups.covers import Covers
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound


class RedPackets:
    def __init__(self, pool: asyncpg.Pool, covers: Covers) -> None:
        self._pool = pool
        self._covers = covers

    async def attach(self, conn: Connection, principal: Principal, group: asyncpg.Record, item_id: str,
                     draft: pb.RedPacketDraft) -> None:
        """The red packet of the entry `item_id` just appended, in the message's transaction."""
        if group["kind"] == pb.GROUP_KIND_DIRECT:
            if draft.shares != 1:
                raise InvalidArgument("RED_PACKET_SHARES", "a red packet in a one-to-one chat has one share",
                                      field="red_packet.shares")
        elif draft.shares > await store.member_count(conn, group["id"]) - 1:
            raise InvalidArgument("RED_PACKET_SHARES", "more shares than the group has other members",
                                  field="red_packet.shares")
        cover_id = draft.cover_id or None
        if cover_id is not None:
            await self._covers.use(conn, principal, cover_id)
        await chat_store.insert_red_packet(conn, item_id, draft.amount_fen, draft.shares, draft.greeting.strip(),
                                           cover_id)

    async def _packet_entry(self, conn: Connection, principal: Principal, message_id: str) -> asyncpg.Record:
        entry = await chat_store.entry(conn, message_id)
        if entry is None:
            raise NotFound("MESSAGE_NOT_FOUND", "no such message", message_id=message_id)
        await member_group(conn, principal, entry["group_id"])
        if entry["kind"] != chat_store.RED_PACKET:
            raise FailedPrecondition("NOT_A_RED_PACKET", "the message is not a red packet", message_id=message_id)
        return entry

    async def claim(self, principal: Principal, message_id: str) -> pb.ClaimRedPacketResponse:
        """Equal shares, the last one takes what is left; once per recipient."""
        async with self._pool.acquire() as conn, conn.transaction():
            entry = await self._packet_entry(conn, principal, message_id)
            if entry["sender_id"] == principal.id:
                raise FailedPrecondition("SENDER_CANNOT_CLAIM", "a red packet is for its recipients",
                                         message_id=message_id)
            packet = await chat_store.lock_red_packet(conn, message_id)
            if await chat_store.has_claimed(conn, message_id, principal.id):
                raise AlreadyExists("ALREADY_CLAIMED", "you claimed this red packet already", message_id=message_id)
            if packet["claimed_shares"] >= packet["shares"]:
                raise FailedPrecondition("RED_PACKET_EMPTY", "every share of this red packet was claimed",
                                         message_id=message_id)
            last = packet["claimed_shares"] + 1 == packet["shares"]
            amount = (packet["amount_fen"] - packet["claimed_fen"] if last
                      else packet["amount_fen"] // packet["shares"])
            claim = await chat_store.add_claim(conn, message_id, principal.id, amount)
            item = await chat_store.item(conn, entry["group_id"], entry["sequence"])
        return pb.ClaimRedPacketResponse(claim=chat_store.claim_from_row(claim), red_packet=item.red_packet)

    async def get(self, principal: Principal, message_id: str) -> pb.GetRedPacketResponse:
        async with self._pool.acquire() as conn:
            entry = await self._packet_entry(conn, principal, message_id)
            item = await chat_store.item(conn, entry["group_id"], entry["sequence"])
            claims = await chat_store.claims(conn, message_id)
        return pb.GetRedPacketResponse(red_packet=item.red_packet,
                                       claims=[chat_store.claim_from_row(c) for c in claims])
