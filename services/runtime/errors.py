"""The one error catalog: domain errors carry a gRPC status and a machine-readable reason.

Domain code raises these; the server's RPC guard turns them into the status, a message
and a `google.rpc.ErrorInfo` (AIP-193). Anything else becomes INTERNAL, never UNKNOWN.
"""

from __future__ import annotations

import grpc

# Client input is echoed back bounded: a message and every ErrorInfo metadata value are cut to
# these lengths, so an error answer always fits in the 8 KiB of trailers a default gRPC client
# accepts, whatever the request held.
MAX_MESSAGE_CHARS = 400
MAX_METADATA_CHARS = 120


def bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class DomainError(Exception):
    """A refusal a client can act on. `reason` is UPPER_SNAKE_CASE and stable."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, reason: str, message: str, **metadata: object) -> None:
        message = bounded(message, MAX_MESSAGE_CHARS)
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata = {key: bounded(str(value), MAX_METADATA_CHARS) for key, value in metadata.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason!r}, {self.message!r})"


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhausted(DomainError):
    """A limit was reached. `retry_after_s`, when known, reaches the client as a
    google.rpc.RetryInfo beside the ErrorInfo."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, reason: str, message: str, *, retry_after_s: float | None = None, **metadata: object) -> None:
        super().__init__(reason, message, **metadata)
        self.retry_after_s = retry_after_s


class Unavailable(DomainError):
    """A dependency (PostgreSQL, NATS, another service's answer) is not reachable right now;
    retry. Clients are told when, as a `google.rpc.RetryInfo`."""

    code = grpc.StatusCode.UNAVAILABLE

    def __init__(self, reason: str, message: str, *, retry_after_s: float = 1.0, **metadata: object) -> None:
        super().__init__(reason, message, **metadata)
        self.retry_after_s = retry_after_s


class OutOfRange(DomainError):
    code = grpc.StatusCode.OUT_OF_RANGE
