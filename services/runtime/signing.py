"""Signed, expiring claims for things handed out of the system: share links, group invitations.

Format: `<prefix>.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, the shape of bearer tokens
(auth.py). Each purpose signs with its own key derived from the shared token key,
HMAC-SHA256(token_key, "convene-signing/" + purpose), so a share link never passes as an
invitation or a bearer token, nor the reverse, and no new secret has to be distributed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import TypeVar

from services.runtime.errors import FailedPrecondition, InvalidArgument, PermissionDenied

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
        """Verify `token` and `parse` its claims, refusing with the catalog's errors: NAME_EXPIRED
        (FAILED_PRECONDITION), NAME_SIGNATURE_INVALID (PERMISSION_DENIED: altered), NAME_MALFORMED
        (INVALID_ARGUMENT: not one of ours, or claims `parse` cannot read)."""
        try:
            return parse(self.verify(token))
        except BadSignedClaims as exc:
            if exc.reason == "EXPIRED":
                raise FailedPrecondition(f"{name}_EXPIRED", f"the {what} has expired") from None
            if exc.reason == "SIGNATURE_INVALID":
                raise PermissionDenied(f"{name}_SIGNATURE_INVALID", f"the {what} was altered") from None
            raise InvalidArgument(f"{name}_MALFORMED", f"not a Convene {what}", field=field) from None
        except (KeyError, TypeError, ValueError):
            raise InvalidArgument(f"{name}_MALFORMED", f"not a Convene {what}", field=field) from None
