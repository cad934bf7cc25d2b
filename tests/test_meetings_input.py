"""Bad input on every MeetingsService RPC gets INVALID_ARGUMENT with a reason (never UNKNOWN), and a
call without a token UNAUTHENTICATED (SPEC F-05; DESIGN "gRPC rules")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from convene.meetings.v1 import meetings_pb2 as mpb
from services.runtime.events import timestamp
from services.runtime.ids import new_id
from tests.harness import System, bearer, forged_page_token, refused
from tests.meetings_support import in_seconds, meetings, meetings_world

MEETING = new_id("meeting")
PERSON = new_id("member")
SOON = timestamp(in_seconds(3600))
VIDEO = mpb.MEETING_TYPE_VIDEO


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


def scheduled(**fields: object) -> dict:
    """A valid ScheduleMeeting request, changed by `fields`."""
    return {"request_id": "r", "topic": "Sync", "type": VIDEO, "start_time": SOON, "duration_minutes": 30, **fields}


def weekly(**fields: object) -> mpb.Recurrence:
    return mpb.Recurrence(frequency=mpb.RECURRENCE_FREQUENCY_WEEKLY, **fields)


# RPC -> (request fields, expected reason): one bad request per RPC, more where there is more to get wrong.
BAD_INPUT: list[tuple[str, dict, str]] = [
    ("ScheduleMeeting", scheduled(request_id=""), "FIELD_REQUIRED"),
    ("ScheduleMeeting", scheduled(topic="  "), "FIELD_REQUIRED"),
    ("ScheduleMeeting", scheduled(topic="x" * 201), "FIELD_TOO_LONG"),
    ("ScheduleMeeting", scheduled(type=0), "INVALID_ENUM_VALUE"),
    ("ScheduleMeeting", scheduled(type=7), "INVALID_ENUM_VALUE"),
    ("ScheduleMeeting", scheduled(start_time=None), "FIELD_REQUIRED"),
    ("ScheduleMeeting", scheduled(duration_minutes=0), "INVALID_DURATION"),
    ("ScheduleMeeting", scheduled(duration_minutes=1441), "INVALID_DURATION"),
    ("ScheduleMeeting", scheduled(participant_ids=[MEETING]), "MALFORMED_ID"),
    ("ScheduleMeeting", scheduled(participant_ids=[PERSON] * 301), "TOO_MANY_VALUES"),
    ("ScheduleMeeting", scheduled(notes="x" * 5001), "FIELD_TOO_LONG"),
    ("ScheduleMeeting", scheduled(time_zone="Mars/Olympus_Mons"), "UNKNOWN_TIME_ZONE"),
    ("ScheduleMeeting", scheduled(time_zone="../../etc/passwd"), "UNKNOWN_TIME_ZONE"),
    ("ScheduleMeeting", scheduled(recurrence=mpb.Recurrence(interval=2)), "INVALID_ENUM_VALUE"),
    ("ScheduleMeeting", scheduled(recurrence=weekly(interval=100)), "INVALID_RECURRENCE"),
    ("ScheduleMeeting", scheduled(recurrence=weekly(count=501)), "INVALID_RECURRENCE"),
    ("ScheduleMeeting", scheduled(recurrence=weekly(until_date="2030-02-30")), "INVALID_DATE"),
    ("ScheduleMeeting", scheduled(recurrence=weekly(until_date="20300101")), "INVALID_DATE"),
    ("ScheduleMeeting", scheduled(recurrence=weekly(until_date="2030-01-01", count=3)), "INVALID_RECURRENCE"),
    ("ScheduleMeeting", scheduled(recurrence=weekly(until_date="2000-01-01")), "UNTIL_BEFORE_START"),
    ("ScheduleMeeting", scheduled(reminder_audience=9), "INVALID_ENUM_VALUE"),
    ("ScheduleMeeting", scheduled(start_time=timestamp(in_seconds(-7200))), "START_TIME_IN_PAST"),
    ("MeetNow", {"request_id": "r", "type": VIDEO}, "FIELD_REQUIRED"),
    ("MeetNow", {"request_id": "r", "participant_ids": [PERSON]}, "INVALID_ENUM_VALUE"),
    ("MeetNow", {"type": VIDEO, "participant_ids": [PERSON]}, "FIELD_REQUIRED"),
    ("MeetNow", {"request_id": "r", "type": VIDEO, "participant_ids": ["usr_x"]}, "MALFORMED_ID"),
    ("GetMeeting", {}, "FIELD_REQUIRED"),
    ("GetMeeting", {"meeting_id": PERSON}, "MALFORMED_ID"),
    ("ListMyMeetings", {"page_size": -1}, "INVALID_PAGE_SIZE"),
    ("ListMyMeetings", {"page_token": "not-ours"}, "INVALID_PAGE_TOKEN"),
    ("ListMyMeetings", {"page_token": forged_page_token({"before": 3})}, "INVALID_PAGE_TOKEN"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(topic="x"), "update_mask": mask("topic")}, "FIELD_REQUIRED"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING)}, "FIELD_REQUIRED"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING), "update_mask": mask("state")}, "INVALID_UPDATE_MASK"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING), "update_mask": mask("topic")}, "FIELD_REQUIRED"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING), "update_mask": mask("start_time")}, "FIELD_REQUIRED"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING), "update_mask": mask("duration_minutes")},
     "INVALID_DURATION"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING, time_zone="Nowhere"), "update_mask": mask("time_zone")},
     "UNKNOWN_TIME_ZONE"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING, participant_ids=["grp_1"]),
                       "update_mask": mask("participant_ids")}, "MALFORMED_ID"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING, recurrence=weekly(count=-1)),
                       "update_mask": mask("recurrence")}, "INVALID_RECURRENCE"),
    ("UpdateMeeting", {"meeting": mpb.Meeting(id=MEETING, reminder_audience=5),
                       "update_mask": mask("reminder_audience")}, "INVALID_ENUM_VALUE"),
    ("CancelMeeting", {"meeting_id": "mtg_"}, "MALFORMED_ID"),
    ("CancelMeeting", {"meeting_id": MEETING, "reason": "x" * 501}, "FIELD_TOO_LONG"),
    ("ListOccurrences", {"meeting_id": MEETING, "page_size": -2}, "INVALID_PAGE_SIZE"),
    ("ListOccurrences", {"meeting_id": MEETING, "page_token": forged_page_token({"after": "yesterday"})},
     "INVALID_PAGE_TOKEN"),
    ("UpdateOccurrence", {"meeting_id": MEETING, "update_mask": mask("topic")}, "FIELD_REQUIRED"),
    ("UpdateOccurrence", {"meeting_id": MEETING, "occurrence": mpb.Occurrence(original_start_time=SOON),
                          "update_mask": mask("participant_ids")}, "INVALID_UPDATE_MASK"),
    ("UpdateOccurrence", {"meeting_id": MEETING, "occurrence": mpb.Occurrence(original_start_time=SOON),
                          "update_mask": mask("duration_minutes")}, "INVALID_DURATION"),
    ("CancelOccurrence", {"meeting_id": MEETING}, "FIELD_REQUIRED"),
    ("ReplyToMeeting", {"meeting_id": MEETING}, "INVALID_ENUM_VALUE"),
    ("ReplyToMeeting", {"meeting_id": MEETING, "status": 4}, "INVALID_ENUM_VALUE"),
    ("ListMeetingReplies", {"meeting_id": MEETING, "page_size": -1}, "INVALID_PAGE_SIZE"),
    ("StartMeeting", {}, "FIELD_REQUIRED"),
    ("JoinMeeting", {"meeting_id": "call_x"}, "MALFORMED_ID"),
    ("DeclineMeetingCall", {"meeting_id": ""}, "FIELD_REQUIRED"),
    ("LeaveMeeting", {"meeting_id": PERSON}, "MALFORMED_ID"),
    ("EndMeeting", {"meeting_id": "x"}, "MALFORMED_ID"),
    ("ListMeetingAttendees", {"meeting_id": MEETING, "session_number": -1}, "INVALID_SESSION_NUMBER"),
    ("ListMeetingAttendees", {"meeting_id": MEETING, "page_size": -1}, "INVALID_PAGE_SIZE"),
]
METHODS = [m.name for m in mpb.DESCRIPTOR.services_by_name["MeetingsService"].methods]


def test_every_rpc_is_covered() -> None:
    assert sorted({rpc for rpc, _, _ in BAD_INPUT}) == sorted(METHODS)


@pytest.fixture(scope="module")
async def world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with meetings_world(postgres, tmp_path_factory.mktemp("meetings-input")) as system:
        yield system


@pytest.fixture(scope="module")
async def token(world: System) -> str:
    org = await world.create_org(members=0)
    return org.tokens[org.admin_id]


@pytest.mark.parametrize(("rpc", "fields", "reason"), BAD_INPUT,
                         ids=[f"{rpc}-{reason}-{i}" for i, (rpc, _, reason) in enumerate(BAD_INPUT)])
async def test_bad_input_is_refused_with_a_reason(world: System, token: str, rpc: str, fields: dict,
                                                  reason: str) -> None:
    request = getattr(mpb, f"{rpc}Request")(**{k: v for k, v in fields.items() if v is not None})
    assert await refused(getattr(meetings(world), rpc)(request, metadata=bearer(token))) == (
        grpc.StatusCode.INVALID_ARGUMENT, reason)


@pytest.mark.parametrize("rpc", METHODS)
async def test_every_rpc_needs_a_token(world: System, rpc: str) -> None:
    request = getattr(mpb, f"{rpc}Request")()
    assert await refused(getattr(meetings(world), rpc)(request)) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING")


async def test_unknown_meetings_are_not_found(world: System, token: str) -> None:
    for rpc in ("GetMeeting", "StartMeeting", "JoinMeeting", "LeaveMeeting", "EndMeeting", "CancelMeeting",
                "DeclineMeetingCall", "ListMeetingReplies", "ListOccurrences", "ListMeetingAttendees"):
        request = getattr(mpb, f"{rpc}Request")(meeting_id=MEETING)
        assert await refused(getattr(meetings(world), rpc)(request, metadata=bearer(token))) == (
            grpc.StatusCode.NOT_FOUND, "MEETING_NOT_FOUND"), rpc
