"""A pushed notification is the shared part's bytes plus each user's own: it must parse to the
very message a per-user serialization gives, whatever the values."""

from __future__ import annotations

import pytest

from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import wire
from services.runtime.events import timestamp
from services.runtime.ids import new_id


@pytest.mark.parametrize(("sequence", "unread"), [(1, 0), (127, 1), (128, 300), (2**40 + 5, 2**21)])
def test_shared_bytes_plus_own_part_parse_to_the_full_notification(sequence: int, unread: int) -> None:
    import datetime as dt

    shared = pb.Notification(kind=pb.NOTIFICATION_KIND_CARD, thread_id=new_id("live"), title="Live now: 发布会",
                             group_id=new_id("group"), event_id=new_id("event"), thread_version=3,
                             create_time=timestamp(dt.datetime.now(dt.UTC)),
                             card=groups_pb2.Card(id=new_id("card"), title="x" * 200, version=3))
    notification_id = new_id("notification")
    data = wire.notification(shared.SerializeToString(), notification_id, sequence, unread)

    expected = pb.SubscribeResponse()
    expected.notification.CopyFrom(shared)
    expected.notification.id, expected.notification.sequence = notification_id, sequence
    expected.notification.unread_count = unread
    assert pb.SubscribeResponse.FromString(data) == expected
    assert len(data) == expected.ByteSize()  # nothing written twice


def test_varint_matches_protobuf() -> None:
    for value in (0, 1, 127, 128, 16_383, 16_384, 2**35, 2**62):
        assert pb.CaughtUp.FromString(b"\x08" + wire.varint(value)).sequence == value
