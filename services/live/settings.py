"""Live's settings (environment variables)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.settings import Settings, env, env_float, env_int


@dataclass(frozen=True)
class LiveSettings(Settings):
    # Where hosts push media (the media edge's RTMP application) and viewers play HLS (SPEC F-52).
    media_base_url: str = field(default_factory=lambda: env("LIVE_MEDIA_BASE_URL", "rtmp://127.0.0.1:1935/live"))
    play_base_url: str = field(default_factory=lambda: env("LIVE_PLAY_BASE_URL", "http://127.0.0.1:8080/hls"))
    share_base_url: str = field(default_factory=lambda: env("LIVE_SHARE_BASE_URL", "https://127.0.0.1:8443/s"))
    # WeCom prepares a replay in about 5 minutes; the media plane then packages the recording.
    replay_delay_s: float = field(default_factory=lambda: env_float("LIVE_REPLAY_DELAY_S", "300"))
    # Packaging that has not answered after this long has failed (PACKAGING_TIMED_OUT).
    replay_packaging_timeout_s: float = field(
        default_factory=lambda: env_float("LIVE_REPLAY_PACKAGING_TIMEOUT_S", "600"))
    # A live whose host stream is gone (and no heartbeat came) this long ends by itself (SPEC F-26).
    host_timeout_s: float = field(default_factory=lambda: env_float("LIVE_HOST_TIMEOUT_S", "60"))
    # A publish holds its live this long past the edge's last renewal (an edge that died lets go).
    publish_lease_s: float = field(default_factory=lambda: env_float("LIVE_PUBLISH_LEASE_S", "10"))
    # Play tokens: short, renewed by JoinLive / ViewerHeartbeat, so leaving the audience stops
    # playback within a token's lifetime; replay tokens are renewed by GetReplay.
    play_token_ttl_s: int = field(default_factory=lambda: env_int("LIVE_PLAY_TOKEN_TTL_S", "60"))
    replay_token_ttl_s: int = field(default_factory=lambda: env_int("LIVE_REPLAY_TOKEN_TTL_S", "3600"))
    # A viewer whose heartbeats stopped this long is counted as gone (SPEC F-25).
    viewer_timeout_s: float = field(default_factory=lambda: env_float("LIVE_VIEWER_TIMEOUT_S", "30"))
    # How often replicas close stale viewer sessions and sample peak viewers.
    sweep_interval_s: float = field(default_factory=lambda: env_float("LIVE_VIEWER_SWEEP_S", "1"))
    share_link_ttl_s: int = field(default_factory=lambda: env_int("LIVE_SHARE_LINK_TTL_S", str(7 * 24 * 3600)))

    def longest_claim_s(self) -> float:
        return float(max(self.share_link_ttl_s, self.play_token_ttl_s, self.replay_token_ttl_s))
