"""Request validation: the checks every request passes before any work, and the helpers
servicers use for their own rules. Each refusal is InvalidArgument with a reason and the field.

`RequestPlan` is built once per request type from its protobuf descriptor (the RPC guard keeps
one per method) and refuses, at any depth, what PostgreSQL or Python cannot hold: text with NUL
(PostgreSQL's text cannot store it), text longer than any field takes, enum numbers the enum
does not define (proto3 keeps unknown numbers), Timestamps outside what datetime holds once any
time zone is applied (a day inside 0001-01-01 .. 9999-12-31, nanos within a second), and repeated
fields longer than any list an RPC takes. Measured: a few microseconds for a small request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from services.runtime.errors import InvalidArgument
from services.runtime.ids import PREFIXES, kind_of

MAX_REQUEST_ID = 128
E = TypeVar("E", bound=int)  # a protobuf enum's values are ints
# The longest text any field takes (meeting notes are 5,000 characters).
MAX_TEXT = 16_384
# The longest list any field takes: the members of the largest group.
MAX_REPEATED = 2_000
# Timestamps a request may carry: one day inside datetime's range (0001-01-01 .. 9999-12-31),
# so that the largest time zone offset (+14 h, -12 h) still lands inside it.
MIN_TIMESTAMP_S = -62135596800 + 86400
MAX_TIMESTAMP_S = 253402300799 - 86400
_TIMESTAMP = "google.protobuf.Timestamp"

Check = Callable[[Any, str], None]


def _check_text(value: str, field: str) -> None:
    if "\x00" in value:
        raise InvalidArgument("INVALID_TEXT", f"{field} contains a NUL character", field=field)
    if len(value) > MAX_TEXT:
        raise InvalidArgument("FIELD_TOO_LONG", f"{field} is longer than {MAX_TEXT} characters", field=field)


def _enum_check(field_descriptor: FieldDescriptor) -> Check:
    enum = field_descriptor.enum_type
    assert enum is not None, field_descriptor.full_name
    defined = frozenset(v.number for v in enum.values)
    names = ", ".join(v.name for v in enum.values[1:])

    def check(value: int, field: str) -> None:
        if value not in defined:
            raise InvalidArgument("INVALID_ENUM_VALUE", f"{field} must be one of {names}", field=field)

    return check


def _check_timestamp(value: Message, field: str) -> None:
    seconds, nanos = value.seconds, value.nanos  # type: ignore[attr-defined]
    if not (MIN_TIMESTAMP_S <= seconds <= MAX_TIMESTAMP_S and 0 <= nanos <= 999_999_999):
        raise InvalidArgument("TIMESTAMP_OUT_OF_RANGE",
                              f"{field} must lie between 0001-01-02 and 9999-12-30 (nanos below one second)",
                              field=field)


class RequestPlan:
    """The checks of one message type, per field: (name, check, repeated, nested message?).
    A nested message's check is its own plan, called with the field's path as prefix."""

    def __init__(self, descriptor: Descriptor, _plans: dict[str, RequestPlan] | None = None) -> None:
        plans = {} if _plans is None else _plans
        plans[descriptor.full_name] = self  # a recursive type reuses the plan being built
        self._fields: list[tuple[str, Check, bool, bool]] = []
        for f in descriptor.fields:
            check: Check = _nothing
            nested = False
            inner = f.message_type
            if f.type == FieldDescriptor.TYPE_STRING:
                check = _check_text
            elif f.type == FieldDescriptor.TYPE_ENUM:
                check = _enum_check(f)
            elif inner is not None and inner.full_name == _TIMESTAMP:
                check = _check_timestamp
            elif inner is not None:
                check = (plans.get(inner.full_name) or RequestPlan(inner, plans)).check
                nested = True
            if check is not _nothing or f.is_repeated:
                self._fields.append((f.name, check, f.is_repeated, nested))
        self._has_presence = {f.name for f in descriptor.fields
                              if f.type == FieldDescriptor.TYPE_MESSAGE and not f.is_repeated}

    def check(self, message: Message, prefix: str = "") -> None:
        for name, check, repeated, nested in self._fields:
            field = prefix + name
            if repeated:
                values = getattr(message, name)
                if len(values) > MAX_REPEATED:
                    raise InvalidArgument("TOO_MANY_VALUES", f"{field} has more than {MAX_REPEATED} entries",
                                          field=field)
                if check is _check_text:  # the common list: ids; the path is built only to refuse
                    if any("\x00" in value or len(value) > MAX_TEXT for value in values):
                        for index, value in enumerate(values):
                            _check_text(value, f"{field}[{index}]")
                    continue
                for index, value in enumerate(values):
                    check(value, f"{field}[{index}]." if nested else f"{field}[{index}]")
            elif name in self._has_presence:
                if message.HasField(name):
                    check(getattr(message, name), field + "." if nested else field)
            else:
                check(getattr(message, name), field)


def _nothing(value: object, field: str) -> None:
    return None


_PLANS: dict[str, RequestPlan] = {}


def request_plan(descriptor: Descriptor) -> RequestPlan:
    """The plan of a request type, built on first use and kept (the RPC guard asks per method)."""
    plan = _PLANS.get(descriptor.full_name)
    if plan is None:
        plan = _PLANS[descriptor.full_name] = RequestPlan(descriptor)
    return plan


def require_text(field: str, value: str, *, max_len: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument("FIELD_REQUIRED", f"{field} is required", field=field)
    if len(value) > max_len:
        raise InvalidArgument(
            "FIELD_TOO_LONG", f"{field} is longer than {max_len} characters", field=field
        )
    return value


def require_id(field: str, value: str, *kinds: str) -> str:
    if not value:
        raise InvalidArgument("FIELD_REQUIRED", f"{field} is required", field=field)
    if kind_of(value) not in kinds:
        expected = " or ".join(f"{PREFIXES[k]}_" for k in kinds)
        raise InvalidArgument(
            "MALFORMED_ID", f"{field} must be an id starting with {expected}", field=field
        )
    return value


def require_ids(field: str, values: Iterable[str], *kinds: str, max_count: int) -> list[str]:
    values = list(values)
    if len(values) > max_count:
        raise InvalidArgument(
            "TOO_MANY_VALUES", f"{field} has more than {max_count} entries", field=field
        )
    return [require_id(field, v, *kinds) for v in values]


def require_request_id(value: str) -> str:
    return require_text("request_id", value, max_len=MAX_REQUEST_ID)


def require_enum(field: str, message: Message, value: E, *, allow_unspecified: bool = False) -> E:
    """Reject values outside the enum (proto3 keeps unknown numbers) and, unless allowed, zero."""
    enum = message.DESCRIPTOR.fields_by_name[field].enum_type
    assert enum is not None, f"{field} is not an enum field"
    if value not in enum.values_by_number or (value == 0 and not allow_unspecified):
        raise InvalidArgument(
            "INVALID_ENUM_VALUE",
            f"{field} must be one of {', '.join(v.name for v in enum.values[1:])}",
            field=field,
        )
    return value


def page_size(value: int, *, default: int, maximum: int) -> int:
    if value < 0:
        raise InvalidArgument("INVALID_PAGE_SIZE", "page_size must not be negative", field="page_size")
    return min(value or default, maximum)
