"""Pages at volume (bench.volume: the five-year store BENCH5Y and the 30-store group BENCH30), each page
rendered through django.test.Client by a logged-in user of its role, beside the p95 of one indexed query
on the repair orders table (an order fetched by its number) timed between the page's requests, so both
see the same load (reported with the load average). Each figure reports the page's query count.

service_dashboard_ms  p95 of the service dashboard (售后看板) for the store's service manager; goal ratio <= 5.
parts_dashboard_ms    p95 of the parts dashboard (配件看板) for the store's parts manager; goal ratio <= 5.
group_dashboard_ms    p95 of the group manager's store-by-store pages over 30 stores × 5 years: the home
                      page, the group parts page (集团配件对比) and the group comparison (集团对比); value =
                      the worst of them, named; goal ratio <= 10.
list_ms_per_row       the repair-order list at ?per_page=100 against ?per_page=10: (p95_100 − p95_10) / 90
                      ms per extra row, beside the list's p95 at its default page size (baseline; ratio =
                      per-row ms / list p95).
"""

from __future__ import annotations

import os
import re
import time

from .util import percentile

RUNS = 30  # requests timed per page (after 2 unmeasured)
BASE_PER_PAGE = 5  # indexed lookups timed after each request


def _client(user):
    from django.test import Client

    c = Client(HTTP_HOST="localhost")
    c.force_login(user)
    return c


def _lookup(store):
    """One repair order fetched by its number (the number's index), cycling through a sample."""
    from fours.service.models import RepairOrder

    numbers = list(
        RepairOrder.objects.filter(store=store).order_by("id").values_list("number", flat=True)[::200]
    )
    state = {"i": 0}

    def fetch():
        state["i"] += 1
        RepairOrder.objects.filter(store=store, number=numbers[state["i"] % len(numbers)]).first()

    return fetch


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _pages(client, urls: list[str], store, runs: int = RUNS) -> tuple[dict, float]:
    """Each url's p95 (ms), its query count and body; and the p95 of the indexed lookup, measured
    interleaved with the pages (BASE_PER_PAGE lookups after each request), so both see the same load."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lookup = _lookup(store)
    out = {}
    for url in urls:
        for _ in range(2):
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        with CaptureQueriesContext(connection) as q:
            r = client.get(url)
        # count now: the next request empties the log (request_started → reset_queries)
        out[url] = {"queries": len(q), "body": r.content, "times": []}
    lookup()
    base = []
    for _ in range(runs):
        for url in urls:
            out[url]["times"].append(_timed(lambda u=url: client.get(u)))
            base += [_timed(lookup) for _ in range(BASE_PER_PAGE)]
    for v in out.values():
        v["p95_ms"] = round(percentile(v.pop("times"), 95), 2)
    return out, percentile(base, 95)


def _result(value: float, base: float, goal: float, **extra) -> dict:
    return {
        "value": round(value, 2),
        "unit": "ms (p95)",
        "baseline": round(base, 3),
        "ratio": round(value / base, 2),
        "goal": f"ratio <= {goal:g}",
        "load_avg_1min": round(os.getloadavg()[0], 1),
        **extra,
    }


def _store_page(url_name: str, role, goal: float) -> dict:
    from django.urls import reverse

    from fours.service.models import RepairOrder

    from .volume import five_year_store, users_by_role

    store = five_year_store()
    user = users_by_role(store)[role.value]
    url = reverse(url_name)
    pages, base = _pages(_client(user), [url], store)
    return _result(
        pages[url]["p95_ms"],
        base,
        goal,
        queries=pages[url]["queries"],
        page=url,
        user=user.username,
        repair_orders=RepairOrder.objects.filter(store=store).count(),
    )


def service_dashboard_ms() -> dict:
    from fours.core.roles import Role

    return _store_page("service:dashboard", Role.SERVICE_MANAGER, 5)


def parts_dashboard_ms() -> dict:
    from fours.core.roles import Role
    from fours.parts.models import StockMove

    from .volume import five_year_store

    out = _store_page("parts:dashboard", Role.PARTS_MANAGER, 5)
    out["stock_moves"] = StockMove.objects.filter(store=five_year_store()).count()
    return out


def group_dashboard_ms() -> dict:
    from django.urls import NoReverseMatch, reverse

    from fours.core.models import Store
    from fours.reports.models import DailySummary

    from .volume import group_manager, group_of_30

    group = group_of_30()
    stores = Store.objects.filter(group=group).order_by("code")
    urls = []
    for name in ("home", "parts:group-view", "reports:group"):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:  # a page this checkout does not have
            pass
    pages, base = _pages(_client(group_manager(group)), urls, stores.first())
    worst = max(urls, key=lambda u: pages[u]["p95_ms"])
    return _result(
        pages[worst]["p95_ms"],
        base,
        10,
        worst_page=worst,
        queries=pages[worst]["queries"],
        pages={u: {"p95_ms": pages[u]["p95_ms"], "queries": pages[u]["queries"]} for u in urls},
        stores=stores.count(),
        summary_rows=DailySummary.objects.filter(store__group=group).count(),
    )


def list_ms_per_row() -> dict:
    from django.urls import reverse

    from fours.core.roles import Role

    from .volume import five_year_store, users_by_role

    store = five_year_store()
    client = _client(users_by_role(store)[Role.SERVICE_ADVISOR.value])
    url = reverse("service:ro-list")
    u10, u100 = f"{url}?per_page=10", f"{url}?per_page=100"
    pages, base = _pages(client, [u10, u100, url], store)
    p10, p100, p_def = pages[u10], pages[u100], pages[url]
    rows = {k: len(set(re.findall(rb"RO-\d{4}-\d{6}", p["body"]))) for k, p in (("10", p10), ("100", p100))}
    value = (p100["p95_ms"] - p10["p95_ms"]) / 90
    return {
        "value": round(value, 3),
        "unit": "ms/row",
        "baseline": p_def["p95_ms"],
        "ratio": round(value / p_def["p95_ms"], 4),
        "goal": "ms per extra row, beside the list's p95 (baseline)",
        "p95_10_ms": p10["p95_ms"],
        "p95_100_ms": p100["p95_ms"],
        "lookup_p95_ms": round(base, 3),
        "rows_shown": rows,
        "queries": {"10": p10["queries"], "100": p100["queries"], "default": p_def["queries"]},
        "load_avg_1min": round(os.getloadavg()[0], 1),
    }


FIGURES = {
    "service_dashboard_ms": service_dashboard_ms,
    "parts_dashboard_ms": parts_dashboard_ms,
    "group_dashboard_ms": group_dashboard_ms,
    "list_ms_per_row": list_ms_per_row,
}
