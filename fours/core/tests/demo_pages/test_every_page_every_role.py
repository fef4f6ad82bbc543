"""No page of the demo answers a server error, for any role.

The demo is loaded once for the package (conftest.py, in a transaction rolled back at the end). As every demo
role (the first store's login of each role, the group manager and admin), the home page and every page of
the user's sidebar are opened; then the detail pages of the demo: for every URL pattern that takes
one object id, the first object of the view's model that the user may see, and the first link of
every other object page found on the sidebar pages (function views whose model is not declared).
Any 5xx fails the test, with the exception that caused it.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from fours.core.registry import nav_items
from fours.core.roles import Role

HREF = re.compile(r"""href=["']([^"'#]+)["']""")
SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/admin/", "/accounts/", "/i18n/")
SKIP_NAMES = {"logout", "switch-store", "set_language", "login", "password_change"}

pytestmark = pytest.mark.django_db  # the test database (the demo is loaded into it once, below)


def _every_role(logins) -> list[str]:
    """One login per role: every role of the first demo store, the group manager and admin (the
    second store has the same roles; its pages differ only in their rows)."""
    first_store = next(r["store"] for r in logins if r["role"] == Role.SERVICE_ADVISOR.value)
    return [
        r["username"]
        for r in logins
        if r["store"] == first_store or r["role"] == Role.GROUP_MANAGER.value or r["username"] == "admin"
    ]


def _object_patterns():
    """(url name, model or None) of every page pattern whose only argument is one integer id."""
    out = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, route, f"{ns}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name and not route.startswith(SKIP_PREFIXES[1:]):
                converters = p.pattern.converters
                if len(converters) == 1 and type(next(iter(converters.values()))).__name__ == "IntConverter":
                    view_class = getattr(p.callback, "view_class", None)
                    out.append((namespace + p.name, getattr(view_class, "model", None)))

    walk(get_resolver().url_patterns, "", "")
    return out


def _first_visible(model, user):
    manager = model._default_manager
    qs = manager.for_user(user) if hasattr(manager, "for_user") else manager.all()
    return qs.order_by("pk").values_list("pk", flat=True).first()


def _app_links(html: str, base: str) -> list[str]:
    out = []
    for href in HREF.findall(html):
        parts = urlsplit(urljoin(base, href.replace("&amp;", "&")))
        if (
            parts.netloc in ("", "testserver")
            and parts.path.startswith("/")
            and not parts.path.startswith(SKIP_PREFIXES)
        ):
            out.append(parts.path)
    return out


def _view_name(path: str) -> tuple[str | None, dict]:
    try:
        m = resolve(path)
    except Resolver404:
        return None, {}
    return m.view_name, m.kwargs


def test_no_page_answers_5xx_for_any_demo_role(demo_logins):
    errors: list[str] = []
    last_exc: dict = {}

    def remember(sender, request=None, **kwargs):
        import sys

        last_exc["exc"] = repr(sys.exc_info()[1])

    got_request_exception.connect(remember)
    users = get_user_model().objects.filter(username__in=_every_role(demo_logins)).order_by("pk")
    assert users.filter(is_superuser=True).exists()
    assert users.filter(memberships__role__name=Role.GROUP_MANAGER.value).exists()
    assert users.count() == len(Role) + 1  # every role once, and admin
    patterns = _object_patterns()
    assert len(patterns) > 20, patterns
    opened = 0
    started = time.monotonic()
    try:
        for user in users:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            pages = ["/"] + [e["url"] for _k, _l, _i, entries in nav_items(user) for e in entries]
            seen_names: set[str] = set()
            follow: list[str] = []

            def get(path, why, user=user, client=client):
                nonlocal opened
                last_exc.clear()
                resp = client.get(path)
                opened += 1
                if resp.status_code >= 500:
                    errors.append(
                        f"{user.username}: {path} ({why}) → {resp.status_code} {last_exc.get('exc', '')}"
                    )
                return resp

            for path in dict.fromkeys(pages):
                resp = get(path, "sidebar")
                if resp.status_code == 200 and "html" in resp.get("Content-Type", ""):
                    for link in _app_links(resp.content.decode(), path):
                        name, kwargs = _view_name(link)
                        if name and kwargs and name not in SKIP_NAMES and name not in seen_names:
                            seen_names.add(name)
                            follow.append(link)
            for name, model in patterns:
                if model is None or name in seen_names:
                    continue
                if not user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
                    continue  # a 403 (what the role may not open is checked elsewhere)
                pk = _first_visible(model, user)
                if pk is None:
                    continue
                try:
                    follow.append(reverse(name, kwargs={"pk": pk}))
                except NoReverseMatch:
                    continue
                seen_names.add(name)
            for path in dict.fromkeys(follow):
                get(path, "object page")
    finally:
        got_request_exception.disconnect(remember)
    elapsed = time.monotonic() - started
    print(f"{opened} pages for {users.count()} users in {elapsed:.0f} s")
    assert opened > 500
    assert errors == [], "\n".join(errors)
