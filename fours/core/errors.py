"""Business errors raised by services. They are Django ValidationErrors, so forms show them on the
field and the API turns them into 400 responses with field errors."""

from django.core.exceptions import PermissionDenied, ValidationError


class BusinessError(ValidationError):
    """A refused operation. Pass {field: message} to name the field, or a message for the whole."""


class NotAllowed(PermissionDenied):
    """The actor's role may not do this (403)."""


def field_error(field: str, message, code: str | None = None, params=None) -> BusinessError:
    return BusinessError({field: ValidationError(message, code=code, params=params)})
