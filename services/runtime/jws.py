"""Compact JWS (RFC 7515): what bearer tokens, share links and play tokens are. A token is
`<header>.<claims>.<signature>`, each base64url; the header names the algorithm, the token's type
and the id of the key that signed it (`kid`), so verifiers pick the public key from the key set
(runtime.keys) and a rotated key's tokens stay verifiable.

Two algorithms, each where its costs fall right (CPU per operation, measured on this machine):
RS256 (RSA-2048) for bearer tokens, which identity signs once and every service verifies on
first sight, often in a storm: 32 us to verify, 0.9 ms to sign; EdDSA (Ed25519, RFC 8037) for
share links and play tokens, which live signs on every join: 48 us to sign, 150 us to verify.
A token's `alg` must be its key's: no algorithm confusion.

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
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

EDDSA = "EdDSA"
RS256 = "RS256"
ALGORITHMS = (EDDSA, RS256)
PrivateKey = Ed25519PrivateKey | RSAPrivateKey
PublicKey = Ed25519PublicKey | RSAPublicKey


_EDWARDS = (Ed25519PrivateKey, Ed25519PublicKey)
# Immutable, so made once rather than on every signature (a measurable part of a check).
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    return EDDSA if isinstance(key, _EDWARDS) else RS256


class Malformed(ValueError):
    """Not a compact JWS this system reads."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Malformed("not base64url") from None


def sign(claims: dict[str, Any], key: PrivateKey, *, kid: str, typ: str) -> str:
    header = b64encode(json.dumps({"alg": algorithm_of(key), "typ": typ, "kid": kid}, separators=(",", ":")).encode())
    body = b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode()
    if isinstance(key, Ed25519PrivateKey):
        signature = key.sign(signing_input)
    else:
        signature = key.sign(signing_input, _PKCS1, _SHA256)
    return f"{signing_input.decode()}.{b64encode(signature)}"


@dataclass(frozen=True)
class Header:
    kid: str
    typ: str
    alg: str


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
        if not isinstance(fields, dict) or fields.get("alg") not in ALGORITHMS or not isinstance(fields.get("kid"), str):
            raise Malformed("not a signed token with a key id")
        header = Header(kid=fields["kid"], typ=str(fields.get("typ", "")), alg=fields["alg"])
        if len(_HEADERS) < _MAX_HEADERS:
            _HEADERS[encoded] = header
    return header


def verify(token: str, key: PublicKey) -> dict[str, Any]:
    """The claims of `token` if `key` signed it; raises Malformed or InvalidSignature."""
    signing_input, _, signature = token.rpartition(".")
    header, _, body = signing_input.partition(".")
    if not header or not body or not signature:
        raise Malformed("a JWS has three parts")
    if header_of(token).alg != algorithm_of(key):
        raise InvalidSignature("the token's algorithm is not its key's")
    if isinstance(key, Ed25519PublicKey):
        key.verify(b64decode(signature), signing_input.encode())
    else:
        key.verify(b64decode(signature), signing_input.encode(), _PKCS1, _SHA256)
    try:
        claims = json.loads(b64decode(body))
    except ValueError:
        raise Malformed("unreadable claims") from None
    if not isinstance(claims, dict):
        raise Malformed("claims are not an object")
    return claims


__all__ = ["ALGORITHMS", "EDDSA", "RS256", "Header", "InvalidSignature", "Malformed", "PrivateKey", "PublicKey",
           "algorithm_of", "b64decode", "b64encode", "header_of", "sign", "verify"]
