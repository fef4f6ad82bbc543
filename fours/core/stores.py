"""The current store of a request: chosen with the store switcher, kept in the session."""

from __future__ import annotations

from .models import Store
from .selectors import stores_for

SESSION_KEY = "fours_store_id"
ALL = "all"


def current_store(request) -> Store | None:
    """The store the user works in now; None means 'all my stores' (group users)."""
    if hasattr(request, "_fours_store"):
        return request._fours_store
    store = None
    user = request.user
    if user.is_authenticated:
        stores = list(stores_for(user).select_related("group"))
        chosen = request.session.get(SESSION_KEY)
        if chosen == ALL and len(stores) > 1:
            store = None
        else:
            store = next((s for s in stores if str(s.id) == str(chosen)), stores[0] if stores else None)
        request._fours_stores = stores
    request._fours_store = store
    return store


def user_stores(request) -> list[Store]:
    current_store(request)
    return getattr(request, "_fours_stores", [])


def scope_to_current(request, qs, field: str = "store"):
    """Limit a user-scoped queryset to the current store (unless 'all stores' is chosen)."""
    store = current_store(request)
    return qs.filter(**{field: store}) if store else qs
