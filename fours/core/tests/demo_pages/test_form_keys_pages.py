"""Every posting form on the main pages is covered by the one-time key.

On the demo, for every role of the first store, the home page, the sidebar pages and the first detail
page of each kind linked from them are rendered. Every page with a POST form or an htmx post loads
the base layout's script that keys them (static/fours/app.js). Then every POST form is sent with the
values it shows and a key, twice (inside a savepoint rolled back): when the first answer is the
redirect to a result, the second is the replay of it (same place, nothing done again); a page shown
again with its errors keeps no key. Only logging out and the language switch go unkeyed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from fours.core.models import IdempotencyRecord

from .test_what_each_role_sees import _main_pages, _name, _roles

SCRIPT = "/static/fours/app.js"
UNKEYED = {"logout", "set_language"}  # not documents; the middleware leaves /accounts/ and /i18n/ alone


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.hx_posts, self.scripts, self.links = [], [], [], []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "hx-post" in a:
            self.hx_posts.append(a["hx-post"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "post": (a.get("method") or "").lower() == "post"}
            self._form["data"] = {}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image") or (
                kind in ("checkbox", "radio") and "checked" not in a
            ):
                return
            self._form["data"][a["name"]] = a.get("value") or ""
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
        elif self._form is not None and tag == "option" and self._select:
            if self._select not in self._form["data"] or "selected" in a:
                self._form["data"][self._select] = a.get("value", "")
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._form["data"][a["name"]] = ""
        elif self._form is not None and tag == "button" and a.get("name"):
            self._form.setdefault("button", (a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _path(url: str, base: str) -> str | None:
    if not url or url.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    parts = urlsplit(urljoin(base, url))
    if parts.netloc not in ("", "testserver") or parts.path.startswith(("/static/", "/media/", "/api/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _pages(client, user) -> dict[str, _Forms]:
    rendered, details = {}, {}
    for path in _main_pages(client, user):
        resp = client.get(path, follow=True)
        if resp.status_code != 200 or "text/html" not in resp["Content-Type"]:
            continue
        page = _Forms()
        page.feed(resp.content.decode())
        rendered[resp.request["PATH_INFO"]] = page
        for href in page.links:
            p = _path(href, path)
            name = p and _name(p)
            if name and name.endswith("-detail") and name not in details:
                details[name] = p
    for path in details.values():
        resp = client.get(path)
        if resp.status_code == 200 and path not in rendered:
            page = _Forms()
            page.feed(resp.content.decode())
            rendered[path] = page
    return rendered


def _check(user, seen: set) -> list[str]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    problems = []
    for src, page in _pages(client, user).items():
        if (any(f["post"] for f in page.forms) or page.hx_posts) and SCRIPT not in page.scripts:
            problems.append(f"{src}: posting forms but no {SCRIPT}")
        for n, form in enumerate(page.forms):
            if not form["post"]:
                continue
            p = _path(form["action"], src) if form["action"] else src
            name = p and _name(p)
            kind = p and re.sub(r"\d+", "N", urlsplit(p).path)  # each step of a document once
            if not name or kind in seen:
                continue
            seen.add(kind)
            data = dict(form["data"])
            if form.get("button"):
                data.setdefault(*form["button"])
            data["_once"] = f"{user.pk:08d}{len(seen):024d}"
            sid = transaction.savepoint()
            try:
                first = client.post(p, data, HTTP_REFERER=src)
                second = client.post(p, data, HTTP_REFERER=src)
                kept = IdempotencyRecord.objects.filter(user=user, key=f"form:{data['_once']}").exists()
            finally:
                transaction.savepoint_rollback(sid)
            client.cookies.pop("messages", None)
            client.force_login(user)
            replayed = second.get("Idempotent-Replayed") == "true"
            if name in UNKEYED:
                if replayed or kept:
                    problems.append(f"{src}: {name} should not be keyed")
            elif first.status_code in (301, 302, 303):
                if not (replayed and second["Location"] == first["Location"] and kept):
                    problems.append(f"{src}: form {n} → {name} posted again instead of the first answer")
            elif first.status_code == 200 and kept:
                problems.append(f"{src}: form {n} → {name} kept the key of a page shown again")
    return problems


@pytest.mark.django_db
def test_every_posting_form_on_the_main_pages_is_keyed_once(demo_logins):
    User = get_user_model()
    seen: set[str] = set()
    report = {}
    for row in _roles(demo_logins):
        problems = _check(User.objects.get(username=row["username"]), seen)
        if problems:
            report[row["username"]] = problems
    assert not report, report
    assert len(seen) >= 20, sorted(seen)  # the walk really met the posting forms
