from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .registry import nav_items
from .stores import current_store, user_stores


def shell(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    return {
        "current_store": current_store(request),
        "user_stores": user_stores(request),
        "nav_sections": nav_items(request.user, request.path),
        "LANGUAGES": settings.LANGUAGES,
        "search_url": _search_url(),
    }


def _search_url():
    try:
        return reverse("archive-search")
    except NoReverseMatch:
        return ""
