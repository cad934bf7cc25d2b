"""The meetings service's knobs (environment variables), beside the runtime's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.settings import Settings, env


@dataclass(frozen=True)
class MeetingsSettings(Settings):
    # An incoming call rings this long, then becomes a missed call (SPEC F-34).
    meeting_ring_timeout_s: float = field(default_factory=lambda: float(env("MEETINGS_RING_TIMEOUT_S", "60")))
    # WeCom meetings hold up to 300 people.
    meeting_max_participants: int = field(default_factory=lambda: int(env("MEETINGS_MAX_PARTICIPANTS", "300")))
    # Meetings made on the spot (meet now, a group call upgraded) get this duration.
    meeting_default_duration_minutes: int = field(
        default_factory=lambda: int(env("MEETINGS_DEFAULT_DURATION_MINUTES", "60")))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.meeting_ring_timeout_s <= 0:
            raise ValueError("MEETINGS_RING_TIMEOUT_S must be positive")
        if self.meeting_max_participants < 1:
            raise ValueError("MEETINGS_MAX_PARTICIPANTS must be positive")
        if not 1 <= self.meeting_default_duration_minutes <= 24 * 60:
            raise ValueError("MEETINGS_DEFAULT_DURATION_MINUTES must be between 1 and 1440")
