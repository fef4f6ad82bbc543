"""The URL patterns of one kind of document, built one way for every app."""

from __future__ import annotations

from django.urls import path
from django.views import View


def _view(view):
    return view.as_view() if isinstance(view, type) and issubclass(view, View) else view


def document_paths(
    prefix, name, *, list_view=None, create=None, detail=None, edit=None, pages=None, act=None
):
    """The pages of one kind of document under ``prefix/`` (a view class or a view function each):

    ==========  ==============================  ============
    list_view   prefix/                         name-list
    create      prefix/new/                     name-create
    detail      prefix/<int:pk>/                name-detail
    edit        prefix/<int:pk>/edit/           name-edit
    pages       prefix/<int:pk>/<page>/         name-<page>   ({"print": view, …}: one document's pages)
    act         prefix/<int:pk>/<str:step>/     name-act      (its workflow steps; last, so pages win)
    ==========  ==============================  ============
    """
    base = f"{prefix}/" if prefix else ""
    routes = [
        ("", list_view, "list"),
        ("new/", create, "create"),
        ("<int:pk>/", detail, "detail"),
        ("<int:pk>/edit/", edit, "edit"),
        *((f"<int:pk>/{page}/", view, page) for page, view in (pages or {}).items()),
        ("<int:pk>/<str:step>/", act, "act"),
    ]
    return [
        path(base + route, _view(view), name=f"{name}-{suffix}") for route, view, suffix in routes if view
    ]
