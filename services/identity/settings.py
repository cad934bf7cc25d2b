"""The identity service's knobs (environment variables), beside the runtime's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.runtime.ids import kind_of
from services.runtime.settings import Settings, SettingsError, env, env_float, env_int


@dataclass(frozen=True)
class IdentitySettings(Settings):
    # Wrong API secrets tolerated per window before CreateToken answers RESOURCE_EXHAUSTED (with
    # the time to wait): per enterprise (or service account) named, and per calling address.
    credential_failures_per_subject: int = field(
        default_factory=lambda: env_int("IDENTITY_CREDENTIAL_FAILURES_PER_SUBJECT", "10"))
    credential_failures_per_caller: int = field(
        default_factory=lambda: env_int("IDENTITY_CREDENTIAL_FAILURES_PER_CALLER", "30"))
    credential_window_s: float = field(default_factory=lambda: env_float("IDENTITY_CREDENTIAL_WINDOW_S", "60"))
    # `svc_<id>:<secret>`: a service account identity creates (or gives this secret) at start, so
    # that a fresh deployment has an operator who can get a token (`make run` sets one).
    bootstrap_service_account: str = field(default_factory=lambda: env("IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT", ""))

    def check(self) -> None:
        super().check()
        for variable, count in (("IDENTITY_CREDENTIAL_FAILURES_PER_SUBJECT", self.credential_failures_per_subject),
                                ("IDENTITY_CREDENTIAL_FAILURES_PER_CALLER", self.credential_failures_per_caller)):
            if count < 1:
                raise SettingsError(variable, count, "must be positive")
        if self.credential_window_s <= 0:
            raise SettingsError("IDENTITY_CREDENTIAL_WINDOW_S", self.credential_window_s, "must be positive")
        if self.bootstrap_service_account:
            account_id, _, secret = self.bootstrap_service_account.partition(":")
            if kind_of(account_id) != "service" or len(secret) < 16:
                raise SettingsError("IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT", self.bootstrap_service_account,
                                    "must be svc_<id>:<secret of 16+ characters>")

    @property
    def bootstrap_account(self) -> tuple[str, str] | None:
        """(service account id, secret) from IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT, if given."""
        if not self.bootstrap_service_account:
            return None
        account_id, _, secret = self.bootstrap_service_account.partition(":")
        return account_id, secret
