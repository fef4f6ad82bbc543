"""Every page needs a login and every API endpoint answers 401 without credentials."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

OPEN = (
    "accounts/",
    "i18n/",
    "healthz",
    "admin/",
    "api/schema/",
    "api/docs/",
    "api/v1/auth/token/",
    "static/",
)


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern).lstrip("^")
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def _concrete(route: str) -> str:
    route = route.replace("\\Z", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"<(?:int:)?\w*pk>|<int:\w+>", "1", route)
    route = re.sub(r"<(?:str|slug):\w+>|<\w+>", "x", route)
    if "(?P<format>" in route:
        return "/(format)"  # format-suffix duplicates of the same routes
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    return "/" + route


def test_every_route_needs_login(client, db):
    routes = sorted({_concrete(r) for r in _walk(get_resolver().url_patterns)})
    checked = 0
    for path in routes:
        if path.lstrip("/").startswith(OPEN) or any(c in path for c in "([<"):
            continue
        resp = client.get(path)
        checked += 1
        if path.startswith("/api/"):
            assert resp.status_code == 401, f"{path} answered {resp.status_code} without login"
        else:
            assert resp.status_code in (302, 404), f"{path} answered {resp.status_code} without login"
            if resp.status_code == 302:
                assert resp["Location"].startswith("/accounts/login/"), path
    assert checked >= 5
