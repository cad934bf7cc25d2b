"""`make run`: the whole of Convene on this machine, one command.

    python -m infra.run            # start everything, print how to call it, run until Ctrl-C
    python -m infra.run --check    # start everything, check each service answers, stop, exit 0/1

With no NATS_URL / DATABASE_URL in the environment it starts an embedded NATS (JetStream) and
an embedded PostgreSQL with their data under `.run/`, so a second run finds the first run's
data. With them set it uses the real servers. Then it starts the five services and the media
edge (RTMP and HLS on free loopback ports, media under `.run/media`) as child processes, waits
until each one's gRPC health check says SERVING, and prints their addresses, an operator token
and grpcurl commands. Service logs go to the terminal and to `.run/logs/`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from infra.ports import LOOPBACK, free_port

ROOT = Path(__file__).resolve().parent.parent

# Service name -> the gRPC service it serves (what reflection must list).
SERVICES = {
    "identity": "convene.identity.v1.IdentityService",
    "groups": "convene.groups.v1.GroupsService",
    "live": "convene.live.v1.LiveService",
    "meetings": "convene.meetings.v1.MeetingsService",
    "notifications": "convene.notifications.v1.NotificationsService",
    # The media edge serves RTMP and HLS; its gRPC port carries health (and reflection) only.
    "media": "grpc.health.v1.Health",
}
DATABASE = "convene"
OPERATOR_TOKEN_TTL_S = 12 * 3600
READY_TIMEOUT_S = 60.0
# Services get SHUTDOWN_GRACE_S (5 s by default) for in-flight RPCs, then drain NATS.
STOP_TIMEOUT_S = 20.0
LOG_TAIL_LINES = 40


class Stop(Exception):
    """Raised in the main thread by SIGINT / SIGTERM, so even a blocking start-up step ends."""


class Failed(Exception):
    """Start-up or a service went wrong; the message says what and where to look."""


def say(message: str = "") -> None:
    print(message, flush=True)


# ------------------------------------------------------------------------------ service processes


@dataclass
class Service:
    """One `python -m services.<name>` child process and the thread that forwards its output."""

    name: str
    port: int
    host: str
    log_path: Path
    echo: bool
    # Settings of this service alone (the media edge's ports, say).
    extra_env: dict[str, str] = field(default_factory=dict)
    # GET /metrics (Prometheus); 0 lets the service pick one.
    metrics_port: int = 0
    # gRPC-Web and Connect served by the service itself (BROWSER_PORT); 0: none.
    browser_port: int = 0
    proc: subprocess.Popen | None = None
    tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=LOG_TAIL_LINES))
    _pump: threading.Thread | None = None

    @property
    def address(self) -> str:
        # A service listening on every interface is still reached on loopback from here.
        host = LOOPBACK if self.host in ("", "0.0.0.0", "::") else self.host
        return f"{host}:{self.port}"

    @property
    def metrics_address(self) -> str:
        host = LOOPBACK if self.host in ("", "0.0.0.0", "::") else self.host
        return f"{host}:{self.metrics_port}" if self.metrics_port else ""

    @property
    def browser_url(self) -> str:
        host = LOOPBACK if self.host in ("", "0.0.0.0", "::") else self.host
        return f"http://{host}:{self.browser_port}" if self.browser_port else ""

    def start(self, env: dict[str, str]) -> None:
        env = {**env, **self.extra_env, "GRPC_HOST": self.host, "GRPC_PORT": str(self.port)}
        if self.metrics_port:
            env.setdefault("METRICS_HOST", self.host)
            env["METRICS_PORT"] = str(self.metrics_port)
        if self.browser_port:
            env["BROWSER_PORT"] = str(self.browser_port)
        # Not echoed: the service writes its log file itself. Passing every line through this
        # process costs it CPU, and a launcher busy elsewhere (a benchmark's clients) would fill
        # the pipe and stall the service on its next log line.
        log = None if self.echo else open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if log is None else log,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C reaches only the launcher, which stops things in order.
            start_new_session=True,
        )
        if log is not None:
            log.close()
            return
        self._pump = threading.Thread(target=self._forward_output, name=f"log-{self.name}", daemon=True)
        self._pump.start()

    def _forward_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        prefix = f"{self.name:<13} | "
        with open(self.log_path, "ab") as log:
            for raw in self.proc.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode(errors="replace").rstrip("\n")
                self.tail.append(line)
                if self.echo:
                    print(prefix + readable(line), flush=True)

    @property
    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self, deadline: float) -> None:
        """Wait for the process until `deadline`, then kill it; then let the log pump finish."""
        if self.proc is not None:
            try:
                self.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop in time; killing it")
                self.proc.kill()
                self.proc.wait()
        if self._pump is not None:
            self._pump.join(timeout=2)

    def how_it_ended(self) -> str:
        code = self.exit_code
        if code is not None and code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def last_lines(self) -> str:
        lines = list(self.tail) if self._pump is not None else _last_lines_of(self.log_path, LOG_TAIL_LINES)
        return "\n".join(f"    {line}" for line in lines) or "    (no output)"


def _last_lines_of(path: Path, count: int) -> list[str]:
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 64 * 1024))
            return log.read().decode(errors="replace").splitlines()[-count:]
    except OSError:
        return []


def readable(line: str) -> str:
    """A JSON log line as `time level event key=value ...`; anything else unchanged.

    The files under .run/logs keep the JSON; the terminal gets something a person can scan.
    """
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict):
        return line
    stamp = str(entry.pop("timestamp", ""))[11:23]  # HH:MM:SS.mmm of an ISO timestamp
    level = str(entry.pop("level", "")).upper()
    event = str(entry.pop("event", ""))
    entry.pop("service", None)  # already in the prefix
    exception = entry.pop("exception", None)
    rest = " ".join(f"{key}={value}" for key, value in entry.items())
    text = f"{stamp} {level:<7} {event} {rest}".rstrip()
    return f"{text}\n{exception}" if exception else text


def stop_services(services: list[Service]) -> None:
    """SIGTERM all at once (they shut down in parallel), then wait, then kill stragglers."""
    running = [s for s in services if s.exit_code is None and s.proc is not None]
    if running:
        say(f"stopping {', '.join(s.name for s in running)} ...")
    for service in running:
        service.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for service in services:
        service.wait_stopped(deadline)


# ---------------------------------------------------------------------------------- health checks


def health_status(address: str) -> str:
    """The overall ("") health status of the server at `address`, or why it could not be read."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
        except grpc.RpcError as err:
            return err.code().name  # UNAVAILABLE while the service is still connecting
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def wait_serving(services: list[Service], timeout: float) -> None:
    """Until every service says SERVING; fail fast when one exits, fail at `timeout`."""
    deadline = time.monotonic() + timeout
    pending = {s.name: s for s in services}
    status: dict[str, str] = {}
    while pending:
        for name, service in list(pending.items()):
            if service.exit_code is not None:
                raise Failed(
                    f"{name} {service.how_it_ended()} during start-up; its last lines "
                    f"(full log: {rel(service.log_path)}):\n{service.last_lines()}"
                )
            status[name] = health_status(service.address)
            if status[name] == "SERVING":
                del pending[name]
        if not pending:
            return
        if time.monotonic() > deadline:
            details = "\n\n".join(
                f"  {name} ({status.get(name, '?')}); last lines (full log: {rel(s.log_path)}):\n{s.last_lines()}"
                for name, s in pending.items()
            )
            raise Failed(f"not SERVING after {timeout:.0f} s:\n{details}")
        time.sleep(0.25)


def check_reflection(services: list[Service]) -> bool:
    """`grpcurl -plaintext ADDR list` must list each service's own gRPC service."""
    grpcurl = Path(sys.executable).parent / "grpcurl"
    ok = True
    for service in services:
        expected = SERVICES[service.name]
        try:
            result = subprocess.run(
                [str(grpcurl), "-plaintext", service.address, "list"],
                capture_output=True, text=True, timeout=20, check=False,
            )
            listed = result.stdout.split()
            passed = result.returncode == 0 and expected in listed
            detail = ", ".join(listed) if passed else (result.stderr.strip() or result.stdout.strip())
        except (OSError, subprocess.TimeoutExpired) as err:
            passed, detail = False, str(err)
        ok = ok and passed
        say(f"  {'ok  ' if passed else 'FAIL'} {service.name:<13} {service.address:<21} {detail}")
    return ok


def check_media(media: MediaEdge) -> bool:
    """The edge's HTTP answers and its RTMP port takes connections."""
    import socket
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{media.http_port}/healthz", timeout=5) as answer:
            passed = answer.status == 200
        with socket.create_connection((LOOPBACK, media.rtmp_port), timeout=5):
            pass
        detail = f"{media.rtmp_url}, {media.play_url}"
    except OSError as err:
        passed, detail = False, str(err)
    say(f"  {'ok  ' if passed else 'FAIL'} {'media edge':<13} {detail}")
    return passed


def check_metrics(services: list[Service]) -> bool:
    """GET /metrics of each service answers in the Prometheus text format."""
    import urllib.request

    ok = True
    for service in services:
        if not service.metrics_address:
            continue
        try:
            with urllib.request.urlopen(f"http://{service.metrics_address}/metrics", timeout=10) as reply:
                text = reply.read().decode()
            passed = "convene_db_pool_connections" in text
            detail = f"{len(text.splitlines())} lines" if passed else "no convene_ metrics"
        except OSError as err:
            passed, detail = False, str(err)
        ok = ok and passed
        say(f"  {'ok  ' if passed else 'FAIL'} {service.name:<13} http://{service.metrics_address}/metrics  {detail}")
    return ok


# ------------------------------------------------------------------------- NATS, PostgreSQL, keys


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def tail_of(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "    (no log)"
    return "\n".join(f"    {line}" for line in text)


def start_nats(run_dir: Path, stack: contextlib.ExitStack) -> tuple[str, int]:
    """An embedded single-node NATS with JetStream; returns (NATS_URL, replicas)."""
    from infra.embedded import NatsCluster

    cluster = NatsCluster(run_dir / "nats", size=1)
    stack.callback(stop_step, "NATS", cluster.stop)  # before start(): stop() copes with a half start
    try:
        cluster.start()
    except (OSError, TimeoutError, RuntimeError) as err:
        log = run_dir / "nats" / "n1" / "nats.log"
        raise Failed(f"embedded NATS did not start ({err}); {rel(log)} ends with:\n{tail_of(log)}") from None
    say(f"NATS        {cluster.urls}  (embedded, data in {rel(run_dir / 'nats')}; monitoring {cluster.monitor_urls})")
    return cluster.urls, cluster.replicas


def start_postgres(run_dir: Path, stack: contextlib.ExitStack) -> str:
    """An embedded durable PostgreSQL with database `convene`; returns DATABASE_URL."""
    from infra.embedded import EmbeddedPostgres
    from services.runtime.db import ensure_database

    pg = EmbeddedPostgres(run_dir / "postgres", durable=True)
    stack.callback(stop_step, "PostgreSQL", pg.stop)
    try:
        pg.start()
    except (OSError, TimeoutError, RuntimeError, subprocess.CalledProcessError) as err:
        # Most often: a PostgreSQL left running by a launcher that was killed (see postmaster.pid).
        log = run_dir / "postgres" / "postgres.log"
        raise Failed(f"embedded PostgreSQL did not start ({err}); {rel(log)} ends with:\n{tail_of(log)}") from None
    asyncio.run(ensure_database(pg.url, DATABASE))
    say(f"PostgreSQL  {pg.dsn(DATABASE)}  (embedded, data in {rel(run_dir / 'postgres')})")
    for note in pg.setup_notes:  # what running as root took, said plainly
        say(f"            {note}")
    return pg.dsn(DATABASE)


def stop_step(what: str, stop: Callable[[], None]) -> None:
    say(f"stopping {what} ...")
    stop()


def operator_credential(run_dir: Path) -> tuple[str, str]:
    """The operator's service account (id, secret), kept in .run/operator_credential so that a
    restart keeps it. Identity alone is given it (IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT); no other
    service sees it, and no service holds a key that mints tokens but identity."""
    from services.runtime.ids import kind_of, new_id

    path = run_dir / "operator_credential"
    if path.exists():
        account_id, _, secret = path.read_text().strip().partition(":")
        if kind_of(account_id) == "service" and len(secret) >= 16:
            return account_id, secret
    account_id, secret = new_id("service"), secrets.token_urlsafe(32)
    write_private(path, f"{account_id}:{secret}\n")
    return account_id, secret


def write_private(path: Path, text: str) -> None:
    """Write a secret readable by this user only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def operator_token(identity_address: str, credential: tuple[str, str], run_dir: Path) -> str:
    """A token for the operator (what CreateEnterprise needs), from identity's CreateToken with
    the operator's own secret, as any back end gets one; also saved to .run/operator_token."""
    import grpc

    from convene.identity.v1 import identity_pb2, identity_pb2_grpc

    account_id, secret = credential
    with grpc.insecure_channel(identity_address) as channel:
        minted = identity_pb2_grpc.IdentityServiceStub(channel).CreateToken(identity_pb2.CreateTokenRequest(
            principal_id=account_id, api_secret=secret, ttl_seconds=OPERATOR_TOKEN_TTL_S), timeout=10)
    write_private(run_dir / "operator_token", minted.access_token + "\n")
    return minted.access_token


def hold_lock(run_dir: Path, stack: contextlib.ExitStack) -> None:
    """One launcher per run folder: two would fight over the same PostgreSQL and NATS data."""
    handle: IO[str] = open(run_dir / "launcher.lock", "w")
    stack.callback(handle.close)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Failed(
            f"another launcher is using {rel(run_dir)}; stop it first, or pass --run-dir"
        ) from None


# ----------------------------------------------------------------------------------------- output


def print_table(services: list[Service], run_dir: Path, media: MediaEdge) -> None:
    width = max(len(s.name) for s in services)
    say()
    say("Convene is running. Services (gRPC, plaintext, reflection on):")
    say()
    say(f"  {'service':<{width}}  {'address':<21}  {'metrics (GET /metrics)':<28}  gRPC service")
    for s in services:
        metrics = f"http://{s.metrics_address}/metrics" if s.metrics_address else "off"
        say(f"  {s.name:<{width}}  {s.address:<21}  {metrics:<28}  {SERVICES[s.name]}")
    say()
    say("Media edge (SPEC F-52):")
    say(f"  RTMP ingest    {media.rtmp_url}   (StartLive's publish.push_url: ffmpeg or OBS push there)")
    say(f"  HLS playback   {media.play_url}   (JoinLive's play.url + ?token=<play_token>)")
    say(f"  media files    {rel(media.root)}")
    identity = next(s for s in services if s.name == "identity")
    grpcurl = rel(Path(sys.executable).parent / "grpcurl")
    say()
    say(f"Operator token (service principal, {OPERATOR_TOKEN_TTL_S // 3600} h) saved to {rel(run_dir / 'operator_token')}.")
    say("Try it with grpcurl:")
    say()
    say(f"  export TOKEN=$(cat {rel(run_dir / 'operator_token')})")
    say(f"  {grpcurl} -plaintext {identity.address} list")
    say(f"  {grpcurl} -plaintext {identity.address} describe {SERVICES['identity']}")
    say(f'  {grpcurl} -plaintext -H "authorization: Bearer $TOKEN" \\')
    say("      -d '{\"request_id\":\"r1\",\"name\":\"Acme\"}' \\")
    say(f"      {identity.address} {SERVICES['identity']}/CreateEnterprise")
    say()
    say(f"Logs: {rel(run_dir / 'logs')}/<service>.log (JSON). Stop with Ctrl-C.")
    say()


# ------------------------------------------------------------------------------------------- main


@dataclass(frozen=True)
class MediaEdge:
    """Where the embedded media edge listens, and what live tells hosts and viewers."""

    rtmp_port: int
    http_port: int
    root: Path

    @property
    def rtmp_url(self) -> str:
        return f"rtmp://{LOOPBACK}:{self.rtmp_port}/live"

    @property
    def play_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}/hls"

    @classmethod
    def from_env(cls, run_dir: Path) -> MediaEdge:
        def port(name: str) -> int:
            given = os.environ.get(name, "").strip()
            return int(given) if given else free_port()

        return cls(port("MEDIA_RTMP_PORT"), port("MEDIA_HTTP_PORT"),
                   Path(os.environ.get("MEDIA_ROOT", "").strip() or run_dir / "media"))

    def env_of(self, service: str) -> dict[str, str]:
        if service == "media":
            return {"MEDIA_RTMP_PORT": str(self.rtmp_port), "MEDIA_HTTP_PORT": str(self.http_port),
                    "MEDIA_ROOT": str(self.root)}
        if service == "live":
            return {"LIVE_MEDIA_BASE_URL": os.environ.get("LIVE_MEDIA_BASE_URL", "").strip() or self.rtmp_url,
                    "LIVE_PLAY_BASE_URL": os.environ.get("LIVE_PLAY_BASE_URL", "").strip() or self.play_url}
        return {}


def service_ports(suffix: str = "PORT") -> dict[str, int]:
    """IDENTITY_PORT, GROUPS_PORT, ... (or IDENTITY_METRICS_PORT, ...) when given, else a free
    loopback port each."""
    ports = {}
    for name in SERVICES:
        given = os.environ.get(f"{name.upper()}_{suffix}", "").strip()
        ports[name] = int(given) if given else free_port()
    return ports


def service_env(nats_url: str, replicas: int, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT", None)  # identity's alone: see identity_env
    env.update(
        NATS_URL=nats_url,
        NATS_REPLICAS=str(replicas),
        DATABASE_URL=database_url,
        # JSON lines: the launcher writes them to .run/logs and renders them for the terminal.
        LOG_FORMAT=os.environ.get("LOG_FORMAT", "json"),
        # No load balancer in front of a laptop: stop at once on Ctrl-C.
        DRAIN_S=os.environ.get("DRAIN_S", "0"),
        PYTHONUNBUFFERED="1",
    )
    # Run from the checkout even when the project is not installed into this interpreter.
    paths = [str(ROOT), str(ROOT / "protos" / "gen"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def identity_env(env: dict[str, str], credential: tuple[str, str]) -> dict[str, str]:
    """What identity alone is given: the operator's service account."""
    return {**env, "IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT": f"{credential[0]}:{credential[1]}"}


def launch(run_dir: Path, check: bool, stack: contextlib.ExitStack) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    hold_lock(run_dir, stack)
    (run_dir / "logs").mkdir(exist_ok=True)

    # Clean-up runs in reverse: services, then NATS, then PostgreSQL (the last to go).
    database_url = os.environ.get("DATABASE_URL", "").strip() or start_postgres(run_dir, stack)
    nats_url = os.environ.get("NATS_URL", "").strip()
    replicas = int(os.environ.get("NATS_REPLICAS", "1"))
    if not nats_url:
        nats_url, replicas = start_nats(run_dir, stack)
    credential = operator_credential(run_dir)
    env = service_env(nats_url, replicas, database_url)

    host = os.environ.get("GRPC_HOST", "").strip() or LOOPBACK
    media = MediaEdge.from_env(run_dir)
    metrics_off = os.environ.get("METRICS_PORT", "").strip().lower() == "off"
    metrics_ports = {name: 0 for name in SERVICES} if metrics_off else service_ports("METRICS_PORT")
    services = [
        Service(name, port, host, run_dir / "logs" / f"{name}.log", echo=not check, extra_env=media.env_of(name),
                metrics_port=metrics_ports[name])
        for name, port in service_ports().items()
    ]
    # Registered last, so it runs first: services stop before NATS and PostgreSQL.
    stack.callback(stop_services, services)
    for service in services:
        service.start(identity_env(env, credential) if service.name == "identity" else env)
    say(f"starting {', '.join(s.name for s in services)} (waiting up to {READY_TIMEOUT_S:.0f} s for SERVING) ...")
    wait_serving(services, READY_TIMEOUT_S)

    token = operator_token(next(s for s in services if s.name == "identity").address, credential, run_dir)
    gateway, web_url = start_gateway(services, env, run_dir, echo=not check)
    # Registered after the services' stop, so it runs before it: browsers are cut off first.
    stack.callback(stop_services, [gateway])
    write_addresses(services, gateway, web_url, run_dir)
    if check:
        say(f"  ok   gateway       http://{gateway.address:<14} every service SERVING through it; web client {web_url}")
        say("all SERVING; checking reflection with grpcurl:")
        ok = check_reflection(services) & check_media(media)
        say("checking metrics endpoints:")
        ok = check_metrics(services) and ok
        say("check passed" if ok else "check FAILED")
        return 0 if ok else 1

    print_table(services, run_dir, media)
    say(f"Browsers (gRPC-Web and Connect, CORS):  http://{gateway.address}")
    say(f"Reference web client (dev sign-in):     {web_url}")
    say()
    say(f"TOKEN={token}")
    say()
    return watch([*services, gateway])


def start_gateway(services: list[Service], env: dict[str, str], run_dir: Path, echo: bool) -> tuple[Service, str]:
    """The browser gateway in front of the services, and the web client's development site on a
    port (an origin) of its own; waits until the gateway says every service is SERVING."""
    port = int(os.environ.get("GATEWAY_PORT", "").strip() or free_port())
    web_port = int(os.environ.get("WEB_PORT", "").strip() or free_port())
    host = services[0].host
    gateway = Service("gateway", port, host, run_dir / "logs" / "gateway.log", echo=echo)
    gateway.start({
        **env, **{f"GATEWAY_{s.name.upper()}_ADDRESS": s.address for s in services},
        "GATEWAY_HOST": host, "GATEWAY_PORT": str(port), "WEB_PORT": str(web_port),
        "WEB_OPERATOR_TOKEN_FILE": str(run_dir / "operator_token"),
    })
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not gateway_healthy(gateway.address):
        if gateway.exit_code is not None or time.monotonic() > deadline:
            raise Failed(f"the gateway {gateway.how_it_ended() if gateway.exit_code is not None else 'is not ready'}; "
                         f"its last lines (full log: {rel(gateway.log_path)}):\n{gateway.last_lines()}")
        time.sleep(0.25)
    return gateway, f"http://{gateway.address.rsplit(':', 1)[0]}:{web_port}"


def gateway_healthy(address: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{address}/healthz", timeout=1.0) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def write_addresses(services: list[Service], gateway: Service, web_url: str, run_dir: Path) -> None:
    """`.run/addresses.json`: where everything listens, for scripts and the Python client."""
    addresses = {s.name: s.address for s in services}
    addresses.update(gateway=f"http://{gateway.address}", web=web_url)
    (run_dir / "addresses.json").write_text(json.dumps(addresses, indent=2) + "\n")


def watch(services: list[Service]) -> int:
    """Run until a signal (then exit 0) or until a service dies (then exit 1)."""
    while True:
        for service in services:
            if service.exit_code is not None:
                say(f"{service.name} {service.how_it_ended()}; stopping everything. Last lines:")
                say(service.last_lines())
                return 1
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="start, verify every service is SERVING and listed by reflection, stop")
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".run",
                        help="where embedded data, logs, the operator's credential and token live (default .run)")
    args = parser.parse_args(argv)

    def on_signal(signum: int, _frame: object) -> None:
        raise Stop(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)

    code = 0
    with contextlib.ExitStack() as stack:
        try:
            code = launch(args.run_dir.resolve(), args.check, stack)
        except Stop as stop:
            say(f"\n{stop} received")
        except Failed as err:
            say(f"error: {err}")
            code = 1
        finally:
            # Shutdown must finish: a second Ctrl-C would leave servers behind.
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
    say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
