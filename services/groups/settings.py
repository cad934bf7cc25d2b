"""Groups' knobs (SPEC F-10, F-13, F-14), from the environment like every setting."""

from __future__ import annotations

from dataclasses import dataclass, field

from convene.groups.v1 import groups_pb2 as pb
from services.runtime.settings import Settings, SettingsError, env, env_float, env_int


@dataclass(frozen=True)
class GroupsSettings(Settings):
    # WeCom's sizes: internal groups up to 2,000 members, external groups up to 500.
    internal_max_members: int = field(default_factory=lambda: env_int("GROUPS_INTERNAL_MAX_MEMBERS", "2000"))
    external_max_members: int = field(default_factory=lambda: env_int("GROUPS_EXTERNAL_MAX_MEMBERS", "500"))
    # At most this many WeChat users in one external group, so outsiders cannot take one over.
    external_max_wechat_users: int = field(
        default_factory=lambda: env_int("GROUPS_EXTERNAL_MAX_WECHAT_USERS", "100"))
    # A group call with more than this many participants in it becomes a meeting (F-14).
    call_max_participants: int = field(default_factory=lambda: env_int("GROUPS_CALL_MAX_PARTICIPANTS", "9"))
    # Where share links for WeChat point (the web page that opens the live or meeting).
    share_base_url: str = field(default_factory=lambda: env("GROUPS_SHARE_BASE_URL", "https://convene.local/s"))
    share_link_ttl_s: int = field(default_factory=lambda: env_int("GROUPS_SHARE_LINK_TTL_S", str(30 * 24 * 3600)))
    # Group invitations last a week, like WeCom's group QR codes.
    invite_ttl_s: int = field(default_factory=lambda: env_int("GROUPS_INVITE_TTL_S", str(7 * 24 * 3600)))
    # A sender recalls their own message for this long (SPEC F-15); owner and admins any time.
    recall_window_s: float = field(default_factory=lambda: env_float("GROUPS_RECALL_WINDOW_S", "120"))
    # A chat's reads reach the readers' other devices, and the senders' read receipts, at most
    # this often (however many read meanwhile, one update).
    read_push_interval_s: float = field(default_factory=lambda: env_float("GROUPS_READ_PUSH_INTERVAL_S", "0.25"))
    # Group admins a group may have besides its owner.
    max_admins: int = field(default_factory=lambda: env_int("GROUPS_MAX_ADMINS", "3"))

    def __post_init__(self) -> None:
        super().__post_init__()
        for variable, limit in (("GROUPS_INTERNAL_MAX_MEMBERS", self.internal_max_members),
                                ("GROUPS_EXTERNAL_MAX_MEMBERS", self.external_max_members),
                                ("GROUPS_CALL_MAX_PARTICIPANTS", self.call_max_participants)):
            if limit < 2:
                raise SettingsError(variable, limit, "must allow at least 2 people")
        if self.external_max_wechat_users < 0:
            raise SettingsError("GROUPS_EXTERNAL_MAX_WECHAT_USERS", self.external_max_wechat_users,
                                "must not be negative")
        for variable, value in (("GROUPS_RECALL_WINDOW_S", self.recall_window_s),
                                ("GROUPS_READ_PUSH_INTERVAL_S", self.read_push_interval_s),
                                ("GROUPS_MAX_ADMINS", self.max_admins)):
            if value < 0:
                raise SettingsError(variable, value, "must not be negative")

    def longest_claim_s(self) -> float:
        return float(max(self.share_link_ttl_s, super().longest_claim_s()))

    def max_members(self, kind: int) -> int:
        if kind == pb.GROUP_KIND_DIRECT:
            return 2
        return self.internal_max_members if kind == pb.GROUP_KIND_INTERNAL else self.external_max_members
