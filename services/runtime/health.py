"""What a replica's gRPC health check says, kept true while it runs.

SERVING while PostgreSQL answers, NATS is connected and every supervised loop runs;
NOT_SERVING as soon as one of them is not, and SERVING again once all are back, without a
restart. Before start-up is complete and from the first moment of shutdown it is NOT_SERVING.

The probes are supervised loops of their own:
- PostgreSQL: `SELECT 1` every second on a connection of the probe's own, so a pool busy with a
  storm of joins is not mistaken for an outage, and an outage is seen even when nothing else
  runs. When PostgreSQL comes back the pool's idle connections (all dead after a restart) are
  expired, so requests do not fail one by one on them.
- NATS: the client's connection state and a round trip (`flush`).

Each dependency logs one line when it is lost (with the error) and one when it is back; RPCs
failing in between add one line per outage (`call_failed`), not one per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncpg
from grpc_health.v1._async import HealthServicer
from nats.aio.client import Client as NATS

from services.runtime.dependencies import NATS as NATS_DEPENDENCY
from services.runtime.dependencies import POSTGRESQL, describe
from services.runtime.grpc_server import set_serving
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, LoopBody, Supervisor

log = get_logger(__name__)

PROBE_EVERY_S = 1.0
# While a dependency is down it is probed this often, so its return is seen soon.
PROBE_DOWN_EVERY_S = 0.25
PROBE_TIMEOUT_S = 2
# RPC failures of one dependency are logged again after this long even if no probe saw it go.
CALL_FAILURE_LOG_EVERY_S = 60.0


class Health:
    """The components a replica needs (dependencies and supervised loops), and the health status
    that follows from them."""

    def __init__(self, servicer: HealthServicer) -> None:
        self.servicer = servicer
        self._down: dict[str, str] = {}  # component -> why it is down
        self._down_since: dict[str, float] = {}
        self._back: dict[str, asyncio.Event] = {}
        self._ready = False
        self._stopping = False
        self._serving = False
        self._changed = asyncio.Event()
        self._call_failures: dict[str, tuple[float, int]] = {}  # dependency -> (logged at, calls since)
        # Told when a dependency is reachable again (the supervisor restarts what waited on it).
        self.on_restored: list[Callable[[str], None]] = []

    # ------------------------------------------------------------------ reports

    def report(self, component: str, up: bool, error: str = "") -> None:
        """A dependency (or loop) is up or down; logs a dependency's changes."""
        was_up = component not in self._down
        if up:
            if was_up:
                return
            del self._down[component]
            down_s = round(time.monotonic() - self._down_since.pop(component), 3)
            self._back.setdefault(component, asyncio.Event()).set()
            if not component.startswith("loop "):
                failed_calls = self._call_failures.pop(component, (0.0, 0))[1]
                log.info("dependency reachable again", dependency=component, down_s=down_s,
                         failed_calls=failed_calls)
                for listener in self.on_restored:
                    listener(component)
        else:
            self._down[component] = error
            if not was_up:
                return
            self._down_since[component] = time.monotonic()
            self._back.setdefault(component, asyncio.Event()).clear()
            if not component.startswith("loop "):
                log.warning("dependency unreachable", dependency=component, error=error)
        self._changed.set()

    def loop_changed(self, loop: Loop) -> None:
        """Supervisor listener: a loop that is down makes the replica NOT_SERVING (unless the
        replica's readiness does not follow it: a loop of one live's room)."""
        if loop.readiness:
            self.report(f"loop {loop.name}", loop.up, loop.error)

    def call_failed(self, dependency: str, exc: BaseException) -> None:
        """An RPC failed because `dependency` is unreachable: one log line per outage."""
        logged_at, calls = self._call_failures.get(dependency, (0.0, 0))
        now = time.monotonic()
        if calls and now - logged_at < CALL_FAILURE_LOG_EVERY_S:
            self._call_failures[dependency] = (logged_at, calls + 1)
            return
        log.warning("calls failing: dependency unreachable", dependency=dependency, error=describe(exc),
                    failed_calls_before=calls)
        self._call_failures[dependency] = (now, 1)

    def is_up(self, component: str) -> bool:
        return component not in self._down

    async def wait_up(self, component: str, timeout_s: float) -> bool:
        """Until `component` is up again (True) or `timeout_s` passed (False)."""
        if self.is_up(component):
            return True
        back = self._back.setdefault(component, asyncio.Event())
        try:
            await asyncio.wait_for(back.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    @property
    def down(self) -> dict[str, str]:
        return dict(self._down)

    @property
    def serving(self) -> bool:
        return self._serving

    # ------------------------------------------------------------------ the status itself

    def ready(self) -> None:
        """Start-up is complete: SERVING from now on whenever nothing is down."""
        self._ready = True
        self._changed.set()

    async def shutdown(self) -> None:
        """NOT_SERVING for good (SIGTERM)."""
        self._stopping = True
        self._serving = False
        await self.servicer.enter_graceful_shutdown()

    def publisher(self, service_names: list[str]) -> LoopBody:
        """A supervised body that sets the gRPC health status of `service_names` (and of the
        server as a whole) whenever what it follows from changes."""

        async def publish(loop: Loop) -> None:
            await set_serving(self.servicer, service_names, self._serving)
            while True:
                await self._changed.wait()
                self._changed.clear()
                serving = self._ready and not self._down and not self._stopping
                if serving != self._serving:
                    await set_serving(self.servicer, service_names, serving)
                    self._serving = serving
                    if serving:
                        log.info("replica serving")
                    else:
                        log.warning("replica not serving", down=self.down)
                loop.healthy()

        return publish


def watch_postgres(health: Health, dsn: str, pool: asyncpg.Pool, *, application_name: str,
                   every_s: float = PROBE_EVERY_S) -> LoopBody:
    """A supervised body probing PostgreSQL for `health`."""

    async def probe(loop: Loop) -> None:
        conn: asyncpg.Connection | None = None
        try:
            while True:
                try:
                    if conn is None or conn.is_closed():
                        conn = await asyncpg.connect(dsn, timeout=PROBE_TIMEOUT_S,
                                                     server_settings={"application_name": application_name})
                    await conn.fetchval("SELECT 1", timeout=PROBE_TIMEOUT_S)
                    returned = not health.is_up(POSTGRESQL)
                    health.report(POSTGRESQL, True)
                    if returned:
                        # Every idle connection of the pool died with the server: replace them
                        # now rather than fail one request on each.
                        await pool.expire_connections()
                except Exception as exc:  # whatever stops `SELECT 1` is an outage
                    health.report(POSTGRESQL, False, describe(exc))
                    if conn is not None:
                        conn.terminate()
                        conn = None
                loop.healthy()
                await asyncio.sleep(every_s if health.is_up(POSTGRESQL) else PROBE_DOWN_EVERY_S)
        finally:
            if conn is not None:
                conn.terminate()

    return probe


def watch_nats(health: Health, nc: NATS, *, every_s: float = PROBE_EVERY_S) -> LoopBody:
    """A supervised body probing the NATS connection for `health`."""

    async def probe(loop: Loop) -> None:
        while True:
            if nc.is_connected:
                try:
                    await nc.flush(timeout=PROBE_TIMEOUT_S)
                    health.report(NATS_DEPENDENCY, True)
                except Exception as exc:
                    health.report(NATS_DEPENDENCY, False, describe(exc))
            else:
                state = "reconnecting" if nc.is_reconnecting else "closed" if nc.is_closed else "disconnected"
                health.report(NATS_DEPENDENCY, False, f"connection {state}")
            loop.healthy()
            await asyncio.sleep(every_s if health.is_up(NATS_DEPENDENCY) else PROBE_DOWN_EVERY_S)

    return probe


def start_probes(supervisor: Supervisor, health: Health, *, dsn: str, pool: asyncpg.Pool, nc: NATS,
                 service: str) -> list[Loop]:
    return [
        supervisor.start("postgresql probe", watch_postgres(
            health, dsn, pool, application_name=f"convene-{service}-probe")),
        supervisor.start("nats probe", watch_nats(health, nc)),
    ]
