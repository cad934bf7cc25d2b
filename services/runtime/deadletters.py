"""The dead-letter stream: events a durable consumer set aside, and how ops get them back.

A consumer (runtime.consumer) sets an event aside when its handler refused it `max_refusals`
times, or at once when it can never be handled (not an envelope, a payload of the wrong type):
a `convene.events.v1.DeadLetter` on stream `DEADLETTERS`, subject `deadletters.v1.<durable>`,
holding the original message whole with the consumer, the reason and the last error. It is
published with `Nats-Msg-Id: deadletter/<durable>/<stream>/<sequence>`, so a consumer that dies
between setting an event aside and terminating it does not set it aside twice. A transient
failure (a dependency unreachable) never brings an event here.

Ops list and redrive them (the `convene` CLI calls these functions):

    letters = await list_dead_letters(nc, consumer="notifications--groups")
    redriven = await redrive(nc, letters[0].sequence)

Redriving publishes the original message again on its own subject and stream, with its headers
and `Convene-Redrive-For: <durable>`: only that consumer handles it (every other consumer of
the subject acknowledges it unread), as a first delivery whose refusals count from zero; then
the dead letter is deleted. Exactly once still holds: the consumer's inbox drops the event if it
was handled meanwhile, and a redrive repeated after a crash between the publish and the delete
is dropped by the stream's duplicate window (`Nats-Msg-Id: redrive/<dead-letter sequence>`).
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError

from convene.events.v1 import dead_letter_pb2
from services.runtime import bus
from services.runtime.errors import InvalidArgument, NotFound
from services.runtime.events import Event, timestamp

STREAM = bus.StreamSpec(name="DEADLETTERS", subjects=["deadletters.v1.>"], max_age_s=30 * 24 * 3600)
SUBJECT_PREFIX = "deadletters.v1."
# On a redriven message: the one durable consumer that is to handle it.
REDRIVE_FOR_HEADER = "Convene-Redrive-For"
REFUSED = "REFUSED"
POISON = "POISON"
MAX_LIST = 1000


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter and its sequence on `DEADLETTERS` (what `redrive` and `discard` take)."""

    sequence: int
    letter: dead_letter_pb2.DeadLetter


def subject_for(consumer: str) -> str:
    return f"{SUBJECT_PREFIX}{consumer}"


async def ensure_stream(nc: NATS, replicas: int) -> None:
    await bus.ensure_stream(nc, STREAM, replicas)


async def set_aside(nc: NATS, *, consumer: str, msg: Msg, reason: str, error: str, refusals: int = 0,
                    event: Event | None = None) -> None:
    """Publish `msg` (as `consumer` received it) to the dead-letter stream. Raises when NATS does
    not take it; the caller then leaves the message where it was."""
    meta = msg.metadata
    letter = dead_letter_pb2.DeadLetter(
        consumer=consumer, stream=meta.stream, stream_sequence=meta.sequence.stream, subject=msg.subject,
        headers=dict(msg.headers or {}), data=msg.data, reason=reason, error=error[:4000], refusals=refusals,
        deliveries=meta.num_delivered, dead_time=timestamp())
    if event is not None:
        letter.event_id, letter.event_type = event.id, event.type
    await nc.jetstream().publish(
        subject_for(consumer), letter.SerializeToString(), stream=STREAM.name,
        headers={"Nats-Msg-Id": f"deadletter/{consumer}/{meta.stream}/{meta.sequence.stream}"})


async def list_dead_letters(nc: NATS, *, consumer: str | None = None, after_sequence: int = 0,
                            limit: int = 100) -> list[StoredDeadLetter]:
    """Dead letters in the order they were set aside, of one consumer or of all; page with
    `after_sequence` = the last `sequence` seen."""
    if not 0 < limit <= MAX_LIST:
        raise InvalidArgument("LIMIT_OUT_OF_RANGE", f"limit must be 1..{MAX_LIST}")
    js = nc.jetstream()
    subject = subject_for(consumer) if consumer else f"{SUBJECT_PREFIX}>"
    letters: list[StoredDeadLetter] = []
    sequence = after_sequence + 1
    while len(letters) < limit:
        try:
            raw = await js.get_msg(STREAM.name, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            break
        assert raw.seq is not None and raw.data is not None
        letters.append(StoredDeadLetter(raw.seq, dead_letter_pb2.DeadLetter.FromString(raw.data)))
        sequence = raw.seq + 1
    return letters


async def get_dead_letter(nc: NATS, sequence: int) -> StoredDeadLetter:
    try:
        raw = await nc.jetstream().get_msg(STREAM.name, seq=sequence)
    except NotFoundError:
        raise NotFound("DEAD_LETTER_NOT_FOUND", f"no dead letter {sequence} (redriven or discarded?)",
                       sequence=sequence) from None
    assert raw.data is not None
    return StoredDeadLetter(sequence, dead_letter_pb2.DeadLetter.FromString(raw.data))


async def redrive(nc: NATS, sequence: int) -> StoredDeadLetter:
    """Hand dead letter `sequence` back to its consumer, once; returns what was redriven."""
    stored = await get_dead_letter(nc, sequence)
    letter = stored.letter
    # Nats-* headers are the server's and the original publish's (its Nats-Msg-Id would make
    # the stream drop the copy as a duplicate).
    headers = {key: value for key, value in letter.headers.items() if not key.startswith("Nats-")}
    headers[REDRIVE_FOR_HEADER] = letter.consumer
    headers["Nats-Msg-Id"] = f"redrive/{sequence}"
    js = nc.jetstream()
    await js.publish(letter.subject, letter.data, stream=letter.stream, headers=headers)
    await js.delete_msg(STREAM.name, sequence)
    return stored


async def discard(nc: NATS, sequence: int) -> StoredDeadLetter:
    """Drop dead letter `sequence` for good; returns what was dropped."""
    stored = await get_dead_letter(nc, sequence)
    await nc.jetstream().delete_msg(STREAM.name, sequence)
    return stored
