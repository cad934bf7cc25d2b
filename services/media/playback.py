"""HLS playback over HTTP: every playlist and segment request shows a play token.

    GET /hls/live/<live id>/index.m3u8?token=...     the live stream
    GET /hls/replay/<live id>/index.m3u8?token=...   its replay (VOD)
    GET /hls/<live|replay>/<live id>/<segment>?token=...

The token comes as `?token=` (what every player can do) or the `X-Play-Token` header (hls.js
can set it). Playlists are served with the caller's token added to every segment address, so
players that only know the playlist URL (ffplay, Safari, a phone's native player) go on working.
Missing, forged, expired, other-live or live-vs-replay tokens get 403, and so does a token whose
right was taken away since it was minted (media.play_rights: removed, ended, audience, revoked); malformed paths (`..`,
unknown kinds or names) get 400; a missing file 404. Each refusal is logged with its reason and
the edge goes on serving. CORS headers let a web page on another origin play.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from services.media.ingest import MediaStore
from services.media.play_rights import PlayRights
from services.runtime.ids import is_id
from services.runtime.logs import get_logger
from services.runtime.play_tokens import PlayRefused

log = get_logger(__name__)

PLAYLIST = "index.m3u8"
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}\.(ts|m4s|mp4|aac)$")
CONTENT_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "ts": "video/mp2t", "m4s": "video/iso.segment",
                 "mp4": "video/mp4", "aac": "audio/aac"}


def with_token(playlist: str, token: str) -> str:
    """The playlist with `token` on every URI line (segments, and keys or maps if any)."""
    suffix = f"token={token}"
    lines = []
    for line in playlist.splitlines():
        if line and not line.startswith("#"):
            line = f"{line}{'&' if '?' in line else '?'}{suffix}"
        lines.append(line)
    return "\n".join(lines) + "\n"


class Playback:
    def __init__(self, store: MediaStore, rights: PlayRights, *, cors_origin: str) -> None:
        self._store = store
        self._rights = rights
        self._cors_origin = cors_origin
        self.refused = 0

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/hls/{kind}/{live_id}/{name}", self.serve),
            web.get("/hls/guest/{live_id}/{guest_id}/{name}", self.serve),
            web.options("/hls/{tail:.*}", self.preflight),
            web.get("/hls/{tail:.*}", self.malformed),
        ]

    def _cors(self, response: web.StreamResponse) -> web.StreamResponse:
        response.headers["Access-Control-Allow-Origin"] = self._cors_origin
        response.headers["Access-Control-Expose-Headers"] = "Content-Length, Content-Range"
        return response

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "X-Play-Token, Range"
        response.headers["Access-Control-Max-Age"] = "600"
        return self._cors(response)

    def _refuse(self, request: web.Request, status: int, reason: str, **facts: object) -> web.StreamResponse:
        self.refused += 1
        log.warning("playback refused", status=status, reason=reason, path=request.path[:200],
                    peer=request.remote, **facts)
        return self._cors(web.Response(status=status, text=f"{reason}\n"))

    async def malformed(self, request: web.Request) -> web.StreamResponse:
        return self._refuse(request, 400, "MALFORMED_PATH")

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """`/hls/live|replay/<live id>/<file>`, or `/hls/guest/<live id>/<guest id>/<file>` for the
        stream of a guest on the mic, played with the viewer's token for the live."""
        live_id, name = request.match_info["live_id"], request.match_info["name"]
        guest_id = request.match_info.get("guest_id", "")
        kind = "guest" if guest_id else request.match_info["kind"]
        if kind not in ("live", "replay", "guest") or not is_id(live_id, "live") \
                or (guest_id and not is_id(guest_id, "member", "wechat_user")) \
                or not (name == PLAYLIST or _SEGMENT_RE.match(name)) or ".." in name:
            return self._refuse(request, 400, "MALFORMED_PATH")
        token = request.query.get("token") or request.headers.get("X-Play-Token") or ""
        try:
            grant = self._rights.check(token, live_id=live_id, replay=kind == "replay")
        except PlayRefused as refusal:
            return self._refuse(request, 403, refusal.reason, live_id=live_id, viewer_id=refusal.viewer_id)
        folder = {"live": lambda: self._store.live_dir(live_id), "replay": lambda: self._store.replay_dir(live_id),
                  "guest": lambda: self._store.guest_dir(live_id, guest_id)}[kind]()
        path = folder / name
        if not path.is_file():
            return self._refuse(request, 404, "NOT_FOUND", live_id=live_id, viewer_id=grant.viewer_id)
        if name == PLAYLIST:
            return self._cors(self._playlist(path, token, live=kind != "replay"))
        response = web.FileResponse(path, headers={
            "Content-Type": CONTENT_TYPES[name.rsplit(".", 1)[1]],
            # Segments never change; the token in the query keeps shared caches per viewer.
            "Cache-Control": "private, max-age=3600"})
        return self._cors(response)

    @staticmethod
    def _playlist(path: Path, token: str, *, live: bool) -> web.Response:
        try:
            text = path.read_text()
        except OSError:
            raise web.HTTPNotFound() from None
        return web.Response(body=with_token(text, token).encode(), headers={
            "Content-Type": CONTENT_TYPES["m3u8"],
            # A live playlist changes every segment; a VOD never.
            "Cache-Control": "no-cache" if live else "private, max-age=60"})
