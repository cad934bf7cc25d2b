"""Durable pull consumers with explicit ack and an inbox table for exactly-once effects.

For each message: open a transaction, insert (consumer, event id) into the inbox; if the row is
new, run the handler in that same transaction; commit; then ack. A redelivery (lost ack, killed
replica, NATS failover) finds the inbox row and only acks. A handler error naks with back-off;
an event that can never be handled is terminated and counted.

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

from services.runtime.db import Connection
from services.runtime.events import Event, PoisonEvent
from services.runtime.logs import get_logger

log = get_logger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
EventHandler = Callable[[Event, Connection], Awaitable[AfterCommit | None]]


@dataclass
class ConsumerSpec:
    """A durable consumer named `<consumer-service>--<purpose>` on another service's stream."""

    durable: str
    # The service whose stream is consumed (`live` -> stream LIVE).
    source: str
    subjects: list[str]
    handler: EventHandler
    max_deliver: int = 50
    ack_wait_s: float = 30.0
    batch: int = 64
    # Redelivery delays by attempt; the last one repeats.
    backoff_s: list[float] = field(default_factory=lambda: [0.1, 0.5, 1.0, 2.0, 5.0])

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
    retried: int = 0
    terminated: int = 0


class DurableConsumer:
    def __init__(self, spec: ConsumerSpec, nc: NATS, pool: asyncpg.Pool, replicas: int) -> None:
        self.spec = spec
        self._nc = nc
        self._pool = pool
        self._replicas = replicas
        self._task: asyncio.Task | None = None
        self._subscription: Any = None
        self._stopping = asyncio.Event()
        self.stats = ConsumerStats()

    def _config(self) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=self.spec.durable,
            filter_subjects=self.spec.subjects,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=self.spec.ack_wait_s,
            max_deliver=self.spec.max_deliver,
            max_ack_pending=max(1000, self.spec.batch * 4),
            num_replicas=self._replicas,
        )

    async def start(self, timeout_s: float = 30.0) -> None:
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
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.spec.durable}")

    async def stop(self) -> None:
        """Finish the message in hand, then stop fetching."""
        self._stopping.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5)
            except TimeoutError:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
        if self._subscription is not None:
            await self._hand_back_buffered()
            # A pull subscription left open would keep the connection's drain waiting.
            try:
                await self._subscription.unsubscribe()
            except Exception:
                pass
            self._subscription = None

    async def _run(self) -> None:
        js = self._nc.jetstream()
        while not self._stopping.is_set():
            try:
                if self._subscription is None:
                    self._subscription = await js.pull_subscribe_bind(
                        self.spec.durable, self.spec.stream
                    )
                messages = await self._fetch()
            except (NatsTimeoutError, TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS node lost, reconnecting, leader moving
                log.info("fetch failed; retrying", durable=self.spec.durable, error=str(exc))
                await asyncio.sleep(0.25)
                continue
            for index, msg in enumerate(messages):
                if self._stopping.is_set():
                    # Hand the rest of the batch back now: another replica (or this service
                    # restarted) gets it at once instead of after ack_wait.
                    for unhandled in messages[index:]:
                        await self._settle(unhandled.nak())
                    break
                await self._process(msg)

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

    async def _process(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        try:
            event = Event.parse(msg.data, delivered)
        except PoisonEvent as exc:
            await self._terminate(msg, str(exc))
            return
        with structlog.contextvars.bound_contextvars(
            event_id=event.id, event_type=event.type,
            correlation_id=event.envelope.correlation_id, consumer=self.spec.durable,
        ):
            try:
                after_commit = await self._apply(event)
            except PoisonEvent as exc:
                await self._terminate(msg, str(exc))
                return
            except Exception as exc:
                self.stats.retried += 1
                delay = self.spec.backoff_s[min(delivered, len(self.spec.backoff_s)) - 1]
                log.warning("event handling failed; will retry", attempt=delivered,
                            retry_in_s=delay, error=f"{type(exc).__name__}: {exc}")
                await self._settle(msg.nak(delay=delay))
                return
            if after_commit is not None:
                try:
                    await after_commit()
                except Exception:
                    log.exception("after-commit action failed (effect is committed)")
            await self._settle(msg.ack())

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
        self.stats.handled += 1
        return after_commit

    async def _terminate(self, msg: Msg, why: str) -> None:
        self.stats.terminated += 1
        log.error("poison event terminated", reason=why, subject=msg.subject)
        await self._settle(msg.term())

    @staticmethod
    async def _settle(action: Awaitable[None]) -> None:
        # A lost ack only means a redelivery, which the inbox absorbs.
        try:
            await action
        except Exception as exc:
            log.info("ack not sent; the event will be redelivered and skipped", error=str(exc))
