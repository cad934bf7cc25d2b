"""Signed, expiring bearer tokens (SPEC F-05), in the spirit of LiveKit's access tokens.

Identity mints them; every service verifies them locally with the shared key, no call needed.
Format: `cv1.<base64url(json claims)>.<base64url(HMAC-SHA256)>`.
"""

from __future__ import annotations

import base64
import contextvars
import hmac
import json
import time
from dataclasses import dataclass

from services.runtime.errors import PermissionDenied, Unauthenticated
from services.runtime.ids import kind_of

_VERSION = "cv1"
MAX_TTL_S = 24 * 3600
# Tolerated clock difference between the minting and the verifying host.
_LEEWAY_S = 5


@dataclass(frozen=True)
class Principal:
    """Who calls: a member (`usr_`), a WeChat user (`wx_`) or a service (`svc_`)."""

    id: str
    kind: str  # "member" | "wechat_user" | "service"
    enterprise_id: str = ""
    issued_at: int = 0
    expires_at: int = 0

    @property
    def is_member(self) -> bool:
        return self.kind == "member"

    @property
    def is_wechat_user(self) -> bool:
        return self.kind == "wechat_user"

    @property
    def is_service(self) -> bool:
        return self.kind == "service"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, key: str) -> None:
        if len(key) < 16:
            raise ValueError("token key must be at least 16 characters")
        self._key = key.encode()

    def _sign(self, body: str) -> str:
        return _b64(hmac.digest(self._key, body.encode(), "sha256"))  # one-shot: no HMAC objects per call

    def mint(self, principal_id: str, enterprise_id: str = "", ttl_s: int = 3600) -> tuple[str, int]:
        """Returns (token, expires_at unix seconds)."""
        kind = kind_of(principal_id)
        if kind not in ("member", "wechat_user", "service"):
            raise ValueError(f"not a principal id: {principal_id!r}")
        now = int(time.time())
        expires_at = now + max(1, min(ttl_s, MAX_TTL_S))
        claims = {"sub": principal_id, "knd": kind, "ent": enterprise_id, "iat": now, "exp": expires_at}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{_VERSION}.{body}.{self._sign(f'{_VERSION}.{body}')}", expires_at

    def verify(self, token: str) -> Principal:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token is not a Convene token")
        expected = self._sign(f"{parts[0]}.{parts[1]}")
        if not hmac.compare_digest(expected, parts[2]):
            raise Unauthenticated("TOKEN_SIGNATURE_INVALID", "the bearer token's signature is invalid")
        try:
            claims = json.loads(_unb64(parts[1]))
            principal = Principal(
                id=str(claims["sub"]), kind=str(claims["knd"]), enterprise_id=str(claims["ent"]),
                issued_at=int(claims["iat"]), expires_at=int(claims["exp"]),
            )
        except (ValueError, KeyError, TypeError):
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token's claims are unreadable") from None
        if principal.expires_at + _LEEWAY_S < time.time():
            raise Unauthenticated("TOKEN_EXPIRED", "the bearer token has expired")
        return principal


# The authenticated caller of the RPC being served (set by the RPC guard, grpc_server.py).
current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "current_principal", default=None
)


def caller() -> Principal:
    principal = current_principal.get()
    if principal is None:
        raise Unauthenticated("TOKEN_MISSING", "this call needs a bearer token")
    return principal


def require_member() -> Principal:
    principal = caller()
    if not principal.is_member:
        raise PermissionDenied("MEMBERS_ONLY", "only members of an enterprise may do this")
    return principal
