"""The notifications service's knobs (environment variables), beside the runtime's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.settings import Settings, env


@dataclass(frozen=True)
class NotificationsSettings(Settings):
    # Items a stream may hold for a client that reads slower than they arrive; past it the
    # client is told to resync (SPEC F-41: a slow client never slows the others).
    stream_buffer: int = field(default_factory=lambda: int(env("NOTIFICATIONS_STREAM_BUFFER", "256")))
    # Recipients per fan-out transaction: a notice to more users is split into chunks that every
    # replica's `notifications--fanout` consumer shares.
    fanout_chunk: int = field(default_factory=lambda: int(env("NOTIFICATIONS_FANOUT_CHUNK", "500")))
    # Chunks one replica works on at once.
    fanout_workers: int = field(default_factory=lambda: int(env("NOTIFICATIONS_FANOUT_WORKERS", "2")))
    # A chunk not acknowledged in this time (its replica died) goes to another replica.
    fanout_ack_wait_s: float = field(default_factory=lambda: float(env("NOTIFICATIONS_FANOUT_ACK_WAIT_S", "10")))
    # An idle stream looks in the database this often, for a push it may have missed (its
    # replica died between commit and push); a NATS reconnect or a gap makes it look at once.
    idle_check_s: float = field(default_factory=lambda: float(env("NOTIFICATIONS_IDLE_CHECK_S", "60")))
    # A chat entry ahead of the next one a stream expects waits this long for those in between
    # (usually in flight) before they are read from groups.
    chat_gap_wait_s: float = field(default_factory=lambda: float(env("NOTIFICATIONS_CHAT_GAP_WAIT_S", "0.5")))
    # Streams one user may hold open on one replica at once (phone, desktop, tablet, web tabs);
    # one more is refused with RESOURCE_EXHAUSTED, TOO_MANY_STREAMS.
    max_streams_per_user: int = field(default_factory=lambda: int(env("NOTIFICATIONS_MAX_STREAMS_PER_USER", "10")))
    # How long identity's "this user exists" is trusted before asking again.
    principal_cache_s: float = field(default_factory=lambda: float(env("NOTIFICATIONS_PRINCIPAL_CACHE_S", "60")))

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.stream_buffer, self.fanout_chunk, self.fanout_workers, self.max_streams_per_user) < 1:
            raise ValueError("NOTIFICATIONS_STREAM_BUFFER, _FANOUT_CHUNK, _FANOUT_WORKERS and "
                             "_MAX_STREAMS_PER_USER must be positive")
