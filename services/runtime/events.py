"""Domain events: building and reading the protobuf Envelope.

Subjects: events have four tokens, `<service>.v1.<entity>.<past-tense-verb>`, and live on the
owning service's stream (`<service>.v1.*.*`); request-reply subjects have three,
`<service>.v1.<verb>`, so a stream never captures a request.
"""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from convene.events.v1 import envelope_pb2
from services.runtime import tracing
from services.runtime.ids import new_id

M = TypeVar("M", bound=Message)


class PoisonEvent(Exception):
    """An event that can never be handled (undecodable, wrong payload): terminate, don't retry."""


def timestamp(when: dt.datetime | None = None) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(when or dt.datetime.now(dt.UTC))
    return ts


def new_envelope(
    event_type: str,
    *,
    subject: str,
    payload: Message,
    enterprise_id: str = "",
    correlation_id: str = "",
    occur_time: dt.datetime | None = None,
) -> envelope_pb2.Envelope:
    if event_type.count(".") != 3:
        raise ValueError(f"event subjects have four tokens: {event_type!r}")
    packed = any_pb2.Any()
    packed.Pack(payload)
    return envelope_pb2.Envelope(
        id=new_id("event"),
        type=event_type,
        source=event_type.split(".", 1)[0],
        subject=subject,
        occur_time=timestamp(occur_time),
        correlation_id=correlation_id or subject,
        # The span of the call or handler that caused the event: consumers continue its trace.
        traceparent=tracing.traceparent(),
        enterprise_id=enterprise_id,
        payload=packed,
    )


@dataclass(frozen=True)
class Event:
    """A consumed event: the envelope plus delivery facts."""

    envelope: envelope_pb2.Envelope
    num_delivered: int = 1

    @property
    def id(self) -> str:
        return self.envelope.id

    @property
    def type(self) -> str:
        return self.envelope.type

    def payload(self, message_type: builtins.type[M]) -> M:
        message = message_type()
        if not self.envelope.payload.Unpack(message):
            raise PoisonEvent(
                f"{self.type} carries {self.envelope.payload.TypeName()}, "
                f"not {message_type.DESCRIPTOR.full_name}"
            )
        return message

    @classmethod
    def parse(cls, data: bytes, num_delivered: int = 1) -> Event:
        try:
            envelope = envelope_pb2.Envelope.FromString(data)
        except DecodeError as exc:
            raise PoisonEvent(f"undecodable envelope: {exc}") from exc
        if not envelope.id or not envelope.type:
            raise PoisonEvent("envelope without id or type")
        return cls(envelope=envelope, num_delivered=num_delivered)
