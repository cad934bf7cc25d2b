"""Prometheus metrics of one service process, served on a port of its own (`GET /metrics`).

Each process (each `ServiceHost`: tests run several in one process) has its own registry.
What is counted where:
- RPCs by method and status, with latency histograms: recorded by the RPC guard itself
  (grpc_server.py), so there is no interceptor on the call path.
- Consumed events by consumer and outcome, events published by the relay, timers fired: the
  counters the loops already keep, read when scraped (no cost per event); how late each timer
  fired, by kind, as the timer worker reports it.
- Backlogs that live in PostgreSQL and JetStream (outbox rows waiting and the oldest's age,
  timers due and the most late one, each durable consumer's pending / ack-pending /
  redelivered messages and its dead letters waiting) are sampled when Prometheus scrapes, not by a loop: a process nobody
  scrapes does no work for them. A sample that fails (NATS or the database away) keeps the
  last value and sets `convene_sample_failed{sample}` to 1.
- Notifications adds open streams, Resyncs and fan-out sizes and durations; `bus.request`
  records request-reply latency by subject; pool gauges read the asyncpg pool.

Several replicas of a service report the same shared backlog: aggregate those with max().
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from prometheus_client import GC_COLLECTOR, CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from services.runtime.logs import get_logger

log = get_logger(__name__)

# Latencies of calls and handlers: 0.5 ms to 10 s.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# How late a durable timer fires: a few milliseconds when all is well, seconds to minutes when
# no worker runs or the database was away.
LATENESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
FANOUT_SIZE_BUCKETS = (1, 10, 50, 100, 500, 1000, 2000, 5000, 10000, 50000)
# A scrape waits at most this long for one backlog sample.
SAMPLE_TIMEOUT_S = 2.0

Sampler = Callable[[], Awaitable[None]]


class Metrics:
    """The metric families of one service process."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # process_cpu_seconds_total, process_resident_memory_bytes, open fds; Python's GC.
        ProcessCollector(registry=r)
        r.register(GC_COLLECTOR)
        self.rpc_handled = Counter("convene_rpc_handled", "RPCs finished, by method and gRPC status code",
                                   ["method", "code"], registry=r)
        self.rpc_seconds = Histogram("convene_rpc_duration_seconds", "Time to answer a unary RPC",
                                     ["method"], buckets=LATENCY_BUCKETS, registry=r)
        self.handler_seconds = Histogram(
            "convene_consumer_handler_duration_seconds",
            "Time a durable consumer's handler took for a first-time event (inside its transaction)",
            ["consumer"], buckets=LATENCY_BUCKETS, registry=r)
        self.request_seconds = Histogram(
            "convene_nats_request_duration_seconds",
            "Request-reply latency on core NATS as the asking side sees it (authorization, membership)",
            ["subject", "outcome"], buckets=LATENCY_BUCKETS, registry=r)
        self.consumer_pending = Gauge("convene_consumer_pending",
                                      "Messages of the stream a durable consumer has not been given yet",
                                      ["consumer"], registry=r)
        self.consumer_ack_pending = Gauge("convene_consumer_ack_pending",
                                          "Messages given to a durable consumer and not yet acknowledged",
                                          ["consumer"], registry=r)
        self.consumer_redelivered = Gauge("convene_consumer_redelivered",
                                          "Messages of a durable consumer being delivered more than once now",
                                          ["consumer"], registry=r)
        self.dead_letters = Gauge("convene_dead_letters",
                                  "Dead letters waiting in DEADLETTERS, by the consumer that set them aside",
                                  ["consumer"], registry=r)
        self.outbox_waiting = Gauge("convene_outbox_waiting", "Outbox rows committed and not yet published",
                                    registry=r)
        self.outbox_oldest_age = Gauge("convene_outbox_oldest_age_seconds",
                                       "Age of the oldest outbox row not yet published (0 when none)", registry=r)
        self.timers_scheduled = Gauge("convene_timers_scheduled", "Durable timers set, due or not", registry=r)
        self.timers_due = Gauge("convene_timers_due", "Durable timers whose time has come and that have not fired",
                                registry=r)
        self.timers_lateness = Gauge("convene_timers_max_lateness_seconds",
                                     "How late the most overdue timer is (0 when none is due)", registry=r)
        self.timer_lateness = Histogram("convene_timer_lateness_seconds",
                                        "How long past its due time a durable timer fired, by kind",
                                        ["kind"], buckets=LATENESS_BUCKETS, registry=r)
        self.streams_open = Gauge("convene_streams_open", "Server streams this process holds open", registry=r)
        self.stream_resyncs = Counter("convene_stream_resyncs",
                                      "Streams told to Resync because their buffer overflowed", registry=r)
        self.fanout_recipients = Histogram("convene_fanout_recipients", "Recipients written by one fan-out",
                                           buckets=FANOUT_SIZE_BUCKETS, registry=r)
        self.fanout_seconds = Histogram("convene_fanout_duration_seconds",
                                        "Time to write one fan-out (or chunk) in its transaction",
                                        buckets=LATENCY_BUCKETS, registry=r)
        self.pruned = Counter("convene_pruned_rows", "Rows deleted by the retention job, by table", ["table"],
                              registry=r)
        self.sample_failed = Gauge("convene_sample_failed",
                                   "1 while the last scrape-time sample failed (its gauges keep the last value)",
                                   ["sample"], registry=r)
        self._samplers: dict[str, Sampler] = {}
        self._rpc_children: dict[tuple[str, str], Any] = {}
        self._rpc_latency: dict[str, Any] = {}

    # ---------------------------------------------------------------- recording

    def rpc_done(self, method: str, code: str, seconds: float | None) -> None:
        """One RPC finished (`seconds` None for streams, whose lifetime is no latency)."""
        key = (method, code)
        child = self._rpc_children.get(key)
        if child is None:
            child = self._rpc_children[key] = self.rpc_handled.labels(method, code)
        child.inc()
        if seconds is not None:
            latency = self._rpc_latency.get(method)
            if latency is None:
                latency = self._rpc_latency[method] = self.rpc_seconds.labels(method)
            latency.observe(seconds)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)

    def add_sampler(self, name: str, sampler: Sampler) -> None:
        """`sampler` refreshes some gauges; it runs before each scrape is answered."""
        self._samplers[name] = sampler

    def gauge_function(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        Gauge(name, documentation, registry=self.registry).set_function(read)

    # ---------------------------------------------------------------- exposition

    async def sample(self) -> None:
        async def one(name: str, sampler: Sampler) -> None:
            try:
                await asyncio.wait_for(sampler(), SAMPLE_TIMEOUT_S)
                self.sample_failed.labels(name).set(0)
            except Exception as exc:
                self.sample_failed.labels(name).set(1)
                log.info("metrics sample failed; keeping its last values", sample=name,
                         error=f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(one(name, sampler) for name, sampler in self._samplers.items()))

    async def exposition(self) -> bytes:
        await self.sample()
        return generate_latest(self.registry)


class CountersCollector(Collector):
    """Counters kept as plain integers by the loops, read at scrape time."""

    def __init__(self, read: Callable[[], Iterable[tuple[str, str, dict[str, str], float]]]) -> None:
        # read() yields (name, documentation, labels, value) for counters.
        self._read = read

    def collect(self) -> Iterable[CounterMetricFamily | GaugeMetricFamily]:
        families: dict[str, CounterMetricFamily] = {}
        for name, documentation, labels, value in self._read():
            family = families.get(name)
            if family is None:
                family = families[name] = CounterMetricFamily(name, documentation, labels=sorted(labels))
            family.add_metric([labels[k] for k in sorted(labels)], value)
        return list(families.values())

    def describe(self) -> Iterable[CounterMetricFamily]:
        return []


# The metrics of the service whose task is running: set by ServiceHost.start, inherited by every
# task it creates (gRPC handlers, NATS callbacks), so shared code such as `bus.request` records
# into its own service's registry even when tests run several services in one process.
current: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar("current_metrics", default=None)


class Timer:
    """`with Timer() as t: ...; t.seconds`"""

    def __enter__(self) -> Timer:
        self._started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._started


class MetricsServer:
    """A minimal asyncio HTTP server for `GET /metrics` (no thread, so a scrape runs the
    samplers in the service's own event loop, and several services share one process in tests)."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self._metrics = metrics
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"{self._host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, _, rest = head.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method != "GET":
                status, content_type, body = "405 Method Not Allowed", "text/plain", b"GET only\n"
            elif path == "/metrics":
                status, content_type, body = "200 OK", CONTENT_TYPE_LATEST, await self._metrics.exposition()
            else:
                status, content_type, body = "404 Not Found", "text/plain", b"metrics are at /metrics\n"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
