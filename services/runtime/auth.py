"""Signed, expiring bearer tokens (SPEC F-05), in the spirit of LiveKit's access tokens.

A token is a JWT (runtime.jws): EdDSA over Ed25519, header `{"typ": "at+jwt", "kid":
"identity.<id>"}`, claims iss, sub (the principal), knd (its kind), ent (a member's enterprise),
iat, exp. Identity alone signs them, with the keys of its ring (runtime.keys); every service
verifies them locally with the public keys identity publishes in the key set, no call needed.
A token signed by any other key, or naming a key identity never published, is refused.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass
from typing import Any, Protocol

from services.runtime import jws
from services.runtime.errors import PermissionDenied, Unauthenticated
from services.runtime.ids import kind_of
from services.runtime.keys import KeySet

ISSUER = "identity"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068
MAX_TTL_S = 24 * 3600
# Tolerated clock difference between the minting and the verifying host.
LEEWAY_S = 5
KINDS = ("member", "wechat_user", "service")


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


class Signer(Protocol):
    """What signs a token: identity's runtime.keys.KeyRing (or a test's stand-in for it)."""

    def sign(self, claims: dict[str, Any], *, typ: str) -> str: ...


def mint_access_token(ring: Signer, principal_id: str, enterprise_id: str = "", ttl_s: int = 3600) -> tuple[str, int]:
    """A token for `principal_id` signed with `ring` (identity's); returns (token, expires_at)."""
    kind = kind_of(principal_id)
    if kind not in KINDS:
        raise ValueError(f"not a principal id: {principal_id!r}")
    now = int(time.time())
    expires_at = now + max(1, min(ttl_s, MAX_TTL_S))
    claims = {"iss": ISSUER, "sub": principal_id, "knd": kind, "ent": enterprise_id, "iat": now, "exp": expires_at}
    return ring.sign(claims, typ=ACCESS_TOKEN_TYPE), expires_at


class UnknownKey(Exception):
    """The token names a key this process has not seen (it may be on its way: look it up)."""

    def __init__(self, kid: str) -> None:
        super().__init__(kid)
        self.kid = kid


class TokenVerifier:
    """Checks bearer tokens against identity's published keys. A token verified once is kept
    (first in first out, at most `cache_size`: about 1 KB each), so a stream's or a client's
    repeated calls cost a lookup, not a signature check; expiry and the key's presence are
    still checked on every call."""

    def __init__(self, keyset: KeySet, *, cache_size: int = 20_000) -> None:
        self._keyset = keyset
        self._verified: dict[str, tuple[Principal, str]] = {}
        self._cache_size = cache_size

    def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None and hit[1] in self._keyset:
            principal = hit[0]
        else:
            principal, kid = self._check(token)
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = (principal, kid)
        if principal.expires_at + LEEWAY_S < time.time():
            raise Unauthenticated("TOKEN_EXPIRED", "the bearer token has expired; get a new one")
        return principal

    async def verify_fetching(self, token: str) -> Principal:
        """As verify; a key not seen yet is looked up in the key set once before refusing."""
        try:
            return self.verify(token)
        except UnknownKey as unknown:
            if await self._keyset.fetch(unknown.kid):
                return self.verify(token)
            raise Unauthenticated("TOKEN_KEY_UNKNOWN", "the bearer token was not signed by a key identity "
                                  "publishes") from None

    def _check(self, token: str) -> tuple[Principal, str]:
        try:
            header = jws.header_of(token)
        except jws.Malformed:
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token is not a Convene token") from None
        if header.typ != ACCESS_TOKEN_TYPE:
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token is not an access token")
        key = self._keyset.get(header.kid, (ISSUER,))
        if key is None:
            if header.kid.partition(".")[0] != ISSUER:
                raise Unauthenticated("TOKEN_KEY_UNKNOWN", "the bearer token was not signed by identity")
            raise UnknownKey(header.kid)
        try:
            claims = jws.verify(token, key)
        except jws.InvalidSignature:
            raise Unauthenticated("TOKEN_SIGNATURE_INVALID", "the bearer token's signature is invalid") from None
        except jws.Malformed:
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token is not a Convene token") from None
        try:
            principal = Principal(id=str(claims["sub"]), kind=str(claims["knd"]), enterprise_id=str(claims["ent"]),
                                  issued_at=int(claims["iat"]), expires_at=int(claims["exp"]))
        except (ValueError, KeyError, TypeError):
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token's claims are unreadable") from None
        if claims.get("iss") != ISSUER or principal.kind not in KINDS or kind_of(principal.id) != principal.kind:
            raise Unauthenticated("TOKEN_MALFORMED", "the bearer token's claims are unreadable")
        return principal, header.kid


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
