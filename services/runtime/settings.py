"""Typed settings from environment variables, one object per service process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields


def env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Everything a service reads from its environment. Services extend it with their own knobs."""

    service_name: str
    # Comma-separated server URLs; the client fails over between them.
    nats_url: str = field(default_factory=lambda: env("NATS_URL", "nats://127.0.0.1:4222"))
    database_url: str = field(
        default_factory=lambda: env("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/convene")
    )
    grpc_host: str = field(default_factory=lambda: env("GRPC_HOST", "127.0.0.1"))
    # 0 lets the OS pick (tests); the launcher passes a fixed port.
    grpc_port: int = field(default_factory=lambda: int(env("GRPC_PORT", "0")))
    # JetStream replication factor: 1 on a single node, 3 on a cluster.
    stream_replicas: int = field(default_factory=lambda: int(env("NATS_REPLICAS", "1")))
    db_pool_min: int = field(default_factory=lambda: int(env("DB_POOL_MIN", "2")))
    db_pool_max: int = field(default_factory=lambda: int(env("DB_POOL_MAX", "10")))
    log_level: str = field(default_factory=lambda: env("LOG_LEVEL", "info"))
    # "json", "console", or "auto" (console on a terminal, JSON otherwise).
    log_format: str = field(default_factory=lambda: env("LOG_FORMAT", "auto"))
    shutdown_grace_s: float = field(default_factory=lambda: float(env("SHUTDOWN_GRACE_S", "5")))
    # How long identity / membership answers may be cached by their callers.
    authz_cache_s: float = field(default_factory=lambda: float(env("AUTHZ_CACHE_S", "2")))

    def __post_init__(self) -> None:
        if self.stream_replicas not in (1, 3, 5):
            raise ValueError("NATS_REPLICAS must be 1, 3 or 5")

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
