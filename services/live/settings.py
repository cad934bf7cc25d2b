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
    # The room (SPEC F-29): how often each room stream is written (events and figures are
    # batched between writes), how many comments a joining viewer sees, how many events a
    # reconnect can resume across, and how many messages a slow stream may fall behind.
    room_flush_s: float = field(default_factory=lambda: env_float("LIVE_ROOM_FLUSH_S", "0.25"))
    # Stream writes per second a replica aims to stay under: with more streams than this allows
    # at room_flush_s, each room writes less often (and in larger batches) instead of falling behind.
    room_max_writes_per_s: float = field(default_factory=lambda: env_float("LIVE_ROOM_MAX_WRITES_PER_S", "5000"))
    room_backlog: int = field(default_factory=lambda: env_int("LIVE_ROOM_BACKLOG", "50"))
    room_resume_window: int = field(default_factory=lambda: env_int("LIVE_ROOM_RESUME_WINDOW", "1000"))
    room_stream_buffer: int = field(default_factory=lambda: env_int("LIVE_ROOM_STREAM_BUFFER", "40"))
    # Comments per second each author may post, and the burst allowed on top.
    comment_rate_per_s: float = field(default_factory=lambda: env_float("LIVE_COMMENT_RATE_PER_S", "1"))
    comment_burst: int = field(default_factory=lambda: env_int("LIVE_COMMENT_BURST", "3"))
    # How often each replica adds up the likes it counted.
    like_flush_s: float = field(default_factory=lambda: env_float("LIVE_LIKE_FLUSH_S", "0.2"))
    # Guests on the mic at once (连麦).
    max_guests: int = field(default_factory=lambda: env_int("LIVE_MAX_GUESTS", "4"))
    # How long a replica may use an enterprise's blocked words before reading them again.
    blocked_words_cache_s: float = field(default_factory=lambda: env_float("LIVE_BLOCKED_WORDS_CACHE_S", "2"))

    def longest_claim_s(self) -> float:
        return float(max(self.share_link_ttl_s, self.play_token_ttl_s, self.replay_token_ttl_s))
