"""The gateway's settings, from the environment (it needs no database, NATS or token key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from services.gateway.methods import UPSTREAM_SERVICES
from services.runtime.settings import env, env_origins

_BUILT_WEB_CLIENT = Path(__file__).resolve().parents[2] / "build" / "web"


def _upstreams() -> dict[str, str]:
    return {name: env(f"GATEWAY_{name.upper()}_ADDRESS", "") for name in UPSTREAM_SERVICES}


@dataclass(frozen=True)
class GatewaySettings:
    host: str = field(default_factory=lambda: env("GATEWAY_HOST", "127.0.0.1"))
    # 0 lets the OS pick (tests); the launcher passes a fixed port.
    port: int = field(default_factory=lambda: int(env("GATEWAY_PORT", "0")))
    # Service name -> its native gRPC address (host:port, or a load balancer's name for replicas).
    upstreams: dict[str, str] = field(default_factory=_upstreams)
    # Page origins allowed to call (scheme://host:port), or "*" for any. Bearer tokens travel in a
    # header, never in cookies, so "*" exposes nothing a page could not already send.
    cors_origins: tuple[str, ...] = field(default_factory=lambda: env_origins("GATEWAY_CORS_ORIGINS"))
    # The largest request body accepted, as the services' own gRPC limit.
    max_request_bytes: int = field(default_factory=lambda: int(env("GATEWAY_MAX_REQUEST_BYTES", str(4 * 1024 * 1024))))
    # Development only: also serve the reference web client on this port (another origin than the
    # gateway's), with a sign-in backed by the operator token in `web_operator_token_file`.
    web_port: int | None = field(default_factory=lambda: int(env("WEB_PORT", "-1")) if env("WEB_PORT", "") else None)
    web_root: Path = field(default_factory=lambda: Path(env("WEB_ROOT", str(_BUILT_WEB_CLIENT))))
    web_operator_token_file: str = field(default_factory=lambda: env("WEB_OPERATOR_TOKEN_FILE", ""))
    # Where the media plane serves HLS, if it runs (told to the page).
    web_media_url: str = field(default_factory=lambda: env("WEB_MEDIA_URL", ""))
    log_level: str = field(default_factory=lambda: env("LOG_LEVEL", "info"))
    log_format: str = field(default_factory=lambda: env("LOG_FORMAT", "auto"))

    def __post_init__(self) -> None:
        missing = [name for name, address in self.upstreams.items() if not address]
        if missing:
            raise ValueError("the gateway needs every service's address: set "
                             + ", ".join(f"GATEWAY_{name.upper()}_ADDRESS" for name in missing))
