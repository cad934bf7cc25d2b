"""The life of a live (SPEC F-20..F-27): who may start, preview, schedule and remind, the
audience rule, media keys and play tokens, ending three ways, and the replay job that follows
(the media plane's side is services/live/media.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from nats.aio.client import Client as NATS

from convene.groups.v1 import membership_pb2
from convene.identity.v1 import authz_pb2
from convene.live.v1 import events_pb2
from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import moderation_pb2 as mpb
from convene.live.v1 import room_pb2 as rpb
from convene.notifications.v1 import notice_pb2, notifications_pb2
from services.live import moderation_store, room_store, store
from services.live.settings import LiveSettings
from services.runtime import bus, subjects, timers
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope, timestamp
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.logs import get_logger
from services.runtime.notice_text import text
from services.runtime.outbox import add_event
from services.runtime.play_tokens import PlayTokens
from services.runtime.tasks import both
from services.runtime.timers import Timer

log = get_logger(__name__)

RUNNING = (pb.LIVE_STATE_PREVIEW, pb.LIVE_STATE_LIVE)
DEFAULT_REMINDER_LEAD_S = 300

# Timer kinds.
HOST_GONE = "host_gone"
REPLAY_DUE = "replay_due"
REPLAY_TIMED_OUT = "replay_timed_out"
# The replay job waits for a stream still being cut off (its recording is not finished yet) this long.
REPLAY_STREAM_WAIT_S = 60


def may_watch(principal: Principal, row: asyncpg.Record) -> bool:
    """SPEC F-23, at this moment: the host; everyone when the audience is everyone; otherwise
    employees of the host's enterprise (the token says whose employee; a removed member's token
    is revoked everywhere within 2 s)."""
    if principal.id == row["host_id"] or principal.is_service:
        return True
    if row["audience"] == pb.AUDIENCE_EVERYONE:
        return True
    return principal.is_member and principal.enterprise_id == row["enterprise_id"]


def require_audience(principal: Principal, row: asyncpg.Record) -> None:
    if not may_watch(principal, row):
        raise PermissionDenied("NOT_IN_AUDIENCE", "this live is for employees of its enterprise only",
                               live_id=row["id"])


# After a commit that wrote room events: tell the replicas holding the live's room.
AnnounceRoom = Callable[[str, Sequence[rpb.RoomEvent]], Awaitable[None]]


def guest_play_url(settings: LiveSettings, live_id: str, guest_id: str) -> str:
    """Where viewers play a guest's stream, with their play token for the live (SPEC F-29)."""
    return f"{settings.play_base_url.rstrip('/')}/guest/{live_id}/{guest_id}/index.m3u8"


class Lives:
    def __init__(self, pool: asyncpg.Pool, nc: NATS, settings: LiveSettings, play_tokens: PlayTokens,
                 announce_room: AnnounceRoom | None = None) -> None:
        self._pool = pool
        self._nc = nc
        self._settings = settings
        self._play_tokens = play_tokens
        self._announce_room = announce_room

    async def _room_changed(self, live_id: str) -> None:
        if self._announce_room is not None:
            await self._announce_room(live_id, ())

    # ------------------------------------------------------------- permission answers

    async def _authorize(self, principal: Principal, action: authz_pb2.Action,
                         enterprise_id: str = "") -> authz_pb2.AuthorizeResponse:
        return await bus.request(
            self._nc, subjects.IDENTITY_AUTHORIZE,
            authz_pb2.AuthorizeRequest(principal_id=principal.id, action=action, enterprise_id=enterprise_id),
            authz_pb2.AuthorizeResponse)

    async def _require_may_start(self, principal: Principal, group_id: str) -> str:
        """SPEC F-22: identity says whether the principal may start at all; groups whether they
        are in the group. Returns the host's enterprise id."""
        # Two independent questions, asked at once; identity's refusal is the one reported first.
        allowed, membership = await both(self._authorize(principal, authz_pb2.ACTION_START_LIVE),
                                         self.membership(principal, group_id))
        if not allowed.allowed:
            raise PermissionDenied(allowed.reason or "NOT_ALLOWED", allowed.message or "you may not start a live")
        if not membership.group_exists:
            raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=group_id)
        if not membership.is_member:
            raise PermissionDenied("HOST_NOT_IN_GROUP", "the host must be a member of the group", group_id=group_id)
        return allowed.enterprise_id

    async def membership(self, principal: Principal, group_id: str) -> membership_pb2.CheckMembershipResponse:
        """Groups' answer, now: does the group exist, and is the principal in it?"""
        return await bus.request(
            self._nc, subjects.GROUPS_CHECK_MEMBERSHIP,
            membership_pb2.CheckMembershipRequest(group_id=group_id, principal_id=principal.id),
            membership_pb2.CheckMembershipResponse)

    async def require_host_or_admin(self, principal: Principal, row: asyncpg.Record) -> None:
        if principal.id == row["host_id"] or principal.is_service:
            return
        await self.require_admin(principal, row)

    async def require_admin(self, principal: Principal, row: asyncpg.Record) -> None:
        await self.require_admin_of(principal, row["enterprise_id"], live_id=row["id"])

    async def require_admin_of(self, principal: Principal, enterprise_id: str, **about: str) -> None:
        """An admin of `enterprise_id`, as identity says now."""
        if principal.is_member and principal.enterprise_id == enterprise_id:
            answer = await self._authorize(principal, authz_pb2.ACTION_ACT_AS_ADMIN, enterprise_id)
            if answer.allowed:
                return
        raise PermissionDenied("ADMIN_ONLY", "only the host or an admin of the live's enterprise may do this",
                               **about)

    @staticmethod
    def require_host(principal: Principal, row: asyncpg.Record) -> None:
        if principal.id != row["host_id"]:
            raise PermissionDenied("HOST_ONLY", "only the host may do this", live_id=row["id"])

    async def _live(self, conn: Connection, live_id: str, *, for_update: bool = False) -> asyncpg.Record:
        row = await store.get_live(conn, live_id, for_update=for_update)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        return row

    # ------------------------------------------------------------- creating

    def _publish(self, live_id: str, stream_key: str) -> pb.PublishEndpoint:
        return self.publish_endpoint(live_id, stream_key)

    def publish_endpoint(self, stream_name: str, stream_key: str) -> pb.PublishEndpoint:
        """OBS takes `url` as its server and `stream_key` as its key; ffmpeg pushes to `push_url`.
        The stream name (the live id; `<live id>.<guest id>` for a guest on the mic) leads the
        key, so one RTMP application (nginx-rtmp's too) serves every live."""
        url = self._settings.media_base_url.rstrip("/")
        key = f"{stream_name}?key={stream_key}"
        return pb.PublishEndpoint(url=url, stream_key=key, push_url=f"{url}/{key}")

    async def _create(self, conn: Connection, principal: Principal, enterprise_id: str, *, group_id: str,
                      title: str, description: str, audience: int, allow_replay: bool, state: int,
                      scheduled_start_at: dt.datetime | None = None, reminder_lead_s: int = 0) -> tuple[asyncpg.Record, str]:
        stream_key = secrets.token_urlsafe(24)
        try:
            row = await store.insert_live(
                conn, live_id=new_id("live"), group_id=group_id, host_id=principal.id, enterprise_id=enterprise_id,
                title=title, description=description, audience=audience or pb.AUDIENCE_EMPLOYEES, state=state,
                allow_replay=allow_replay, stream_key=stream_key, scheduled_start_at=scheduled_start_at,
                reminder_lead_s=reminder_lead_s)
        except asyncpg.UniqueViolationError:
            raise FailedPrecondition("HOST_ALREADY_LIVE", "the host is already running a live") from None
        return row, stream_key

    async def _went_live(self, conn: Connection, row: asyncpg.Record) -> None:
        """The one fan-out event (SPEC F-28), and the host-heartbeat watchdog."""
        live = store.live_from_row(row)
        await add_event(conn, new_envelope(
            subjects.LIVE_SESSION_STARTED, subject=live.id, enterprise_id=live.enterprise_id,
            correlation_id=live.id, payload=events_pb2.SessionStarted(live=live)))
        await self.watch_host(conn, live.id)
        # The line a live's log trail starts with; everything it causes carries its id.
        log.info("live going on air", live_id=live.id, group_id=live.group_id, host_id=live.host_id)

    @staticmethod
    def host_timer_key(live_id: str) -> str:
        return f"host:{live_id}"

    async def watch_host(self, conn: Connection, live_id: str, *, streaming: bool = False) -> None:
        """(Re)start the host-gone timer: with no stream and no heartbeat for host_timeout_s, the
        live ends (SPEC F-26). While a stream is on air each renewal of its publish pushes it past
        the publish's lease (services/live/media.py), so an edge that dies without a word still
        lets the live end."""
        wait = self._settings.host_timeout_s + (self._settings.publish_lease_s if streaming else 0)
        due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
        await timers.schedule(conn, self.host_timer_key(live_id), HOST_GONE, due, live_id.encode())

    async def start_live(self, principal: Principal, request: pb.StartLiveRequest) -> pb.StartLiveResponse:
        enterprise_id = await self._require_may_start(principal, request.group_id)

        async def work(conn: Connection) -> pb.StartLiveResponse:
            row, key = await self._create(
                conn, principal, enterprise_id, group_id=request.group_id, title=request.title,
                description=request.description, audience=request.audience, allow_replay=request.allow_replay,
                state=pb.LIVE_STATE_LIVE)
            await self._went_live(conn, row)
            return pb.StartLiveResponse(live=store.live_from_row(row), publish=self._publish(row["id"], key))

        return await run_once(self._pool, principal_id=principal.id, method="StartLive",
                              request_id=request.request_id, response_type=pb.StartLiveResponse, work=work)

    async def open_preview(self, principal: Principal, request: pb.OpenPreviewRequest) -> pb.OpenPreviewResponse:
        enterprise_id = await self._require_may_start(principal, request.group_id)

        async def work(conn: Connection) -> pb.OpenPreviewResponse:
            row, key = await self._create(
                conn, principal, enterprise_id, group_id=request.group_id, title=request.title,
                description=request.description, audience=request.audience, allow_replay=request.allow_replay,
                state=pb.LIVE_STATE_PREVIEW)
            await self.watch_host(conn, row["id"])  # a preview whose host is gone ends too
            live = store.live_from_row(row)
            await add_event(conn, new_envelope(  # its media grant: the host pushes to see the preview
                subjects.LIVE_PREVIEW_OPENED, subject=live.id, enterprise_id=live.enterprise_id,
                correlation_id=live.id, payload=events_pb2.PreviewOpened(live=live)))
            return pb.OpenPreviewResponse(live=live, publish=self._publish(row["id"], key))

        return await run_once(self._pool, principal_id=principal.id, method="OpenPreview",
                              request_id=request.request_id, response_type=pb.OpenPreviewResponse, work=work)

    async def schedule_live(self, principal: Principal, request: pb.ScheduleLiveRequest) -> pb.ScheduleLiveResponse:
        start_at = request.start_time.ToDatetime(tzinfo=dt.UTC)
        if start_at <= dt.datetime.now(dt.UTC):
            raise InvalidArgument("START_TIME_IN_PAST", "a scheduled live starts in the future", field="start_time")
        enterprise_id = await self._require_may_start(principal, request.group_id)

        async def work(conn: Connection) -> pb.ScheduleLiveResponse:
            row, _ = await self._create(
                conn, principal, enterprise_id, group_id=request.group_id, title=request.title,
                description=request.description, audience=request.audience, allow_replay=request.allow_replay,
                state=pb.LIVE_STATE_SCHEDULED, scheduled_start_at=start_at,
                reminder_lead_s=request.reminder_lead_seconds or DEFAULT_REMINDER_LEAD_S)
            live = store.live_from_row(row)
            await add_event(conn, new_envelope(
                subjects.LIVE_SESSION_SCHEDULED, subject=live.id, enterprise_id=live.enterprise_id,
                correlation_id=live.id, payload=events_pb2.SessionScheduled(live=live)))
            return pb.ScheduleLiveResponse(live=live)

        return await run_once(self._pool, principal_id=principal.id, method="ScheduleLive",
                              request_id=request.request_id, response_type=pb.ScheduleLiveResponse, work=work)

    async def go_live(self, principal: Principal, live_id: str) -> pb.GoLiveResponse:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        self.require_host(principal, row)
        if row["state"] == pb.LIVE_STATE_LIVE:
            return pb.GoLiveResponse(live=store.live_from_row(row), publish=self._publish(live_id, row["stream_key"]))
        if row["state"] not in (pb.LIVE_STATE_PREVIEW, pb.LIVE_STATE_SCHEDULED):
            raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)
        await self._require_may_start(principal, row["group_id"])  # rights may have changed since
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            if row["state"] not in (pb.LIVE_STATE_PREVIEW, pb.LIVE_STATE_SCHEDULED):
                raise FailedPrecondition("LIVE_NOT_STARTABLE", "this live cannot go live now", live_id=live_id)
            was_scheduled = row["state"] == pb.LIVE_STATE_SCHEDULED
            try:
                row = await store.set_state(conn, live_id, pb.LIVE_STATE_LIVE)
            except asyncpg.UniqueViolationError:
                raise FailedPrecondition("HOST_ALREADY_LIVE", "the host is already running a live") from None
            if was_scheduled:
                await self._withdraw_reminders(conn, row)  # it starts now: a later reminder would be stale
            await self._went_live(conn, row)
        return pb.GoLiveResponse(live=store.live_from_row(row), publish=self._publish(live_id, row["stream_key"]))

    # ------------------------------------------------------------- reminders (scheduled lives)

    @staticmethod
    def _reminder_key(live_id: str, user_id: str) -> str:
        return f"live-reminder:{live_id}:{user_id}"

    async def remind_me(self, principal: Principal, live_id: str) -> pb.RemindMeResponse:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        if row["state"] != pb.LIVE_STATE_SCHEDULED:
            raise FailedPrecondition("NOT_SCHEDULED", "only a scheduled live can remind you", live_id=live_id)
        if not (await self.membership(principal, row["group_id"])).is_member:
            raise PermissionDenied("NOT_GROUP_MEMBER", "only members of the group can ask to be reminded")
        remind_at = row["scheduled_start_at"] - dt.timedelta(seconds=row["reminder_lead_s"])
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            if row["state"] == pb.LIVE_STATE_SCHEDULED and await store.add_reminder(conn, live_id, principal.id):
                notice = notice_pb2.Notice(
                    recipient_ids=[principal.id], kind=notifications_pb2.NOTIFICATION_KIND_REMINDER,
                    thread_id=live_id, text=text("live.reminder", title=row["title"], live_id=live_id),
                    group_id=row["group_id"],
                    key=self._reminder_key(live_id, principal.id), revision=1, deliver_time=timestamp(remind_at))
                await self._request_notices(conn, row, notices=[notice])
        return pb.RemindMeResponse(remind_time=timestamp(remind_at))

    async def _withdraw_reminders(self, conn: Connection, row: asyncpg.Record) -> None:
        users = await store.reminder_users(conn, row["id"])
        if users:
            await self._request_notices(conn, row, withdrawals=[
                notice_pb2.NoticeWithdrawal(key=self._reminder_key(row["id"], u), revision=2) for u in users])

    async def _request_notices(self, conn: Connection, row: asyncpg.Record, *,
                               notices: Sequence[notice_pb2.Notice] = (),
                               withdrawals: Sequence[notice_pb2.NoticeWithdrawal] = ()) -> None:
        await add_event(conn, new_envelope(
            subjects.LIVE_NOTICE_REQUESTED, subject=row["id"], enterprise_id=row["enterprise_id"],
            correlation_id=row["id"],
            payload=notice_pb2.NoticesRequested(notices=list(notices), withdrawals=list(withdrawals))))

    async def cancel_scheduled(self, principal: Principal, live_id: str) -> pb.Live:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            self.require_host(principal, row)
            if row["state"] != pb.LIVE_STATE_SCHEDULED:
                raise FailedPrecondition("NOT_SCHEDULED", "only a live that has not started can be cancelled")
            await self._withdraw_reminders(conn, row)
            row = await self._end(conn, row, reason=pb.END_REASON_CANCELLED, note="", by=principal.id)
        await self._room_changed(live_id)
        return store.live_from_row(row)

    # ------------------------------------------------------------- while live

    async def get_live(self, principal: Principal, live_id: str) -> pb.Live:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        if row["state"] == pb.LIVE_STATE_PREVIEW and principal.id != row["host_id"]:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)  # a preview is the host's alone
        require_audience(principal, row)
        return store.live_from_row(row)

    async def update_audience(self, principal: Principal, live_id: str, audience: int) -> pb.Live:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            self.require_host(principal, row)
            # After the end it still decides who may view the replay.
            if row["state"] == pb.LIVE_STATE_ENDED and not row["allow_replay"]:
                raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)
            changed = row["audience"] != audience
            if changed:
                row = await store.set_audience(conn, live_id, audience)
                await add_event(conn, new_envelope(
                    subjects.LIVE_AUDIENCE_CHANGED, subject=live_id, enterprise_id=row["enterprise_id"],
                    correlation_id=live_id, payload=events_pb2.AudienceChanged(live=store.live_from_row(row))))
                # Room streams are checked against the new audience (SPEC F-23, F-29).
                await room_store.append(conn, live_id, rpb.RoomEvent(live_changed=rpb.LiveChanged(
                    live=store.live_from_row(row))))
        if changed:
            await self._room_changed(live_id)
        return store.live_from_row(row)

    async def rotate_stream_key(self, principal: Principal, live_id: str) -> pb.PublishEndpoint:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            self.require_host(principal, row)
            if row["state"] == pb.LIVE_STATE_ENDED:
                raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)
            key = secrets.token_urlsafe(24)
            await store.set_stream_key(conn, live_id, key)
        return self._publish(live_id, key)

    async def host_heartbeat(self, principal: Principal, live_id: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id)
            self.require_host(principal, row)
            if row["state"] not in RUNNING:
                raise FailedPrecondition("LIVE_NOT_RUNNING", "this live is not on air", live_id=live_id)
            if not row["stream_publish_id"]:  # a stream on air already keeps the live going
                await self.watch_host(conn, live_id)

    def play_url(self, live_id: str, *, replay: bool) -> str:
        return f"{self._settings.play_base_url.rstrip('/')}/{'replay' if replay else 'live'}/{live_id}/index.m3u8"

    def play_endpoint(self, row: asyncpg.Record, principal: Principal, *, replay: bool = False) -> pb.PlayEndpoint:
        """Where to play and a fresh, short-lived token; callers have checked the audience now."""
        ttl = self._settings.replay_token_ttl_s if replay else self._settings.play_token_ttl_s
        live_id = row["id"]
        token, expires_at = self._play_tokens.mint(
            live_id=live_id, viewer_id=principal.id, replay=replay, ttl_s=ttl,
            employee=principal.is_member and principal.enterprise_id == row["enterprise_id"])
        endpoint = pb.PlayEndpoint(url=self.play_url(live_id, replay=replay), play_token=token)
        endpoint.expire_time.FromSeconds(expires_at)
        return endpoint

    # ------------------------------------------------------------- ending

    async def end_live(self, principal: Principal, live_id: str) -> pb.Live:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            self.require_host(principal, row)
            if row["state"] == pb.LIVE_STATE_ENDED:
                return store.live_from_row(row)  # ending twice is ending once
            if row["state"] == pb.LIVE_STATE_SCHEDULED:
                raise FailedPrecondition("NOT_STARTED", "cancel a scheduled live instead of ending it")
            row = await self._end(conn, row, reason=pb.END_REASON_HOST_ENDED, note="", by=principal.id)
        await self._room_changed(live_id)
        return store.live_from_row(row)

    async def force_stop(self, principal: Principal, live_id: str, reason: str) -> pb.Live:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        await self.require_admin(principal, row)
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self.stop_by_admin(conn, principal, live_id, reason)
        await self._room_changed(live_id)
        return store.live_from_row(row)

    async def stop_by_admin(self, conn: Connection, principal: Principal, live_id: str, reason: str, *,
                            report_id: str = "") -> asyncpg.Record:
        """Force-stop in the caller's transaction (the caller checked the admin): recorded as a
        moderation action (SPEC F-51), and every open report of the live is resolved by it."""
        row = await self._live(conn, live_id, for_update=True)
        if row["state"] == pb.LIVE_STATE_ENDED:
            raise FailedPrecondition("LIVE_ENDED", "this live has already ended", live_id=live_id)
        row = await self._end(conn, row, reason=pb.END_REASON_FORCE_STOPPED, note=reason, by=principal.id)
        await moderation_store.record(conn, kind=mpb.MODERATION_ACTION_KIND_LIVE_FORCE_STOPPED,
                                      enterprise_id=row["enterprise_id"], actor_id=principal.id, live_id=live_id,
                                      reason=reason, report_id=report_id)
        await moderation_store.resolve_reports(conn, live_id=live_id, state=mpb.REPORT_STATE_FORCE_STOPPED,
                                               by=principal.id, note=reason)
        return row

    async def on_host_gone(self, timer: Timer, conn: Connection) -> None:
        """Timer: the host sent no heartbeat for host_timeout_s (SPEC F-26)."""
        row = await store.get_live(conn, timer.payload.decode(), for_update=True)
        if row is not None and row["state"] in RUNNING:
            await self._end(conn, row, reason=pb.END_REASON_HOST_GONE, note="", by="")

    async def _end(self, conn: Connection, row: asyncpg.Record, *, reason: int, note: str,
                   by: str) -> asyncpg.Record:
        live_id = row["id"]
        was_on_air = row["state"] == pb.LIVE_STATE_LIVE
        await store.sample_peaks(conn, live_id)
        await store.close_sessions(conn, live_id, self._settings.viewer_timeout_s, everyone=True)
        await store.end_streams(conn, live_id)  # a publish still there is cut at its next renewal
        row = await store.end_live(conn, live_id, reason=reason, note=note, ended_by=by)
        await timers.cancel(conn, self.host_timer_key(live_id))
        figures = await store.stats(conn, live_id)
        live = store.live_from_row(row)
        # The room's last event: its streams end after it (SPEC F-29).
        await room_store.append(conn, live_id, rpb.RoomEvent(live_changed=rpb.LiveChanged(live=live)), close=True)
        duration = int((row["ended_at"] - row["started_at"]).total_seconds()) if row["started_at"] else 0
        if was_on_air and row["allow_replay"]:
            due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._settings.replay_delay_s)
            await store.set_replay(conn, live_id, pb.REPLAY_STATE_PENDING, due_at=due)
            await timers.schedule(conn, f"replay:{live_id}", REPLAY_DUE, due, live_id.encode())
        log.info("live ending", live_id=live_id, reason=pb.EndReason.Name(reason), ended_by=by)
        await add_event(conn, new_envelope(
            subjects.LIVE_SESSION_ENDED, subject=live_id, enterprise_id=row["enterprise_id"], correlation_id=live_id,
            payload=events_pb2.SessionEnded(live=live, duration_seconds=duration,
                                            total_viewers=figures["total_viewers"], peak_viewers=row["peak_viewers"])))
        return row

    # ------------------------------------------------------------- replays (SPEC F-27)

    async def on_replay_due(self, timer: Timer, conn: Connection) -> None:
        """Timer: the replay job starts `replay_delay_s` after the end (durable across restarts).
        Every piece of the recording goes to the media plane to become one VOD; with none, the
        replay fails at once."""
        live_id = timer.payload.decode()
        row = await store.get_live(conn, live_id, for_update=True)
        if row is None or row["replay_state"] != pb.REPLAY_STATE_PENDING:
            return  # deleted meanwhile
        now = dt.datetime.now(dt.UTC)
        if await store.publish_held(conn, live_id, self._settings.publish_lease_s) \
                and now < row["ended_at"] + dt.timedelta(seconds=self._settings.replay_delay_s + REPLAY_STREAM_WAIT_S):
            # A stream is still being cut off: its piece of the recording is not finished yet.
            await timers.schedule(conn, f"replay:{live_id}", REPLAY_DUE, now + dt.timedelta(seconds=1), timer.payload)
            return
        pieces = await store.recordings(conn, live_id)
        if not pieces:
            await self.replay_failed(conn, live_id, "NO_RECORDING", state=pb.REPLAY_STATE_PENDING)
            return
        await store.set_replay(conn, live_id, pb.REPLAY_STATE_PROCESSING)
        await add_event(conn, new_envelope(
            subjects.LIVE_REPLAY_REQUESTED, subject=live_id, enterprise_id=row["enterprise_id"], correlation_id=live_id,
            payload=events_pb2.ReplayRequested(live_id=live_id, pieces=[
                events_pb2.RecordingPiece(publish_id=p["publish_id"], path=p["path"], duration_ms=p["duration_ms"])
                for p in pieces])))
        give_up = now + dt.timedelta(seconds=self._settings.replay_packaging_timeout_s)
        await timers.schedule(conn, f"replay:{live_id}", REPLAY_TIMED_OUT, give_up, timer.payload)

    async def on_replay_timed_out(self, timer: Timer, conn: Connection) -> None:
        """Timer: the media plane never answered the packaging request."""
        await self.replay_failed(conn, timer.payload.decode(), "PACKAGING_TIMED_OUT")

    async def replay_packaged(self, conn: Connection, live_id: str, duration_ms: int) -> None:
        """The VOD is on the media store: the card changes to "view details" (SPEC F-27)."""
        row = await store.get_live(conn, live_id, for_update=True)
        if row is None:
            return
        if row["replay_state"] == pb.REPLAY_STATE_DELETED:
            # Deleted while packaging: ask again that its files go.
            await self._replay_changed(conn, live_id, subjects.LIVE_REPLAY_DELETED)
            return
        if row["replay_state"] != pb.REPLAY_STATE_PROCESSING:
            return
        await timers.cancel(conn, f"replay:{live_id}")
        await store.set_replay(conn, live_id, pb.REPLAY_STATE_READY, url=self.play_url(live_id, replay=True),
                               duration_ms=duration_ms)
        await self._replay_changed(conn, live_id, subjects.LIVE_REPLAY_READY)

    async def replay_failed(self, conn: Connection, live_id: str, reason: str, *,
                            state: int = pb.REPLAY_STATE_PROCESSING) -> None:
        row = await store.get_live(conn, live_id, for_update=True)
        if row is None or row["replay_state"] != state:
            return
        await timers.cancel(conn, f"replay:{live_id}")
        await store.set_replay(conn, live_id, pb.REPLAY_STATE_FAILED, failure_reason=reason)
        await self._replay_changed(conn, live_id, subjects.LIVE_REPLAY_FAILED)

    async def _replay_changed(self, conn: Connection, live_id: str, event_type: str) -> None:
        row = await store.known_live(conn, live_id)
        await add_event(conn, new_envelope(
            event_type, subject=live_id, enterprise_id=row["enterprise_id"], correlation_id=live_id,
            payload=events_pb2.ReplayChanged(live=store.live_from_row(row), replay=store.replay_from_row(row))))

    async def get_replay(self, principal: Principal, live_id: str) -> pb.GetReplayResponse:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        require_audience(principal, row)  # the same rule as watching, at this moment
        if not row["allow_replay"]:
            raise NotFound("REPLAY_NOT_ALLOWED", "the host did not allow a replay of this live", live_id=live_id)
        replay = store.replay_from_row(row)
        if replay.state == pb.REPLAY_STATE_DELETED:
            raise NotFound("REPLAY_DELETED", "the replay was deleted", live_id=live_id)
        response = pb.GetReplayResponse(replay=replay)
        if replay.state == pb.REPLAY_STATE_READY:
            response.play.CopyFrom(self.play_endpoint(row, principal, replay=True))
        return response

    async def delete_replay(self, principal: Principal, live_id: str) -> pb.Replay:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        await self.require_host_or_admin(principal, row)
        async with self._pool.acquire() as conn, conn.transaction():
            row = await self._live(conn, live_id, for_update=True)
            if not row["allow_replay"] or row["state"] != pb.LIVE_STATE_ENDED:
                raise FailedPrecondition("NO_REPLAY", "this live has no replay to delete", live_id=live_id)
            if row["replay_state"] != pb.REPLAY_STATE_DELETED:
                await timers.cancel(conn, f"replay:{live_id}")
                await store.set_replay(conn, live_id, pb.REPLAY_STATE_DELETED)
                await self._replay_changed(conn, live_id, subjects.LIVE_REPLAY_DELETED)
            row = await store.known_live(conn, live_id)
        return store.replay_from_row(row)

    # ------------------------------------------------------------- consumers of session.started

    async def prepare_replay(self, event: Event, conn: Connection) -> None:
        """Consumer `live--replay-prep`: record that a replay will be due once the live ends."""
        live = event.payload(events_pb2.SessionStarted).live
        if live.allow_replay:
            await store.insert_replay(conn, live.id, pb.REPLAY_STATE_PENDING, self._settings.replay_delay_s)

    async def grant_publish(self, event: Event, conn: Connection) -> None:
        """Consumer `live--media-grants`: the permission work of SPEC F-28 — the media edge's
        publish check (services/live/media.py) accepts the host's stream key from now on."""
        payload = events_pb2.PreviewOpened if event.type == subjects.LIVE_PREVIEW_OPENED else events_pb2.SessionStarted
        live = event.payload(payload).live  # type: ignore[attr-defined]
        await store.grant_publish(conn, live.id)
