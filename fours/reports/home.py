"""The reports' part of the home page: no figure of its own, and the group manager's store comparison (a few
figures of the month per store from the daily summaries, two queries whatever the number of stores)."""

from __future__ import annotations

from django.urls import reverse

from . import selectors as sel


def widgets(request, store):
    return []


def store_comparison(request, stores) -> dict:
    """The compact 集团对比 of the home page: this month's few key figures, store by store, and the group's
    total; ``url`` opens the full page for a user who may see it."""
    stores = sorted(stores, key=lambda s: s.code)
    data = sel.group_comparison(request.user, stores, sel.month_start(), figures=sel.HOME_FIGURES)
    data["url"] = reverse("reports:group") if request.user.has_perm("reports.view_group") else ""
    return data
