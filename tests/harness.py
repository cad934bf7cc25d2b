"""The whole system in the test's event loop, over real NATS and PostgreSQL.

`System` starts the five services (any number of replicas of each) against the NATS servers and
the database it is given, and offers the calls a front-end would make.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from convene.groups.v1 import groups_pb2, groups_pb2_grpc
from convene.identity.v1 import identity_pb2, identity_pb2_grpc
from convene.live.v1 import live_pb2_grpc
from convene.meetings.v1 import meetings_pb2_grpc
from convene.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from services.groups.service import DEFINITION as GROUPS
from services.identity.service import DEFINITION as IDENTITY
from services.live.service import DEFINITION as LIVE
from services.media.service import DEFINITION as MEDIA
from services.meetings.service import DEFINITION as MEETINGS
from services.notifications.service import DEFINITION as NOTIFICATIONS
from services.runtime import db, jws
from services.runtime.app import ServiceDefinition, ServiceHost
from services.runtime.auth import MAX_TTL_S, TokenVerifier, mint_access_token
from services.runtime.events import Event
from services.runtime.ids import new_id
from services.runtime.keys import KeyRing, KeySet

DEFINITIONS = {d.name: d for d in (IDENTITY, GROUPS, LIVE, MEETINGS, NOTIFICATIONS, MEDIA)}
# What `System.start()` starts when not told: the five services (the media edge is asked for).
CORE = ("identity", "groups", "live", "meetings", "notifications")
STUBS = {
    "identity": identity_pb2_grpc.IdentityServiceStub,
    "groups": groups_pb2_grpc.GroupsServiceStub,
    "live": live_pb2_grpc.LiveServiceStub,
    "meetings": meetings_pb2_grpc.MeetingsServiceStub,
    "notifications": notifications_pb2_grpc.NotificationsServiceStub,
}
_request_ids = itertools.count()


def request_id() -> str:
    return f"req-{next(_request_ids)}-{time.monotonic_ns()}"


def forged_page_token(position: dict) -> str:
    """A page token as a client would hand-make one: the position, unsigned."""
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def error_reason(error: grpc.aio.AioRpcError) -> str:
    """The google.rpc.ErrorInfo reason a refused call carries ('' when there is none)."""
    from google.rpc import error_details_pb2, status_pb2

    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


async def refused(call: Awaitable[object]) -> tuple[grpc.StatusCode, str]:
    """Await a call that must fail; returns (status code, ErrorInfo reason)."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code(), error_reason(error)
    raise AssertionError("the call succeeded but should have been refused")


async def refused_within(seconds: float, call: Callable[[], Awaitable[object]],
                         code: grpc.StatusCode = grpc.StatusCode.UNAUTHENTICATED) -> tuple[grpc.StatusCode, str]:
    """Repeat `call()` until it is refused with `code`; fail if that takes longer than `seconds`
    (for a bound the product states, such as token revocation). Returns (code, reason)."""
    started = time.monotonic()
    while True:
        try:
            await call()
        except grpc.aio.AioRpcError as error:
            if error.code() == code:
                elapsed = time.monotonic() - started
                assert elapsed <= seconds, f"refused only after {elapsed:.2f}s (bound {seconds}s)"
                return error.code(), error_reason(error)
        assert time.monotonic() - started <= seconds, f"not refused with {code.name} after {seconds}s"
        await asyncio.sleep(0.02)


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, every: float = 0.05,
                     what: str = "condition") -> None:
    """Poll `check` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


@dataclass
class Org:
    """An enterprise with its admin and members, each with a token."""

    enterprise_id: str
    api_secret: str
    admin_id: str
    member_ids: list[str]
    tokens: dict[str, str] = field(default_factory=dict)


class LocalIssuer:
    """Plays identity for a bare gRPC server (no NATS, no database): a key of its own, known to a
    key set only that server's verifier reads."""

    def __init__(self, algorithm: str = jws.EDDSA) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.key: jws.PrivateKey = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                                    if algorithm == jws.RS256 else Ed25519PrivateKey.generate())
        self.kid = f"identity.{new_id('request')[4:]}"
        self.keyset = KeySet()
        self.keyset.add(self.kid, self.key.public_key())
        self.verifier = TokenVerifier(self.keyset)

    def sign(self, claims: dict[str, Any], *, typ: str) -> str:
        return jws.sign(claims, self.key, kid=self.kid, typ=typ)

    def token(self, principal_id: str, enterprise_id: str = "", ttl_s: int = 3600) -> str:
        return mint_access_token(self, principal_id, enterprise_id=enterprise_id, ttl_s=ttl_s)[0]


class System:
    """The services in this process. The operator is a service account identity is configured
    with (IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT), its token got from CreateToken as any back end
    would; `mint_token` signs a token as identity itself would, with identity's key read from
    identity's schema, for principals that exist nowhere (a test's ghosts, a benchmark's 5,000
    viewers) or for systems started without identity."""

    def __init__(self, nats_url: str, database_url: str, *, replicas: int = 1, **settings: object) -> None:
        self.nats_url = nats_url
        self.database_url = database_url
        self.stream_replicas = replicas
        self.operator_id = new_id("service")
        self.operator_secret = uuid.uuid4().hex + uuid.uuid4().hex
        self.extra_settings: dict[str, object] = {
            "bootstrap_service_account": f"{self.operator_id}:{self.operator_secret}", **settings}
        self.hosts: dict[str, list[ServiceHost]] = {}
        self.operator_token = ""
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._keyset: KeySet | None = None
        self._keyset_nc: Any = None
        self._identity_keys: KeyRing | None = None
        self._identity_pool: Any = None

    def settings_for(self, definition: ServiceDefinition) -> Any:
        # Tests stop replicas at once (no load balancer to drain) unless they ask for a drain.
        known: dict[str, object] = {"shutdown_grace_s": 0.5, "drain_s": 0.0}
        known.update((k, v) for k, v in self.extra_settings.items()
                     if k in definition.settings_type.__dataclass_fields__)
        return definition.settings_type(
            service_name=definition.name, nats_url=self.nats_url, database_url=self.database_url,
            grpc_port=0, stream_replicas=self.stream_replicas, **known,
        )

    async def start(self, *names: str) -> None:
        for name in names or CORE:
            await self.add_replica(name)
        await self.sign_in_operator()

    def runs(self, name: str) -> bool:
        return name in self.hosts

    async def sign_in_operator(self) -> None:
        """The operator's token: from identity with the operator's secret, or (no identity in
        this system) signed with identity's key as identity would."""
        if self.runs("identity"):
            minted = await self.stub("identity").CreateToken(identity_pb2.CreateTokenRequest(
                principal_id=self.operator_id, api_secret=self.operator_secret, ttl_seconds=MAX_TTL_S))
            self.operator_token = minted.access_token
        else:
            self.operator_token = await self.mint_token(self.operator_id, ttl_s=MAX_TTL_S)

    async def keyset(self) -> KeySet:
        """Every service's public keys, as any process of the system sees them."""
        if self._keyset is None:
            import nats

            self._keyset_nc = await nats.connect(self.nats_url.split(","))
            keyset = KeySet()
            await keyset.start(self._keyset_nc, self.stream_replicas)
            self._keyset = keyset
        return self._keyset

    async def mint_token(self, principal_id: str, enterprise_id: str = "", ttl_s: int = 3600) -> str:
        """A token for any principal id, signed with identity's current key (see the class doc)."""
        if self._identity_keys is None:
            self._identity_pool = await db.create_pool(self.database_url, "identity", min_size=1, max_size=1)
            await db.migrate(self._identity_pool, "identity", IDENTITY.migrations)
            keys = KeyRing(self._identity_pool, "identity", await self.keyset(), longest_claim_s=MAX_TTL_S,
                           algorithm=IDENTITY.signing_algorithm)
            await keys.start(reload_s=0.5)  # follows the rotations identity makes
            self._identity_keys = keys
        return mint_access_token(self._identity_keys, principal_id, enterprise_id=enterprise_id, ttl_s=ttl_s)[0]

    async def add_replica(self, name: str) -> ServiceHost:
        definition = DEFINITIONS[name]
        host = ServiceHost(definition, self.settings_for(definition))
        await host.start()
        self.hosts.setdefault(name, []).append(host)
        return host

    async def stop_replica(self, host: ServiceHost) -> None:
        await host.stop()
        self.hosts[host.definition.name].remove(host)
        channel = self._channels.pop(host.address, None)
        if channel is not None:
            await channel.close()

    async def stop(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
        for hosts in self.hosts.values():
            for host in hosts:
                await host.stop()
        self.hosts.clear()
        if self._identity_keys is not None:
            await self._identity_keys.stop()
            await self._identity_pool.close()
            self._identity_keys = None
        if self._keyset is not None:
            await self._keyset.stop()
            await self._keyset_nc.close()
            self._keyset = None

    def address_of(self, name: str, replica: int = 0) -> str:
        return self.hosts[name][replica].address

    def channel(self, address: str) -> grpc.aio.Channel:
        if address not in self._channels:
            self._channels[address] = grpc.aio.insecure_channel(address)
        return self._channels[address]

    def stub(self, name: str, replica: int = 0):
        return STUBS[name](self.channel(self.address_of(name, replica)))

    # ------------------------------------------------------------- the people

    async def create_org(self, members: int, *, verified: bool = True, members_verified: bool = True) -> Org:
        identity = self.stub("identity")
        operator = bearer(self.operator_token)
        created = await identity.CreateEnterprise(
            identity_pb2.CreateEnterpriseRequest(request_id=request_id(), name="Acme"), metadata=operator)
        enterprise_id = created.enterprise.id
        if verified:
            await identity.VerifyEnterprise(identity_pb2.VerifyEnterpriseRequest(
                enterprise_id=enterprise_id, method=identity_pb2.VERIFICATION_METHOD_DIRECT), metadata=operator)

        async def add(role: int, index: int) -> str:
            added = await identity.AddMember(identity_pb2.AddMemberRequest(
                request_id=request_id(), enterprise_id=enterprise_id, display_name=f"member {index}",
                department="sales", role=role), metadata=operator)
            if members_verified:
                await identity.VerifyMemberRealName(
                    identity_pb2.VerifyMemberRealNameRequest(member_id=added.member.id), metadata=operator)
            return added.member.id

        in_flight = asyncio.Semaphore(32)

        async def bounded(call: Awaitable[str]) -> str:
            async with in_flight:
                return await call

        admin_id = await add(identity_pb2.MEMBER_ROLE_ADMIN, 0)
        member_ids = list(await asyncio.gather(
            *(bounded(add(identity_pb2.MEMBER_ROLE_MEMBER, i + 1)) for i in range(members))))
        org = Org(enterprise_id, created.api_secret, admin_id, member_ids)
        everyone = [admin_id, *member_ids]
        tokens = await asyncio.gather(*(bounded(self.token_for(p, org)) for p in everyone))
        org.tokens = dict(zip(everyone, tokens))
        return org

    async def token_for(self, principal_id: str, org: Org | None = None) -> str:
        identity = self.stub("identity")
        if org is not None:
            minted = await identity.CreateToken(identity_pb2.CreateTokenRequest(
                principal_id=principal_id, enterprise_id=org.enterprise_id, api_secret=org.api_secret))
        else:
            minted = await identity.CreateToken(identity_pb2.CreateTokenRequest(principal_id=principal_id),
                                                metadata=bearer(self.operator_token))
        return minted.access_token

    async def create_wechat_user(self) -> tuple[str, str]:
        created = await self.stub("identity").CreateWeChatUser(identity_pb2.CreateWeChatUserRequest(
            request_id=request_id(), display_name="outside friend"), metadata=bearer(self.operator_token))
        user_id = created.wechat_user.id
        return user_id, await self.token_for(user_id)

    async def create_group(self, owner_token: str, member_ids: list[str], *,
                           kind: int = groups_pb2.GROUP_KIND_INTERNAL) -> str:
        created = await self.stub("groups").CreateGroup(groups_pb2.CreateGroupRequest(
            request_id=request_id(), name="launch team", kind=kind, member_ids=member_ids),
            metadata=bearer(owner_token))
        return created.group.id


class StreamRecorder:
    """A user's open notifications stream, recording everything it receives."""

    def __init__(self, system: System, token: str, *, replica: int = 0, after_sequence: int = 0,
                 on_notification: Callable[[notifications_pb2.Notification], None] | None = None) -> None:
        self._call = system.stub("notifications", replica).Subscribe(
            notifications_pb2.SubscribeRequest(after_sequence=after_sequence), metadata=bearer(token))
        self._on_notification = on_notification
        self.received: list[notifications_pb2.Notification] = []
        # Every item in order (notifications, read marks, caught-up, resync).
        self.items: list[notifications_pb2.SubscribeResponse] = []
        self.caught_up = asyncio.Event()
        self.error: grpc.aio.AioRpcError | None = None
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for response in self._call:
                self.items.append(response)
                if response.HasField("caught_up"):
                    self.caught_up.set()
                elif response.HasField("notification"):
                    self.received.append(response.notification)
                    if self._on_notification is not None:
                        self._on_notification(response.notification)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                self.error = exc
        finally:
            self.caught_up.set()

    async def ready(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.caught_up.wait(), timeout)
        if self.error is not None:
            raise self.error

    @property
    def sequences(self) -> list[int]:
        return [n.sequence for n in self.received]

    @property
    def item_sequences(self) -> list[int]:
        """Sequences of every sequenced item (notifications and read marks), in arrival order."""
        return [getattr(r, r.WhichOneof("event")).sequence for r in self.items
                if r.WhichOneof("event") in ("notification", "read_marked")]

    @property
    def ended(self) -> bool:
        return self._task.done()

    def cards_for(self, subject_id: str) -> list[notifications_pb2.Notification]:
        return [n for n in self.received if n.card.subject_id == subject_id]

    async def close(self) -> None:
        self._call.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class EventTap:
    """Every event a service's stream holds on `subjects` (from the start), as it arrives."""

    def __init__(self, nats_url: str, *subjects: str) -> None:
        self._nats_url = nats_url
        self._subjects = subjects
        self._nc: Any = None
        self.events: list[Event] = []

    async def start(self) -> EventTap:
        import nats

        self._nc = await nats.connect(self._nats_url.split(","))
        for subject in self._subjects:
            await self._nc.jetstream().subscribe(subject, ordered_consumer=True, cb=self._on_message)
        return self

    async def _on_message(self, msg: object) -> None:
        self.events.append(Event.parse(msg.data))  # type: ignore[attr-defined]

    def of_type(self, event_type: str, about: str | None = None) -> list[Event]:
        """The events of `event_type`, only those whose envelope subject is `about` if given."""
        return [e for e in self.events if e.type == event_type and about in (None, e.envelope.subject)]

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()


@contextlib.asynccontextmanager
async def module_system(postgres: Any, data_dir: Path, *names: str, **settings: object) -> AsyncIterator[System]:
    """Some services over one NATS and a fresh database, shared by the tests of a module that
    never get in each other's way (each makes its own enterprises): a server start per module
    instead of per test. `postgres` is the session's EmbeddedPostgres."""
    from infra.embedded import NatsCluster
    from services.runtime.db import ensure_database

    nats_server = NatsCluster(data_dir / "nats", size=1)
    nats_server.start()
    database = f"module_{uuid.uuid4().hex[:12]}"
    await ensure_database(postgres.url, database)
    running = System(nats_server.urls, postgres.dsn(database), **settings)
    try:
        await running.start(*names)
        yield running
    finally:
        await running.stop()
        nats_server.stop()


async def publish_events(nats_url: str, *envelopes: Any, as_new_messages: bool = False) -> None:
    """Publish events to their owner's JetStream stream as its outbox relay does (Nats-Msg-Id =
    event id). `as_new_messages` leaves the id out, as a re-publish after the stream's duplicate
    window would: consumers then see the same event twice."""
    import nats

    nc = await nats.connect(nats_url.split(","))
    try:
        js = nc.jetstream()
        for envelope in envelopes:
            headers = None if as_new_messages else {"Nats-Msg-Id": envelope.id}
            await js.publish(envelope.type, envelope.SerializeToString(), headers=headers)
    finally:
        await nc.close()
