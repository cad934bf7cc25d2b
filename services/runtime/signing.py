"""Signed, expiring claims for things handed out of the system, two kinds:

- ClaimsSigner: claims the service signs and reads itself (group invitations). Format
  `<prefix>.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, keyed by the service's own secret
  (runtime.db.service_secret), per purpose: HMAC-SHA256(secret, "convene-signing/" + purpose).
- PublicClaims: claims one service signs and others verify (share links: groups and live sign,
  live reads; play tokens: live signs, the media edge reads). A JWS (runtime.jws) signed with the
  issuer's ring; a verifier holds only the public key set, so it cannot make them.

Both refuse with the same catalog (`read`): NAME_EXPIRED, NAME_SIGNATURE_INVALID, NAME_MALFORMED.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Collection
from typing import TypeVar

from services.runtime import jws
from services.runtime.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.runtime.keys import KeyRing, KeySet

T = TypeVar("T")

# Tolerated clock difference between the minting and the verifying host (as auth.py).
_LEEWAY_S = 5


class BadSignedClaims(ValueError):
    """`reason` is MALFORMED, SIGNATURE_INVALID or EXPIRED; callers map it to their error."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ClaimsSigner:
    def __init__(self, key: bytes | str, *, purpose: str, prefix: str) -> None:
        if len(key) < 16:
            raise ValueError("signing key must be at least 16 bytes")
        if not prefix.isalnum():
            raise ValueError("prefix must be alphanumeric")
        raw = key.encode() if isinstance(key, str) else key
        self._key = hmac.new(raw, f"convene-signing/{purpose}".encode(), hashlib.sha256).digest()
        self._prefix = prefix

    def _sign(self, body: str) -> str:
        return _b64(hmac.digest(self._key, f"{self._prefix}.{body}".encode(), "sha256"))

    def sign(self, claims: dict, *, ttl_s: int) -> tuple[str, int]:
        """Returns (token, expires_at unix seconds); `iat` and `exp` are added to the claims."""
        now = int(time.time())
        expires_at = now + max(1, ttl_s)
        body = _b64(json.dumps({**claims, "iat": now, "exp": expires_at}, separators=(",", ":")).encode())
        return f"{self._prefix}.{body}.{self._sign(body)}", expires_at

    def verify(self, token: str) -> dict:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != self._prefix:
            raise BadSignedClaims("MALFORMED", "not a token of this kind")
        if not hmac.compare_digest(self._sign(parts[1]), parts[2]):
            raise BadSignedClaims("SIGNATURE_INVALID", "the signature does not match")
        try:
            claims = json.loads(_unb64(parts[1]))
            expires_at = int(claims["exp"])
        except (ValueError, KeyError, TypeError):
            raise BadSignedClaims("MALFORMED", "the claims are unreadable") from None
        if not isinstance(claims, dict):
            raise BadSignedClaims("MALFORMED", "the claims are unreadable")
        if expires_at + _LEEWAY_S < time.time():
            raise BadSignedClaims("EXPIRED", "it has expired")
        return claims

    def read(self, token: str, parse: Callable[[dict], T], *, name: str, what: str, field: str) -> T:
        """Verify `token` and `parse` its claims, refusing with the catalog's errors."""
        return _parsed(lambda: self.verify(token), parse, name=name, what=what, field=field)


def _parsed(verify: Callable[[], dict], parse: Callable[[dict], T], *, name: str, what: str, field: str) -> T:
    """NAME_EXPIRED (FAILED_PRECONDITION), NAME_SIGNATURE_INVALID (PERMISSION_DENIED: altered, or
    not signed by whom it must be), NAME_MALFORMED (INVALID_ARGUMENT: not one of ours, or claims
    `parse` cannot read)."""
    try:
        return parse(verify())
    except BadSignedClaims as exc:
        if exc.reason == "EXPIRED":
            raise FailedPrecondition(f"{name}_EXPIRED", f"the {what} has expired") from None
        if exc.reason == "SIGNATURE_INVALID":
            raise PermissionDenied(f"{name}_SIGNATURE_INVALID", f"the {what} was altered") from None
        raise InvalidArgument(f"{name}_MALFORMED", f"not a Convene {what}", field=field) from None
    except (KeyError, TypeError, ValueError):
        raise InvalidArgument(f"{name}_MALFORMED", f"not a Convene {what}", field=field) from None


class PublicClaims:
    """Claims of type `typ` signed with one service's ring and verified by any with the key set,
    accepted only from `issuers`. `ring` is None where the service only verifies."""

    def __init__(self, keyset: KeySet, *, typ: str, issuers: Collection[str], ring: KeyRing | None = None) -> None:
        self._keyset = keyset
        self._typ = typ
        self._issuers = tuple(issuers)
        self._ring = ring
        if ring is not None and ring.issuer not in self._issuers:
            raise ValueError(f"{ring.issuer} does not issue {typ}")

    def sign(self, claims: dict, *, ttl_s: int) -> tuple[str, int]:
        """Returns (token, expires_at unix seconds); `iss`, `iat` and `exp` are added."""
        assert self._ring is not None, "this service only verifies these claims"
        now = int(time.time())
        expires_at = now + max(1, ttl_s)
        token = self._ring.sign({**claims, "iss": self._ring.issuer, "iat": now, "exp": expires_at}, typ=self._typ)
        return token, expires_at

    async def verify(self, token: str) -> dict:
        """The claims; a key not seen yet is looked up in the key set once."""
        kid = self._kid(token)
        if self._keyset.get(kid, self._issuers) is None and kid.partition(".")[0] in self._issuers:
            await self._keyset.fetch(kid)
        return self.verify_now(token)

    def _kid(self, token: str) -> str:
        try:
            header = jws.header_of(token)
        except jws.Malformed:
            raise BadSignedClaims("MALFORMED", "not a token of this kind") from None
        if header.typ != self._typ:
            raise BadSignedClaims("MALFORMED", "not a token of this kind")
        return header.kid

    def verify_now(self, token: str) -> dict:
        """The claims, with the keys this process holds now (no lookup)."""
        kid = self._kid(token)
        key = self._keyset.get(kid, self._issuers)
        if key is None:
            raise BadSignedClaims("SIGNATURE_INVALID", "not signed by a key of its issuers")
        header = jws.header_of(token)
        try:
            claims = jws.verify(token, key)
        except jws.InvalidSignature:
            raise BadSignedClaims("SIGNATURE_INVALID", "the signature does not match") from None
        except jws.Malformed:
            raise BadSignedClaims("MALFORMED", "the claims are unreadable") from None
        try:
            expires_at = int(claims["exp"])
        except (KeyError, TypeError, ValueError):
            raise BadSignedClaims("MALFORMED", "the claims are unreadable") from None
        if claims.get("iss") != header.kid.partition(".")[0]:
            raise BadSignedClaims("SIGNATURE_INVALID", "signed by another issuer than it says")
        if expires_at + _LEEWAY_S < time.time():
            raise BadSignedClaims("EXPIRED", "it has expired")
        return claims

    async def read(self, token: str, parse: Callable[[dict], T], *, name: str, what: str, field: str) -> T:
        """Verify `token` and `parse` its claims, refusing with the catalog's errors (as ClaimsSigner.read)."""
        try:
            claims = await self.verify(token)
        except BadSignedClaims as exc:
            failure = exc
            return _parsed(lambda: _raise(failure), parse, name=name, what=what, field=field)
        return _parsed(lambda: claims, parse, name=name, what=what, field=field)


def _raise(error: Exception) -> dict:
    raise error
