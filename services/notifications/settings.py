"""The notifications service's knobs (environment variables), beside the runtime's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.settings import DAY_S, Settings, SettingsError, env_float, env_int


@dataclass(frozen=True)
class NotificationsSettings(Settings):
    # Items a stream may hold for a client that reads slower than they arrive; past it the
    # client is told to resync (SPEC F-41: a slow client never slows the others).
    stream_buffer: int = field(default_factory=lambda: env_int("NOTIFICATIONS_STREAM_BUFFER", "256"))
    # Recipients per fan-out transaction: a notice to more users is split into chunks that every
    # replica's `notifications--fanout` consumer shares. Up to this many are written in the
    # transaction that took the event, with no hop of their own (a 2,000-member group's card).
    fanout_chunk: int = field(default_factory=lambda: env_int("NOTIFICATIONS_FANOUT_CHUNK", "2000"))
    # Chunks one replica works on at once.
    fanout_workers: int = field(default_factory=lambda: env_int("NOTIFICATIONS_FANOUT_WORKERS", "2"))
    # A chunk neither acknowledged nor held (in-progress acks while it is written) this long
    # goes to another replica: a replica killed mid-chunk hands it over in about this time.
    fanout_ack_wait_s: float = field(default_factory=lambda: env_float("NOTIFICATIONS_FANOUT_ACK_WAIT_S", "3"))
    # An idle stream looks in the database this often, for a push it may have missed (its
    # replica died between commit and push); a NATS reconnect or a gap makes it look at once.
    idle_check_s: float = field(default_factory=lambda: env_float("NOTIFICATIONS_IDLE_CHECK_S", "60"))
    # A chat entry ahead of the next one a stream expects waits this long for those in between
    # (usually in flight) before they are read from groups.
    chat_gap_wait_s: float = field(default_factory=lambda: env_float("NOTIFICATIONS_CHAT_GAP_WAIT_S", "0.5"))
    # Streams one user may hold open on one replica at once (phone, desktop, tablet, web tabs);
    # one more is refused with RESOURCE_EXHAUSTED, TOO_MANY_STREAMS.
    max_streams_per_user: int = field(default_factory=lambda: env_int("NOTIFICATIONS_MAX_STREAMS_PER_USER", "10"))
    # How long identity's "this user exists" is trusted before asking again.
    principal_cache_s: float = field(default_factory=lambda: env_float("NOTIFICATIONS_PRINCIPAL_CACHE_S", "60"))
    # How long inbox entries are kept (a thread goes once its latest notification is this old),
    # and read marks (stream items that only a client resuming from that far back would read).
    retention_s: float = field(default_factory=lambda: env_float("NOTIFICATIONS_RETENTION_S", str(180 * DAY_S)))
    read_marks_retention_s: float = field(
        default_factory=lambda: env_float("NOTIFICATIONS_READ_MARKS_RETENTION_S", str(30 * DAY_S)))

    def __post_init__(self) -> None:
        super().__post_init__()
        for variable, value in (("NOTIFICATIONS_STREAM_BUFFER", self.stream_buffer),
                                ("NOTIFICATIONS_FANOUT_CHUNK", self.fanout_chunk),
                                ("NOTIFICATIONS_FANOUT_WORKERS", self.fanout_workers),
                                ("NOTIFICATIONS_MAX_STREAMS_PER_USER", self.max_streams_per_user)):
            if value < 1:
                raise SettingsError(variable, value, "must be positive")
        for variable, seconds in (("NOTIFICATIONS_RETENTION_S", self.retention_s),
                                  ("NOTIFICATIONS_READ_MARKS_RETENTION_S", self.read_marks_retention_s)):
            if seconds < DAY_S:
                raise SettingsError(variable, seconds, "must be at least a day")
