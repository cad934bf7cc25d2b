"""The reference web client's own origin for development: its static files, where the gateway
is, and a development sign-in backed by the operator token.

It listens on a port of its own, so the page runs on another origin than the gateway and every
call it makes is a real cross-origin call (CORS, bearer token in a header), as in production,
where the page comes from a CDN and its tokens from the enterprise's own login backend (which
calls `IdentityService/CreateToken` with the enterprise's API secret). Never run the sign-in
outside development: whoever reaches it can act as any member.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc
from aiohttp import web
from google.protobuf import json_format

from convene.identity.v1 import identity_pb2, identity_pb2_grpc
from services.runtime.ids import is_id
from services.runtime.logs import get_logger

log = get_logger(__name__)

SIGN_IN_TTL_S = 8 * 3600
PEOPLE_PAGE = 50
PICKER_ENTERPRISES = 5
MAX_ENTERPRISE_PAGES = 20


@dataclass(frozen=True)
class DevSiteSettings:
    host: str
    port: int
    # The built web client (`npm run build` writes build/web).
    root: Path
    gateway_url: str
    identity_address: str
    operator_token: str
    # Where the media plane serves HLS, when one runs (the page plays what JoinLive returns).
    media_url: str = ""


class DevSite:
    def __init__(self, settings: DevSiteSettings) -> None:
        self.settings = settings
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._channel: grpc.aio.Channel | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        self._channel = grpc.aio.insecure_channel(self.settings.identity_address)
        app = web.Application()
        app.router.add_get("/config.json", self._config)
        app.router.add_get("/dev/people", self._people)
        app.router.add_post("/dev/sign-in", self._sign_in)
        app.router.add_get("/", self._index)
        if self.settings.root.is_dir():
            app.router.add_static("/", self.settings.root, show_index=False)
        else:
            log.warning("the web client is not built (make web)", root=str(self.settings.root))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("web client ready", url=self.url, gateway=self.settings.gateway_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._channel is not None:
            await self._channel.close(grace=None)

    @property
    def _identity(self) -> identity_pb2_grpc.IdentityServiceStub:
        assert self._channel is not None
        return identity_pb2_grpc.IdentityServiceStub(self._channel)

    def _operator(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.settings.operator_token}"),)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        index = self.settings.root / "index.html"
        if not index.exists():
            return web.Response(status=503, text="the web client is not built: run `make web`")
        return web.FileResponse(index)

    async def _config(self, request: web.Request) -> web.Response:
        return web.json_response({"gatewayUrl": self.settings.gateway_url, "mediaUrl": self.settings.media_url,
                                  "devSignIn": True})

    async def _people(self, request: web.Request) -> web.Response:
        """Members to sign in as: the newest enterprises' members, for a picker (enterprises are
        listed oldest first, so the last pages are read)."""
        try:
            newest: list[identity_pb2.Enterprise] = []
            token = ""
            for _ in range(MAX_ENTERPRISE_PAGES):
                page = await self._identity.ListEnterprises(identity_pb2.ListEnterprisesRequest(
                    page_size=PEOPLE_PAGE, page_token=token), metadata=self._operator())
                newest = [*newest, *page.enterprises][-PEOPLE_PAGE:]
                token = page.next_page_token
                if not token:
                    break
            people = []
            for enterprise in reversed(newest[-PICKER_ENTERPRISES:]):
                members = await self._identity.ListMembers(identity_pb2.ListMembersRequest(
                    enterprise_id=enterprise.id, page_size=PEOPLE_PAGE), metadata=self._operator())
                people += [{"id": m.id, "displayName": m.display_name, "enterprise": enterprise.name,
                            "enterpriseId": enterprise.id} for m in members.members]
        except grpc.aio.AioRpcError as error:
            return web.json_response({"error": error.details()}, status=502)
        return web.json_response({"people": people})

    async def _sign_in(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        principal_id = body.get("principalId", "") if isinstance(body, dict) else ""
        if not is_id(principal_id, "member", "wechat_user"):
            return web.json_response({"error": "principalId must be a usr_ or wx_ id"}, status=400)
        try:
            minted = await self._identity.CreateToken(identity_pb2.CreateTokenRequest(
                principal_id=principal_id, ttl_seconds=SIGN_IN_TTL_S), metadata=self._operator())
        except grpc.aio.AioRpcError as error:
            return web.json_response({"error": error.details(), "code": error.code().name}, status=403)
        log.info("development sign-in", principal_id=principal_id)
        return web.json_response({"principalId": principal_id, **json_format.MessageToDict(minted)})
