"""API tokens: issued by POST /api/v1/auth/token/ (throttled per client IP, answering 429 when the
rate or a login lock stops it), valid for FOURS_API_TOKEN_DAYS and only while the user's password
is the one the token was issued against."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from ..models import ApiTokenStamp
from .authentication import password_stamp, token_expires


class LoginLocked(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked"

    def __init__(self):
        super().__init__(_("登录失败次数过多，账号已锁定，请稍后再试"))


class TokenThrottle(ScopedRateThrottle):
    """Per client IP (DRF's NUM_PROXIES decides whether X-Forwarded-For is believed)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@transaction.atomic
def token_issue(user) -> Token:
    """The user's token; a new one when the old one has expired or predates a password change."""
    stamp = password_stamp(user)
    token = Token.objects.select_related("fours_stamp").filter(user=user).first()
    if token is not None:
        issued = getattr(getattr(token, "fours_stamp", None), "password_stamp", None)
        if token_expires(token) > timezone.now() and issued in (stamp, None):
            ApiTokenStamp.objects.get_or_create(token=token, defaults={"password_stamp": stamp})
            return token
        token.delete()
    token = Token.objects.create(user=user)
    ApiTokenStamp.objects.create(token=token, password_stamp=stamp)
    return token


class ObtainTokenView(ObtainAuthToken):
    """POST username and password; answers the token and when it expires."""

    throttle_classes = [TokenThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer(
            "TokenResponse", {"token": serializers.CharField(), "expires": serializers.DateTimeField()}
        ),
    )
    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        credentials = {"username": str(data.get("username") or "")}
        if AxesProxyHandler.is_locked(request._request, credentials):
            raise LoginLocked()
        serializer = self.get_serializer(data=data)
        if not serializer.is_valid():
            if AxesProxyHandler.is_locked(request._request, credentials):
                raise LoginLocked()
            raise exceptions.ValidationError(serializer.errors)
        token = token_issue(serializer.validated_data["user"])
        return Response({"token": token.key, "expires": token_expires(token)})
