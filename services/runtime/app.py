"""The life of one service process: start in order, serve, stop in order.

Start: metrics endpoint -> PostgreSQL pool + migrations -> NATS + streams -> the key set and the
service's own signing keys published (runtime.keys) -> token revocations loaded
(runtime.revocations) -> gRPC listening with health NOT_SERVING -> dependency probes, outbox
relay, durable consumers, timers, responders, workers -> health SERVING.
Running: every background loop runs under the process's Supervisor and the health status
follows PostgreSQL, NATS and those loops (runtime.health): NOT_SERVING while one is down,
SERVING again when all are back.
Stop (SIGTERM): health NOT_SERVING -> DRAIN_S (load balancers stop routing here) ->
server.stop(grace) -> workers, timers, consumers, relay, the rest of the loops -> NATS drain ->
pool close.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import structlog
from grpc_health.v1._async import HealthServicer
from nats.aio.client import Client as NATS

from services.runtime import bus, db, jws, retention
from services.runtime.auth import TokenVerifier
from services.runtime.browser_edge import BrowserEdge, EdgeSettings, LocalUpstream
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from services.runtime.grpc_server import Registration, ServerTls, create_server, set_alive
from services.runtime.health import Health, start_probes
from services.runtime.keys import KeyRing, KeySet
from services.runtime.logs import configure_logging, get_logger
from services.runtime.observe import Observability
from services.runtime.outbox import OutboxRelay
from services.runtime.pagination import PageTokens
from services.runtime.retention import Rule as RetentionRule
from services.runtime.revocations import Revocations
from services.runtime.settings import Settings, SettingsError
from services.runtime.supervisor import Supervisor
from services.runtime.timers import TimerHandler, TimerWorker

log = get_logger(__name__)


@dataclass
class Runtime:
    """What a service's parts are built from."""

    settings: Settings
    pool: asyncpg.Pool
    nc: NATS
    # Every service's public keys (watched from NATS KV), and this service's own signing keys.
    keyset: KeySet
    keys: KeyRing
    # Revoked principals, watched from NATS KV; identity also records them here.
    revocations: Revocations = field(default_factory=Revocations)
    # The service's own secret (runtime.db.service_secret): its page tokens and the claims only
    # it signs and reads.
    secret: bytes = b""
    # Every background loop of the service runs under this (its state is the replica's health).
    supervisor: Supervisor = field(default_factory=Supervisor)
    health: Health | None = None

    @property
    def js(self) -> Any:
        return self.nc.jetstream()


@dataclass
class ServiceParts:
    """What a service adds to the runtime: its gRPC servicers, consumers and background tasks."""

    registrations: list[Registration]
    service_names: list[str]
    consumers: list[ConsumerSpec] = field(default_factory=list)
    public_methods: list[str] = field(default_factory=list)
    # Durable timers of this service by kind (see runtime.timers).
    timers: dict[str, TimerHandler] = field(default_factory=dict)
    # Started after NATS and the database are ready; each returns a stop function. Long-running
    # work belongs under runtime.supervisor (Runtime.supervisor), never in a bare task.
    workers: list[Callable[[], Awaitable[Callable[[], Awaitable[None]]]]] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    migrations: Path
    build: Callable[[Runtime], Awaitable[ServiceParts]]
    settings_type: type[Settings] = Settings
    # What of the service's own data is pruned past retention, beside the runtime's tables.
    retention: Callable[[Any], list[RetentionRule]] | None = None
    # What the service's own keys are (runtime.jws says why identity's differ).
    signing_algorithm: str = jws.EDDSA

    def retention_rules(self, settings: Settings) -> list[RetentionRule]:
        """Every rule the shared pruning job (runtime.retention) applies in this service's schema."""
        own = self.retention(settings) if self.retention is not None else []
        return [*retention.runtime_rules(settings), *own]


class ServiceHost:
    """Runs one service in the current event loop; tests start several side by side."""

    def __init__(self, definition: ServiceDefinition, settings: Settings) -> None:
        self.definition = definition
        self.settings = settings
        self.port = 0
        self.runtime: Runtime | None = None
        self.consumers: list[DurableConsumer] = []
        self.relay: OutboxRelay | None = None
        self.timer_worker: TimerWorker | None = None
        self.pruner: retention.Pruner | None = None
        self._server: grpc.aio.Server | None = None
        self.browser: BrowserEdge | None = None  # with BROWSER_PORT: gRPC-Web and Connect in-process
        self.health = Health(HealthServicer())
        self.supervisor = Supervisor(on_change=self.health.loop_changed)
        self.health.on_restored.append(self.supervisor.retry_now)
        self._stop_workers: list[Callable[[], Awaitable[None]]] = []
        self.observability = Observability(settings)

    @property
    def address(self) -> str:
        return f"{self.settings.grpc_host}:{self.port}"

    @property
    def metrics_address(self) -> str:
        """host:port of GET /metrics ('' with METRICS_PORT=off)."""
        return self.observability.metrics_address

    async def start(self) -> None:
        name = self.definition.name
        settings = self.settings
        structlog.contextvars.bind_contextvars(service=name)
        self.observability.bind()
        await self.observability.start()
        pool = await db.create_pool(
            settings.database_url, name, min_size=settings.db_pool_min, max_size=settings.db_pool_max
        )
        await db.migrate(pool, name, self.definition.migrations)
        secret = await db.service_secret(pool, "claims")
        nc = await bus.connect(settings.nats_servers, name=f"convene-{name}", options=bus.options_from(settings))
        await bus.ensure_stream(nc, bus.StreamSpec.for_service(name), settings.stream_replicas)
        keyset = KeySet()
        await keyset.start(nc, settings.stream_replicas, supervisor=self.supervisor)
        keys = KeyRing(pool, name, keyset, longest_claim_s=settings.longest_claim_s(),
                       algorithm=self.definition.signing_algorithm)
        await keys.start(supervisor=self.supervisor)
        revocations = Revocations()
        await revocations.start(nc, settings.stream_replicas, supervisor=self.supervisor)
        self.runtime = Runtime(settings=settings, pool=pool, nc=nc, keyset=keyset, keys=keys,
                               revocations=revocations, secret=secret, supervisor=self.supervisor,
                               health=self.health)

        parts = await self.definition.build(self.runtime)
        self._server, self.port, _, handlers = create_server(
            parts.registrations, parts.service_names, verifier=TokenVerifier(keyset),
            host=settings.grpc_host, port=settings.grpc_port, public_methods=parts.public_methods,
            revocations=revocations, page_tokens=PageTokens(secret), metrics=self.observability.metrics,
            tracing_on=self.observability.tracing is not None,
            tls=ServerTls(settings.grpc_tls_cert, settings.grpc_tls_key, settings.grpc_tls_client_ca)
            if settings.grpc_tls_cert else None,
            health_servicer=self.health.servicer, on_unavailable=self.health.call_failed,
        )
        self.supervisor.start("health", self.health.publisher(parts.service_names))
        await set_alive(self.health.servicer)
        await self._server.start()
        if settings.browser_port is not None:
            self.browser = BrowserEdge(EdgeSettings(settings.browser_host, settings.browser_port,
                                                    settings.browser_cors_origins), LocalUpstream(handlers))
            await self.browser.start()
        start_probes(self.supervisor, self.health, dsn=settings.database_url, pool=pool, nc=nc, service=name)

        self.relay = OutboxRelay(pool, nc.jetstream(), name, supervisor=self.supervisor)
        await self.relay.start()
        for spec in parts.consumers:
            # The source stream is defined in code too: no start-up order between services.
            await bus.ensure_stream(nc, bus.StreamSpec.for_service(spec.source), settings.stream_replicas)
            consumer = DurableConsumer(self.observability.consumer_spec(spec), nc, pool, settings.stream_replicas,
                                       supervisor=self.supervisor, health=self.health,
                                       max_refusals=settings.consumer_max_refusals)
            await consumer.start()
            self.consumers.append(consumer)
        self.pruner = retention.Pruner(self.definition.retention_rules(settings),
                                       batch=settings.retention_batch, every_s=settings.retention_every_s)
        await self.pruner.ensure_scheduled(pool)
        self.timer_worker = TimerWorker(pool, name, {**parts.timers, retention.TIMER_KIND: self.pruner.on_due},
                                        supervisor=self.supervisor, on_fired=self.observability.timer_fired)
        await self.timer_worker.start()
        for start_worker in parts.workers:
            self._stop_workers.append(await start_worker())
        self.observability.watch(self)
        self.health.ready()
        log.info("service ready", address=self.address, metrics=self.metrics_address,
                 browsers=self.browser.url if self.browser is not None else "",
                 consumers=[c.spec.durable for c in self.consumers])

    async def stop(self) -> None:
        await self.health.shutdown()
        if self._server is not None and self.settings.drain_s > 0:
            log.info("draining: NOT_SERVING, still answering", drain_s=self.settings.drain_s)
            await asyncio.sleep(self.settings.drain_s)
        if self.browser is not None:
            await self.browser.stop()
        if self._server is not None:
            await self._server.stop(self.settings.shutdown_grace_s)
        for stop_worker in reversed(self._stop_workers):
            await stop_worker()
        if self.timer_worker is not None:
            await self.timer_worker.stop()
        await asyncio.gather(*(c.stop() for c in self.consumers))
        if self.relay is not None:
            await self.relay.stop()
        if self.runtime is not None:
            await self.runtime.revocations.stop()
            await self.runtime.keys.stop()
            await self.runtime.keyset.stop()
        await self.supervisor.stop_all()  # probes, health, anything a worker left running
        if self.runtime is not None:
            try:
                await asyncio.wait_for(self.runtime.nc.drain(), 5)
            except Exception:
                await self.runtime.nc.close()
            try:
                # close() waits for every connection to come back; a stop must not hang on one.
                await asyncio.wait_for(self.runtime.pool.close(), 10)
            except TimeoutError:
                log.warning("database connections still in use at stop; closed by force")
                self.runtime.pool.terminate()
        await self.observability.stop()
        log.info("service stopped")


def main(definition: ServiceDefinition) -> None:
    """Entry point of `python -m services.<name>`: run until SIGTERM / SIGINT."""
    try:
        settings = definition.settings_type(service_name=definition.name)
    except SettingsError as exc:
        print(f"{definition.name}: settings error: {exc}", file=sys.stderr)
        sys.exit(2)
    configure_logging(definition.name, settings.log_level, settings.log_format)

    async def run() -> None:
        host = ServiceHost(definition, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await host.start()
        except Exception:
            log.exception("service failed to start")  # as JSON, not a bare traceback
            raise SystemExit(1) from None
        # What exists now (modules, protos, pools) lives as long as the process: keep it out
        # of every later collection, and collect the young generation less often. Request
        # handling allocates briefly; gen-0 passes were a visible share of a join storm's CPU.
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)
        await stop.wait()
        log.info("stopping", signal="received")
        await host.stop()

    try:
        import uvloop  # measured faster for NATS request-reply (DESIGN.md)

        uvloop.run(run())
    except ImportError:
        asyncio.run(run())
