"""Stream items as the bytes gRPC writes, so a fan-out serializes its notification once.

A protobuf message may be sent as the concatenation of serialized parts (parsing merges them),
so each recipient's SubscribeResponse is the shared notification's bytes, serialized once per
push, followed by the few fields that differ per user (id, sequence, unread count) and framed as
SubscribeResponse's `notification` field. Parsing it gives exactly the message Convene would
have serialized per user, field for field.
"""

from __future__ import annotations

from convene.notifications.v1 import notifications_pb2 as pb

# Tags (field number << 3 | wire type) of the fields written here.
_RESPONSE_NOTIFICATION = b"\x0a"  # SubscribeResponse.notification = 1, length-delimited
_ID = b"\x0a"  # Notification.id = 1, length-delimited
_SEQUENCE = b"\x10"  # Notification.sequence = 2, varint
_UNREAD_COUNT = b"\x60"  # Notification.unread_count = 12, varint


def varint(value: int) -> bytes:
    """Protobuf base-128 varint of a non-negative int."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def notification(shared: bytes, notification_id: str, sequence: int, unread_count: int) -> bytes:
    """SubscribeResponse{notification} for one recipient: `shared` is the serialized Notification
    without id, sequence and unread count."""
    own = notification_id.encode()
    body = shared + _ID + varint(len(own)) + own + _SEQUENCE + varint(sequence)
    if unread_count:  # proto3 leaves zeros out
        body += _UNREAD_COUNT + varint(unread_count)
    return _RESPONSE_NOTIFICATION + varint(len(body)) + body


def encode(response: pb.SubscribeResponse) -> bytes:
    return response.SerializeToString()
