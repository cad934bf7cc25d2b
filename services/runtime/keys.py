"""Signing keys: each service's own Ed25519 keys, and the public keys of all of them.

KeyRing: the private keys of one service, kept in its own schema (`signing_keys`, shared by its
replicas, read by no other service). Identity's ring (RSA-2048, runtime.jws says why) signs
bearer tokens, and identity alone holds it; groups' and live's (Ed25519) sign the share links
and play tokens they hand out. Every key's id
names its issuer (`identity.<id>`), and every token names the key that signed it.

KeySet: every key's public half, in the JetStream KV bucket `public-keys` (key id -> a JWK),
which each ring publishes its keys into and every process watches into memory; verifiers look a
token's key up there, so no service holds a secret that lets it mint another's tokens. (A
deployment gives identity alone write access to `$KV.public-keys.identity.>` in its NATS
permissions, and each service the same over its own prefix; see docs/ARCHITECTURE.md.)

Rotation (`KeyRing.rotate`) adds a key that signs from PROPAGATION_S on, once every process has
had time to see it; older keys keep verifying, and are deleted only when everything they signed
has expired (`longest_claim_s` after the next key took over).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Collection
from dataclasses import dataclass

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nats.aio.client import Client as NATS
from nats.js import api
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from services.runtime import jws
from services.runtime.db import Connection
from services.runtime.errors import Unavailable
from services.runtime.ids import new_id
from services.runtime.kv import Mirror, open_bucket
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor

log = get_logger(__name__)

BUCKET = "public-keys"
# A rotated-in key signs only after it has been this long in the key set (watches deliver in
# milliseconds; this covers a process that reconnects meanwhile).
PROPAGATION_S = 5.0
# How often a ring reloads its keys (another replica rotated) and republishes missing ones.
RELOAD_S = 10.0
# An unknown key id is looked up in the bucket at most this often (a token signed just now by a
# key whose watch update has not arrived yet; garbage ids cost one lookup a second each).
_MISS_RETRY_S = 1.0


def public_jwk(kid: str, issuer: str, key: jws.PublicKey) -> bytes:
    """The JWK (RFC 7517) of a public key: OKP/Ed25519 (RFC 8037) or RSA."""
    fields: dict[str, str] = {"use": "sig", "alg": jws.algorithm_of(key), "kid": kid, "iss": issuer}
    if isinstance(key, Ed25519PublicKey):
        fields.update(kty="OKP", crv="Ed25519", x=jws.b64encode(key.public_bytes_raw()))
    else:
        numbers = key.public_numbers()
        fields.update(kty="RSA", n=jws.b64encode(_unsigned(numbers.n)), e=jws.b64encode(_unsigned(numbers.e)))
    return json.dumps(fields, separators=(",", ":")).encode()


def _unsigned(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _public_key(jwk: dict) -> jws.PublicKey:
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("alg") == jws.EDDSA:
        return Ed25519PublicKey.from_public_bytes(jws.b64decode(jwk["x"]))
    if jwk.get("kty") == "RSA" and jwk.get("alg") == jws.RS256:
        n, e = (int.from_bytes(jws.b64decode(jwk[part]), "big") for part in ("n", "e"))
        key = rsa.RSAPublicNumbers(e, n).public_key()
        if key.key_size < 2048:
            raise ValueError("RSA keys are 2048 bits or more")
        return key
    raise ValueError("not an Ed25519 or RSA signing key")


def issuer_of(kid: str) -> str:
    return kid.partition(".")[0]


class KeySet(Mirror):
    """The public keys of every issuer, by key id, kept current by a KV watch."""

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, jws.PublicKey] = {}
        self._misses: dict[str, float] = {}

    def add(self, kid: str, key: jws.PublicKey) -> None:
        """Know a key without NATS (a test's own verifier)."""
        self._keys[kid] = key

    def __contains__(self, kid: str) -> bool:
        return kid in self._keys

    def get(self, kid: str, issuers: Collection[str]) -> jws.PublicKey | None:
        """The public key `kid`, if one of `issuers` published it."""
        if issuer_of(kid) not in issuers:
            return None
        return self._keys.get(kid)

    async def start(self, nc: NATS, replicas: int, *, supervisor: Supervisor | None = None,
                    timeout_s: float = 30) -> None:
        """Load every published key, then follow changes in the background."""
        bucket = await open_bucket(nc, api.KeyValueConfig(
            bucket=BUCKET, history=1, replicas=replicas,
            description="key id -> the public JWK of a Convene signing key"), timeout_s=timeout_s)
        await self.follow(bucket, nc, name="public keys watch", supervisor=supervisor, timeout_s=timeout_s)

    def _apply(self, entry: KeyValue.Entry) -> None:
        if entry.operation in (KV_DEL, KV_PURGE):
            self._keys.pop(entry.key, None)
            return
        try:
            jwk = json.loads(entry.value or b"")
            if jwk.get("kid") != entry.key or jwk.get("iss") != issuer_of(entry.key):
                raise ValueError("the entry does not describe its own key")
            self._keys[entry.key] = _public_key(jwk)
        except (ValueError, KeyError, TypeError) as exc:
            log.error("unreadable public key ignored", kid=entry.key, error=str(exc))

    async def fetch(self, kid: str) -> bool:
        """Look `kid` up in the bucket now (its watch update may be on its way); True if found."""
        if kid in self._keys:
            return True
        if self._kv is None or time.monotonic() - self._misses.get(kid, -_MISS_RETRY_S) < _MISS_RETRY_S:
            return False
        if len(self._misses) > 10_000:
            self._misses.clear()
        self._misses[kid] = time.monotonic()
        try:
            entry = await self._kv.get(kid)
        except (KeyNotFoundError, ValueError):  # ValueError: not a valid KV key at all
            return False
        self._apply(entry)
        return kid in self._keys

    async def publish(self, kid: str, key: jws.PublicKey) -> None:
        assert self._kv is not None, "start() first"
        await self._kv.put(kid, public_jwk(kid, issuer_of(kid), key))

    async def withdraw(self, kid: str) -> None:
        assert self._kv is not None, "start() first"
        await self._kv.delete(kid)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: jws.PrivateKey
    activate_at: float  # unix seconds from which it signs


def _new_private_key(algorithm: str) -> jws.PrivateKey:
    if algorithm == jws.RS256:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Ed25519PrivateKey.generate()


def _der(key: jws.PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _from_der(data: bytes) -> jws.PrivateKey:
    key = serialization.load_der_private_key(data, password=None)
    assert isinstance(key, Ed25519PrivateKey | rsa.RSAPrivateKey)
    return key


class KeyRing:
    """One service's signing keys (see the module docstring)."""

    def __init__(self, pool: asyncpg.Pool, issuer: str, keyset: KeySet, *, longest_claim_s: float,
                 algorithm: str = jws.EDDSA) -> None:
        self._pool = pool
        self.issuer = issuer
        self._algorithm = algorithm  # of the keys it makes
        self._keyset = keyset
        self._longest_claim_s = longest_claim_s
        self._keys: list[SigningKey] = []  # newest first
        self._supervisor: Supervisor | None = None
        self._loop: Loop | None = None
        self._reload_s = RELOAD_S

    async def start(self, *, timeout_s: float = 30, reload_s: float = RELOAD_S,
                    supervisor: Supervisor | None = None) -> None:
        """Make the first key if there is none, publish every key, wait until the key that signs
        is visible in the key set (so nothing is signed that verifiers cannot check yet)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('signing_keys'))")
            if not await conn.fetchval("SELECT count(*) FROM signing_keys"):
                await self._insert(conn, delay_s=0)  # nothing signed yet: it may sign at once
        await self.reload()
        deadline = time.monotonic() + timeout_s
        while not self._can_sign():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.issuer}'s signing key did not reach the key set")
            await asyncio.sleep(0.01)
        self._supervisor = supervisor or Supervisor()
        self._reload_s = reload_s
        self._loop = self._supervisor.start(f"{self.issuer} signing keys", self._keep_current)

    async def stop(self) -> None:
        if self._loop is not None and self._supervisor is not None:
            await self._supervisor.stop(self._loop)

    async def _insert(self, conn: Connection, *, delay_s: float) -> str:
        kid = f"{self.issuer}.{new_id('request').partition('_')[2]}"
        private = _new_private_key(self._algorithm)
        await conn.execute(
            "INSERT INTO signing_keys (kid, private_key, activate_at) VALUES ($1, $2, now() + make_interval(secs => $3))",
            kid, _der(private), delay_s)
        return kid

    async def reload(self) -> None:
        """Read the keys again (another replica may have rotated), publish those the key set
        lacks, and delete those whose every signature has expired."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT kid, private_key, extract(epoch FROM activate_at) AS activate_at FROM signing_keys"
                " ORDER BY activate_at DESC, kid DESC")
        keys = [SigningKey(r["kid"], _from_der(bytes(r["private_key"])), float(r["activate_at"])) for r in rows]
        now = time.time()
        # A key is superseded once a newer one signs; it is kept until all it signed expired.
        keep, newer_active_since = [], None
        for key in keys:
            if newer_active_since is not None and now > newer_active_since + self._longest_claim_s + 60:
                await self._delete(key.kid)
                continue
            keep.append(key)
            if key.activate_at <= now and newer_active_since is None:
                newer_active_since = key.activate_at
        self._keys = keep
        for key in keep:
            if key.kid not in self._keyset:
                try:
                    await self._keyset.publish(key.kid, key.private.public_key())
                except Exception as exc:  # NATS away: the next reload publishes it
                    log.warning("could not publish a signing key", kid=key.kid, error=str(exc))

    async def _delete(self, kid: str) -> None:
        try:
            await self._keyset.withdraw(kid)
        except Exception as exc:
            log.warning("could not withdraw a signing key", kid=kid, error=str(exc))
            return
        async with self._pool.acquire() as conn:
            await conn.execute("DELETE FROM signing_keys WHERE kid = $1", kid)
        log.info("signing key retired", kid=kid)

    async def _keep_current(self, loop: Loop) -> None:
        """Supervised: a database error ends this body; the supervisor backs off and runs it again.
        A run after a failure reloads at once: the replica is not SERVING until it has, and
        waiting out the interval first kept it so for 10 s after PostgreSQL was back."""
        if loop.up:
            await asyncio.sleep(self._reload_s)  # start() has just loaded
        while True:
            await self.reload()
            loop.healthy()
            await asyncio.sleep(self._reload_s)

    def _can_sign(self) -> bool:
        try:
            self.current()
        except Unavailable:
            return False
        return True

    def current(self) -> SigningKey:
        """The newest key that may sign now: active, and visible in the key set."""
        now = time.time()
        for key in self._keys:
            if key.activate_at <= now and key.kid in self._keyset:
                return key
        raise Unavailable("SIGNING_KEY_UNAVAILABLE", "no signing key is published yet; try again")

    def sign(self, claims: dict, *, typ: str) -> str:
        key = self.current()
        return jws.sign(claims, key.private, kid=key.kid, typ=typ)

    async def add_key(self, conn: Connection) -> tuple[str, dt.datetime]:
        """Rotation, in the caller's transaction: a new key that signs from PROPAGATION_S on (the
        current one keeps verifying). Returns its id and activation; `reload` after the commit
        publishes it."""
        kid = await self._insert(conn, delay_s=PROPAGATION_S)
        activate_at = await conn.fetchval("SELECT activate_at FROM signing_keys WHERE kid = $1", kid)
        return kid, activate_at

