"""The meetings service's knobs (environment variables), beside the runtime's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.settings import Settings, SettingsError, env_float, env_int


@dataclass(frozen=True)
class MeetingsSettings(Settings):
    # An incoming call rings this long, then becomes a missed call (SPEC F-34).
    meeting_ring_timeout_s: float = field(default_factory=lambda: env_float("MEETINGS_RING_TIMEOUT_S", "60"))
    # WeCom meetings hold up to 300 people.
    meeting_max_participants: int = field(default_factory=lambda: env_int("MEETINGS_MAX_PARTICIPANTS", "300"))
    # Meetings made on the spot (meet now, a group call upgraded) get this duration.
    meeting_default_duration_minutes: int = field(
        default_factory=lambda: env_int("MEETINGS_DEFAULT_DURATION_MINUTES", "60"))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.meeting_ring_timeout_s <= 0:
            raise SettingsError("MEETINGS_RING_TIMEOUT_S", self.meeting_ring_timeout_s, "must be positive")
        if self.meeting_max_participants < 1:
            raise SettingsError("MEETINGS_MAX_PARTICIPANTS", self.meeting_max_participants, "must be positive")
        if not 1 <= self.meeting_default_duration_minutes <= 24 * 60:
            raise SettingsError("MEETINGS_DEFAULT_DURATION_MINUTES", self.meeting_default_duration_minutes,
                                "must be between 1 and 1440")
