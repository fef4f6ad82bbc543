"""Pages of the sales desk: orders."""

from __future__ import annotations

urlpatterns: list = []
NAV: list = []


def widgets(request, store) -> list:
    return []
