"""Opaque page tokens (AIP-158): base64url JSON of the last position a page ended at."""

from __future__ import annotations

import base64
import json
from typing import TypeVar

from services.runtime.errors import InvalidArgument

T = TypeVar("T")


def encode_page_token(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode_page_token(token: str, *keys: str) -> dict | None:
    """The position in `token`, or None for the first page. Refuses anything it did not write."""
    if not token:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        position = None
    if not isinstance(position, dict) or set(position) != set(keys):
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token was not returned by this list call",
                              field="page_token")
    return position


def decode_page_value(token: str, key: str, value_type: type[T], default: T) -> T:
    """The one value of a single-key page token (`default` for the first page), checked to be of
    `value_type`, so a forged token is INVALID_ARGUMENT rather than a failed query."""
    position = decode_page_token(token, key)
    if position is None:
        return default
    value = position[key]
    if not isinstance(value, value_type) or type(value) is not value_type:
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token was not returned by this list call",
                              field="page_token")
    return value


def decode_typed_page_token(token: str, **types: type) -> dict | None:
    """The position in `token` (None for the first page), each value checked to be of its type,
    for tokens of several keys."""
    position = decode_page_token(token, *types)
    if position is not None and any(type(position[key]) is not value_type for key, value_type in types.items()):
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token was not returned by this list call",
                              field="page_token")
    return position
