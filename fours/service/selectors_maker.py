"""Reports to the manufacturer (厂家报表): the monthly service operating report (营业数据报表), the weekly
service information report with photos (服务信息周报) and the quality information report (质量信息报告:
failures by model, part and mileage). Every figure keeps the documents behind it (``docs``: repair
order ids), so the page drills down to them; each report exports as Excel (openpyxl) in the column order
the store sets per brand (settings ``FOURS_MAKER_LAYOUTS``: {brand: {report: [figure keys]}})."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from fours.core.audit import display_name

from .choices import ROStatus
from .models import Comeback, PartLine, Photo, RepairOrder
from .selectors_performance import (
    day_bounds,
    labour_revenue,
    month_bounds,
    parts_revenue,
    period_orders,
    workshop_performance,
)

ZERO = Decimal("0")
MONEY_KEYS = {
    "labour",
    "parts",
    "output",
    "customer_paid",
    "warranty",
    "insurance",
    "internal",
    "output_per_ro",
}
BANDS = [(0, 5000), (5000, 20000), (20000, 50000), (50000, 100000), (100000, None)]


@dataclass
class Figure:
    key: str
    label: str
    value: object
    docs: list = field(default_factory=list)
    money: bool = False


def _band(km: int) -> str:
    for lo, hi in BANDS:
        if hi is None or km < hi:
            return f"{lo // 1000}k–{hi // 1000}k" if hi else f"≥{lo // 1000}k"
    return ""


def _received(store, start, end):
    s, e = day_bounds(start, end)
    return list(
        RepairOrder.objects.filter(store=store, received_at__gte=s, received_at__lt=e)
        .exclude(status=ROStatus.CANCELLED)
        .values_list("pk", "appointment_id")
    )


def _money_figures(orders) -> dict:
    """Labour and parts revenue of the orders, split by payer, with the orders behind each."""
    out = defaultdict(lambda: [ZERO, set()])
    for ro in orders:
        for ln in ro.labour.all():
            v = labour_revenue(ro, ln)
            out["labour"][0] += v
            out["labour"][1].add(ro.pk)
            out[f"pay_{ln.payer}"][0] += v
            out[f"pay_{ln.payer}"][1].add(ro.pk)
        for pl in ro.parts.all():
            v = parts_revenue(ro, pl)
            if not v:
                continue
            out["parts"][0] += v
            out["parts"][1].add(ro.pk)
            out[f"pay_{pl.payer}"][0] += v
            out[f"pay_{pl.payer}"][1].add(ro.pk)
    return out


def monthly_operating(store, month: dt.date) -> list[Figure]:
    """营业数据报表 of a month: throughput, output, hours, parts, warranty, insurance and customer figures."""
    start, end = month_bounds(month)
    perf = workshop_performance(store, start, end)
    orders = perf["orders"]
    ids = [ro.pk for ro in orders]
    received = _received(store, start, end)
    money = _money_figures(orders)
    comebacks = list(
        Comeback.objects.filter(store=store, original_id__in=ids).values_list("original_id", flat=True)
    )
    reworked = [ro.pk for ro in orders if ro.rework_count]
    customers = {ro.customer_id for ro in orders}
    hours = perf["store"]["hours"]
    return _money_marked(
        [
            Figure("received", _("进厂台次"), len(received), [r[0] for r in received]),
            Figure(
                "booked",
                _("预约进厂台次"),
                sum(1 for r in received if r[1]),
                [r[0] for r in received if r[1]],
            ),
            Figure("settled", _("结算台次"), len(orders), ids),
            Figure("customers", _("结算客户数"), len(customers), ids),
            Figure("hours", _("售出工时"), hours, ids),
            Figure("hours_per_ro", _("单车工时"), perf["store"]["hours_per_ro"] or ZERO, ids),
            Figure("labour", _("工时产值"), money["labour"][0], sorted(money["labour"][1])),
            Figure("parts", _("材料产值"), money["parts"][0], sorted(money["parts"][1])),
            Figure("output", _("维修产值合计"), money["labour"][0] + money["parts"][0], ids),
            Figure(
                "customer_paid", _("客户自费"), money["pay_customer"][0], sorted(money["pay_customer"][1])
            ),
            Figure("warranty", _("索赔金额"), money["pay_warranty"][0], sorted(money["pay_warranty"][1])),
            Figure("insurance", _("保险金额"), money["pay_insurance"][0], sorted(money["pay_insurance"][1])),
            Figure("internal", _("内部金额"), money["pay_internal"][0], sorted(money["pay_internal"][1])),
            Figure(
                "output_per_ro",
                _("单车产值"),
                (
                    ((money["labour"][0] + money["parts"][0]) / len(orders)).quantize(Decimal("0.01"))
                    if orders
                    else ZERO
                ),
                ids,
            ),
            Figure("reworks", _("返工台次"), len(reworked), reworked),
            Figure("comebacks", _("返修台次"), len(set(comebacks)), sorted(set(comebacks))),
            Figure("first_time_fix", _("一次修复率（%）"), perf["store"]["first_time_fix"] or ZERO, ids),
        ]
    )


def _money_marked(figures: list[Figure]) -> list[Figure]:
    for f in figures:
        f.money = f.key in MONEY_KEYS
    return figures


def weekly_info(store, week_start: dt.date) -> dict:
    """服务信息周报 of the week from ``week_start`` (7 days): the week's figures and its quality cases —
    comebacks and warranty repairs — each with its photos."""
    start, end = week_start, week_start + dt.timedelta(days=7)
    orders = list(period_orders(store, start, end))
    ids = [ro.pk for ro in orders]
    received = _received(store, start, end)
    money = _money_figures(orders)
    s, e = day_bounds(start, end)
    comebacks = list(
        Comeback.objects.filter(store=store, at__gte=s, at__lt=e).select_related(
            "ro__vehicle", "original", "technician"
        )
    )
    warranty_ros = sorted(money["pay_warranty"][1])
    case_ids = sorted({cb.ro_id for cb in comebacks} | set(warranty_ros))
    photos = defaultdict(list)
    for p in Photo.objects.filter(ro_id__in=case_ids).order_by("at"):
        photos[p.ro_id].append({"caption": p.caption, "url": reverse("upload", args=[p.image.name])})
    by_pk = {
        ro.pk: ro
        for ro in RepairOrder.objects.filter(pk__in=case_ids).select_related("vehicle__model", "advisor")
    }
    cases = []
    for cb in comebacks:
        ro = by_pk[cb.ro_id]
        cases.append(
            {
                "kind": _("返修"),
                "ro": ro,
                "text": f"{cb.reason}（{_('原工单')} {cb.original.number}，{display_name(cb.technician)}）",
                "photos": photos[ro.pk],
            }
        )
    for pk in warranty_ros:
        ro = by_pk[pk]
        cases.append({"kind": _("索赔维修"), "ro": ro, "text": ro.complaint[:200], "photos": photos[pk]})
    figures = [
        Figure("received", _("进厂台次"), len(received), [r[0] for r in received]),
        Figure("settled", _("结算台次"), len(orders), ids),
        Figure("output", _("维修产值合计"), money["labour"][0] + money["parts"][0], ids),
        Figure("warranty", _("索赔金额"), money["pay_warranty"][0], warranty_ros),
        Figure("comebacks", _("返修台次"), len(comebacks), sorted({cb.ro_id for cb in comebacks})),
    ]
    return {"start": start, "end": end, "figures": _money_marked(figures), "cases": cases}


def quality_info(store, start: dt.date, end: dt.date) -> list[dict]:
    """质量信息报告: failures — warranty parts replaced on the orders settled in the period, and the parts of
    comeback orders — counted by vehicle model, part and mileage band, each with its orders."""
    orders = {ro.pk: ro for ro in period_orders(store, start, end)}
    comeback_ros = set(
        Comeback.objects.filter(store=store, ro_id__in=list(orders)).values_list("ro_id", flat=True)
    )
    rows: dict = {}
    lines = (
        PartLine.objects.filter(ro_id__in=list(orders))
        .select_related("part", "ro__vehicle__model__series")
        .order_by("ro_id", "pk")
    )
    for pl in lines:
        if pl.payer != "warranty" and pl.ro_id not in comeback_ros:
            continue
        if pl.qty_issued - pl.qty_returned <= 0:
            continue
        v = pl.ro.vehicle
        model = str(v.model) if v.model_id else _("未知车型")
        key = (model, pl.part.part_no, _band(pl.ro.odometer_km))
        r = rows.setdefault(
            key,
            {
                "model": model,
                "part_no": pl.part.part_no,
                "part": pl.part.name,
                "band": key[2],
                "count": 0,
                "warranty": 0,
                "comeback": 0,
                "docs": [],
            },
        )
        r["count"] += 1
        r["warranty" if pl.payer == "warranty" else "comeback"] += 1
        if pl.ro_id not in r["docs"]:
            r["docs"].append(pl.ro_id)
    return sorted(rows.values(), key=lambda r: (-r["count"], r["model"], r["part_no"]))


# --- Excel ------------------------------------------------------------------------------------------------


def layout_for(store, report: str, keys: list[str]) -> list[str]:
    """The figures' order for the store's brand (first brand of the store), else the default order."""
    layouts = getattr(settings, "FOURS_MAKER_LAYOUTS", {}) or {}
    brand = (store.brand_list or [""])[0]
    chosen = (layouts.get(brand) or {}).get(report)
    if not chosen:
        return keys
    return [k for k in chosen if k in keys] + [k for k in keys if k not in chosen]


def _num(v):
    return float(v) if isinstance(v, Decimal) else v


def figures_workbook(store, title: str, period: str, figures: list[Figure], report: str, extra=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    by_key = {f.key: f for f in figures}
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("门店"), str(store), _("期间"), period])
    ws.append([])
    ws.append([_("项目"), _("数值"), _("单据数"), _("单据")])
    numbers = dict(
        RepairOrder.objects.filter(pk__in={d for f in figures for d in f.docs}).values_list("pk", "number")
    )
    for key in layout_for(store, report, [f.key for f in figures]):
        f = by_key[key]
        ws.append([f.label, _num(f.value), len(f.docs), "、".join(numbers.get(d, "") for d in f.docs[:50])])
    if extra:
        extra(wb)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["D"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def quality_workbook(store, start, end, rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("质量信息报告")
    ws.append([_("质量信息报告")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("门店"), str(store), _("期间"), f"{start} – {end - dt.timedelta(days=1)}"])
    ws.append([])
    ws.append(
        [_("车型"), _("配件编号"), _("配件名称"), _("里程段"), _("故障次数"), _("索赔"), _("返修"), _("工单")]
    )
    numbers = dict(
        RepairOrder.objects.filter(pk__in={d for r in rows for d in r["docs"]}).values_list("pk", "number")
    )
    for r in rows:
        ws.append(
            [
                r["model"],
                r["part_no"],
                r["part"],
                r["band"],
                r["count"],
                r["warranty"],
                r["comeback"],
                "、".join(numbers.get(d, "") for d in r["docs"]),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
