"""Registries each app plugs into: sidebar entries, home-page figures and demo data.

An app adds a ``nav.py`` (NAV list), a ``home.py`` (``widgets(request, store)``), a
``summaries.py`` (``rebuild(store, since, until)``: its daily summaries recomputed from its documents), a
``demo.py`` (``ORDER`` and ``load(ctx)``) and a ``timeline.py`` (``vehicle_events(vehicle, user)``
and/or ``customer_events(customer, user)`` returning TimelineEntry lists); they are found by
module autodiscovery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse

SECTIONS = [
    ("sales", "销售", "bi-car-front"),
    ("service", "售后", "bi-tools"),
    ("parts", "配件", "bi-box-seam"),
    ("crm", "客服", "bi-headset"),
    ("management", "管理", "bi-graph-up"),
]


@dataclass
class NavItem:
    section: str
    label: str
    url_name: str
    perm: str | tuple[str, ...] | None = None  # a tuple: every one of them
    icon: str = "bi-dot"
    order: int = 100


@dataclass
class Widget:
    """A figure on the home page."""

    department: str
    title: str
    value: object
    unit: str = ""
    url: str = ""
    tone: str = "primary"
    note: str = ""
    mine: bool = False  # the person's own work (my jobs, what waits for me): shown first


@dataclass
class TimelineEntry:
    """One line on a vehicle's or customer's history (车辆档案 timeline), contributed by any app."""

    when: object  # datetime or date
    title: str
    detail: str = ""
    url: str = ""
    store: str = ""
    kind: str = ""  # e.g. "repair_order", "call", "order"; used for the icon and a filter


@dataclass
class DemoContext:
    group: object
    stores: list
    users: dict = field(default_factory=dict)  # (store_code, role) -> user
    stdout: object = None
    # dated steps of every app, run after all loaders in date order (see ``at``)
    steps: list = field(default_factory=list)

    def log(self, msg: str) -> None:
        if self.stdout:
            self.stdout.write(msg)

    def at(self, when, fn) -> None:
        """Run ``fn()`` after every app's ``load``, with the clock frozen at ``when``, in date order with
        the dated steps of every other app (so a part's stock card is written in the order it is dated).
        ``when=None``: after all dated steps, on the real clock, in the order given."""
        self.steps.append((when, len(self.steps), fn))

    def run_steps(self) -> int:
        from datetime import datetime
        from unittest import mock

        def key(step):
            when, n, _fn = step
            return (when is None, when or datetime.min, n)

        steps, self.steps = sorted(self.steps, key=key), []
        for when, _n, fn in steps:
            if when is None:
                fn()
            else:
                with mock.patch("django.utils.timezone.now", return_value=when):
                    fn()
        return len(steps)


def _modules(name: str):
    for cfg in apps.get_app_configs():
        if cfg.name.startswith("fours."):
            try:
                yield import_module(f"{cfg.name}.{name}")
            except ModuleNotFoundError as e:
                if e.name != f"{cfg.name}.{name}":
                    raise


def nav_items(user, path: str = "") -> list[tuple[str, str, str, list[dict]]]:
    """The sidebar: sections with the entries the user may open; the entry whose URL is the
    longest prefix of ``path`` is marked active (so /parts/sales/12/ lights 销售单, not 配件)."""
    items: list[NavItem] = []
    for mod in _modules("nav"):
        items.extend(getattr(mod, "NAV", []))
    out = []
    for key, label, icon in SECTIONS:
        entries = []
        for it in sorted((i for i in items if i.section == key), key=lambda i: i.order):
            if it.perm and not user.has_perms((it.perm,) if isinstance(it.perm, str) else it.perm):
                continue
            try:
                url = reverse(it.url_name)
            except NoReverseMatch:
                continue
            entries.append({"label": it.label, "url": url, "icon": it.icon, "active": False})
        if entries:
            out.append((key, label, icon, entries))
    matches = [e for _k, _l, _i, es in out for e in es if e["url"] != "/" and path.startswith(e["url"])]
    best = max((len(e["url"]) for e in matches), default=0)
    for e in matches:  # an entry listed under two sections lights in both
        e["active"] = len(e["url"]) == best
    return out


def home_widgets(request, store) -> list[Widget]:
    out: list[Widget] = []
    for mod in _modules("home"):
        out.extend(mod.widgets(request, store))
    return out


def home_departments(role_names) -> list[str]:
    """The departments whose figures a person's home page shows, most relevant first: the union of
    their roles' departments (a technician sees the workshop, not the stock value)."""
    from .roles import ROLE_HOME, Role

    out: list[str] = []
    for role in Role:
        if role.value in role_names:
            out += [d for d in ROLE_HOME[role] if d not in out]
    return out


def summary_builders():
    """Each app's ``summaries.py``: ``rebuild(store, since, until) -> list of DailySummary rows`` (unsaved)
    recomputing from its documents the daily summaries its posting services keep (``reports.summary_add``);
    ``manage.py rebuild_summaries`` replaces the stored rows with them."""
    return [m for m in _modules("summaries") if hasattr(m, "rebuild")]


def demo_loaders():
    loaders = [mod for mod in _modules("demo") if hasattr(mod, "load")]
    return sorted(loaders, key=lambda m: getattr(m, "ORDER", 100))


def timeline_entries(hook: str, obj, user) -> list[TimelineEntry]:
    """Every app's ``timeline.<hook>(obj, user)`` entries, newest first."""
    from datetime import date, datetime, time

    out: list[TimelineEntry] = []
    for mod in _modules("timeline"):
        fn = getattr(mod, hook, None)
        if fn:
            out.extend(fn(obj, user))

    def key(e: TimelineEntry):
        w = e.when
        if isinstance(w, datetime):
            return w.replace(tzinfo=None)
        if isinstance(w, date):
            return datetime.combine(w, time.max)
        return datetime.min

    return sorted(out, key=key, reverse=True)
