from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .context import RequestInfo, current_request

# /crm/m/: the customer's phone link (a signed, expiring, single-purpose token the view checks itself)
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/", "/i18n/", "/favicon", "/crm/m/")


class RequestContextMiddleware:
    """Puts the client IP and a request id where services can audit them; picks the current store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        ip = request.META.get("REMOTE_ADDR")
        if getattr(settings, "FOURS_TRUST_PROXY", False):
            ip = (request.headers.get("X-Forwarded-For") or ip or "").split(",")[0].strip() or None
        token = current_request.set(RequestInfo(ip=ip, request_id=rid))
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = rid
        return response


class LoginRequiredMiddleware:
    """Every page needs a login (the API answers 401 by itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the user picked another language (cookie); the browser's
    Accept-Language is ignored for pages (a counter PC with an English browser still shows Chinese),
    while API clients may ask for English with Accept-Language."""

    def process_request(self, request):
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None
