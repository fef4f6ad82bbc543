"""Request context (IP, request id) that services write into audit events."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    request_id: str = ""


current_request: ContextVar[RequestInfo] = ContextVar("fours_request", default=RequestInfo())  # noqa: B039 (frozen)
