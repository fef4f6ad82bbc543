"""Token authentication with an age limit and a password binding (see fours.core.api.auth)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def password_stamp(user) -> str:
    """Changes whenever the password changes (the HMAC Django keeps sessions valid with)."""
    return user.get_session_auth_hash()


def token_expires(token):
    return token.created + timedelta(days=settings.FOURS_API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …``, refused (401) once the token is older than FOURS_API_TOKEN_DAYS
    or the password has changed since it was issued."""

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        from ..models import ApiTokenStamp

        try:
            token = Token.objects.select_related("user", "fours_stamp").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("令牌无效")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用"))
        if token_expires(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取"))
        stamp = password_stamp(user)
        try:
            issued = token.fours_stamp.password_stamp
        except ApiTokenStamp.DoesNotExist:  # made outside the token endpoint (admin): bind it now
            ApiTokenStamp.objects.get_or_create(token=token, defaults={"password_stamp": stamp})
            issued = stamp
        if issued != stamp:
            raise exceptions.AuthenticationFailed(_("密码已更改，令牌已失效，请重新获取"))
        return user, token
