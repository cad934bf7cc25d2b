"""HTTP callbacks for production media servers (nginx-rtmp, SRS): the same checks and the same
events as the embedded ingest.

    POST /rtmp/on_publish        the key is checked with live before the server takes media
    POST /rtmp/on_publish_done   the stream is gone (media.v1.stream.unpublished)
    POST /rtmp/on_update         nginx-rtmp's periodic call while publishing: renew with live,
                                 and refuse (nginx drops the publisher) once live says no
    POST /rtmp/on_play           RTMP playback (if the server offers it) needs a play token
    POST /rtmp/on_record_done    a recording piece is complete (media.v1.recording.finished)

nginx-rtmp posts forms (`call`, `app`, `name`, `clientid`, `addr`, the publish URL's query
arguments such as `key`, and `path` for recordings); SRS posts JSON (`action`, `app`,
`stream`, `param`, `client_id`, `ip`, `file`). A 2xx answer allows (SRS also wants the body
`0`), 403 refuses. Recordings must lie under the media root. Callers must show
`?secret=<MEDIA_CALLBACK_SECRET>` when it is set; otherwise only loopback may call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import structlog
from aiohttp import web

from convene.media.v1 import events_pb2 as media_events
from services.media import flv
from services.media.ingest import Ingest, announce, media_info, parse_stream
from services.media.play_rights import PlayRights
from services.media.settings import MediaSettings
from services.runtime import subjects
from services.runtime.events import new_envelope, timestamp
from services.runtime.ids import is_id
from services.runtime.logs import get_logger
from services.runtime.play_tokens import PlayRefused

log = get_logger(__name__)


@dataclass(frozen=True)
class Call:
    """A callback in one shape, whichever server sent it."""

    app: str
    name: str
    args: dict[str, str]
    client_id: str
    peer: str
    path: str = ""
    srs: bool = False


@dataclass
class RemotePublish:
    live_id: str
    enterprise_id: str
    record: bool
    guest_id: str = ""
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


async def read_call(request: web.Request) -> Call:
    if request.content_type == "application/json":
        body = json.loads(await request.text() or "{}")
        if not isinstance(body, dict):
            raise ValueError("a JSON object was expected")
        param = str(body.get("param", "")).lstrip("?")
        args = {k: v[0] for k, v in parse_qs(param).items()}
        file = str(body.get("file", ""))
        if file and not file.startswith("/"):
            file = str(Path(str(body.get("cwd", "/"))) / file)
        return Call(app=str(body.get("app", "")), name=str(body.get("stream", "")), args=args,
                    client_id=str(body.get("client_id", "")), peer=str(body.get("ip", "")), path=file, srs=True)
    form = await request.post()
    fields = {k: str(v) for k, v in form.items()}
    known = ("call", "app", "name", "clientid", "addr", "path", "tcurl", "swfurl", "pageurl", "flashver",
             "type", "recorder", "time", "timestamp", "epoch")
    args = {k: v for k, v in fields.items() if k not in known}
    return Call(app=fields.get("app", ""), name=fields.get("name", ""), args=args,
                client_id=fields.get("clientid", ""), peer=fields.get("addr", ""), path=fields.get("path", ""))


class Callbacks:
    def __init__(self, ingest: Ingest, settings: MediaSettings, play_rights: PlayRights) -> None:
        self._ingest = ingest
        self._settings = settings
        self._rights = play_rights
        self._publishes: dict[str, RemotePublish] = {}

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post(f"/rtmp/{name}", getattr(self, name)) for name in
                ("on_publish", "on_publish_done", "on_update", "on_play", "on_record_done")]

    # ------------------------------------------------------------------ plumbing

    def _trusted(self, request: web.Request) -> bool:
        if self._settings.callback_secret:
            return hmac.compare_digest(request.query.get("secret", ""), self._settings.callback_secret)
        try:
            return ipaddress.ip_address(request.remote or "").is_loopback
        except ValueError:
            return False

    async def _call(self, request: web.Request) -> Call | web.Response:
        if not self._trusted(request):
            log.warning("media callback refused", reason="UNTRUSTED_CALLER", peer=request.remote)
            return web.Response(status=403, text="1")
        try:
            return await read_call(request)
        except (ValueError, UnicodeDecodeError):
            log.warning("media callback refused", reason="MALFORMED_CALLBACK", peer=request.remote)
            return web.Response(status=400, text="1")

    @staticmethod
    def _allow(call: Call) -> web.Response:
        return web.Response(text="0" if call.srs else "ok")

    @staticmethod
    def _deny(reason: str) -> web.Response:
        return web.Response(status=403, text="1", headers={"X-Refusal-Reason": reason})

    def _publish_id(self, request: web.Request, call: Call) -> str:
        """Stable across one publish's callbacks; distinct across media servers and clients."""
        seed = f"{request.remote}|{call.app}|{call.name}|{call.client_id}"
        return "pub_cb" + hashlib.sha256(seed.encode()).hexdigest()[:24]

    def _stream_name(self, call: Call) -> str:
        key = call.args.get("key", "")
        return f"{call.name}?key={key}" if key else call.name

    # ------------------------------------------------------------------ callbacks

    async def on_publish(self, request: web.Request) -> web.StreamResponse:
        call = await self._call(request)
        if isinstance(call, web.Response):
            return call
        path = parse_stream(call.app, self._stream_name(call), self._settings.rtmp_app)
        if path is None:
            log.warning("publish refused", reason="UNKNOWN_PATH", app=call.app, peer=call.peer, via="callback")
            return self._deny("UNKNOWN_PATH")
        publish_id = self._publish_id(request, call)
        with structlog.contextvars.bound_contextvars(live_id=path.live_id, correlation_id=path.live_id,
                                                     publish_id=publish_id):
            answer = await self._ingest.authorize(path.live_id, path.key, publish_id, path.guest_id)
            if not answer.allowed:
                log.warning("publish refused", reason=answer.reason, peer=call.peer, via="callback")
                return self._deny(answer.reason)
            self._publishes[publish_id] = RemotePublish(path.live_id, answer.enterprise_id, answer.record,
                                                        path.guest_id)
            await announce(self._ingest._pool, new_envelope(
                subjects.MEDIA_STREAM_PUBLISHED, subject=path.live_id, enterprise_id=answer.enterprise_id,
                correlation_id=path.live_id, payload=media_events.StreamPublished(
                    live_id=path.live_id, publish_id=publish_id, edge_id=self._settings.edge_id,
                    guest_id=path.guest_id)))
            log.info("publish accepted", peer=call.peer, via="callback", record=answer.record)
        return self._allow(call)

    def _live_of(self, publish_id: str, call: Call) -> RemotePublish | None:
        known = self._publishes.get(publish_id)
        if known is not None:
            return known
        path = parse_stream(call.app, self._stream_name(call), self._settings.rtmp_app)
        live_id = path.live_id if path else call.name
        return RemotePublish(live_id, "", True, path.guest_id if path else "") if is_id(live_id, "live") else None

    async def on_publish_done(self, request: web.Request) -> web.StreamResponse:
        call = await self._call(request)
        if isinstance(call, web.Response):
            return call
        publish_id = self._publish_id(request, call)
        publish = self._live_of(publish_id, call)
        if publish is None:
            return self._allow(call)
        await announce(self._ingest._pool, new_envelope(
            subjects.MEDIA_STREAM_UNPUBLISHED, subject=publish.live_id, enterprise_id=publish.enterprise_id,
            correlation_id=publish.live_id, payload=media_events.StreamUnpublished(
                live_id=publish.live_id, publish_id=publish_id, edge_id=self._settings.edge_id,
                reason=media_events.UNPUBLISH_REASON_PUBLISHER_STOPPED, detail="publish_done callback",
                guest_id=publish.guest_id)))
        log.info("stream unpublished", live_id=publish.live_id, correlation_id=publish.live_id,
                 publish_id=publish_id, via="callback")
        return self._allow(call)

    async def on_update(self, request: web.Request) -> web.StreamResponse:
        call = await self._call(request)
        if isinstance(call, web.Response):
            return call
        publish_id = self._publish_id(request, call)
        publish = self._publishes.get(publish_id)
        if publish is None:
            return self._allow(call)  # a player's update, or a publish this edge never saw
        answer = await self._ingest.renew(publish.live_id, publish_id, publish.guest_id)
        if answer is not None and not answer.allowed:
            log.info("publish cut off by live", live_id=publish.live_id, reason=answer.reason, via="callback")
            return self._deny(answer.reason)
        return self._allow(call)

    async def on_play(self, request: web.Request) -> web.StreamResponse:
        call = await self._call(request)
        if isinstance(call, web.Response):
            return call
        try:
            self._rights.check(call.args.get("token", ""), live_id=call.name, replay=False)
        except PlayRefused as refusal:
            log.warning("playback refused", reason=refusal.reason, live_id=call.name, via="callback")
            return self._deny(refusal.reason)
        return self._allow(call)

    async def on_record_done(self, request: web.Request) -> web.StreamResponse:
        call = await self._call(request)
        if isinstance(call, web.Response):
            return call
        publish_id = self._publish_id(request, call)
        publish = self._live_of(publish_id, call)
        self._publishes.pop(publish_id, None)
        store = self._ingest.store
        path = Path(call.path).resolve() if call.path else None  # noqa: ASYNC240 (local disk)
        if publish is None or path is None or not path.is_relative_to(store.root) or not path.is_file():
            log.warning("recording refused", reason="RECORDING_OUTSIDE_MEDIA_ROOT", path=call.path[:200],
                        via="callback")
            return self._deny("RECORDING_OUTSIDE_MEDIA_ROOT")
        if not publish.record:
            path.unlink(missing_ok=True)  # no replay allowed: nothing is kept
            return self._allow(call)
        try:
            facts = flv.scan(path)
        except (OSError, ValueError) as exc:
            log.warning("recording unreadable", path=str(path), error=str(exc), via="callback")
            return self._allow(call)
        if facts.has_media:
            await announce(self._ingest._pool, new_envelope(
                subjects.MEDIA_RECORDING_FINISHED, subject=publish.live_id, enterprise_id=publish.enterprise_id,
                correlation_id=publish.live_id, payload=media_events.RecordingFinished(
                    live_id=publish.live_id, publish_id=publish_id, edge_id=self._settings.edge_id,
                    path=store.relative(path), duration_ms=facts.duration_ms, bytes=path.stat().st_size,
                    media=media_info(facts), start_time=timestamp(publish.started_at))))
        return self._allow(call)
