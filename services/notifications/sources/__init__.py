"""Where notifications come from: one module per producing service, each wired as its own
durable consumer `notifications--<service>` on that service's stream (a slow or failing source
delays only its own notifications, SPEC F-28).

A source module maps its service's event types to notices (`Source.mappers`). Every source also
takes `<service>.v1.notice.requested` (a NoticesRequested payload): the generic path, through
which a producer asks for any notice, timed or not, with no mapping here at all. Adding a producer
that only uses the generic path is one line in SOURCES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from convene.notifications.v1 import notice_pb2
from services.notifications.delivery import Delivery
from services.runtime import subjects
from services.runtime.consumer import AfterCommit, ConsumerSpec
from services.runtime.db import Connection
from services.runtime.events import Event

# Event -> the notices it makes (an empty list when it makes none).
Mapper = Callable[[Event], list[notice_pb2.Notice]]


@dataclass(frozen=True)
class Source:
    service: str
    mappers: dict[str, Mapper] = field(default_factory=dict)

    @property
    def notice_subject(self) -> str:
        return subjects.notice_requested(self.service)

    def consumer(self, delivery: Delivery) -> ConsumerSpec:
        async def handle(event: Event, conn: Connection) -> AfterCommit | None:
            if event.type == self.notice_subject:
                request = event.payload(notice_pb2.NoticesRequested)
                return await delivery.accept(conn, event, request.notices, request.withdrawals)
            mapper = self.mappers.get(event.type)
            if mapper is None:
                return None
            return await delivery.accept(conn, event, mapper(event))

        return ConsumerSpec(durable=f"notifications--{self.service}", source=self.service,
                            subjects=[*self.mappers, self.notice_subject], handler=handle)


def all_sources() -> list[Source]:
    from services.notifications.sources import groups, identity, live, meetings

    return [groups.SOURCE, identity.SOURCE, live.SOURCE, meetings.SOURCE]
