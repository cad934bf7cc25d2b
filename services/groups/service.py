"""Wiring of the groups service: the gRPC servicers (groups and chats, covers), the membership and
chat-items responders, the consumers that keep cards current (lives, meetings), count the viewers
each forward brought and keep identity's enterprises, and the timer that pushes a chat's reads."""

from __future__ import annotations

from pathlib import Path

from convene.groups.v1 import covers_pb2, covers_pb2_grpc, groups_pb2, groups_pb2_grpc, membership_pb2
from services.groups.calls import Calls
from services.groups.chat import READS_TIMER, Chat
from services.groups.covers import Covers
from services.groups.domain import Groups
from services.groups.forwarding import Forwarding
from services.groups.red_packets import RedPackets
from services.groups.servicer import CoversServicer, GroupsServicer
from services.groups.settings import GroupsSettings
from services.runtime import bus, subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec
from services.runtime.share_links import ShareLinks

SERVICE_NAME = groups_pb2.DESCRIPTOR.services_by_name["GroupsService"].full_name
COVERS_SERVICE_NAME = covers_pb2.DESCRIPTOR.services_by_name["CoversService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, GroupsSettings)
    groups = Groups(runtime.pool, runtime.nc, settings, runtime.secret)
    forwarding = Forwarding(runtime.pool, groups, settings,
                            ShareLinks(runtime.keyset, runtime.keys, settings.share_base_url))
    calls = Calls(runtime.pool, settings)
    covers = Covers(runtime.pool, runtime.nc)
    red_packets = RedPackets(runtime.pool, covers)
    chat = Chat(runtime.pool, settings, red_packets)

    async def start_responders():
        subscriptions = [
            await bus.serve(runtime.nc, subjects.GROUPS_CHECK_MEMBERSHIP, membership_pb2.CheckMembershipRequest,
                            groups.check_membership, queue="groups"),
            await bus.serve(runtime.nc, subjects.GROUPS_LIST_CHAT_ITEMS, membership_pb2.ListChatItemsRequest,
                            chat.list_chat_items, queue="groups"),
        ]

        async def stop() -> None:
            for subscription in subscriptions:
                await subscription.unsubscribe()

        return stop

    return ServiceParts(
        registrations=[(groups_pb2_grpc.add_GroupsServiceServicer_to_server,
                        GroupsServicer(groups, forwarding, calls, chat, red_packets)),
                       (covers_pb2_grpc.add_CoversServiceServicer_to_server, CoversServicer(covers))],
        service_names=[SERVICE_NAME, COVERS_SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="groups--live-cards", source="live",
                         subjects=[subjects.LIVE_SESSION_SCHEDULED, subjects.LIVE_SESSION_STARTED,
                                   subjects.LIVE_SESSION_ENDED, subjects.LIVE_REPLAY_READY,
                                   subjects.LIVE_REPLAY_DELETED],
                         handler=groups.on_live_event),
            ConsumerSpec(durable="groups--meeting-cards", source="meetings",
                         subjects=[subjects.MEETINGS_MEETING_STARTED, subjects.MEETINGS_MEETING_ENDED],
                         handler=calls.on_meeting_event),
            ConsumerSpec(durable="groups--share-viewers", source="live",
                         subjects=[subjects.LIVE_VIEWER_JOINED], handler=forwarding.on_viewer_joined),
            ConsumerSpec(durable="groups--enterprises", source="identity",
                         subjects=[subjects.IDENTITY_ENTERPRISE_CREATED, subjects.IDENTITY_ENTERPRISE_VERIFIED,
                                   subjects.IDENTITY_ENTERPRISE_UNVERIFIED],
                         handler=covers.on_identity_event),
        ],
        timers={READS_TIMER: chat.on_reads_due},
        workers=[start_responders],
    )


DEFINITION = ServiceDefinition(name="groups", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=GroupsSettings)
