"""What one service process shows ops: its metrics (served on their own port), its traces, and
the info line per handled event. `Observability` is built from the settings by `ServiceHost`.

Consumers are observed by wrapping their handler (`consumer_spec`): the wrapper runs inside the
consumer's transaction for first-time events only, so it measures the handler, continues the
event's trace, and writes one line per handled event (consumer, event id and correlation id
are bound by the consumer; the wrapper adds outcome and duration).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg
from nats.js.errors import NotFoundError

from services.runtime import deadletters, tracing
from services.runtime import metrics as metrics_module
from services.runtime.consumer import AfterCommit, ConsumerSpec
from services.runtime.db import Connection
from services.runtime.dependencies import unavailable_dependency
from services.runtime.events import Event, PoisonEvent
from services.runtime.logs import get_logger
from services.runtime.metrics import CountersCollector, Metrics, MetricsServer
from services.runtime.settings import Settings
from services.runtime.timers import Timer
from services.runtime.tracing import Tracing

if TYPE_CHECKING:
    from services.runtime.app import ServiceHost

log = get_logger(__name__)


class Observability:
    def __init__(self, settings: Settings, *, span_exporter: Any = None) -> None:
        name = settings.service_name
        # METRICS_PORT=off: nothing is recorded at all (the benchmark's "off" side).
        self.metrics = Metrics(name) if settings.metrics_port is not None else None
        self.server = (MetricsServer(self.metrics, settings.metrics_host, settings.metrics_port)
                       if self.metrics is not None and settings.metrics_port is not None else None)
        self.tracing = (Tracing(name, settings.otlp_endpoint, exporter=span_exporter)
                        if settings.otlp_endpoint or span_exporter is not None else None)

    @property
    def metrics_address(self) -> str:
        return self.server.address if self.server is not None else ""

    def bind(self) -> None:
        """Make this the service of the current task and of every task it starts."""
        metrics_module.current.set(self.metrics)
        tracing.current.set(self.tracing)

    async def start(self) -> None:
        if self.server is not None:
            await self.server.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
        if self.tracing is not None:
            self.tracing.shutdown()  # flushes what is still batched

    def timer_fired(self, timer: Timer, late_s: float) -> None:
        """The timer worker's report of a timer fired (runtime.timers.FiredListener)."""
        if self.metrics is not None:
            self.metrics.timer_lateness.labels(timer.kind).observe(max(0.0, late_s))

    # ------------------------------------------------------------------ consumers

    def consumer_spec(self, spec: ConsumerSpec) -> ConsumerSpec:
        handler = spec.handler
        durable = spec.durable
        histogram = self.metrics.handler_seconds.labels(durable) if self.metrics is not None else None
        traced = self.tracing is not None

        async def observed(event: Event, conn: Connection) -> AfterCommit | None:
            started = time.perf_counter()
            outcome = "handled"
            span = (tracing.span(f"{durable} {event.type}", kind=tracing.SpanKind.CONSUMER,
                                 traceparent=event.envelope.traceparent,
                                 attributes={"messaging.system": "nats", "messaging.destination.name": event.type,
                                             "messaging.consumer.group.name": durable,
                                             "messaging.message.id": event.id,
                                             "convene.correlation_id": event.envelope.correlation_id})
                    if traced else tracing.OFF)
            with span:
                try:
                    after_commit = await handler(event, conn)
                except PoisonEvent:
                    outcome = "terminated"
                    raise
                except Exception as exc:
                    # A dependency away: the consumer holds the event and tries it again (its loop
                    # logs the outage once); a line for every try would be one a second.
                    outcome = "held" if unavailable_dependency(exc) is not None else "failed"
                    raise
                finally:
                    seconds = time.perf_counter() - started
                    if histogram is not None:
                        histogram.observe(seconds)
                    (log.debug if outcome == "held" else log.info)(
                        "event handled", outcome=outcome, ms=round(seconds * 1000, 2), attempt=event.num_delivered)
                parent = tracing.traceparent()
            if after_commit is None or not traced:
                return after_commit

            async def in_trace() -> None:
                # Runs after commit, when the handler's span has ended: its work (a push to open
                # streams) still belongs to the event's trace.
                with tracing.resumed(parent), tracing.span(f"{durable} after commit"):
                    await after_commit()

            return in_trace

        return dataclasses.replace(spec, handler=observed)

    # ------------------------------------------------------------------ the host's loops

    def watch(self, host: ServiceHost) -> None:
        """Export what the host's loops count, and sample its backlogs when scraped."""
        metrics = self.metrics
        if metrics is None:
            return
        runtime = host.runtime
        assert runtime is not None
        pool = runtime.pool
        metrics.add_collector(CountersCollector(lambda: _loop_counters(host)))
        metrics.gauge_function("convene_db_pool_connections", "Connections the PostgreSQL pool holds",
                               pool.get_size)
        metrics.gauge_function("convene_db_pool_in_use", "Pool connections lent out now",
                               lambda: pool.get_size() - pool.get_idle_size())
        metrics.gauge_function("convene_db_pool_max", "Most connections the pool may hold", pool.get_max_size)
        # A live's room loop is not in readiness (runtime.supervisor): this is where it shows.
        metrics.gauge_function("convene_loops_down", "Supervised loops down now, rooms' among them",
                               lambda: len(host.supervisor.down()))

        async def backlog() -> None:
            await _sample_backlog(pool, metrics)

        async def consumers() -> None:
            js = runtime.js
            for durable, stream in sorted({(c.spec.durable, c.spec.stream) for c in host.consumers}):
                info = await js.consumer_info(stream, durable)
                metrics.consumer_pending.labels(durable).set(info.num_pending or 0)
                metrics.consumer_ack_pending.labels(durable).set(info.num_ack_pending or 0)
                metrics.consumer_redelivered.labels(durable).set(info.num_redelivered or 0)
            await sample_dead_letters(js, metrics, [c.spec.durable for c in host.consumers])

        metrics.add_sampler("backlog", backlog)
        if host.consumers:
            metrics.add_sampler("consumers", consumers)


async def sample_dead_letters(js: Any, metrics: Metrics, durables: Iterable[str]) -> None:
    """convene_dead_letters for each of `durables`: what waits in DEADLETTERS (one request)."""
    try:
        info = await js.stream_info(deadletters.STREAM.name, subjects_filter=f"{deadletters.SUBJECT_PREFIX}>")
        waiting = info.state.subjects or {}
    except NotFoundError:  # nothing was ever set aside
        waiting = {}
    for durable in set(durables):
        metrics.dead_letters.labels(durable).set(waiting.get(deadletters.subject_for(durable), 0))


def _loop_counters(host: ServiceHost) -> Iterable[tuple[str, str, dict[str, str], float]]:
    totals: dict[tuple[str, str], int] = {}
    for consumer in host.consumers:
        # Every counter the consumer keeps (handled, duplicates, retried, ...) is an outcome.
        for outcome, count in dataclasses.asdict(consumer.stats).items():
            key = (consumer.spec.durable, outcome)
            totals[key] = totals.get(key, 0) + count
    for (durable, outcome), value in sorted(totals.items()):
        yield ("convene_consumer_events", "Events taken by a durable consumer, by outcome",
               {"consumer": durable, "outcome": outcome}, value)
    if host.relay is not None:
        yield ("convene_outbox_published", "Outbox rows published to JetStream", {}, host.relay.published)
    if host.timer_worker is not None:
        yield ("convene_timers_fired", "Durable timers fired", {}, host.timer_worker.fired)
    yield ("convene_loop_restarts", "Supervised loops run again after they failed", {},
           sum(loop.restarts for loop in host.supervisor.loops))


@dataclass(frozen=True)
class Backlog:
    """What waits in one service's schema: outbox rows not yet published, timers set and due."""

    outbox_waiting: int
    outbox_oldest_age_s: float
    timers_scheduled: int
    timers_due: int
    timers_max_lateness_s: float


async def read_backlog(conn: Connection) -> Backlog:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM outbox) AS outbox_waiting,"
        "       (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox) AS outbox_age,"
        "       (SELECT count(*) FROM timers) AS timers_scheduled,"
        "       (SELECT count(*) FROM timers WHERE due_at <= now()) AS timers_due,"
        "       (SELECT coalesce(extract(epoch FROM now() - min(due_at)), 0) FROM timers"
        "         WHERE due_at <= now()) AS timers_lateness")
    assert row is not None
    return Backlog(row["outbox_waiting"], float(row["outbox_age"]), row["timers_scheduled"], row["timers_due"],
                   float(row["timers_lateness"]))


async def _sample_backlog(pool: asyncpg.Pool, metrics: Metrics) -> None:
    async with pool.acquire() as conn:
        backlog = await read_backlog(conn)
    metrics.outbox_waiting.set(backlog.outbox_waiting)
    metrics.outbox_oldest_age.set(backlog.outbox_oldest_age_s)
    metrics.timers_scheduled.set(backlog.timers_scheduled)
    metrics.timers_due.set(backlog.timers_due)
    metrics.timers_lateness.set(backlog.timers_max_lateness_s)
