"""Live's settings (environment variables)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.settings import Settings, env


@dataclass(frozen=True)
class LiveSettings(Settings):
    # Where hosts push media and viewers play it (the media server is outside Convene, SPEC F-25).
    media_base_url: str = field(default_factory=lambda: env("LIVE_MEDIA_BASE_URL", "rtmp://127.0.0.1:1935/live"))
    play_base_url: str = field(default_factory=lambda: env("LIVE_PLAY_BASE_URL", "https://127.0.0.1:8443/play"))
    share_base_url: str = field(default_factory=lambda: env("LIVE_SHARE_BASE_URL", "https://127.0.0.1:8443/s"))
    # WeCom prepares a replay in about 5 minutes; then packaging takes a little while.
    replay_delay_s: float = field(default_factory=lambda: float(env("LIVE_REPLAY_DELAY_S", "300")))
    replay_processing_s: float = field(default_factory=lambda: float(env("LIVE_REPLAY_PROCESSING_S", "30")))
    # A live whose host stream sent no heartbeat this long ends by itself (SPEC F-26).
    host_timeout_s: float = field(default_factory=lambda: float(env("LIVE_HOST_TIMEOUT_S", "60")))
    # A viewer whose heartbeats stopped this long is counted as gone (SPEC F-25).
    viewer_timeout_s: float = field(default_factory=lambda: float(env("LIVE_VIEWER_TIMEOUT_S", "30")))
    # How often replicas close stale viewer sessions and sample peak viewers.
    sweep_interval_s: float = field(default_factory=lambda: float(env("LIVE_VIEWER_SWEEP_S", "1")))
    share_link_ttl_s: int = field(default_factory=lambda: int(env("LIVE_SHARE_LINK_TTL_S", str(7 * 24 * 3600))))
