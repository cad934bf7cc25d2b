"""Read receipts (已读/未读, SPEC F-15): the sender sees how many have read each message and who,
updated on their devices as members read; computed from read positions, so a group of 2,000
writes no row per member per message. Identity, groups and two notifications replicas over real
NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc

from convene.groups.v1 import groups_pb2 as gpb
from convene.identity.v1 import identity_pb2
from tests.chat_support import ChatDevice, chat_world, groups, mark_read, new_chat, post
from tests.harness import Org, System, bearer, eventually, refused, request_id


async def receipts(system: System, token: str, message_id: str) -> gpb.GetReadReceiptsResponse:
    return await groups(system).GetReadReceipts(gpb.GetReadReceiptsRequest(message_id=message_id),
                                                metadata=bearer(token))


async def test_the_sender_sees_who_read_and_who_did_not_as_they_read(chat_world: System) -> None:
    org = await chat_world.create_org(members=4)
    sender, a, b, c = org.member_ids
    group_id = await new_chat(chat_world, org, sender, [a, b, c])
    phone = await ChatDevice(chat_world, sender, org.tokens[sender], replica=1).connect()
    first = await post(chat_world, org.tokens[sender], group_id, "agenda")
    second = await post(chat_world, org.tokens[sender], group_id, "minutes")
    await mark_read(chat_world, org.tokens[a], group_id, second.sequence)
    await mark_read(chat_world, org.tokens[b], group_id, first.sequence)

    def shows(sequence: int, read: int, unread: int) -> bool:
        count = phone.receipt(group_id, sequence)
        return count is not None and (count.read_count, count.unread_count) == (read, unread)

    await eventually(lambda: _now(shows(first.sequence, 2, 1) and shows(second.sequence, 1, 2)),
                     what="the counts on the sender's device")
    listed = await receipts(chat_world, org.tokens[sender], first.id)
    assert (listed.count.read_count, listed.count.unread_count) == (2, 1)
    assert sorted(listed.read_ids) == sorted([a, b]) and list(listed.unread_ids) == [c]
    assert sender not in listed.read_ids and sender not in listed.unread_ids

    # Someone who joins later is not among those a message was sent to.
    late = org.admin_id
    await groups(chat_world).AddGroupMembers(gpb.AddGroupMembersRequest(group_id=group_id, member_ids=[late]),
                                             metadata=bearer(org.tokens[sender]))
    await mark_read(chat_world, org.tokens[c], group_id, second.sequence)
    await eventually(lambda: _now(shows(first.sequence, 3, 0) and shows(second.sequence, 2, 1)),
                     what="the counts after the last reader")
    assert late not in (await receipts(chat_world, org.tokens[sender], second.id)).unread_ids

    assert await refused(receipts(chat_world, org.tokens[a], first.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "RECEIPTS_SENDER_ONLY")
    await phone.disconnect()


async def test_a_group_of_two_thousand_writes_no_row_per_member_per_message(chat_world: System) -> None:
    org = await _large_org(chat_world, 2000)
    sender, *others = org.member_ids
    group_id = await new_chat(chat_world, org, sender, others)
    phone = await ChatDevice(chat_world, sender, org.tokens[sender]).connect()
    before = await _rows(chat_world.database_url)

    messages = [await post(chat_world, org.tokens[sender], group_id, f"notice {i}") for i in range(10)]
    readers = others[:300]
    in_flight = asyncio.Semaphore(16)

    async def read(reader: str) -> None:
        async with in_flight:
            await mark_read(chat_world, org.tokens[reader], group_id, messages[-1].sequence)

    await asyncio.gather(*(read(r) for r in readers))
    last = messages[-1].sequence

    def all_read() -> bool:
        count = phone.receipt(group_id, last)
        return count is not None and count.read_count == 300

    await eventually(lambda: _now(all_read()), what="300 readers on the sender's device")
    assert phone.receipt(group_id, last).unread_count == 1999 - 300  # type: ignore[union-attr]
    listed = await receipts(chat_world, org.tokens[sender], messages[0].id)
    assert (listed.count.read_count, len(listed.unread_ids)) == (300, 1699)

    after = await _rows(chat_world.database_url)
    grown = {table: after.get(table, 0) - before.get(table, 0) for table in after}
    # 10 messages to 1,999 people would be 19,990 rows per-member-per-message; what grew is a
    # handful per message (the entry, its request id) and nothing per reader.
    assert sum(grown.values()) <= 10 * 3 + 5, grown
    assert max(grown.values()) <= 10, grown
    await phone.disconnect()


async def _large_org(system: System, members: int) -> Org:
    """An enterprise of `members` members, tokens signed here (the tests hold the key) rather than
    asked of identity one by one."""
    identity = system.stub("identity")
    operator = bearer(system.operator_token)
    created = await identity.CreateEnterprise(identity_pb2.CreateEnterpriseRequest(
        request_id=request_id(), name="Big Co"), metadata=operator)
    enterprise_id = created.enterprise.id
    in_flight = asyncio.Semaphore(32)

    async def add(index: int) -> str:
        async with in_flight:
            added = await identity.AddMember(identity_pb2.AddMemberRequest(
                request_id=request_id(), enterprise_id=enterprise_id, display_name=f"member {index}",
                role=identity_pb2.MEMBER_ROLE_MEMBER), metadata=operator)
            return added.member.id

    member_ids = list(await asyncio.gather(*(add(i) for i in range(members))))
    org = Org(enterprise_id, created.api_secret, member_ids[0], member_ids)
    org.tokens = {m: await system.mint_token(m, enterprise_id) for m in member_ids}
    return org


async def _rows(database_url: str) -> dict[str, int]:
    """Rows in every table of the groups and notifications schemas."""
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch("SELECT table_schema, table_name FROM information_schema.tables"
                                  " WHERE table_schema IN ('groups', 'notifications') AND table_type = 'BASE TABLE'")
        counts = {}
        for t in tables:
            name = f'{t["table_schema"]}.{t["table_name"]}'
            counts[name] = await conn.fetchval(f'SELECT count(*) FROM "{t["table_schema"]}"."{t["table_name"]}"')
        return counts
    finally:
        await conn.close()


async def _now(value: bool) -> bool:
    await asyncio.sleep(0)
    return value
