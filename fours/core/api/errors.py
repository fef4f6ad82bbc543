"""One error format for the API:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"vin": ["..."]}}}

``code`` is the refusal's stable code when a service raised it (``insufficient_stock``,
``credit_limit``, ``bad_transition``…), else DRF's (``invalid``, ``not_found``, ``permission_denied``…).

Nested errors (lines of a document) are named by their path: ``{"lines[1].qty": ["..."]}``.
A body too large (Django's RequestDataTooBig) answers 413 in the same format.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def flatten_errors(detail) -> dict[str, list[str]]:
    """Serializer errors as {field path: [plain messages]}: ``{"lines": [{}, {"qty": [e]}]}`` →
    ``{"lines[1].qty": ["…"]}``; a list field's ``{0: [e]}`` → ``{"tags[0]": ["…"]}``."""
    out: dict[str, list[str]] = {}

    def add(path, message):
        out.setdefault(path or "non_field_errors", []).append(str(message))

    def walk(value, path):
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, int):
                    walk(child, f"{path}[{key}]")
                else:
                    walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for i, child in enumerate(value):
                if isinstance(child, dict | list | tuple):
                    walk(child, f"{path}[{i}]")
                else:
                    add(path, child)
        else:
            add(path, value)

    walk(detail, "")
    return out


def exception_handler(exc, context):
    business_code = None
    if isinstance(exc, RequestDataTooBig):
        from .parsers import BodyTooLarge

        exc = BodyTooLarge()
    elif isinstance(exc, DjangoValidationError):
        business_code = getattr(exc, "error_code", None)  # a service's refusal: its stable code
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到该对象，或不在您的门店范围内"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = business_code or getattr(exc, "default_code", "error")
    body = {"status": response.status_code, "code": code}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body.update(message=_("输入有误，请检查标出的字段"), fields=flatten_errors(detail))
    else:
        body["message"] = str(exc.detail) if hasattr(exc, "detail") else str(exc)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Token"
    return Response({"error": body}, status=response.status_code, headers=dict(response.items()))


def api_error_page(request, status_code: int, code: str, message: str):
    """The API's error body for errors raised outside an API view (Django's 400/404/500 handlers)
    on /api/ paths, e.g. a body too large read by a middleware; None for other paths."""
    from django.http import JsonResponse

    if not request.path.startswith("/api/"):
        return None
    return JsonResponse(
        {"error": {"status": status_code, "code": code, "message": message}}, status=status_code
    )
