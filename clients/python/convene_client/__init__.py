"""Convene's Python client, for scripts and integration tests: typed stubs for every service over
native gRPC, each call carrying the bearer token (and, when given, the locale notifications are
written in), and the ErrorInfo of a refused call.

    from convene_client import Convene, error_info

    async with Convene.from_run_dir(".run") as convene:          # what `make run` started, operator token
        created = await convene.identity.CreateEnterprise(identity_pb2.CreateEnterpriseRequest(
            request_id="r1", name="Acme"))
        member = convene.as_token(member_token, locale="zh-Hans")   # the same channels, another caller
        async for item in member.notifications.Subscribe(notifications_pb2.SubscribeRequest()):
            ...

Messages are the generated ones (`convene.<service>.v1.<service>_pb2`), installed with this package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

import grpc
from google.rpc import error_details_pb2, status_pb2

from convene.groups.v1 import covers_pb2_grpc, groups_pb2_grpc
from convene.identity.v1 import identity_pb2_grpc
from convene.live.v1 import live_pb2_grpc, moderation_pb2_grpc, room_pb2_grpc
from convene.meetings.v1 import meetings_pb2_grpc
from convene.notifications.v1 import notifications_pb2_grpc

__all__ = ["Convene", "ErrorInfo", "error_info"]

STUBS: dict[str, Callable[[grpc.aio.Channel], Any]] = {
    "identity": identity_pb2_grpc.IdentityServiceStub,
    "groups": groups_pb2_grpc.GroupsServiceStub,
    "covers": covers_pb2_grpc.CoversServiceStub,
    "live": live_pb2_grpc.LiveServiceStub,
    "room": room_pb2_grpc.RoomServiceStub,
    "moderation": moderation_pb2_grpc.ModerationServiceStub,
    "meetings": meetings_pb2_grpc.MeetingsServiceStub,
    "notifications": notifications_pb2_grpc.NotificationsServiceStub,
}
_SERVED_BY = {"covers": "groups", "room": "live", "moderation": "live"}
Stub = TypeVar("Stub")


class _Bound(Generic[Stub]):
    """A stub whose every method call carries the client's metadata (and any given per call)."""

    def __init__(self, stub: Stub, metadata: tuple[tuple[str, str], ...]) -> None:
        self._stub = stub
        self._metadata = metadata

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._stub, name)
        metadata = self._metadata

        def call(request: Any, *, metadata_extra: tuple[tuple[str, str], ...] = (), **kwargs: Any) -> Any:
            return method(request, metadata=(*metadata, *metadata_extra), **kwargs)

        return call


class Convene:
    """Channels to each service and stubs bound to one caller's token."""

    def __init__(self, addresses: Mapping[str, str], token: str = "", *, locale: str = "",
                 channels: dict[str, grpc.aio.Channel] | None = None) -> None:
        self.addresses = dict(addresses)
        self.token = token
        self.locale = locale
        self._channels = channels if channels is not None else {}
        self._owns_channels = channels is None

    @classmethod
    def from_run_dir(cls, run_dir: str | Path = ".run", token: str | None = None, *, locale: str = "") -> Convene:
        """What `make run` started: the addresses in `.run/addresses.json` and, unless a token is
        given, the operator token in `.run/operator_token`."""
        folder = Path(run_dir)
        addresses = json.loads((folder / "addresses.json").read_text())
        if token is None:
            token = (folder / "operator_token").read_text().strip()
        return cls({name: addresses[name] for name in STUBS if name in addresses}, token, locale=locale)

    def as_token(self, token: str, *, locale: str | None = None) -> Convene:
        """The same channels, another caller (close the original only)."""
        return Convene(self.addresses, token, locale=self.locale if locale is None else locale,
                       channels=self._channels)

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        metadata: list[tuple[str, str]] = []
        if self.token:
            metadata.append(("authorization", f"Bearer {self.token}"))
        if self.locale:
            metadata.append(("accept-language", self.locale))
        return tuple(metadata)

    def _stub(self, name: str) -> Any:
        # Each stub's service runs in a service process: covers in groups', the room and
        # moderation in live's.
        server = _SERVED_BY.get(name, name)
        if server not in self._channels:
            self._channels[server] = grpc.aio.insecure_channel(self.addresses[server])
        return _Bound(STUBS[name](self._channels[server]), self._metadata())

    @property
    def identity(self) -> Any:
        return self._stub("identity")

    @property
    def groups(self) -> Any:
        return self._stub("groups")

    @property
    def covers(self) -> Any:
        """Enterprise red-packet covers (served by the groups service)."""
        return self._stub("covers")

    @property
    def live(self) -> Any:
        return self._stub("live")

    @property
    def room(self) -> Any:
        """A live's room: its stream, comments, likes, raised hands (served by the live service)."""
        return self._stub("room")

    @property
    def moderation(self) -> Any:
        """Moderating a live's room and its reports (served by the live service)."""
        return self._stub("moderation")

    @property
    def meetings(self) -> Any:
        return self._stub("meetings")

    @property
    def notifications(self) -> Any:
        return self._stub("notifications")

    async def close(self) -> None:
        if self._owns_channels:
            for channel in self._channels.values():
                await channel.close()
            self._channels.clear()

    async def __aenter__(self) -> Convene:
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.close()


@dataclass(frozen=True)
class ErrorInfo:
    """What a refused call says (docs/ERRORS.md has every reason and what to do about it)."""

    code: grpc.StatusCode
    reason: str
    domain: str
    metadata: dict[str, str]
    message: str


def error_info(error: grpc.aio.AioRpcError) -> ErrorInfo | None:
    """The google.rpc.ErrorInfo of a refused call, or None when it carries none."""
    for key, value in tuple(error.trailing_metadata() or ()):
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return ErrorInfo(error.code(), info.reason, info.domain, dict(info.metadata), error.details() or "")
    return None
