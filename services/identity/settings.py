"""The identity service's knobs (environment variables), beside the runtime's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.ids import kind_of
from services.runtime.settings import Settings, env


@dataclass(frozen=True)
class IdentitySettings(Settings):
    # Wrong API secrets tolerated per window before CreateToken answers RESOURCE_EXHAUSTED (with
    # the time to wait): per enterprise (or service account) named, and per calling address.
    credential_failures_per_subject: int = field(
        default_factory=lambda: int(env("IDENTITY_CREDENTIAL_FAILURES_PER_SUBJECT", "10")))
    credential_failures_per_caller: int = field(
        default_factory=lambda: int(env("IDENTITY_CREDENTIAL_FAILURES_PER_CALLER", "30")))
    credential_window_s: float = field(default_factory=lambda: float(env("IDENTITY_CREDENTIAL_WINDOW_S", "60")))
    # `svc_<id>:<secret>`: a service account identity creates (or gives this secret) at start, so
    # that a fresh deployment has an operator who can get a token (`make run` sets one).
    bootstrap_service_account: str = field(default_factory=lambda: env("IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT", ""))

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.credential_failures_per_subject, self.credential_failures_per_caller) < 1:
            raise ValueError("IDENTITY_CREDENTIAL_FAILURES_PER_* must be positive")
        if self.credential_window_s <= 0:
            raise ValueError("IDENTITY_CREDENTIAL_WINDOW_S must be positive")
        if self.bootstrap_service_account:
            account_id, _, secret = self.bootstrap_service_account.partition(":")
            if kind_of(account_id) != "service" or len(secret) < 16:
                raise ValueError("IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT must be svc_<id>:<secret of 16+ characters>")

    @property
    def bootstrap_account(self) -> tuple[str, str] | None:
        """(service account id, secret) from IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT, if given."""
        if not self.bootstrap_service_account:
            return None
        account_id, _, secret = self.bootstrap_service_account.partition(":")
        return account_id, secret
