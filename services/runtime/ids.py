"""Typed ids: a prefix that names the kind, then 26 sortable characters (time + randomness)."""

from __future__ import annotations

import os
import re
import time

PREFIXES = {
    "enterprise": "ent",
    "member": "usr",
    "wechat_user": "wx",
    "service": "svc",
    "group": "grp",
    "message": "msg",
    "card": "card",
    "live": "live",
    "meeting": "mtg",
    "notification": "ntf",
    "event": "evt",
    "request": "req",
    # Groups: a group call, and a forward of a card (its id doubles as the share id).
    "call": "call",
    "forward": "fwd",
    # Identity: one handover of a member's external contacts.
    "handover": "hov",
    # Media edge: one RTMP publish, from accepted to closed.
    "publish": "pub",
    # Groups: an enterprise's red-packet cover (SPEC F-50).
    "cover": "cov",
    # Live moderation: a viewer's report of a live, and a recorded moderation action.
    "report": "rpt",
    "moderation": "mod",
}

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_ID_RE = re.compile(r"([a-z]+)_([0-9a-hjkmnp-tv-z]{26})")  # whole string only: fullmatch


def new_id(kind: str) -> str:
    """A new id of `kind`, sortable by creation time (48-bit milliseconds + 80 random bits)."""
    return new_ids(kind, 1)[0]


def new_ids(kind: str, count: int) -> list[str]:
    """`count` new ids of `kind` in one go (a fan-out's notifications), laid out as new_id's:
    10 characters of milliseconds, then 16 of randomness (80 bits)."""
    millis = int(time.time() * 1000)
    head = "".join(_ALPHABET[(millis >> shift) & 31] for shift in range(45, -5, -5))
    # One random byte per character, its low 5 bits kept (256 is a multiple of 32: uniform).
    randomness = os.urandom(16 * count).translate(_BYTE_TO_CHAR).decode()
    prefix = f"{PREFIXES[kind]}_{head}"
    return [prefix + randomness[i:i + 16] for i in range(0, 16 * count, 16)]


_BYTE_TO_CHAR = bytes(ord(_ALPHABET[b & 31]) for b in range(256))


def kind_of(identifier: str) -> str | None:
    """The kind an id names by its prefix, or None when it is not a well-formed id."""
    match = _ID_RE.fullmatch(identifier or "")
    if not match:
        return None
    for kind, prefix in PREFIXES.items():
        if prefix == match.group(1):
            return kind
    return None


def is_id(identifier: str, *kinds: str) -> bool:
    return kind_of(identifier) in kinds
