"""NotificationsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from convene.notifications.v1 import notifications_pb2 as pb
from convene.notifications.v1 import notifications_pb2_grpc
from services.notifications import texts
from services.notifications.domain import Notifications
from services.notifications.notices import MAX_THREAD_ID
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument


def _locale(context: grpc.aio.ServicerContext) -> str:
    """The catalog the caller's `accept-language` metadata picks (texts in it), `en` without one."""
    for key, value in context.invocation_metadata() or ():
        if key == "accept-language" and isinstance(value, str):
            return texts.negotiate(value)
    return texts.DEFAULT_LOCALE


def _sequence(field: str, value: int) -> int:
    if value < 0:
        raise InvalidArgument("INVALID_SEQUENCE", f"{field} must not be negative", field=field)
    return value


class NotificationsServicer(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self, notifications: Notifications) -> None:
        self._notifications = notifications

    def Subscribe(self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
        # The domain's stream itself, serialized responses (no generator of its own in between:
        # every item of every stream passes through each one).
        _sequence("after_sequence", request.after_sequence)
        if request.user_id:
            v.require_id("user_id", request.user_id, "member", "wechat_user")
        return self._notifications.subscribe(caller(), request.user_id, request.after_sequence, _locale(context))

    async def ListNotifications(self, request: pb.ListNotificationsRequest, context: grpc.aio.ServicerContext) -> pb.ListNotificationsResponse:
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._notifications.list_notifications(caller(), size, request.page_token, _locale(context))

    async def MarkRead(self, request: pb.MarkReadRequest, context: grpc.aio.ServicerContext) -> pb.MarkReadResponse:
        thread_id = v.require_text("thread_id", request.thread_id, max_len=MAX_THREAD_ID)
        return await self._notifications.mark_read(
            caller(), thread_id, _sequence("up_to_sequence", request.up_to_sequence))

    async def MarkAllRead(self, request: pb.MarkAllReadRequest, context: grpc.aio.ServicerContext) -> pb.MarkAllReadResponse:
        return await self._notifications.mark_all_read(caller(), _sequence("up_to_sequence", request.up_to_sequence))
