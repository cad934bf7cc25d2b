"""NotificationsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from convene.notifications.v1 import notifications_pb2 as pb
from convene.notifications.v1 import notifications_pb2_grpc
from services.notifications.domain import Notifications
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument


class NotificationsServicer(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self, notifications: Notifications) -> None:
        self._notifications = notifications

    async def Subscribe(self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.SubscribeResponse]:
        if request.after_sequence < 0:
            raise InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative", field="after_sequence")
        async for response in self._notifications.subscribe(caller(), request.after_sequence):
            yield response

    async def ListNotifications(self, request: pb.ListNotificationsRequest, context: grpc.aio.ServicerContext) -> pb.ListNotificationsResponse:
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._notifications.list_notifications(caller(), size, request.page_token)
