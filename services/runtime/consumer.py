"""Durable pull consumers with explicit ack and an inbox table for exactly-once effects.

For each message: open a transaction, insert (consumer, event id) into the inbox; if the row is
new, run the handler in that same transaction; commit; then ack. A redelivery (lost ack, killed
replica, NATS failover) finds the inbox row and only acks.

A failure is one of two kinds (runtime.dependencies says which):
- **transient**: PostgreSQL, NATS or a service asked over NATS cannot be reached. The consumer
  keeps the message and tries it again once the dependency is back (as the replica's Health
  sees it; without one, after a back-off). However long the outage, it spends nothing: no nak,
  no refusal, and in-progress acks keep the server from redelivering it meanwhile.
- **refused**: anything else the handler raises. Refusals are counted per event in the schema's
  `consumer_refusals` table (a redelivery after a lost ack or a killed replica is no refusal)
  and nak-ed with a growing delay; after `max_refusals` the event is set aside in the dead-letter
  stream (runtime.deadletters) with the consumer, reason and error, and terminated. An event
  that can never be handled (not an envelope, a payload of the wrong type: PoisonEvent) is set
  aside at once. A transient failure while the replica's Health sees its dependency (PostgreSQL,
  NATS) up is suspect: after TRANSIENT_WHILE_UP_LIMIT of them in a row it counts as a refusal,
  so a mislabelled bug cannot hold a consumer for ever. (A service that answers over NATS that
  it cannot reach its own dependencies is taken at its word: held for as long as it says so.)
The server's own delivery limit is off (max_deliver -1): refusals are counted above, and an
event dropped at the server's limit is the silent loss this design exists to prevent.

While a message is in hand (handled, waiting for a dependency, or waiting its turn in a fetched
batch) an in-progress ack goes out every third of `ack_wait_s`, so ack_wait can be short (3 s):
a replica killed mid-event hands the event over in about that long, not after 30 s.

Handlers may return an after-commit action (for example a best-effort push to open streams);
it runs once the effect is durable and never decides whether the event is acked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import api

from services.runtime import deadletters
from services.runtime.db import Connection
from services.runtime.dependencies import NATS as NATS_DEPENDENCY
from services.runtime.dependencies import POSTGRESQL, describe, unavailable_dependency
from services.runtime.events import Event, PoisonEvent
from services.runtime.health import Health
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor

log = get_logger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
EventHandler = Callable[[Event, Connection], Awaitable[AfterCommit | None]]

DEFAULT_MAX_REFUSALS = 10
# A message in hand is held again (in-progress ack) this often, as a share of ack_wait.
PROGRESS_SHARE = 1 / 3
TRANSIENT_WHILE_UP_LIMIT = 30
# Retries of a message held through a transient failure: back-off from 0.1 s to this.
HOLD_MAX_BACKOFF_S = 1.0


@dataclass
class ConsumerSpec:
    """A durable consumer named `<consumer-service>--<purpose>` on another service's stream."""

    durable: str
    # The service whose stream is consumed (`live` -> stream LIVE).
    source: str
    subjects: list[str]
    handler: EventHandler
    # A message neither acked nor held (in-progress) this long goes to another replica.
    ack_wait_s: float = 3.0
    batch: int = 64
    # Redelivery delays after a refusal, by refusal; the last one repeats.
    backoff_s: list[float] = field(default_factory=lambda: [0.1, 0.5, 1.0, 2.0, 5.0])
    # Refusals before the event is set aside; None: the service's CONSUMER_MAX_REFUSALS.
    max_refusals: int | None = None

    def __post_init__(self) -> None:
        if "--" not in self.durable:
            raise ValueError("durable names are <consumer-service>--<purpose>")

    @property
    def stream(self) -> str:
        return self.source.upper()


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    # Refusals (each nak-ed for a retry) and events set aside in the dead-letter stream.
    retried: int = 0
    dead_lettered: int = 0
    # Tries that failed on an unreachable dependency (the message was kept, nothing spent).
    held: int = 0
    # Redriven messages meant for another consumer of the same subject.
    skipped: int = 0


class DurableConsumer:
    def __init__(self, spec: ConsumerSpec, nc: NATS, pool: asyncpg.Pool, replicas: int, *,
                 supervisor: Supervisor | None = None, health: Health | None = None,
                 max_refusals: int = DEFAULT_MAX_REFUSALS) -> None:
        self.spec = spec
        self.max_refusals = spec.max_refusals or max_refusals
        self._nc = nc
        self._pool = pool
        self._replicas = replicas
        self._supervisor = supervisor or Supervisor()
        self._health = health
        self._loops: list[Loop] = []
        self._subscription: Any = None
        self._stopping = asyncio.Event()
        # Messages taken from the server and not yet settled, with when they were last held.
        self._in_hand: dict[int, Msg] = {}
        self.stats = ConsumerStats()

    def _config(self) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=self.spec.durable,
            filter_subjects=self.spec.subjects,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=self.spec.ack_wait_s,
            max_deliver=-1,
            max_ack_pending=max(1000, self.spec.batch * 4),
            num_replicas=self._replicas,
        )

    async def start(self, timeout_s: float = 30.0) -> None:
        await deadletters.ensure_stream(self._nc, self._replicas)
        js = self._nc.jetstream()
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                await js.add_consumer(self.spec.stream, self._config())
                break
            except Exception as exc:  # stream or leader not there yet
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.info("waiting to create consumer", durable=self.spec.durable, error=str(exc))
                await asyncio.sleep(0.5)
        self._loops = [
            self._supervisor.start(f"consumer {self.spec.durable}", self._run),
            self._supervisor.start(f"consumer {self.spec.durable} progress", self._hold_in_hand),
        ]

    async def stop(self) -> None:
        """Finish the message in hand, then stop fetching."""
        self._stopping.set()
        if self._loops:
            await self._loops[0].finish(timeout_s=5)  # the fetch loop ends after its message
        for loop in self._loops:
            await self._supervisor.stop(loop)
        await self._hand_back(list(self._in_hand))
        if self._subscription is not None:
            await self._hand_back_buffered()
            # A pull subscription left open would keep the connection's drain waiting.
            try:
                await self._subscription.unsubscribe()
            except Exception:
                pass
            self._subscription = None

    # ------------------------------------------------------------------ fetching

    async def _run(self, loop: Loop) -> None:
        """Supervised: anything unexpected ends this body and the supervisor starts it again;
        what it had in hand is handed back first."""
        js = self._nc.jetstream()
        try:
            while not self._stopping.is_set():
                try:
                    if self._subscription is None:
                        self._subscription = await js.pull_subscribe_bind(self.spec.durable, self.spec.stream)
                    messages = await self._fetch()
                except (NatsTimeoutError, TimeoutError):
                    if self._nc.is_connected:
                        loop.healthy()  # nothing to do is fine
                    continue
                except Exception as exc:
                    if unavailable_dependency(exc) is None:
                        raise
                    loop.failing(exc)  # NATS node lost, reconnecting, leader moving
                    await asyncio.sleep(0.25)
                    continue
                for msg in messages:
                    self._in_hand[id(msg)] = msg
                for index, msg in enumerate(messages):
                    if self._stopping.is_set():
                        # Hand the rest of the batch back now: another replica (or this service
                        # restarted) gets it at once instead of after ack_wait.
                        await self._hand_back([id(m) for m in messages[index:]])
                        break
                    await self._process(msg, loop)
        finally:
            await self._hand_back(list(self._in_hand))

    async def _hold_in_hand(self, loop: Loop) -> None:
        """Supervised: an in-progress ack, each beat, for every message in hand, so at most a
        beat passes between a message's arrival and its first one. Holding only those in hand a
        whole beat left up to two beats (2 s of a 3 s ack_wait), and a loop late by a second on
        a loaded machine let the server hand an event still being handled to another replica."""
        beat = self.spec.ack_wait_s * PROGRESS_SHARE
        while True:
            await asyncio.sleep(beat)
            for key, msg in list(self._in_hand.items()):
                if key in self._in_hand:
                    try:
                        await msg.in_progress()
                    except Exception:
                        pass  # NATS away: nor can the server redeliver it to anyone meanwhile
            loop.healthy()

    async def _hand_back(self, keys: list[int]) -> None:
        for key in keys:
            msg = self._in_hand.pop(key, None)
            if msg is not None:
                await self._settle(msg.nak())

    async def _hand_back_buffered(self) -> None:
        """Messages the server already delivered into the client's buffer (a fetch that timed
        out just before they came) would otherwise wait out ack_wait before another replica gets
        them. nats-py keeps that buffer private; reaching in here is the price of a prompt
        hand-over on a rolling restart."""
        buffered = getattr(getattr(self._subscription, "_sub", None), "_pending_queue", None)
        while buffered is not None and not buffered.empty():
            msg = buffered.get_nowait()
            if msg.headers and msg.headers.get("Status"):
                continue  # a status message of a pull request, not an event
            await self._settle(msg.nak())

    async def _fetch(self) -> list[Msg]:
        """Wait for one message, then take only what its metadata says is already waiting.
        (A fetch of more than is there lingers until its timeout: a full batch would add up to
        a second to every hop of a fan-out, and even a 5 ms probe adds 5 ms to every hop of a
        quiet stream.)"""
        messages = await self._subscription.fetch(1, timeout=1.0)
        waiting = messages[0].metadata.num_pending if messages[0].metadata else 0
        more = min(self.spec.batch - 1, waiting)
        if more > 0:
            try:
                messages += await self._subscription.fetch(more, timeout=0.005)
            except (NatsTimeoutError, TimeoutError):
                pass
        return messages

    # ------------------------------------------------------------------ one message

    async def _process(self, msg: Msg, loop: Loop) -> None:
        redrive_for = (msg.headers or {}).get(deadletters.REDRIVE_FOR_HEADER)
        if redrive_for and redrive_for != self.spec.durable:
            self.stats.skipped += 1  # redriven for another consumer of this subject
            await self._settle_in_hand(msg, msg.ack())
            return
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        try:
            event = Event.parse(msg.data, delivered)
        except PoisonEvent as exc:
            await self._set_aside(msg, None, deadletters.POISON, exc)
            return
        with structlog.contextvars.bound_contextvars(
            event_id=event.id, event_type=event.type,
            correlation_id=event.envelope.correlation_id, consumer=self.spec.durable,
        ):
            handled, after_commit = await self._handle(msg, event, loop)
            if not handled:
                return
            loop.healthy()
            if after_commit is not None:
                try:
                    await after_commit()
                except Exception:
                    log.exception("after-commit action failed (effect is committed)")
            await self._settle_in_hand(msg, msg.ack())

    async def _handle(self, msg: Msg, event: Event, loop: Loop) -> tuple[bool, AfterCommit | None]:
        """(True, the handler's after-commit action) once the effect is committed (or was
        before); (False, None) when the message was settled otherwise: refused, set aside, or
        handed back because the consumer is stopping."""
        transient_while_up = 0
        attempt = 0
        while True:
            try:
                return True, await self._apply(event)
            except PoisonEvent as exc:
                await self._set_aside(msg, event, deadletters.POISON, exc)
                return False, None
            except Exception as exc:
                dependency = unavailable_dependency(exc)
                if dependency in (POSTGRESQL, NATS_DEPENDENCY) and self._health is not None and self._health.is_up(dependency):
                    transient_while_up += 1
                if dependency is None or transient_while_up > TRANSIENT_WHILE_UP_LIMIT:
                    await self._refused(msg, event, exc)
                    return False, None
                # Keep the message (in-progress acks hold it) and try again once it can work.
                self.stats.held += 1
                attempt += 1
                loop.failing(exc)
                if not await self._pause(dependency, attempt):
                    await self._hand_back([id(msg)])  # stopping: another replica takes it now
                    return False, None

    async def _pause(self, dependency: str, attempt: int) -> bool:
        """Wait before trying a held message again: until its dependency is back (when the
        replica's Health follows it), then a back-off. False once the consumer is stopping."""
        while self._health is not None and not self._health.is_up(dependency):
            if self._stopping.is_set():
                return False
            await self._health.wait_up(dependency, 0.25)
        delay = min(HOLD_MAX_BACKOFF_S, 0.1 * 2 ** min(attempt - 1, 5))
        try:
            await asyncio.wait_for(self._stopping.wait(), delay)
        except TimeoutError:
            pass
        return not self._stopping.is_set()

    async def _apply(self, event: Event) -> AfterCommit | None:
        async with self._pool.acquire() as conn, conn.transaction():
            first_time = await conn.fetchval(
                "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING RETURNING true",
                self.spec.durable, event.id,
            )
            if not first_time:
                self.stats.duplicates += 1
                log.debug("duplicate event skipped")
                return None
            after_commit = await self.spec.handler(event, conn)
            if event.num_delivered > 1:  # refused before, perhaps: that count is done with
                await conn.execute("DELETE FROM consumer_refusals WHERE consumer = $1 AND event_id = $2",
                                   self.spec.durable, event.id)
        self.stats.handled += 1
        return after_commit

    async def _refused(self, msg: Msg, event: Event, exc: BaseException) -> None:
        error = describe(exc)
        try:
            refusals = await self._pool.fetchval(
                "INSERT INTO consumer_refusals (consumer, event_id, refusals, last_error) VALUES ($1, $2, 1, $3)"
                " ON CONFLICT (consumer, event_id) DO UPDATE"
                " SET refusals = consumer_refusals.refusals + 1, last_error = $3, last_at = now()"
                " RETURNING refusals",
                self.spec.durable, event.id, error[:4000])
        except Exception as count_exc:  # the database went away meanwhile: not a refusal then
            log.info("event failed and its refusal could not be counted; retrying",
                     error=error, count_error=describe(count_exc))
            await self._settle_in_hand(msg, msg.nak(delay=self.spec.backoff_s[0]))
            return
        if refusals >= self.max_refusals:
            await self._set_aside(msg, event, deadletters.REFUSED, exc, refusals)
            return
        self.stats.retried += 1
        delay = self.spec.backoff_s[min(refusals, len(self.spec.backoff_s)) - 1]
        log.warning("event refused; will retry", refusals=refusals, max_refusals=self.max_refusals,
                    retry_in_s=delay, error=error)
        await self._settle_in_hand(msg, msg.nak(delay=delay))

    async def _set_aside(self, msg: Msg, event: Event | None, reason: str, exc: BaseException,
                         refusals: int = 0) -> None:
        error = describe(exc)
        try:
            await deadletters.set_aside(self._nc, consumer=self.spec.durable, msg=msg, reason=reason,
                                        error=error, refusals=refusals, event=event)
        except Exception as publish_exc:  # NATS away: leave it where it is, set it aside later
            log.warning("event could not be set aside yet; it will come back", reason=reason,
                        error=error, publish_error=describe(publish_exc))
            await self._settle_in_hand(msg, msg.nak(delay=1.0))
            return
        self.stats.dead_lettered += 1
        log.error("event set aside in the dead-letter stream", reason=reason, refusals=refusals,
                  error=error, subject=msg.subject)
        if event is not None and refusals:
            try:
                await self._pool.execute("DELETE FROM consumer_refusals WHERE consumer = $1 AND event_id = $2",
                                         self.spec.durable, event.id)
            except Exception:
                pass  # a redrive after a leftover count only sets it aside sooner
        await self._settle_in_hand(msg, msg.term())

    async def _settle_in_hand(self, msg: Msg, action: Awaitable[None]) -> None:
        self._in_hand.pop(id(msg), None)
        await self._settle(action)

    @staticmethod
    async def _settle(action: Awaitable[None]) -> None:
        # A lost ack only means a redelivery, which the inbox absorbs.
        try:
            await action
        except Exception as exc:
            log.info("ack not sent; the event will be redelivered and skipped", error=str(exc))
