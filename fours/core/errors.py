"""Business errors raised by services. They are Django ValidationErrors, so forms show them on the
field and the API turns them into 400 responses with field errors.

Every refusal carries a stable code (``insufficient_stock``, ``credit_limit``, ``bad_transition``…)
that the API returns as ``error.code`` and tests assert: ``BusinessError({field: msg}, code=…)`` and
``field_error(field, msg, code=…)`` keep it on the error and on each of its messages."""

from django.core.exceptions import PermissionDenied, ValidationError


class BusinessError(ValidationError):
    """A refused operation. Pass {field: message} to name the field, or a message for the whole."""

    def __init__(self, message, code=None, params=None):
        if isinstance(message, dict) and code:
            message = {
                key: [
                    m if isinstance(m, ValidationError) else ValidationError(m, code=code, params=params)
                    for m in (value if isinstance(value, list | tuple) else [value])
                ]
                for key, value in message.items()
            }
        super().__init__(message, code=code, params=params)
        if code:
            self.code = code

    @property
    def error_code(self) -> str | None:
        """The refusal's code: its own, else the first message's."""
        if getattr(self, "code", None):
            return self.code
        for err in self.error_dict.values() if hasattr(self, "error_dict") else [self.error_list]:
            for e in err:
                if getattr(e, "code", None):
                    return e.code
        return None


class NotAllowed(PermissionDenied):
    """The actor's role may not do this (403)."""


def field_error(field: str, message, code: str | None = None, params=None) -> BusinessError:
    err = BusinessError({field: ValidationError(message, code=code, params=params)})
    if code:
        err.code = code
    return err
