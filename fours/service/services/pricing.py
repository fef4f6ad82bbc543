"""Prices from the catalogues and the part master, and the totals of an order.

Money is Decimal, rounded once per line (half-up to the fen); totals are sums of rounded lines.
Discounts apply to the customer's own (自费) lines only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from fours.core.money import line_amount, round_money, split_vat, to_decimal

from ..choices import Approval, LabourStatus, PartStatus, Payer
from ..models import LabourOperation, LabourRate, LabourTime

ZERO = Decimal("0")
PAYERS = [p.value for p in Payer]


def labour_rates(store) -> dict[str, Decimal]:
    """工时单价 per payer; payers without a row use the store's rate."""
    rates = {p: store.labour_rate for p in PAYERS}
    for payer, rate in LabourRate.objects.filter(store=store).values_list("payer", "rate"):
        rates[payer] = rate
    return rates


def standard_hours(operation: LabourOperation, vehicle=None) -> Decimal:
    """The operation's hours for the vehicle's model, else its series, else the operation's default."""
    if vehicle is not None and vehicle.model_id:
        series_id = vehicle.model.series_id
        rows = {
            m: h
            for m, h in LabourTime.objects.filter(operation=operation, series_id=series_id).values_list(
                "model_id", "hours"
            )
        }
        if vehicle.model_id in rows:
            return rows[vehicle.model_id]
        if None in rows:
            return rows[None]
    return operation.standard_hours


def part_price(part, payer: str) -> Decimal:
    """Customer and internal lines at the retail price, insurance at the insurance price, warranty at the
    manufacturer's list price (each falling back to retail)."""
    if payer == Payer.INSURANCE and part.insurance_price:
        return part.insurance_price
    if payer == Payer.WARRANTY and part.list_price:
        return part.list_price
    return part.retail_price


def clean_pct(value, field: str) -> Decimal:
    from django.utils.translation import gettext as _

    from fours.core.errors import field_error

    try:
        pct = to_decimal(value or 0)
    except Exception:
        raise field_error(field, _("折扣格式不正确"), code="bad_format") from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise field_error(field, _("折扣应在0到100之间"), code="out_of_range")
    return pct.quantize(Decimal("0.01"))


@dataclass
class Totals:
    labour: Decimal = ZERO
    parts: Decimal = ZERO
    discount: Decimal = ZERO
    total: Decimal = ZERO
    net: Decimal = ZERO
    vat: Decimal = ZERO
    hours: Decimal = ZERO
    cost: Decimal = ZERO
    by_payer: dict = field(default_factory=lambda: {p: ZERO for p in PAYERS})
    # per payer, for the finance item each payer's share posts (the vouchers need revenue, VAT and cost)
    net_by_payer: dict = field(default_factory=lambda: {p: ZERO for p in PAYERS})
    cost_by_payer: dict = field(default_factory=lambda: {p: ZERO for p in PAYERS})
    lines: list = field(default_factory=list)


def _counted_labour(line, estimate: bool) -> bool:
    if line.status == LabourStatus.CANCELLED or line.approval == Approval.DECLINED:
        return False
    return estimate or line.approval == Approval.APPROVED


def totals(ro, labour, parts, *, estimate: bool = False, vat_rate=None) -> Totals:
    """The order's money. ``estimate``: planned quantities (估价); otherwise what was used (issued − returned)."""
    t = Totals()
    vat_rate = ro.store.vat_rate if vat_rate is None else vat_rate
    for ln in labour:
        if not _counted_labour(ln, estimate):
            continue
        pct = ro.labour_discount_pct if ln.payer == Payer.CUSTOMER else ZERO
        charged = line_amount(1, ln.amount, pct)
        t.labour += ln.amount
        t.discount += ln.amount - charged
        t.by_payer[ln.payer] += charged
        t.hours += ln.hours
        net, _vat = split_vat(charged, vat_rate)
        t.net += net
        t.net_by_payer[ln.payer] += net
        t.lines.append(
            {
                "type": "labour",
                "name": ln.name,
                "payer": ln.payer,
                "hours": str(ln.hours),
                "amount": str(charged),
            }
        )
    for ln in parts:
        if ln.status == PartStatus.CANCELLED or ln.approval == Approval.DECLINED:
            continue
        if not estimate and ln.approval != Approval.APPROVED:
            continue
        qty = ln.qty if estimate else ln.qty_issued - ln.qty_returned
        if qty <= 0:
            continue
        gross = round_money(qty * ln.unit_price)
        pct = ro.parts_discount_pct if ln.payer == Payer.CUSTOMER else ZERO
        charged = line_amount(qty, ln.unit_price, pct)
        t.parts += gross
        t.discount += gross - charged
        t.by_payer[ln.payer] += charged
        cost = ln.cost if not estimate else ZERO
        t.cost += cost
        t.cost_by_payer[ln.payer] += cost
        net, _vat = split_vat(charged, vat_rate)
        t.net += net
        t.net_by_payer[ln.payer] += net
        t.lines.append(
            {
                "type": "part",
                "name": f"{ln.part.display_no or ln.part.part_no} {ln.part.name}",
                "payer": ln.payer,
                "qty": str(qty),
                "amount": str(charged),
            }
        )
    t.total = sum(t.by_payer.values(), ZERO)
    t.vat = t.total - t.net
    return t
