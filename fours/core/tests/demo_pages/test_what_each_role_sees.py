"""What each role sees: every link and button on its main pages leads somewhere it may go.

The demo is loaded once for the package (conftest.py, in a transaction rolled back at the end). For every demo
role of the first store and the group manager, the home page, every sidebar page and the first
detail page linked from each list are rendered; then every app link on them is opened (GET) and
every form is submitted with the values it shows (POST, inside a savepoint that is rolled back, so
nothing stays). A link or button the role may not use answers 403 or, for a service-level refusal,
comes back with a "no permission / your role may not" message: both fail the test.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from fours.core.registry import nav_items

# URLs that end the session or change what the client sees next; they are not buttons of a page.
SKIP_NAMES = {"logout", "switch-store", "set_language", "login", "password_change"}
DENIED = re.compile(r"权限|岗位")
PER_NAME = 1  # one URL of each URL name per role: its permission is the same for every id


class _Page(HTMLParser):
    """Links (a[href]) and forms (action, method, the values of their fields) of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "data": {},
                "submits": False,
            }
            self.forms.append(self._form)
            return
        if self._form is not None and (
            (tag == "button" and (a.get("type") or "submit") == "submit")
            or (tag == "input" and (a.get("type") or "") in ("submit", "image"))
            or "this.form.submit()" in (a.get("onchange") or "")
        ):
            self._form["submits"] = True  # a form is a button only when it can be sent
        if tag == "a":
            return
        if self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            self._form["data"][a["name"]] = a.get("value") or ""
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
        elif self._form is not None and tag == "option" and self._select:
            data = self._form["data"]
            if self._select not in data or "selected" in a:
                data[self._select] = a.get("value", "")
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._form["data"][a["name"]] = ""
        elif self._form is not None and tag == "button" and a.get("name") and not self._form.get("button"):
            self._form["button"] = (a["name"], a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _app_path(url: str, base: str) -> str | None:
    if not url or url.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    parts = urlsplit(urljoin(base, url))
    if parts.netloc not in ("", "testserver"):
        return None
    path = parts.path
    if path.startswith(("/static/", "/media/", "/api/", "/admin/")):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _name(path: str) -> str | None:
    try:
        m = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return m.view_name


def _roles(logins):
    """Every role of the first store (the Toyota store of the demo) and the group manager."""
    stores = [r["store"] for r in logins if r["role"] == "服务顾问"]
    rows = [r for r in logins if r["store"] == stores[0] or r["role"] == "集团经理"]
    return list({r["username"]: r for r in rows}.values())


def _main_pages(client, user) -> list[str]:
    pages = ["/"]
    for _key, _label, _icon, entries in nav_items(user):
        pages += [e["url"] for e in entries]
    return list(dict.fromkeys(pages))


def _check_role(user) -> list[str]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    problems = []
    details = []  # the first detail page linked from each sidebar page
    rendered: dict[str, _Page] = {}
    for path in _main_pages(client, user):
        resp = client.get(path, follow=True)
        path = resp.request["PATH_INFO"]
        if resp.status_code != 200:
            problems.append(f"{path} → {resp.status_code} (sidebar page)")
            continue
        page = _Page()
        page.feed(resp.content.decode())
        rendered[path] = page
        for href in page.links:
            p = _app_path(href, path)
            name = p and _name(p)
            if name and name.endswith("-detail"):
                details.append(p)
                break
    for path in dict.fromkeys(details):
        resp = client.get(path)
        if resp.status_code == 200 and path not in rendered:
            page = _Page()
            page.feed(resp.content.decode())
            rendered[path] = page

    opened: dict[str, set] = defaultdict(set)
    for src, page in rendered.items():
        for href in page.links:
            p = _app_path(href, src)
            name = p and _name(p)
            if not name or name in SKIP_NAMES or p in opened[name] or len(opened[name]) >= PER_NAME:
                continue
            opened[name].add(p)
            resp = client.get(p)
            if resp.status_code == 403:
                problems.append(f"{src}: link {p} → 403")
        for form in page.forms:
            if not form["submits"]:
                continue
            p = _app_path(form["action"], src) if form["action"] else src
            name = p and _name(p)
            if not name or name in SKIP_NAMES:
                continue
            key = f"{form['method']} {p}"
            if key in opened[name] or len(opened[name]) >= PER_NAME * 2:
                continue
            opened[name].add(key)
            if form["method"] != "post":
                resp = client.get(p, form["data"])
                if resp.status_code == 403:
                    problems.append(f"{src}: form GET {p} → 403")
                continue
            data = dict(form["data"])
            if form.get("button"):
                data.setdefault(*form["button"])
            sid = transaction.savepoint()
            try:
                resp = client.post(p, data, HTTP_REFERER=src)
                texts = [str(m) for m in get_messages(resp.wsgi_request) if m.level_tag == "error"]
            finally:
                transaction.savepoint_rollback(sid)
            client.cookies.pop("messages", None)  # what this post said is not the next one's message
            client.force_login(user)
            if resp.status_code == 403:
                problems.append(f"{src}: form POST {p} → 403")
            elif any(DENIED.search(t) for t in texts):
                problems.append(f"{src}: form POST {p} → {texts}")
    return problems


@pytest.mark.django_db
def test_every_link_and_button_on_a_roles_pages_is_open_to_that_role(demo_logins):
    User = get_user_model()
    report = {}
    for row in _roles(demo_logins):
        user = User.objects.get(username=row["username"])
        problems = _check_role(user)
        if problems:
            report[f"{row['role']} {row['username']}"] = problems
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)


# --- home pages: the person's own work first ------------------------------------------------------


def _login(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _tiles(html: str) -> list[dict]:
    """The home page's tiles in order: section, title, value, link."""
    out, section = [], None
    for m in re.finditer(
        r'data-department="(?P<sec>[^"]+)"|<a class="kpi[^"]*"(?: href="(?P<href>[^"]*)")?>\s*<div class="card-body">'
        r'\s*<div class="kpi-title">(?P<title>[^<]*)</div>\s*<div class="kpi-value">(?P<value>[^<]*)',
        html,
    ):
        if m["sec"]:
            section = m["sec"]
        else:
            out.append(
                {"section": section, "title": m["title"], "value": m["value"].strip(), "href": m["href"]}
            )
    return out


def _user_of(logins, role):
    store = next(r["store"] for r in logins if r["role"] == "服务顾问")
    return next(
        r["username"] for r in logins if r["role"] == role and (r["store"] == store or role == "集团经理")
    )


@pytest.mark.django_db
def test_home_pages_lead_with_the_persons_own_work(demo_logins):
    expected_first = {
        "机修工": ["我的作业"],
        "结算员": ["待收款", "待结算"],
        "服务顾问": ["我的今日预约", "我的在厂工单", "今日应交车"],
        "质检员": ["待质检"],
    }
    for role, titles in expected_first.items():
        html = _login(_user_of(demo_logins, role)).get("/").content.decode()
        tiles = _tiles(html)
        assert [t["title"] for t in tiles[: len(titles)]] == titles, (role, tiles[:4])
        assert all(t["section"] == "mine" for t in tiles[: len(titles)]), (role, tiles[:4])
        if role == "结算员":
            assert tiles[0]["value"].startswith("¥"), tiles[0]
    # a technician, QC inspector or cashier is not shown the stock value or the counter sales
    for role in ("机修工", "质检员", "结算员", "索赔员", "车间主管"):
        titles = [t["title"] for t in _tiles(_login(_user_of(demo_logins, role)).get("/").content.decode())]
        assert "库存金额" not in titles and "今日柜台零售" not in titles, (role, titles)
    # the parts people still lead with the parts figures
    titles = [t["title"] for t in _tiles(_login(_user_of(demo_logins, "配件经理")).get("/").content.decode())]
    assert titles[0] == "库存金额", titles


@pytest.mark.django_db
def test_group_manager_sees_every_store_side_by_side(demo_logins):
    from fours.core.models import Store

    html = _login(_user_of(demo_logins, "集团经理")).get("/").content.decode()
    table = re.search(r'<table[^>]*id="store-comparison".*?</table>', html, re.S)
    assert table, "no store comparison on the group manager's home page"
    stores = re.findall(r'<tr data-store="(\w+)"', table.group(0))
    assert len(stores) == len(set(stores))  # one row per store
    assert set(stores) == set(Store.objects.filter(is_active=True).values_list("code", flat=True)), stores
    heads = re.findall(r'<th class="text-end text-nowrap" data-figure="[^"]+">([^<]+)</th>', table.group(0))
    assert {"交车台数", "售后产值"} <= set(heads), heads
    assert 'data-store="total"' in table.group(0)  # 集团合计
    assert table.group(0).count("¥") >= 2 * (len(stores) + 1)
    assert 'href="/reports/group/"' in html  # the whole comparison


# --- home tiles match the lists they open ---------------------------------------------------------


@pytest.mark.django_db
def test_every_home_tile_with_a_count_opens_a_list_of_that_many_rows(demo_logins):
    checked = []
    for row in _roles(demo_logins):
        client = _login(row["username"])
        for tile in _tiles(client.get("/").content.decode()):
            if not tile["href"] or not re.fullmatch(r"\d+", tile["value"]):
                continue
            resp = client.get(tile["href"].replace("&amp;", "&"))
            table = resp.context and resp.context.get("table")
            if table is None:
                continue  # a page, not a list (board, my jobs)
            if resp.context.get("keyset") is not None:  # a ledger pages by keyset and counts nothing:
                n = resp.context["filter"].qs.count()  # the rows its filter selects
            else:
                n = table.paginator.count
            assert n == int(tile["value"]), (row["role"], tile, n)
            checked.append(tile["title"])
    assert {"30天内保养到期", "30天内保险到期", "我的在厂工单", "今日应交车", "我的今日预约"} <= set(
        checked
    ), checked


# --- words: labels, names and one way of writing money ---------------------------------------------

OWN_LOGIN = re.compile(r'<span class="dropdown-item-text small text-muted">[^<]*</span>')  # account menu
LOGIN = re.compile(r"\b(?:toyota|honda|group)\.[a-z]+\d*\b")
RAW_STATUS = re.compile(
    r"\b(?:awaiting_qc|awaiting_settlement|awaiting_approval|in_progress|rework|settled|delivered)\b"
)
AUTO_HEADER = re.compile(r"<th[^>]*>(?:<a[^>]*>)?\s*([A-Z][a-z]+(?: [a-z]+)+)\s*(?:</a>)?</th>")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _pages_of(client, user) -> dict[str, str]:
    """The sidebar pages and the first detail page of each list, as HTML."""
    out = {}
    for path in _main_pages(client, user):
        resp = client.get(path)
        if resp.status_code != 200:
            continue
        html = resp.content.decode()
        out[path] = html
        for href in re.findall(r'href="(/[^"#?]+/\d+/)"', html)[:1]:
            detail = client.get(href)
            if detail.status_code == 200:
                out[href] = detail.content.decode()
    return out


@pytest.mark.django_db
def test_timelines_and_audit_speak_in_words_and_names(demo_logins):
    from fours.core.models import AuditEvent
    from fours.service.models import RepairOrder

    gm = _user_of(demo_logins, "总经理")
    client = _login(gm)
    ro = (
        RepairOrder.objects.filter(store__memberships__user__username=gm, status="delivered")
        .order_by("id")
        .first()
    )
    assert AuditEvent.objects.filter(object_id=str(ro.pk), changes__has_key="technician").exists()
    html = OWN_LOGIN.sub("", client.get(ro.get_absolute_url()).content.decode())
    timeline = re.search(r'<ul class="list-group list-group-flush timeline">.*?</ul>', html, re.S).group(0)
    assert not RAW_STATUS.search(timeline), RAW_STATUS.findall(timeline)
    assert "待质检 → 待结算" in _text(timeline)
    assert not LOGIN.search(html), LOGIN.findall(html)
    audit = OWN_LOGIN.sub("", client.get("/core/audit/").content.decode())
    body = _text(audit)
    for raw in ("null", '{"', "[", "&quot;"):  # raw JSON of the changes
        at = body.find(raw)
        assert at < 0, body[max(0, at - 300) : at + 100]
    assert not LOGIN.search(body), LOGIN.findall(body)
    assert not RAW_STATUS.search(body), RAW_STATUS.findall(body)


MONEY_HEADER = re.compile(
    r"金额|价|产值|合计|应付|应收|已收|收款|退款|余额|零售|批发|毛利|费$|Amount|Price|Total"
)
# a sum in a money cell: ¥1,657.00 (a unit cost may carry 4 places: ¥50.9700)
AMOUNT = re.compile(r"(¥?)\d[\d,]*\.\d{2,4}(?!\d)")


class _Cells(HTMLParser):
    """The cells of every table under a money header (金额, 单价, 合计…) and the home tiles' values."""

    def __init__(self):
        super().__init__()
        self.heads: list[str] = []
        self.money: list[str] = []
        self._cell = None
        self._in_head = False
        self._col = 0
        self._kpi = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.heads = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._col = 0
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "div" and "kpi-value" in (a.get("class") or ""):
            self._kpi = []
        elif tag == "small" and self._kpi is not False:
            self.money.append(("tile", "".join(self._kpi).strip(), "".join(self._kpi)))
            self._kpi = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._kpi is not False:
            self._kpi.append(data)

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = re.sub(r"\s+", " ", "".join(self._cell)).strip()
            if self._in_head or tag == "th" and not self.heads:
                self.heads.append(text)
            elif self._col < len(self.heads) and MONEY_HEADER.search(self.heads[self._col]):
                self.money.append((self.heads[self._col], text, text))
            self._col += 1
            self._cell = None
        elif tag == "div" and self._kpi is not False:
            self._kpi = False


@pytest.mark.django_db
def test_main_pages_show_people_by_name_headers_in_words_and_money_one_way(demo_logins):
    """Money is written one way, ¥1,657.00: in every table column of money and on the home tiles
    (never 80.00 or 1,657 元); people by name; column headers in words, not 'Approved by'."""
    yuan_after = re.compile(r"\d\s*元")
    report = defaultdict(list)
    for role in ("总经理", "配件经理", "服务经理", "结算员", "客服专员", "配件计划员", "配件销售员"):
        username = _user_of(demo_logins, role)
        client = _login(username)
        for path, html in _pages_of(client, get_user_model().objects.get(username=username)).items():
            html = OWN_LOGIN.sub("", html)  # the account menu shows one's own login
            text = _text(html)
            cells = _Cells()
            cells.feed(html)
            wrong = [
                f"{h}: {t}"
                for h, t, _raw in cells.money
                if h != "tile" and any(not m.group(1) for m in AMOUNT.finditer(t))
            ]
            for what, hits in (
                ("login", LOGIN.findall(text)),
                ("english header", AUTO_HEADER.findall(html)),
                ("money not as ¥1,234.00", wrong),
                ("元 after a number", yuan_after.findall(text)),
            ):
                if hits:
                    report[f"{role} {path}"].append(f"{what}: {sorted(set(hits))[:5]}")
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)
