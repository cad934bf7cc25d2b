"""Typed settings from environment variables, one object per service process.

A value that cannot be used is refused at start with a `SettingsError` that names the variable
and the value (secrets and URL passwords masked), never a bare ValueError from deep inside.
Connection settings may be given per service: `NOTIFICATIONS_DATABASE_URL` wins over
`DATABASE_URL` for notifications, and so on (`service_env`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields

# Streams keep events this long (bus.StreamSpec); consumers' inbox rows must outlive them, or a
# redelivered old event would have its effect twice.
STREAM_MAX_AGE_S = 7 * 24 * 3600
DAY_S = 24 * 3600

# Per-service variables: `<SERVICE>_<NAME>` over `<NAME>`.
PER_SERVICE = ("DATABASE_URL", "NATS_URL", "NATS_CREDS", "NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY")
_SECRET_NAMES = ("KEY", "SECRET", "PASSWORD", "TOKEN", "SERVICE_ACCOUNT")


class SettingsError(ValueError):
    """A setting refused at start: the variable, the value it had, and why."""

    def __init__(self, variable: str, value: object, why: str) -> None:
        self.variable = variable
        self.value = shown(variable, value)
        super().__init__(f"{variable}={self.value!r} refused: {why}")


def shown(variable: str, value: object) -> str:
    """A value as it may appear in an error or a log: secrets masked, URL passwords removed."""
    text = str(value)
    if any(word in variable.upper() for word in _SECRET_NAMES) and not variable.upper().endswith("_FILE"):
        return f"[{len(text)} characters]"
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", text)


def env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def service_env(service: str, name: str, default: str) -> str:
    """`<SERVICE>_<NAME>` if set, else `<NAME>`, else `default`."""
    return env(f"{service.upper()}_{name}", env(name, default))


def service_variable(service: str, name: str) -> str:
    """Which variable `service_env` read (for error messages)."""
    specific = f"{service.upper()}_{name}"
    return specific if os.environ.get(specific, "").strip() else name


def env_int(name: str, default: str) -> int:
    raw = env(name, default)
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(name, raw, "not a whole number") from None


def env_float(name: str, default: str) -> float:
    raw = env(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, raw, "not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise SettingsError(name, raw, "not a finite number")
    return value


def env_port(name: str, default: str) -> int | None:
    """A TCP port; 0 lets the OS pick one, `off` turns the listener off (None)."""
    raw = env(name, default)
    if raw.lower() == "off":
        return None
    port = env_int(name, default)
    if not 0 <= port <= 65535:
        raise SettingsError(name, raw, "not a port (0-65535, or off)")
    return port


def env_origins(name: str) -> tuple[str, ...]:
    """Page origins (scheme://host:port), comma-separated; "*" (the default) for any."""
    return tuple(o.strip().rstrip("/") for o in env(name, "*").split(",") if o.strip())


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env(name, default).lower()
    if raw not in choices:
        raise SettingsError(name, raw, f"must be one of {', '.join(choices)}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Everything a service reads from its environment. Services extend it with their own knobs.

    `database_url`, `nats_url` and the NATS credential files default to the per-service
    variable, then the shared one (resolved once `service_name` is known)."""

    service_name: str
    # Comma-separated server URLs; the client fails over between them.
    nats_url: str = ""
    database_url: str = ""
    # NATS credentials (a .creds file: JWT and NKey seed) and TLS files, when the server asks.
    nats_creds: str = ""
    nats_tls_ca: str = ""
    nats_tls_cert: str = ""
    nats_tls_key: str = ""
    grpc_host: str = field(default_factory=lambda: env("GRPC_HOST", "127.0.0.1"))
    # 0 lets the OS pick (tests); the launcher passes a fixed port.
    grpc_port: int = field(default_factory=lambda: env_port("GRPC_PORT", "0") or 0)
    # gRPC over TLS when both are given; with a client CA, clients must present a certificate.
    grpc_tls_cert: str = field(default_factory=lambda: env("GRPC_TLS_CERT", ""))
    grpc_tls_key: str = field(default_factory=lambda: env("GRPC_TLS_KEY", ""))
    grpc_tls_client_ca: str = field(default_factory=lambda: env("GRPC_TLS_CLIENT_CA", ""))
    # JetStream replication factor: 1 on a single node, 3 on a cluster.
    stream_replicas: int = field(default_factory=lambda: env_int("NATS_REPLICAS", "1"))
    db_pool_min: int = field(default_factory=lambda: env_int("DB_POOL_MIN", "2"))
    db_pool_max: int = field(default_factory=lambda: env_int("DB_POOL_MAX", "10"))
    log_level: str = field(
        default_factory=lambda: env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")))
    # "json", "console", or "auto" (console on a terminal, JSON otherwise).
    log_format: str = field(default_factory=lambda: env_choice("LOG_FORMAT", "auto", ("auto", "json", "console")))
    shutdown_grace_s: float = field(default_factory=lambda: env_float("SHUTDOWN_GRACE_S", "5"))
    # Seconds between health NOT_SERVING and the server stopping, so that load balancers stop
    # sending calls to a replica before it refuses them.
    drain_s: float = field(default_factory=lambda: env_float("DRAIN_S", "3"))
    # How long identity / membership answers may be cached by their callers.
    authz_cache_s: float = field(default_factory=lambda: env_float("AUTHZ_CACHE_S", "2"))
    # gRPC-Web and Connect for browsers, served by the service itself (runtime.browser_edge),
    # for an ingress that routes `/convene.<name>.v1.*` to it; 0 lets the OS pick, `off` (the
    # default) serves none. Page origins allowed to call: comma-separated, or "*".
    browser_host: str = field(default_factory=lambda: env("BROWSER_HOST", env("GRPC_HOST", "127.0.0.1")))
    browser_port: int | None = field(default_factory=lambda: env_port("BROWSER_PORT", "off"))
    browser_cors_origins: tuple[str, ...] = field(default_factory=lambda: env_origins("BROWSER_CORS_ORIGINS"))
    # Prometheus metrics (GET /metrics); 0 lets the OS pick, `off` serves none.
    metrics_host: str = field(default_factory=lambda: env("METRICS_HOST", env("GRPC_HOST", "127.0.0.1")))
    metrics_port: int | None = field(default_factory=lambda: env_port("METRICS_PORT", "0"))
    # Traces go to this OTLP/gRPC endpoint (an OpenTelemetry Collector); none: no tracing at all.
    otlp_endpoint: str = field(default_factory=lambda: env(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", env("OTEL_EXPORTER_OTLP_ENDPOINT", "")))
    # Retention of the runtime's tables in every schema. Inbox rows must outlive the streams'
    # events (a redelivery after the row is gone would have its effect again).
    retention_inbox_s: float = field(default_factory=lambda: env_float("RETENTION_INBOX_S", str(14 * DAY_S)))
    retention_idempotency_s: float = field(
        default_factory=lambda: env_float("RETENTION_IDEMPOTENCY_S", str(7 * DAY_S)))
    # How often the pruning job runs (one replica per service takes each run) and its batch size.
    retention_every_s: float = field(default_factory=lambda: env_float("RETENTION_EVERY_S", "3600"))
    retention_batch: int = field(default_factory=lambda: env_int("RETENTION_BATCH", "500"))
    # Times a consumer's handler may refuse an event (fail for a reason of its own, not an
    # unreachable dependency) before the event is set aside in the dead-letter stream.
    consumer_max_refusals: int = field(default_factory=lambda: env_int("CONSUMER_MAX_REFUSALS", "10"))

    def __post_init__(self) -> None:
        name = self.service_name
        resolved = {
            "nats_url": ("NATS_URL", "nats://127.0.0.1:4222"),
            "database_url": ("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/convene"),
            "nats_creds": ("NATS_CREDS", ""),
            "nats_tls_ca": ("NATS_TLS_CA", ""),
            "nats_tls_cert": ("NATS_TLS_CERT", ""),
            "nats_tls_key": ("NATS_TLS_KEY", ""),
        }
        for attribute, (variable, default) in resolved.items():
            if not getattr(self, attribute):
                object.__setattr__(self, attribute, service_env(name, variable, default))
        self.check()

    def check(self) -> None:
        """Refuse values no service can run with; subclasses add their own checks."""
        if self.stream_replicas not in (1, 3, 5):
            raise SettingsError("NATS_REPLICAS", self.stream_replicas, "must be 1, 3 or 5")
        if not self.database_url.startswith(("postgres://", "postgresql://")):
            raise SettingsError(service_variable(self.service_name, "DATABASE_URL"), self.database_url,
                                "not a postgresql:// URL")
        for url in self.nats_servers or [""]:
            if not re.match(r"^(nats|tls|ws|wss)://[^/]+", url):
                raise SettingsError(service_variable(self.service_name, "NATS_URL"), self.nats_url,
                                    f"{url!r} is not a nats:// or tls:// URL")
        if not 1 <= self.db_pool_min <= self.db_pool_max:
            raise SettingsError("DB_POOL_MIN", self.db_pool_min,
                                f"must be at least 1 and at most DB_POOL_MAX ({self.db_pool_max})")
        if bool(self.grpc_tls_cert) != bool(self.grpc_tls_key):
            raise SettingsError("GRPC_TLS_CERT" if not self.grpc_tls_cert else "GRPC_TLS_KEY", "",
                                "GRPC_TLS_CERT and GRPC_TLS_KEY go together")
        if self.grpc_tls_client_ca and not self.grpc_tls_cert:
            raise SettingsError("GRPC_TLS_CLIENT_CA", self.grpc_tls_client_ca, "needs GRPC_TLS_CERT and GRPC_TLS_KEY")
        if bool(self.nats_tls_cert) != bool(self.nats_tls_key):
            raise SettingsError("NATS_TLS_CERT" if not self.nats_tls_cert else "NATS_TLS_KEY", "",
                                "NATS_TLS_CERT and NATS_TLS_KEY go together")
        for variable, path in (("GRPC_TLS_CERT", self.grpc_tls_cert), ("GRPC_TLS_KEY", self.grpc_tls_key),
                               ("GRPC_TLS_CLIENT_CA", self.grpc_tls_client_ca), ("NATS_CREDS", self.nats_creds),
                               ("NATS_TLS_CA", self.nats_tls_ca), ("NATS_TLS_CERT", self.nats_tls_cert),
                               ("NATS_TLS_KEY", self.nats_tls_key)):
            if path and not os.path.isfile(path):
                raise SettingsError(variable, path, "no such file")
        for variable, seconds in (("SHUTDOWN_GRACE_S", self.shutdown_grace_s), ("DRAIN_S", self.drain_s),
                                  ("AUTHZ_CACHE_S", self.authz_cache_s)):
            if seconds < 0:
                raise SettingsError(variable, seconds, "must not be negative")
        if self.retention_inbox_s < STREAM_MAX_AGE_S:
            raise SettingsError("RETENTION_INBOX_S", self.retention_inbox_s,
                                f"must be at least as long as streams keep events ({STREAM_MAX_AGE_S} s)")
        if self.retention_idempotency_s < 3600:
            raise SettingsError("RETENTION_IDEMPOTENCY_S", self.retention_idempotency_s,
                                "must be at least an hour (clients retry with the same request_id)")
        if self.retention_every_s < 1:
            raise SettingsError("RETENTION_EVERY_S", self.retention_every_s, "must be at least 1")
        if not 1 <= self.retention_batch <= 100_000:
            raise SettingsError("RETENTION_BATCH", self.retention_batch, "must be between 1 and 100000")

    def longest_claim_s(self) -> float:
        """How long the longest-lived thing this service signs stays valid: its retired signing
        keys are kept that long (a service that hands out links for longer says so)."""
        return 24 * 3600.0

    @property
    def nats_servers(self) -> list[str]:
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    def replace(self, **changes: object) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return type(self)(**values)
