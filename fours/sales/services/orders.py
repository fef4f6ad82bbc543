"""Writes of the sales desk: orders (车辆订单), from the quote (算价单) to the delivery (交车).

Quote → sent to the sales manager → authorised (the customer's receivable is posted in finance) →
deposit paid at the cashier desk → 确认下定 → a VIN allocated (FIFO suggestion) → accessories fitted by
an internal repair order → ready (PDI passed, paid) → delivered (archive vehicle, warranty, first
service, follow-up calls, gross profit). 退订: asked by the consultant, approved by the manager, the
order's items reversed in finance (what was paid becomes the customer's advance, refunded at the desk).
Money only through ``fours.finance.services``; the vehicle's status only through the stock area's
``vehicle_move``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import NotAllowed, field_error
from fours.core.money import round_money, split_vat, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for
from fours.core.workflows import require, require_action

from ..choices import OrderStatus, PayPlan
from ..models import VehicleOrder

ZERO = Decimal("0")
MAX_MONEY = Decimal("999999999.99")

# the fields a quote takes from its form (the price comes from the configuration)
QUOTE_FIELDS = (
    "colour",
    "pay_plan",
    "discount",
    "discount_reason",
    "gifts",
    "gift_value",
    "registration_fee",
    "other_fees",
    "other_fees_note",
    "trade_in_vehicle",
    "trade_in_value",
    "deposit",
    "expected_delivery",
    "note",
)
MONEY_FIELDS = {
    "discount": _("优惠金额"),
    "gift_value": _("赠送价值"),
    "registration_fee": _("上牌服务费"),
    "other_fees": _("其他费用"),
    "trade_in_value": _("置换作价"),
    "deposit": _("定金"),
}


# --- input -----------------------------------------------------------------------------------------


def _money(value, field: str) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        amount = to_decimal(str(value).strip().replace(",", ""))
    except (ArithmeticError, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        raise field_error(
            field, _("%(f)s须为数字（元）") % {"f": MONEY_FIELDS.get(field, field)}, code="bad_format"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise field_error(field, _("最多两位小数（到分）"), code="bad_format")
    if amount < 0:
        raise field_error(
            field, _("%(f)s不能为负数") % {"f": MONEY_FIELDS.get(field, field)}, code="negative"
        )
    if amount > MAX_MONEY:
        raise field_error(field, _("金额过大"), code="out_of_range")
    return round_money(amount)


def _text(value, size: int) -> str:
    return (value or "").strip()[:size]


def _date(value, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("日期格式不正确"), code="bad_format") from None


def _clean(data: dict, *, list_price: Decimal) -> dict:
    out = {}
    for name in QUOTE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in MONEY_FIELDS:
            out[name] = _money(value, name)
        elif name == "expected_delivery":
            out[name] = _date(value, name)
        elif name == "pay_plan":
            if value not in PayPlan.values:
                raise field_error(name, _("请选择付款方式"), code="invalid_choice")
            out[name] = value
        else:
            size = VehicleOrder._meta.get_field(name).max_length or 300
            out[name] = _text(value, size)
    if "colour" in out and not out["colour"]:
        raise field_error("colour", _("请选择颜色"), code="required")
    if out.get("discount", ZERO) > list_price:
        raise field_error("discount", _("优惠金额不能超过指导价"), code="out_of_range")
    return out


def _prices(order: VehicleOrder) -> None:
    """合同总价 and 优惠比例 from the order's figures (accessories_amount kept by the accessory
    services)."""
    order.total = round_money(
        order.list_price
        - order.discount
        + order.accessories_amount
        + order.registration_fee
        + order.other_fees
    )
    order.discount_pct = (
        round_money(order.discount * 100 / order.list_price) if order.list_price > 0 else ZERO
    )


def discount_limit(user, store) -> Decimal:
    """The highest discount (% of the list price) the user's roles may give in the store."""
    return limit_for(user, store, LimitKind.DISCOUNT_PCT)


def _needs_approval(order: VehicleOrder, actor) -> bool:
    return order.discount_pct > discount_limit(actor, order.store)


def _check_discount(order: VehicleOrder, actor) -> None:
    """A discount above the sender's limit needs its reason (优惠原因) for the manager's approval."""
    order.needs_approval = _needs_approval(order, actor)
    if order.needs_approval and not order.discount_reason:
        raise field_error(
            "discount_reason",
            _("优惠%(pct)s%%超过您的权限（最多%(max)s%%），请填写优惠原因提交审批")
            % {
                "pct": f"{order.discount_pct.normalize():f}",
                "max": f"{discount_limit(actor, order.store).normalize():f}",
            },
            code="discount_limit",
        )


def _locked(order: VehicleOrder) -> VehicleOrder:
    return VehicleOrder.objects.select_for_update().get(pk=order.pk)


def _in_store(actor, store) -> None:
    from fours.core.selectors import store_ids_for

    if not getattr(actor, "is_superuser", False) and store.pk not in store_ids_for(actor):
        raise NotAllowed(_("您不属于该门店"))


# --- the quote -------------------------------------------------------------------------------------


@transaction.atomic
def order_quote(
    *, actor, store, customer, configuration, data: dict, lead=None, consultant=None
) -> VehicleOrder:
    """算价单: a quote for one configuration and colour at its list price (指导价), with the discount,
    gifts and fees; numbered XD."""
    require_perm(actor, "sales.add_vehicleorder")
    _in_store(actor, store)
    if configuration is None:
        raise field_error("configuration", _("请选择配置"), code="required")
    if not configuration.msrp or configuration.msrp <= 0:
        raise field_error("configuration", _("该配置未设指导价"), code="required")
    if getattr(customer, "merged_into_id", None):
        raise field_error("customer", _("该客户已合并，请选择合并后的客户"), code="merged_customer")
    if lead is not None and lead.store_id != store.pk:
        raise field_error("lead", _("潜客不属于本门店"), code="out_of_scope")
    list_price = round_money(configuration.msrp)
    fields = _clean({"colour": "", **data}, list_price=list_price)
    order = VehicleOrder(
        store=store,
        customer=customer,
        lead=lead,
        consultant=consultant or actor,
        configuration=configuration,
        list_price=list_price,
        created_by=actor,
        **fields,
    )
    _prices(order)
    _check_discount(order, order.consultant)
    order.save()
    audit_record(actor=actor, obj=order, verb="created", changes={"total": str(order.total)})
    order.number = next_number(store=store, kind=DocKind.VEHICLE_ORDER)
    VehicleOrder.objects.filter(pk=order.pk).update(number=order.number)
    return order


@transaction.atomic
def order_update(*, actor, order: VehicleOrder, data: dict) -> VehicleOrder:
    """Change a quote's figures (报价 only)."""
    order = _locked(order)
    require_action(order, "edit", actor=actor)
    fields = _clean(data, list_price=order.list_price)
    before = {k: str(getattr(order, k)) for k in fields}
    for k, v in fields.items():
        setattr(order, k, v)
    _prices(order)
    _check_discount(order, order.consultant)
    order.save()
    changes = {k: [before[k], str(v)] for k, v in fields.items() if before[k] != str(v)}
    audit_record(actor=actor, obj=order, verb="updated", changes=changes)
    return order


@transaction.atomic
def order_send(*, actor, order: VehicleOrder) -> VehicleOrder:
    """报价 → 待审批: the consultant sends the order to the sales manager (every order is authorised)."""
    order = _locked(order)
    require(order, to=OrderStatus.AWAITING_APPROVAL, actor=actor)
    if order.deposit <= 0:
        raise field_error("deposit", _("请填写定金"), code="required")
    if order.deposit > order.total:
        raise field_error("deposit", _("定金不能超过合同总价"), code="out_of_range")
    _prices(order)
    _check_discount(order, order.consultant)
    order.status = OrderStatus.AWAITING_APPROVAL
    order.submitted_at = timezone.now()
    order.save(update_fields=["status", "submitted_at", "needs_approval", "total", "discount_pct"])
    audit_record(actor=actor, obj=order, verb="submitted", changes={"status": OrderStatus.AWAITING_APPROVAL})
    return order


@transaction.atomic
def order_send_back(*, actor, order: VehicleOrder, note: str) -> VehicleOrder:
    """待审批 → 报价: the manager sends the quote back with the reason."""
    order = _locked(order)
    require(order, to=OrderStatus.QUOTE, actor=actor)
    note = _text(note, 300)
    if not note:
        raise field_error("note", _("请填写退回原因"), code="required")
    order.status = OrderStatus.QUOTE
    order.approval_note = note
    order.save(update_fields=["status", "approval_note"])
    audit_record(actor=actor, obj=order, verb="rejected", changes={"status": OrderStatus.QUOTE}, note=note)
    return order


def _post_receivable(*, actor, order: VehicleOrder, amount: Decimal, memo: str):
    from fours.finance.choices import Direction, ItemSource
    from fours.finance.services import ItemRow, customer_party, items_post

    net, tax = split_vat(amount, order.store.vat_rate)
    return items_post(
        actor=actor,
        store=order.store,
        doc=order,
        doc_number=order.number,
        rows=[
            ItemRow(
                party=customer_party(order.store, order.customer),
                direction=Direction.RECEIVABLE,
                source=ItemSource.VEHICLE_SALE,
                department=DepartmentKind.SALES,
                amount=amount,
                net_amount=net,
                tax_amount=tax,
                due_date=order.expected_delivery or timezone.localdate(),
                memo=memo,
            )
        ],
    )


@transaction.atomic
def order_authorise(*, actor, order: VehicleOrder, note: str = "") -> VehicleOrder:
    """待审批 → 已审批待下定: the sales manager authorises the order (a discount above the consultant's
    limit only by a role whose limit covers it); the customer's receivable (合同总价) is posted in
    finance, to be paid at the cashier desk (定金 first)."""
    order = _locked(order)
    require(order, to=OrderStatus.AUTHORISED, actor=actor)
    _in_store(actor, order.store)
    if actor.pk == order.consultant_id and not getattr(actor, "is_superuser", False):
        raise field_error("status", _("不能审批自己的订单"), code="own_order")
    if order.needs_approval or _needs_approval(order, order.consultant):
        limit = discount_limit(actor, order.store)
        if order.discount_pct > limit:
            raise field_error(
                "discount",
                _("优惠%(pct)s%%超过您的审批权限（最多%(max)s%%）")
                % {"pct": f"{order.discount_pct.normalize():f}", "max": f"{limit.normalize():f}"},
                code="over_limit",
            )
    order.status = OrderStatus.AUTHORISED
    order.authorised_by = actor
    order.authorised_at = timezone.now()
    order.approval_note = _text(note, 300)
    order.save(update_fields=["status", "authorised_by", "authorised_at", "approval_note"])
    audit_record(
        actor=actor,
        obj=order,
        verb="approved",
        changes={"status": OrderStatus.AUTHORISED, "total": str(order.total)},
        note=order.approval_note,
    )
    _post_receivable(
        actor=actor, order=order, amount=order.total, memo=_("整车销售 %(c)s") % {"c": order.customer.name}
    )
    return order
