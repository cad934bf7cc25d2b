"""Live's rules: who may start, one running live per host, replay preparation."""

from __future__ import annotations

import secrets

import asyncpg
from nats.aio.client import Client as NATS

from convene.groups.v1 import membership_pb2
from convene.identity.v1 import authz_pb2
from convene.live.v1 import events_pb2
from convene.live.v1 import live_pb2 as pb
from services.runtime import bus, subjects
from services.runtime.auth import Principal
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event
from services.live import store


class Lives:
    def __init__(self, pool: asyncpg.Pool, nc: NATS, *, media_base_url: str, replay_delay_s: int) -> None:
        self._pool = pool
        self._nc = nc
        self._media_base_url = media_base_url.rstrip("/")
        self._replay_delay_s = replay_delay_s

    async def _require_may_start(self, principal: Principal, group_id: str) -> str:
        """SPEC F-22: identity says whether the principal may start at all; groups whether they
        are in the group. Returns the host's enterprise id."""
        allowed = await bus.request(
            self._nc, subjects.IDENTITY_AUTHORIZE,
            authz_pb2.AuthorizeRequest(principal_id=principal.id, action=authz_pb2.ACTION_START_LIVE),
            authz_pb2.AuthorizeResponse)
        if not allowed.allowed:
            raise PermissionDenied(allowed.reason or "NOT_ALLOWED", allowed.message or "you may not start a live")
        membership = await bus.request(
            self._nc, subjects.GROUPS_CHECK_MEMBERSHIP,
            membership_pb2.CheckMembershipRequest(group_id=group_id, principal_id=principal.id),
            membership_pb2.CheckMembershipResponse)
        if not membership.group_exists:
            raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=group_id)
        if not membership.is_member:
            raise PermissionDenied("HOST_NOT_IN_GROUP", "the host must be a member of the group", group_id=group_id)
        return allowed.enterprise_id

    async def start_live(self, principal: Principal, request: pb.StartLiveRequest) -> pb.StartLiveResponse:
        enterprise_id = await self._require_may_start(principal, request.group_id)

        async def work(conn: asyncpg.Connection) -> pb.StartLiveResponse:
            live_id = new_id("live")
            stream_key = secrets.token_urlsafe(24)
            try:
                row = await store.insert_live(
                    conn, live_id=live_id, group_id=request.group_id, host_id=principal.id,
                    enterprise_id=enterprise_id, title=request.title, description=request.description,
                    audience=request.audience or pb.AUDIENCE_EMPLOYEES, state=pb.LIVE_STATE_LIVE,
                    allow_replay=request.allow_replay, stream_key=stream_key)
            except asyncpg.UniqueViolationError:
                raise FailedPrecondition("HOST_ALREADY_LIVE", "the host is already running a live") from None
            live = store.live_from_row(row)
            await add_event(conn, new_envelope(
                subjects.LIVE_SESSION_STARTED, subject=live_id, enterprise_id=enterprise_id,
                correlation_id=live_id, payload=events_pb2.SessionStarted(live=live)))
            return pb.StartLiveResponse(live=live, publish=pb.PublishEndpoint(
                url=f"{self._media_base_url}/{live_id}", stream_key=stream_key))

        return await run_once(self._pool, principal_id=principal.id, method="StartLive",
                              request_id=request.request_id, response_type=pb.StartLiveResponse, work=work)

    async def get_live(self, principal: Principal, live_id: str) -> pb.Live:
        async with self._pool.acquire() as conn:
            row = await store.get_live(conn, live_id)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        if not (principal.is_service or principal.id == row["host_id"] or self._in_audience(principal, row)):
            raise PermissionDenied("NOT_IN_AUDIENCE", "this live is for employees of its enterprise only")
        return store.live_from_row(row, row["replay_state"])

    @staticmethod
    def _in_audience(principal: Principal, row: asyncpg.Record) -> bool:
        """SPEC F-23, checked at this moment."""
        if row["audience"] == pb.AUDIENCE_EVERYONE:
            return True
        return principal.is_member and principal.enterprise_id == row["enterprise_id"]

    async def prepare_replay(self, event: Event, conn: asyncpg.Connection) -> None:
        """Consumer `live--replay-prep`: record that a replay will be due once the live ends."""
        live = event.payload(events_pb2.SessionStarted).live
        if live.allow_replay:
            await store.insert_replay(conn, live.id, pb.REPLAY_STATE_PENDING, self._replay_delay_s)
