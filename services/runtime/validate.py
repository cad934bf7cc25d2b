"""Request validation helpers shared by every servicer: each raises InvalidArgument with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from google.protobuf.message import Message

from services.runtime.errors import InvalidArgument
from services.runtime.ids import PREFIXES, kind_of

MAX_REQUEST_ID = 128
E = TypeVar("E", bound=int)  # a protobuf enum's values are ints


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
