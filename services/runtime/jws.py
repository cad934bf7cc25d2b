"""Compact JWS (RFC 7515) signed with Ed25519 (EdDSA, RFC 8037): what bearer tokens, share
links and play tokens are. A token is `<header>.<claims>.<signature>`, each base64url; the header
names the algorithm, the token's type and the id of the key that signed it (`kid`), so verifiers
pick the public key from the key set (runtime.keys) and a rotated key's tokens stay verifiable.

Written directly against `cryptography` rather than through PyJWT: verifying is a split, two
base64 decodes, one JSON parse and the signature check, and PyJWT's generality cost 60-100 us per
token more (measured on this machine), a visible share of a join. Tokens are standard JWTs all
the same: tests read them with PyJWT and the published key.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"


class Malformed(ValueError):
    """Not a compact JWS this system reads."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Malformed("not base64url") from None


def sign(claims: dict[str, Any], key: Ed25519PrivateKey, *, kid: str, typ: str) -> str:
    header = b64encode(json.dumps({"alg": ALGORITHM, "typ": typ, "kid": kid}, separators=(",", ":")).encode())
    body = b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}"
    return f"{signing_input}.{b64encode(key.sign(signing_input.encode()))}"


@dataclass(frozen=True)
class Header:
    kid: str
    typ: str


# Headers repeat (one per key and type): parsed once each, a few hundred at most.
_HEADERS: dict[str, Header] = {}
_MAX_HEADERS = 1024


def header_of(token: str) -> Header:
    """The header of `token`, unverified: which key to check it with."""
    encoded = token.partition(".")[0]
    header = _HEADERS.get(encoded)
    if header is None:
        try:
            fields = json.loads(b64decode(encoded))
        except ValueError:
            raise Malformed("unreadable header") from None
        if not isinstance(fields, dict) or fields.get("alg") != ALGORITHM or not isinstance(fields.get("kid"), str):
            raise Malformed("not an EdDSA token with a key id")
        header = Header(kid=fields["kid"], typ=str(fields.get("typ", "")))
        if len(_HEADERS) < _MAX_HEADERS:
            _HEADERS[encoded] = header
    return header


def verify(token: str, key: Ed25519PublicKey) -> dict[str, Any]:
    """The claims of `token` if `key` signed it; raises Malformed or InvalidSignature."""
    signing_input, _, signature = token.rpartition(".")
    header, _, body = signing_input.partition(".")
    if not header or not body or not signature:
        raise Malformed("a JWS has three parts")
    key.verify(b64decode(signature), signing_input.encode())
    try:
        claims = json.loads(b64decode(body))
    except ValueError:
        raise Malformed("unreadable claims") from None
    if not isinstance(claims, dict):
        raise Malformed("claims are not an object")
    return claims


__all__ = ["ALGORITHM", "Header", "InvalidSignature", "Malformed", "b64decode", "b64encode", "header_of",
           "sign", "verify"]
