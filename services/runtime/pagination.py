"""Opaque page tokens (AIP-158): the last position a page ended at, signed by the service.

A token is `<base64url(JSON position)>.<base64url(HMAC-SHA256, 16 bytes)>`, keyed by the
service's own secret (runtime.db.service_secret, shared by its replicas). A token the service did
not write is refused as INVALID_ARGUMENT before its position is read, so a hand-made one (a
string where a number belongs, 10^30) never reaches a query. The RPC guard makes the serving
service's PageTokens current for each call (`current_page_tokens`), as it does the caller.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import hashlib
import hmac
import json
from typing import TypeVar

from services.runtime.errors import InvalidArgument

T = TypeVar("T")
_MAC_BYTES = 16
# One encoder for every token: json.dumps with its own separators builds an encoder per call.
_POSITION_JSON = json.JSONEncoder(separators=(",", ":"))


def _refuse() -> InvalidArgument:
    return InvalidArgument("INVALID_PAGE_TOKEN", "page_token was not returned by this list call", field="page_token")


class PageTokens:
    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"convene-page-token", hashlib.sha256).digest()

    def _mac(self, body: bytes) -> bytes:
        return hmac.digest(self._key, body, "sha256")[:_MAC_BYTES]

    def encode(self, position: dict) -> str:
        body = base64.urlsafe_b64encode(_POSITION_JSON.encode(position).encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(self._mac(body)).rstrip(b"=")
        return f"{body.decode()}.{mac.decode()}"

    def decode(self, token: str) -> object:
        """The position this service wrote into `token`; refuses anything else."""
        body, _, mac = token.encode("utf-8", "replace").partition(b".")
        try:
            signed = hmac.compare_digest(base64.urlsafe_b64decode(mac + b"=" * (-len(mac) % 4)), self._mac(body))
            if not signed:
                raise _refuse()
            return json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
        except (ValueError, binascii.Error):
            raise _refuse() from None


# The serving service's page tokens, set by the RPC guard for each call.
current_page_tokens: contextvars.ContextVar[PageTokens | None] = contextvars.ContextVar(
    "current_page_tokens", default=None)


def _tokens() -> PageTokens:
    tokens = current_page_tokens.get()
    if tokens is None:
        raise RuntimeError("page tokens are made and read inside an RPC (the guard sets them)")
    return tokens


def encode_page_token(position: dict) -> str:
    return _tokens().encode(position)


def decode_page_token(token: str, *keys: str) -> dict | None:
    """The position in `token`, or None for the first page. Refuses anything it did not write."""
    if not token:
        return None
    position = _tokens().decode(token)
    if not isinstance(position, dict) or set(position) != set(keys):
        raise _refuse()
    return position


def decode_page_value(token: str, key: str, value_type: type[T], default: T) -> T:
    """The one value of a single-key page token (`default` for the first page), checked to be of
    `value_type`, so even a token of another list call is INVALID_ARGUMENT rather than a failed query."""
    position = decode_page_token(token, key)
    if position is None:
        return default
    value = position[key]
    if not isinstance(value, value_type) or type(value) is not value_type:
        raise _refuse()
    return value


def decode_typed_page_token(token: str, **types: type) -> dict | None:
    """The position in `token` (None for the first page), each value checked to be of its type,
    for tokens of several keys."""
    position = decode_page_token(token, *types)
    if position is not None and any(type(position[key]) is not value_type for key, value_type in types.items()):
        raise _refuse()
    return position
