"""Chat messages in real time (SPEC F-15): every entry reaches every open stream of every member
once and in the chat's order, across two notifications replicas; a device that reconnects
misses nothing; a push that goes missing is filled from groups. Identity, groups and two
notifications replicas over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import asyncpg

from convene.groups.v1 import events_pb2 as gpb_events
from convene.groups.v1 import groups_pb2 as gpb
from services.runtime.events import Event
from tests.chat_support import ChatDevice, chat_world, devices, disconnect_all, groups, new_chat, post
from tests.harness import System, bearer, eventually, publish_events
from tests.test_notifications_replicas import start_process_replica


async def test_every_entry_reaches_every_device_once_and_in_order_across_two_replicas(chat_world: System) -> None:
    org = await chat_world.create_org(members=3)
    a, b, c = org.member_ids
    group_id = await new_chat(chat_world, org, a, [b, c, org.admin_id])
    made = await devices(chat_world, org, [a, b], replicas=(0, 1))  # two devices each, one per replica
    made.update(await devices(chat_world, org, [c], replicas=(1,)))  # the admin has none open

    async def send(sender: str, count: int) -> None:
        for i in range(count):
            await post(chat_world, org.tokens[sender], group_id, f"{sender} {i}")

    await asyncio.gather(*(send(sender, 10) for sender in (a, b, c)))  # 30 posted at the same time
    everyone = [d for ds in made.values() for d in ds]

    async def all_arrived() -> bool:
        return all(len(d.pushed_entries(group_id)) >= 30 for d in everyone)

    await eventually(all_arrived, what="30 entries on every stream")
    await asyncio.sleep(0.5)  # time for a repeat to arrive, had one been sent
    timeline = [i.text for i in (await groups(chat_world).ListTimeline(gpb.ListTimelineRequest(
        group_id=group_id, after_sequence=0, page_size=100), metadata=bearer(org.tokens[org.admin_id]))).items]
    for device in everyone:
        assert device.pushed_entries(group_id) == list(range(1, 31)), "once each, in the chat's order"
        assert [i.text for i in device.timeline(group_id)] == timeline
    # The sender's own devices get their message too (and do not alert for it).
    assert all(item.sender_id != a for item in made[a][0].alerts)
    assert len(made[a][0].alerts) == 20
    await disconnect_all(made)


async def test_a_device_that_reconnects_misses_nothing(chat_world: System) -> None:
    org = await chat_world.create_org(members=2)
    a, b = org.member_ids
    group_id = await new_chat(chat_world, org, a, [b])
    device = await ChatDevice(chat_world, b, org.tokens[b], replica=1).connect()
    await post(chat_world, org.tokens[a], group_id, "before")
    await eventually(lambda: _holds(device, group_id, 1), what="the first message")

    await device.disconnect()
    for i in range(5):
        await post(chat_world, org.tokens[a], group_id, f"while away {i}")
    device.replica = 0  # back on the other replica
    await device.connect()
    await post(chat_world, org.tokens[a], group_id, "after")
    await eventually(lambda: _holds(device, group_id, 7), what="everything after the reconnect")
    assert [i.text for i in device.timeline(group_id)] == ["before", *(f"while away {i}" for i in range(5)), "after"]
    await device.disconnect()


async def test_a_missed_push_is_filled_from_groups_in_order_and_its_late_copy_dropped(chat_world: System) -> None:
    """Two entries whose events reach the bus in the wrong order (as when a relay retries a
    failed publish): the stream holds the later one, reads the gap from groups, and drops the
    earlier event when it finally comes."""
    org = await chat_world.create_org(members=2)
    a, b = org.member_ids
    group_id = await new_chat(chat_world, org, a, [b])
    device = await ChatDevice(chat_world, b, org.tokens[b]).connect()
    await post(chat_world, org.tokens[a], group_id, "one")
    await eventually(lambda: _holds(device, group_id, 1), what="the first message")

    relay = chat_world.hosts["groups"][0].relay
    assert relay is not None
    await relay.stop()
    try:
        await post(chat_world, org.tokens[a], group_id, "two")
        await post(chat_world, org.tokens[a], group_id, "three")
        # Publish only the event of "three" (as the relay would), so "two" is missing on the bus.
        conn = await asyncpg.connect(chat_world.database_url)
        try:
            rows = await conn.fetch("SELECT envelope FROM groups.outbox WHERE subject = 'groups.v1.message.posted'"
                                    " ORDER BY position")
        finally:
            await conn.close()
        events = [e for e in (Event.parse(bytes(r["envelope"])) for r in rows) if e.envelope.subject == group_id]
        assert [e.payload(gpb_events.MessagePosted).item.text for e in events] == ["two", "three"]
        await publish_events(chat_world.nats_url, events[1].envelope)
        await eventually(lambda: _holds(device, group_id, 3), what="the gap filled")
    finally:
        await relay.start()  # now "two" (and "three" again, dropped by the bus) are published
    await asyncio.sleep(1.0)
    assert device.pushed_entries(group_id) == [1, 2, 3], "in order, once: the late copy of two is dropped"
    assert [i.text for i in device.timeline(group_id)] == ["one", "two", "three"]
    await device.disconnect()


async def test_only_members_get_a_chat_and_a_new_member_from_when_they_join(chat_world: System) -> None:
    org = await chat_world.create_org(members=3)
    a, b, outsider = org.member_ids
    group_id = await new_chat(chat_world, org, a, [b])
    made = await devices(chat_world, org, [b, outsider])
    await post(chat_world, org.tokens[a], group_id, "members only")
    await groups(chat_world).AddGroupMembers(gpb.AddGroupMembersRequest(group_id=group_id, member_ids=[outsider]),
                                             metadata=bearer(org.tokens[a]))
    await post(chat_world, org.tokens[a], group_id, "welcome")
    await eventually(lambda: _holds(made[outsider][0], group_id, 2), what="the message after joining")
    assert made[b][0].pushed_entries(group_id) == [1, 2]
    assert made[outsider][0].pushed_entries(group_id) == [2]
    await disconnect_all(made)


async def _holds(device: ChatDevice, group_id: str, count: int) -> bool:
    await asyncio.sleep(0)
    return device.chat(group_id).held >= count


async def test_a_device_whose_replica_is_killed_reconnects_elsewhere_and_misses_nothing(
        chat_world: System, tmp_path: Path) -> None:
    org = await chat_world.create_org(members=2)
    a, b = org.member_ids
    group_id = await new_chat(chat_world, org, a, [b])
    victim = await start_process_replica(chat_world, tmp_path)
    try:
        device = await ChatDevice(chat_world, b, org.tokens[b], address=victim.address).connect()
        await post(chat_world, org.tokens[a], group_id, "one")
        await eventually(lambda: _holds(device, group_id, 1), what="the first message")
        assert victim.proc is not None
        victim.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.proc.wait, 10)
    finally:
        victim.wait_stopped(0)
    for text in ("two", "three"):
        await post(chat_world, org.tokens[a], group_id, text)
    await device.disconnect()  # its stream broke with the replica
    device.address = ""
    await device.connect()  # to replica 0, catching up
    await post(chat_world, org.tokens[a], group_id, "four")
    await eventually(lambda: _holds(device, group_id, 4), what="everything")
    assert [i.text for i in device.timeline(group_id)] == ["one", "two", "three", "four"]
    await device.disconnect()
