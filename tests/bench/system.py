"""The system as ops run it, for benchmarks: embedded NATS and PostgreSQL, and each service a
process of its own (so services and the benchmark's clients spread over the machine's cores)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from infra.embedded import EmbeddedPostgres, NatsCluster
from infra.ports import LOOPBACK, free_port
from infra.run import SERVICES, Service, identity_env, service_env, wait_serving
from services.runtime.db import ensure_database
from tests.harness import System


class ProcessSystem(System):
    """harness.System whose services run as child processes (`python -m services.<name>`)."""

    def __init__(self, nats_url: str, database_url: str, run_dir: Path, *, browsers: bool = False,
                 **env: str) -> None:
        super().__init__(nats_url, database_url)
        self._run_dir = run_dir
        self._env_extra = env
        self._browsers = browsers  # each process also serves gRPC-Web and Connect (BROWSER_PORT)
        self.processes: dict[str, list[Service]] = {}
        self.servers: dict[str, object] = {}

    def pids(self) -> dict[str, list[int]]:
        """Process ids of each service's replicas and of the servers (PostgreSQL's postmaster, NATS)."""
        found = {name: [s.proc.pid for s in group if s.proc is not None] for name, group in self.processes.items()}
        postgres = getattr(self.servers.get("postgres"), "proc", None)
        found["postgres"] = [postgres.pid] if postgres is not None else []
        nats_nodes = getattr(self.servers.get("nats"), "nodes", [])
        found["nats"] = [n.proc.pid for n in nats_nodes if n.proc is not None]
        return found

    def address_of(self, name: str, replica: int = 0) -> str:
        return self.processes[name][replica].address

    def browser_url_of(self, name: str, replica: int = 0) -> str:
        return self.processes[name][replica].browser_url

    def metrics_address_of(self, name: str, replica: int = 0) -> str:
        return self.processes[name][replica].metrics_address

    def log_of(self, name: str, replica: int = 0) -> Path:
        return self.processes[name][replica].log_path

    def _metrics_port(self) -> int:
        """A port of its own per process, unless the run turns metrics off."""
        return 0 if self._env_extra.get("METRICS_PORT", "").lower() == "off" else free_port()

    def runs(self, name: str) -> bool:
        return name in self.processes

    def _env(self, name: str) -> dict[str, str]:
        env = service_env(self.nats_url, 1, self.database_url)
        env.update({"LOG_LEVEL": "warning", "LOG_FORMAT": "json", **self._env_extra})
        return identity_env(env, (self.operator_id, self.operator_secret)) if name == "identity" else env

    def start_processes(self, replicas: dict[str, int] | None = None, only: tuple[str, ...] = ()) -> None:
        (self._run_dir / "logs").mkdir(parents=True, exist_ok=True)
        started = []
        # The media edge only when asked for (its RTMP and HTTP ports come from the benchmark).
        for name in only or tuple(n for n in SERVICES if n != "media"):
            for index in range((replicas or {}).get(name, 1)):
                service = Service(name, free_port(), LOOPBACK, self._run_dir / "logs" / f"{name}-{index}.log",
                                  echo=False, metrics_port=self._metrics_port(),
                                  browser_port=free_port() if self._browsers else 0)
                service.start(self._env(name))
                self.processes.setdefault(name, []).append(service)
                started.append(service)
        wait_serving(started, 60)

    def add_process(self, name: str) -> Service:
        """One more replica of `name`, its own process (blocks until it is SERVING)."""
        index = len(self.processes.get(name, []))
        service = Service(name, free_port(), LOOPBACK, self._run_dir / "logs" / f"{name}-{index}.log", echo=False,
                          metrics_port=self._metrics_port(), browser_port=free_port() if self._browsers else 0)
        service.start(self._env(name))
        self.processes.setdefault(name, []).append(service)
        wait_serving([service], 60)
        return service

    def stop_processes(self) -> None:
        from infra.run import stop_services

        stop_services([s for group in self.processes.values() for s in group])


@contextlib.asynccontextmanager
async def process_system(replicas: dict[str, int] | None = None, only: tuple[str, ...] = (), *,
                         nats_nodes: int = 1, durable: bool = False, browsers: bool = False,
                         **env: str) -> AsyncIterator[ProcessSystem]:
    """Every service as a process, or `only` the named ones; over `nats_nodes` NATS servers (R3
    streams on a cluster) and a PostgreSQL that is `durable` when the benchmark restarts it; with
    `browsers`, each also serves gRPC-Web and Connect itself."""
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        run_dir = Path(tmp)
        postgres = EmbeddedPostgres(run_dir / "postgres", durable=durable)
        nats_server = NatsCluster(run_dir / "nats", size=nats_nodes)
        postgres.start()
        nats_server.start()
        try:
            await ensure_database(postgres.url, "bench")
            system = ProcessSystem(nats_server.urls, postgres.dsn("bench"), run_dir, browsers=browsers,
                                   **({"NATS_REPLICAS": str(nats_server.replicas)} | env))
            system.servers = {"postgres": postgres, "nats": nats_server}  # for CPU figures and faults
            system.start_processes(replicas, only)
            await system.sign_in_operator()
            try:
                yield system
            finally:
                await system.stop()  # closes channels
                system.stop_processes()
        finally:
            nats_server.stop()
            postgres.stop()
