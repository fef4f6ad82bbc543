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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_verbs
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import NotAllowed, field_error
from fours.core.money import round_money, split_vat, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for

from ..choices import OrderStatus, PayPlan
from ..models import OrderAccessory, VehicleOrder
from ..workflows import ORDER

register_verbs(
    {
        "vehicle_allocated": gettext_lazy("配车"),
        "vehicle_released": gettext_lazy("取消配车"),
        "fitting_opened": gettext_lazy("开精品加装工单"),
        "invoiced": gettext_lazy("开具发票"),
        "ready": gettext_lazy("待交车"),
        "deposit_confirmed": gettext_lazy("确认下定"),
        "cancel_requested": gettext_lazy("申请退订"),
        "plate_registered": gettext_lazy("上牌登记"),
    }
)

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
    "discount": gettext_lazy("优惠金额"),
    "gift_value": gettext_lazy("赠送价值"),
    "registration_fee": gettext_lazy("上牌服务费"),
    "other_fees": gettext_lazy("其他费用"),
    "trade_in_value": gettext_lazy("置换作价"),
    "deposit": gettext_lazy("定金"),
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
    services). The 优惠比例 the limits apply to is everything the customer gets off the list price or for
    nothing: the discount, the gifts' value and the accessories given (seed: no 优惠 nor 赠送 beyond the
    policy without the sales manager)."""
    order.total = round_money(
        order.list_price
        - order.discount
        + order.accessories_amount
        + order.registration_fee
        + order.other_fees
    )
    given = order.discount + order.gift_value + (_gifted(order) if order.pk else ZERO)
    order.discount_pct = round_money(given * 100 / order.list_price) if order.list_price > 0 else ZERO


def customer_share(order: VehicleOrder) -> Decimal:
    """What the customer owes in money: the contract total less the trade-in value (置换作价), the used car
    the store takes at that value paying the rest (the loan, if any, replaces part of this share)."""
    return round_money(order.total - order.trade_in_value)


def _check_trade_in(order: VehicleOrder) -> None:
    if order.trade_in_value <= 0:
        return
    if not order.trade_in_vehicle:
        raise field_error("trade_in_vehicle", _("请填写置换车辆（品牌车型、车牌或车架号）"), code="required")
    if order.trade_in_value > order.total:
        raise field_error(
            "trade_in_value",
            _("置换作价 %(v)s 不能超过合同总价 %(t)s")
            % {"v": f"¥{order.trade_in_value:,.2f}", "t": f"¥{order.total:,.2f}"},
            code="out_of_range",
        )


def _gifted(order: VehicleOrder) -> Decimal:
    from django.db.models import Sum

    row = order.accessories.filter(is_gift=True).aggregate(s=Sum("amount"))
    return round_money(row["s"] or ZERO)


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
            _("优惠及赠送合计%(pct)s%%超过您的权限（最多%(max)s%%），请填写优惠原因提交审批")
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


def _customer_for(actor, store, lead, data: dict):
    from fours.customers.models import Customer
    from fours.customers.services import customer_create

    if lead is not None and lead.customer_id:
        return lead.customer
    name = _text(data.get("name") or (lead.name if lead else ""), 100)
    mobile = _text(data.get("mobile") or (lead.mobile if lead else ""), 11)
    if not name:
        raise field_error("customer_name", _("请填写客户姓名"), code="required")
    if mobile:
        hit = (
            Customer.objects.filter(group=store.group, mobile=mobile, merged_into__isnull=True)
            .order_by("id")
            .first()
        )
        if hit is not None:
            return hit
    return customer_create(
        actor=actor, store=store, data={"name": name, "mobile": mobile}, allow_duplicate=not mobile
    )


# --- the quote -------------------------------------------------------------------------------------


@transaction.atomic
def order_quote(
    *, actor, store, configuration, data: dict, customer=None, customer_data=None, lead=None, consultant=None
) -> VehicleOrder:
    """算价单: a quote for one configuration and colour at its list price (指导价), with the discount,
    gifts and fees; numbered XD. The customer is an archive customer, else the one of the lead, else
    found by ``customer_data``'s mobile or created from it (name, mobile)."""
    require_perm(actor, "sales.add_vehicleorder")
    _in_store(actor, store)
    if customer is None:
        customer = _customer_for(actor, store, lead, customer_data or {})
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
    _check_trade_in(order)
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
    ORDER.require_action(order, "edit", actor=actor)
    fields = _clean(data, list_price=order.list_price)
    before = {k: str(getattr(order, k)) for k in fields}
    for k, v in fields.items():
        setattr(order, k, v)
    _prices(order)
    _check_trade_in(order)
    _check_discount(order, order.consultant)
    order.save()
    changes = {k: [before[k], str(v)] for k, v in fields.items() if before[k] != str(v)}
    audit_record(actor=actor, obj=order, verb="updated", changes=changes)
    return order


@transaction.atomic
def order_send(*, actor, order: VehicleOrder) -> VehicleOrder:
    """报价 → 待审批: the consultant sends the order to the sales manager (every order is authorised)."""
    order = _locked(order)
    ORDER.require(order, to=OrderStatus.AWAITING_APPROVAL, actor=actor)
    if order.deposit <= 0:
        raise field_error("deposit", _("请填写定金"), code="required")
    _prices(order)
    _check_trade_in(order)
    if order.deposit > customer_share(order):
        raise field_error(
            "deposit",
            _("定金不能超过客户应付车款 %(s)s（合同总价减置换作价）")
            % {"s": f"¥{customer_share(order):,.2f}"}
            if order.trade_in_value > 0
            else _("定金不能超过合同总价"),
            code="out_of_range",
        )
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
    ORDER.require(order, to=OrderStatus.QUOTE, actor=actor)
    note = _text(note, 300)
    if not note:
        raise field_error("note", _("请填写退回原因"), code="required")
    order.status = OrderStatus.QUOTE
    order.approval_note = note
    order.save(update_fields=["status", "approval_note"])
    audit_record(actor=actor, obj=order, verb="rejected", changes={"status": OrderStatus.QUOTE}, note=note)
    return order


TRADE_IN_REF = "sales.trade_in"


def trade_in_party(store):
    """二手车置换: the store's used-car desk in its own books (内部往来), which takes the customer's used car
    at its agreed value and so owes that part of the new car's price."""
    from fours.finance.choices import PartyKind
    from fours.finance.services import party_for

    return party_for(store=store, kind=PartyKind.INTERNAL, ref=TRADE_IN_REF, name=_("二手车置换"))


def _post_receivable(*, actor, order: VehicleOrder, amount: Decimal, memo: str, trade_in: Decimal = ZERO):
    """The order's receivable: the customer's 整车销售 item, and with a trade-in, the part the used car pays
    (置换抵款) as the used-car desk's item; VAT split between the two in proportion, so together they are
    the sale's amount, net and VAT."""
    from fours.finance.choices import Direction, ItemSource
    from fours.finance.services import ItemRow, customer_party, items_post

    net, tax = split_vat(amount, order.store.vat_rate)
    trade_tax = round_money(tax * trade_in / amount) if trade_in > 0 and amount else ZERO
    own = amount - trade_in
    rows = []
    if own > 0:
        rows.append(
            ItemRow(
                party=customer_party(order.store, order.customer),
                direction=Direction.RECEIVABLE,
                source=ItemSource.VEHICLE_SALE,
                department=DepartmentKind.SALES,
                amount=own,
                net_amount=net - (trade_in - trade_tax),
                tax_amount=tax - trade_tax,
                due_date=order.expected_delivery or timezone.localdate(),
                memo=memo,
            )
        )
    if trade_in > 0:
        rows.append(
            ItemRow(
                party=trade_in_party(order.store),
                direction=Direction.RECEIVABLE,
                source=ItemSource.OTHER,
                department=DepartmentKind.SALES,
                amount=trade_in,
                net_amount=trade_in - trade_tax,
                tax_amount=trade_tax,
                due_date=timezone.localdate(),
                memo=_("置换抵款 %(v)s（%(c)s）") % {"v": order.trade_in_vehicle, "c": order.customer.name},
            )
        )
    items = items_post(actor=actor, store=order.store, doc=order, doc_number=order.number, rows=rows)
    if trade_in > 0:
        # the used car is taken at its agreed value: the used-car desk's part is settled in kind (置换抵款,
        # its voucher on the used-car stock), so nothing of it waits at the cashier desk
        from fours.finance.services import payment_take

        payment_take(
            actor=actor,
            store=order.store,
            party=items[-1].party,
            lines=[("trade_in", trade_in, order.trade_in_vehicle[:60])],
            allocations=[(items[-1], trade_in)],
            note=_("置换抵款 %(no)s") % {"no": order.number},
            in_kind=True,
        )
    return items


def _trade_in_payments_reverse(*, actor, order: VehicleOrder, reason: str) -> None:
    """Take back the in-kind settlement of the order's trade-in items (the used car is not taken)."""
    from fours.finance.choices import IN_KIND, PaymentKind
    from fours.finance.models import Payment
    from fours.finance.services import payment_reverse

    items = [i.pk for i in trade_in_items(order)]
    pays = (
        Payment.objects.filter(
            allocations__item_id__in=items,
            kind=PaymentKind.RECEIPT,
            cashier__isnull=True,
            lines__method__in=IN_KIND,
            reversed_by__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )
    for pay in pays:
        payment_reverse(actor=actor, payment=pay, reason=reason, in_kind=True)


def forfeited(order: VehicleOrder) -> Decimal:
    """What a cancelled order's customer forfeited (定金不退): its 违约金 items, the store's income."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Sum

    from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind
    from fours.finance.models import OpenItem

    row = (
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(VehicleOrder),
            doc_id=order.pk,
            direction=Direction.RECEIVABLE,
            source=ItemSource.FORFEIT,
            party__kind=PartyKind.CUSTOMER,
            amount__gt=0,
        )
        .exclude(status=ItemStatus.REVERSED)
        .aggregate(s=Sum("amount"))
    )
    return round_money(row["s"] or ZERO)


def trade_in_items(order: VehicleOrder) -> list:
    """The order's live 置换抵款 items (the used-car desk's part of the price)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind
    from fours.finance.models import OpenItem

    return list(
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(VehicleOrder),
            doc_id=order.pk,
            direction=Direction.RECEIVABLE,
            source=ItemSource.OTHER,
            party__kind=PartyKind.INTERNAL,
            party__ref=TRADE_IN_REF,
            amount__gt=0,
        )
        .exclude(status=ItemStatus.REVERSED)
        .order_by("pk")
    )


@transaction.atomic
def order_authorise(*, actor, order: VehicleOrder, note: str = "") -> VehicleOrder:
    """待审批 → 已审批待下定: the sales manager authorises the order (a discount above the consultant's
    limit only by a role whose limit covers it); the customer's receivable (合同总价) is posted in
    finance, to be paid at the cashier desk (定金 first)."""
    order = _locked(order)
    ORDER.require(order, to=OrderStatus.AUTHORISED, actor=actor)
    _in_store(actor, order.store)
    if actor.pk == order.consultant_id and not getattr(actor, "is_superuser", False):
        raise field_error("status", _("不能审批自己的订单"), code="own_order")
    _check_trade_in(order)
    if order.needs_approval or _needs_approval(order, order.consultant):
        limit = discount_limit(actor, order.store)
        if order.discount_pct > limit:
            raise field_error(
                "discount",
                _("优惠及赠送合计%(pct)s%%超过您的审批权限（最多%(max)s%%）")
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
        actor=actor,
        order=order,
        amount=order.total,
        memo=_("整车销售 %(c)s") % {"c": order.customer.name},
        trade_in=order.trade_in_value,
    )
    return order


@transaction.atomic
def order_drop(*, actor, order: VehicleOrder, reason: str = "") -> VehicleOrder:
    """报价 → 已退订: a quote the customer did not take (nothing was posted)."""
    order = _locked(order)
    if order.status != OrderStatus.QUOTE:
        raise field_error("status", _("只有报价状态的订单可以直接作废"), code="bad_transition")
    ORDER.require(order, to=OrderStatus.CANCELLED, actor=actor)
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = _text(reason, 300)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancel_reason", "cancelled_at"])
    audit_record(
        actor=actor, obj=order, verb="cancelled", changes={"status": OrderStatus.CANCELLED}, note=reason
    )
    return order


# --- 确认下定 ----------------------------------------------------------------------------------------


def _summary(order: VehicleOrder, metric: str, at, value=1, *, dimension: str | None = None) -> None:
    from fours.reports.services import summary_add

    dim = f"model:{order.configuration.model_id}" if dimension is None else dimension
    summary_add(
        store=order.store,
        metric=metric,
        value=value,
        day=timezone.localdate(at),
        department=DepartmentKind.SALES,
        person=order.consultant,
        dimension=dim,
    )


@transaction.atomic
def order_confirm(*, actor, order: VehicleOrder) -> VehicleOrder:
    """确认下定 (已审批待下定 → 已下定): allowed once finance shows the customer paid at least the
    deposit; the contract (车辆订购单) counts as signed, the lead as won."""
    from fours.reports.choices import Metric

    from ..selectors.orders import order_customer_paid

    order = _locked(order)
    if order.status != OrderStatus.AUTHORISED:
        raise field_error("status", _("只有已审批待下定的订单可以确认下定"), code="bad_transition")
    ORDER.require(order, to=OrderStatus.ORDERED, actor=actor)
    paid = order_customer_paid(order)
    if paid < order.deposit:
        raise field_error(
            "deposit",
            _("定金 %(d)s 尚未付清（已收 %(p)s），请客户到收银台付款")
            % {"d": f"¥{order.deposit:,.2f}", "p": f"¥{paid:,.2f}"},
            code="unpaid",
        )
    now = timezone.now()
    order.status = OrderStatus.ORDERED
    order.ordered_at = now
    order.contract_signed_at = order.contract_signed_at or now
    order.save(update_fields=["status", "ordered_at", "contract_signed_at"])
    audit_record(actor=actor, obj=order, verb="deposit_confirmed", changes={"status": OrderStatus.ORDERED})
    if order.lead_id:
        from ..choices import LeadStatus
        from .showroom import lead_mark_ordered

        if order.lead.status == LeadStatus.OPEN:
            lead_mark_ordered(actor=actor, lead=order.lead)
    _summary(order, Metric.ORDERS, now)
    return order


# --- 配车 ----------------------------------------------------------------------------------------------


@transaction.atomic
def order_allocate(*, actor, order: VehicleOrder, vehicle) -> VehicleOrder:
    """配车 (已下定 → 已配车): one in-stock vehicle of the order's configuration and colour. The vehicle row
    is locked first, so of two people allocating one VIN at once exactly one gets it."""
    from ..choices import VehicleStatus
    from ..models import StockVehicle
    from .stock import vehicle_move

    order = _locked(order)
    ORDER.require(order, to=OrderStatus.ALLOCATED, actor=actor)
    if vehicle is None:
        raise field_error("vehicle", _("请选择车辆"), code="required")
    v = StockVehicle.objects.select_for_update().filter(pk=vehicle.pk).first()
    if v is None or v.store_id != order.store_id:
        raise field_error("vehicle", _("车辆不属于本门店"), code="out_of_scope")
    if v.status != VehicleStatus.IN_STOCK:
        taken = v.status in (VehicleStatus.RESERVED, VehicleStatus.SOLD)
        raise field_error(
            "vehicle",
            _("车辆 %(vin)s 当前为“%(s)s”，不能配车") % {"vin": v.vin, "s": v.get_status_display()},
            code="already_allocated" if taken else "not_available",
        )
    if v.configuration_id != order.configuration_id or v.colour != order.colour:
        raise field_error("vehicle", _("车辆的配置或颜色与订单不符"), code="mismatch")
    vehicle_move(actor=actor, vehicle=v, to=VehicleStatus.RESERVED)
    order.status = OrderStatus.ALLOCATED
    order.vehicle = v
    order.allocated_at = timezone.now()
    order.save(update_fields=["status", "vehicle", "allocated_at"])
    audit_record(actor=actor, obj=order, verb="vehicle_allocated", changes={"vehicle": [None, v.vin]})
    return order


@transaction.atomic
def order_unallocate(*, actor, order: VehicleOrder, reason: str = "") -> VehicleOrder:
    """取消配车 (已配车 → 已下定): the vehicle goes back to stock, before any fitting started."""
    from ..choices import VehicleStatus
    from .stock import vehicle_move

    order = _locked(order)
    if order.status != OrderStatus.ALLOCATED:
        raise field_error("status", _("该订单尚未配车"), code="bad_transition")
    ORDER.require(order, to=OrderStatus.ORDERED, actor=actor)
    if order.fitting_order_id:
        raise field_error("vehicle", _("该车已开精品加装工单，不能取消配车"), code="parts_issued")
    vin = order.vehicle.vin
    vehicle_move(actor=actor, vehicle=order.vehicle, to=VehicleStatus.IN_STOCK)
    order.status = OrderStatus.ORDERED
    order.vehicle = None
    order.allocated_at = None
    order.save(update_fields=["status", "vehicle", "allocated_at"])
    audit_record(
        actor=actor,
        obj=order,
        verb="vehicle_released",
        changes={"vehicle": [vin, None]},
        note=_text(reason, 300),
    )
    return order


# --- 精品 ------------------------------------------------------------------------------------------------


def _accessory_totals(order: VehicleOrder) -> None:
    from django.db.models import Sum

    row = order.accessories.filter(is_gift=False).aggregate(s=Sum("amount"))
    order.accessories_amount = round_money(row["s"] or ZERO)
    _prices(order)


@transaction.atomic
def accessory_add(*, actor, order: VehicleOrder, part, qty=1, is_gift: bool = False) -> OrderAccessory:
    """精品: an accessory from the parts catalogue at its retail price, sold or given (赠送: it costs the
    store, the customer pays nothing). Added after authorisation, a sold one is posted as a further
    receivable of the customer."""
    from fours.parts.choices import PartCategory
    from fours.parts.services import clean_qty

    order = _locked(order)
    ORDER.require_action(order, "accessories", actor=actor)
    if order.fitting_order_id:
        raise field_error("part", _("精品加装工单已开，不能再添加精品"), code="parts_issued")
    if part is None:
        raise field_error("part", _("请选择精品"), code="required")
    if part.group_id != order.store.group_id:
        raise field_error("part", _("配件不存在"), code="not_found")
    if part.category != PartCategory.ACCESSORY:
        raise field_error("part", _("%(p)s 不是精品附件") % {"p": part.name}, code="invalid_choice")
    qty = clean_qty(part, qty)
    price = round_money(part.retail_price)
    amount = round_money(qty * price)
    acc = OrderAccessory.objects.create(
        store=order.store,
        order=order,
        part=part,
        qty=qty,
        unit_price=price,
        amount=amount,
        is_gift=bool(is_gift),
    )
    _accessory_totals(order)
    if order.status == OrderStatus.QUOTE:
        _check_discount(order, order.consultant)
    elif is_gift and order.discount_pct > discount_limit(actor, order.store):
        # after authorisation a gift beyond the actor's limit needs the sales manager (seed: no 赠送
        # beyond the policy without the manager)
        raise field_error(
            "is_gift",
            _("赠送后优惠及赠送合计%(pct)s%%超过您的权限（最多%(max)s%%），请销售经理添加")
            % {
                "pct": f"{order.discount_pct.normalize():f}",
                "max": f"{discount_limit(actor, order.store).normalize():f}",
            },
            code="discount_limit",
        )
    order.save(update_fields=["accessories_amount", "total", "discount_pct", "needs_approval"])
    audit_record(
        actor=actor,
        obj=order,
        verb="line_saved",
        changes={"part": [None, part.name], "qty": [None, str(qty)], "amount": [None, str(amount)]},
        note=_("赠送") if is_gift else "",
    )
    if order.status != OrderStatus.QUOTE and not is_gift and amount > 0:
        _post_receivable(actor=actor, order=order, amount=amount, memo=_("精品 %(p)s") % {"p": part.name})
    return acc


@transaction.atomic
def accessory_remove(*, actor, accessory: OrderAccessory) -> None:
    """Remove an accessory from a quote (after authorisation its amount is already owed in finance)."""
    order = _locked(accessory.order)
    ORDER.require_action(order, "edit", actor=actor)
    name = accessory.part.name
    accessory.delete()
    _accessory_totals(order)
    _check_discount(order, order.consultant)
    order.save(update_fields=["accessories_amount", "total", "discount_pct", "needs_approval"])
    audit_record(actor=actor, obj=order, verb="line_removed", changes={"part": [name, None]})


def _archive_vehicle(*, actor, order: VehicleOrder, delivered: bool = False):
    """The order's vehicle in the archive (customers.Vehicle), made on first need, owned by the
    customer; at delivery it gets the sale, the warranty and the first service."""
    from fours.customers.models import Vehicle
    from fours.customers.services import vehicle_create, vehicle_update

    sv = order.vehicle
    brand = order.configuration.model.series.brand
    data = {
        "vin": sv.vin,
        "engine_no": sv.engine_no,
        "configuration": order.configuration,
        "model": order.configuration.model,
        "colour": sv.colour,
        "production_date": sv.production_date,
    }
    if delivered:
        day = timezone.localdate(order.delivered_at)
        data.update(
            {
                "sale_date": day,
                "selling_store": order.store,
                "warranty_start": day,
                "warranty_end": _add_months(day, brand.warranty_months),
                "warranty_km": brand.warranty_km,
                "next_maintenance_date": _add_months(day, brand.first_service_months),
                "next_maintenance_km": brand.first_service_km,
            }
        )
    v = order.archive_vehicle or Vehicle.objects.filter(group=order.store.group, vin=sv.vin).first()
    if v is None:
        v = vehicle_create(actor=actor, store=order.store, owner=order.customer, data=data)
    else:
        data.pop("vin")
        v = vehicle_update(actor=actor, vehicle=v, data=data)
    return v


def _add_months(day: dt.date, months: int) -> dt.date:
    import calendar

    m = day.month - 1 + int(months or 0)
    y, m = day.year + m // 12, m % 12 + 1
    return day.replace(year=y, month=m, day=min(day.day, calendar.monthrange(y, m)[1]))


def _service_advisor(store):
    from fours.core.roles import Role
    from fours.core.selectors import users_with_role

    for role in (Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER):
        user = users_with_role(store, role).first()
        if user is not None:
            return user
    return None


@transaction.atomic
def order_fitting(*, actor, order: VehicleOrder, advisor=None) -> VehicleOrder:
    """精品加装: an internal repair order (内部车辆, payer 内部) for the order's accessories, opened for the
    store's service advisor; the workshop's pick list issues the parts through the stock door and their
    cost at issue is the accessories' cost of the order's gross profit."""
    from fours.core.audit import display_name
    from fours.service.choices import ConfirmMethod, Payer, ROKind
    from fours.service.services import ro_estimate_confirm, ro_estimate_submit, ro_part_add, ro_receive

    order = _locked(order)
    ORDER.require_action(order, "fitting", actor=actor)
    if order.fitting_order_id:
        raise field_error(
            "fitting", _("已开精品加装工单 %(no)s") % {"no": order.fitting_order.number}, code="duplicate"
        )
    accessories = list(order.accessories.select_related("part"))
    if not accessories:
        raise field_error("fitting", _("订单没有精品"), code="no_lines")
    advisor = advisor or _service_advisor(order.store)
    if advisor is None:
        raise field_error("advisor", _("本店没有服务顾问，不能开加装工单"), code="not_staff")
    vehicle = _archive_vehicle(actor=actor, order=order)
    promised = timezone.now() + dt.timedelta(days=1)
    ro = ro_receive(
        actor=advisor,
        store=order.store,
        vehicle=vehicle,
        advisor=advisor,
        data={
            "kind": ROKind.INTERNAL,
            "odometer_km": 0,
            "complaint": _("新车精品加装（%(no)s）") % {"no": order.number},
            "contact_name": display_name(order.consultant),
            "promised_at": promised,
        },
    )
    for acc in accessories:
        ro_part_add(actor=advisor, ro=ro, part=acc.part, qty=acc.qty, payer=Payer.INTERNAL)
    ro_estimate_submit(actor=advisor, ro=ro, promised_at=promised)
    ro_estimate_confirm(actor=advisor, ro=ro, signer_name=display_name(actor), method=ConfirmMethod.PRINT)
    order.fitting_order = ro
    order.archive_vehicle = vehicle
    order.save(update_fields=["fitting_order", "archive_vehicle"])
    audit_record(actor=actor, obj=order, verb="fitting_opened", changes={"fitting_order": [None, ro.number]})
    return order


def fitting_done(order: VehicleOrder) -> bool:
    """The order's accessories are all issued to its fitting order (or it has none)."""
    if not order.accessories.exists():
        return True
    if not order.fitting_order_id:
        return False
    from fours.service.choices import PartStatus

    lines = order.fitting_order.parts.exclude(status=PartStatus.CANCELLED)
    return lines.exists() and all(ln.qty_issued >= ln.qty for ln in lines)


def accessories_cost(order: VehicleOrder) -> Decimal:
    """The cost at issue of every part the fitting order took from stock (sold and given alike)."""
    if not order.fitting_order_id:
        return ZERO
    from django.db.models import Sum

    row = order.fitting_order.parts.aggregate(s=Sum("cost"))
    return round_money(row["s"] or ZERO)


# --- 待交车, 交车 -----------------------------------------------------------------------------------------


def _require_paid(order: VehicleOrder) -> None:
    from ..selectors.orders import order_paid

    due, paid = order_paid(order)
    if due <= 0 or paid < due:
        raise field_error(
            "status",
            _("车款未结清：应收 %(d)s，已收 %(p)s") % {"d": f"¥{due:,.2f}", "p": f"¥{paid:,.2f}"},
            code="unpaid",
        )


@transaction.atomic
def order_ready(*, actor, order: VehicleOrder) -> VehicleOrder:
    """待交车 (已配车 → 待交车): the vehicle passed its PDI, the accessories are fitted, and finance shows
    every item of the order paid (the customer's and the bank's)."""
    order = _locked(order)
    ORDER.require(order, to=OrderStatus.READY, actor=actor)
    if not order.vehicle.pdi_passed_at:
        raise field_error("vehicle", _("车辆尚未通过PDI检查"), code="pdi_pending")
    if not fitting_done(order):
        raise field_error("fitting", _("精品尚未加装完成（工单未发料）"), code="parts_pending")
    _require_paid(order)
    order.status = OrderStatus.READY
    order.save(update_fields=["status"])
    audit_record(actor=actor, obj=order, verb="ready", changes={"status": OrderStatus.READY})
    return order


DELIVERY_CHECKLIST = {
    "exterior": gettext_lazy("外观、漆面无损伤"),
    "interior": gettext_lazy("内饰整洁，功能正常"),
    "documents": gettext_lazy("合格证、发票、保修手册、说明书齐全"),
    "keys": gettext_lazy("钥匙交付（两把）"),
    "functions": gettext_lazy("车辆功能讲解完毕"),
    "accessories": gettext_lazy("精品加装确认"),
    "fuel": gettext_lazy("油量/电量确认"),
    "service_intro": gettext_lazy("售后服务顾问介绍、首保提醒"),
}


def _commission_net(order: VehicleOrder) -> Decimal:
    """The net (不含税) of the commission items finance holds for the order's loans and policies."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q, Sum

    from fours.finance.choices import ItemSource, ItemStatus
    from fours.finance.models import OpenItem

    from ..models import LoanApplication, Policy

    cond = Q(pk__in=[])
    for model, ids in (
        (LoanApplication, list(order.loans.values_list("pk", flat=True))),
        (Policy, list(order.policies.values_list("pk", flat=True))),
    ):
        if ids:
            cond |= Q(doc_type=ContentType.objects.get_for_model(model), doc_id__in=ids)
    row = (
        OpenItem.objects.filter(cond, source=ItemSource.COMMISSION, amount__gt=0)
        .exclude(status=ItemStatus.REVERSED)
        .aggregate(s=Sum("net_amount"))
    )
    return round_money(row["s"] or ZERO)


def gross_profit(
    order: VehicleOrder, *, vehicle_cost: Decimal, accessories_cost: Decimal, commission: Decimal
) -> Decimal:
    """单车毛利, every figure net of VAT at the store's rate, rounded per figure to the fen:
    net(list − discount) − vehicle cost + net(accessories sold) − accessories' cost + commissions
    + net(registration + other fees) − gift value."""
    rate = to_decimal(order.store.vat_rate)

    def net(x) -> Decimal:
        return round_money(to_decimal(x) / (1 + rate))

    return round_money(
        net(order.list_price - order.discount)
        - vehicle_cost
        + net(order.accessories_amount)
        - accessories_cost
        + commission
        + net(order.registration_fee + order.other_fees)
        - order.gift_value
    )


def _clean_delivery_checklist(checklist) -> dict:
    checklist = checklist or {}
    out = {k: bool(checklist.get(k)) for k in DELIVERY_CHECKLIST}
    missing = [str(DELIVERY_CHECKLIST[k]) for k, ok in out.items() if not ok]
    if missing:
        raise field_error(
            "delivery_checklist",
            _("交车检查未完成：%(m)s") % {"m": "、".join(missing)},
            code="checklist_incomplete",
        )
    return out


def _follow_up_tasks(order: VehicleOrder) -> None:
    """交车回访 on day 1, 3 and 7 for customer care (the archive's care tasks, once per order and day)."""
    from fours.customers.models import CareKind
    from fours.customers.services import care_task_add

    day = timezone.localdate(order.delivered_at)
    for n in FOLLOW_UP_DAYS:
        care_task_add(
            store=order.store,
            customer=order.customer,
            kind=CareKind.VEHICLE_DELIVERY,
            key=f"order:{order.pk}:d{n}",
            due_date=day + dt.timedelta(days=n),
            vehicle=order.archive_vehicle,
            doc=order,
            doc_number=order.number,
            subject=_("新车交车回访 第%(n)s天") % {"n": n},
        )


FOLLOW_UP_DAYS = (1, 3, 7)


@transaction.atomic
def order_deliver(*, actor, order: VehicleOrder, checklist: dict) -> VehicleOrder:
    """交车 (待交车 → 已交车), refused while finance shows any item of the order unpaid (code ``unpaid``):
    the delivery checklist, the vehicle sold and delivered (stock's ``vehicle_move``), its floor plan
    repaid (a payment request to finance), the archive vehicle with its owner, warranty and first
    service, the gross profit fixed, the follow-up calls for customer care and the day's summaries."""
    from fours.reports.choices import Metric

    from ..choices import VehicleStatus
    from .stock import vehicle_floor_plan_settle, vehicle_move

    order = _locked(order)
    ORDER.require(order, to=OrderStatus.DELIVERED, actor=actor)
    _require_paid(order)
    checklist = _clean_delivery_checklist(checklist)
    now = timezone.now()
    sv = order.vehicle
    vehicle_move(actor=actor, vehicle=sv, to=VehicleStatus.SOLD)
    vehicle_move(actor=actor, vehicle=sv, to=VehicleStatus.DELIVERED, delivered_on=timezone.localdate(now))
    vehicle_floor_plan_settle(actor=actor, vehicle=sv)
    order.status = OrderStatus.DELIVERED
    order.delivered_at = now
    order.delivered_by = actor
    order.delivery_checklist = checklist
    order.archive_vehicle = _archive_vehicle(actor=actor, order=order, delivered=True)
    order.vehicle_cost = round_money(sv.purchase_net)
    order.accessories_cost = accessories_cost(order)
    order.commission_income = _commission_net(order)
    order.gross_profit = gross_profit(
        order,
        vehicle_cost=order.vehicle_cost,
        accessories_cost=order.accessories_cost,
        commission=order.commission_income,
    )
    order.save(
        update_fields=[
            "status",
            "delivered_at",
            "delivered_by",
            "delivery_checklist",
            "archive_vehicle",
            "vehicle_cost",
            "accessories_cost",
            "commission_income",
            "gross_profit",
        ]
    )
    audit_record(
        actor=actor,
        obj=order,
        verb="delivered",
        changes={"status": OrderStatus.DELIVERED, "gross_profit": str(order.gross_profit)},
    )
    _follow_up_tasks(order)
    from . import fi

    link_policies = getattr(fi, "policies_to_archive", None)
    if link_policies is not None:
        link_policies(actor=actor, order=order)
    _summary(order, Metric.DELIVERIES, now)
    _summary(order, Metric.VEHICLE_REVENUE, now, order.total)
    _summary(order, Metric.GROSS_PROFIT, now, order.gross_profit)
    _summary(order, Metric.ACCESSORY_REVENUE, now, order.accessories_amount, dimension="")
    return order


# --- 上牌 ----------------------------------------------------------------------------------------------


@transaction.atomic
def order_register(*, actor, order: VehicleOrder, plate, registration_date) -> VehicleOrder:
    """上牌登记 (已交车): the registration service done, the plate and its date are recorded on the order
    and, through the archive's own service, on the customer's vehicle (a plate change row keeps any earlier
    one). A correction records again. Refused: a plate that is not valid, one another vehicle of the group
    carries, a date missing, in the future or before the delivery."""
    from fours.customers.services import vehicle_register

    order = _locked(order)
    ORDER.require_action(order, "register", actor=actor)
    _in_store(actor, order.store)
    if not order.archive_vehicle_id:
        raise field_error("plate", _("订单没有档案车辆，不能登记上牌"), code="not_found")
    try:
        day = _date(registration_date, "registration_date")
    except ValidationError:
        raise field_error("registration_date", _("上牌日期格式不正确"), code="bad_format") from None
    if day is not None and order.delivered_at and day < timezone.localdate(order.delivered_at):
        raise field_error(
            "registration_date",
            _("上牌日期不能早于交车日期 %(d)s") % {"d": timezone.localdate(order.delivered_at).isoformat()},
            code="out_of_range",
        )
    before = [order.plate, order.registered_on.isoformat() if order.registered_on else None]
    vehicle = vehicle_register(
        actor=actor,
        vehicle=order.archive_vehicle,
        plate=plate,
        registration_date=day,
        document=order.number,
    )
    order.plate = vehicle.plate
    order.registered_on = vehicle.registration_date
    order.registered_by = actor
    order.save(update_fields=["plate", "registered_on", "registered_by"])
    audit_record(
        actor=actor,
        obj=order,
        verb="plate_registered",
        changes={
            "plate": [before[0] or None, order.plate],
            "registered_on": [before[1], order.registered_on.isoformat()],
        },
    )
    return order


# --- 发票 ----------------------------------------------------------------------------------------------


@transaction.atomic
def order_invoice(*, actor, order: VehicleOrder):
    """机动车销售统一发票 for the vehicle (list price less discount), once (finance voids to issue again)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import InvoiceKind, InvoiceStatus
    from fours.finance.models import Invoice
    from fours.finance.services import customer_party, invoice_issue

    order = _locked(order)
    ORDER.require_action(order, "invoice", actor=actor)
    ct = ContentType.objects.get_for_model(VehicleOrder)
    live = Invoice.objects.filter(doc_type=ct, doc_id=order.pk, kind=InvoiceKind.VEHICLE, amount__gt=0)
    if hasattr(Invoice, "status"):
        live = live.exclude(status=getattr(InvoiceStatus, "VOID", "void"))
    if live.exists():
        raise field_error("invoice", _("该车已开具机动车销售统一发票"), code="duplicate")
    amount = round_money(order.list_price - order.discount)
    _net, tax = split_vat(amount, order.store.vat_rate)
    inv = invoice_issue(
        actor=actor,
        store=order.store,
        party=customer_party(order.store, order.customer),
        kind=InvoiceKind.VEHICLE,
        department=DepartmentKind.SALES,
        amount=amount,
        tax_amount=tax,
        doc=order,
        doc_number=order.number,
        tax_rate=order.store.vat_rate,
    )
    audit_record(actor=actor, obj=order, verb="invoiced", note=inv.number)
    return inv


# --- 退订 ----------------------------------------------------------------------------------------------


@transaction.atomic
def order_cancel_request(*, actor, order: VehicleOrder, reason: str, refund=None) -> VehicleOrder:
    """退订申请: the consultant asks, with the reason and what the customer gets back (at most what was
    paid; a forfeited deposit is the difference)."""
    from ..selectors.orders import order_paid

    order = _locked(order)
    ORDER.require(order, to=OrderStatus.CANCEL_PENDING, actor=actor)
    reason = _text(reason, 300)
    if not reason:
        raise field_error("cancel_reason", _("请填写退订原因"), code="required")
    _due, paid = order_paid(order)
    refund = paid if refund in (None, "") else _money(refund, "cancel_refund")
    if refund > paid:
        raise field_error(
            "cancel_refund", _("退还金额不能超过已收 %(p)s") % {"p": f"¥{paid:,.2f}"}, code="over_refund"
        )
    order.status = OrderStatus.CANCEL_PENDING
    order.cancel_reason = reason
    order.cancel_refund = refund
    order.save(update_fields=["status", "cancel_reason", "cancel_refund"])
    audit_record(
        actor=actor,
        obj=order,
        verb="cancel_requested",
        changes={"status": OrderStatus.CANCEL_PENDING, "cancel_refund": str(refund)},
        note=reason,
    )
    return order


@transaction.atomic
def order_cancel_approve(*, actor, order: VehicleOrder, note: str = "") -> VehicleOrder:
    """退订审批 (退订待审 → 已退订): the order's items are reversed in finance (what was paid becomes the
    customer's advance, refunded at the cashier desk; the used car of a trade-in is not taken), a forfeited
    deposit (定金不退) becomes the store's income: a 违约金 item of the customer settled at once from what
    they paid, so only the refund is left for the desk. The vehicle goes back to stock and the lead is
    followed up again."""
    from fours.finance.choices import Direction, ItemSource
    from fours.finance.services import ItemRow, advance_allocate, customer_party, item_reverse, items_post
    from fours.reports.choices import Metric

    from ..choices import LeadStatus, VehicleStatus
    from ..selectors.orders import order_items, order_paid
    from .stock import vehicle_move

    order = _locked(order)
    ORDER.require(order, to=OrderStatus.CANCELLED, actor=actor)
    _in_store(actor, order.store)
    _due, paid = order_paid(order)
    reason = _("退订：%(r)s") % {"r": order.cancel_reason}
    _trade_in_payments_reverse(actor=actor, order=order, reason=reason)
    for item in order_items(order) + trade_in_items(order):
        item_reverse(actor=actor, item=item, reason=reason)
    kept = round_money(paid - order.cancel_refund)
    if kept > 0:
        # a deposit forfeited for a sale that does not take place is no sale (no output VAT): all income
        forfeit = items_post(
            actor=actor,
            store=order.store,
            doc=order,
            doc_number=order.number,
            rows=[
                ItemRow(
                    party=customer_party(order.store, order.customer),
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.FORFEIT,
                    department=DepartmentKind.SALES,
                    amount=kept,
                    net_amount=kept,
                    tax_amount=ZERO,
                    memo=_("退订违约金（定金不退）%(no)s") % {"no": order.number},
                )
            ],
        )[0]
        # the customer paid it already: their payments settle it (a transfer within the order's own money)
        advance_allocate(actor=actor, item=forfeit, amount=kept, transfer=True)
    from . import fi

    close_loans = getattr(fi, "loans_close_for_order", None)
    if close_loans is not None:
        close_loans(actor=actor, order=order, reason=reason)
    vin = ""
    if order.vehicle_id:
        vin = order.vehicle.vin
        vehicle_move(actor=actor, vehicle=order.vehicle, to=VehicleStatus.IN_STOCK)
        order.vehicle = None
    now = timezone.now()
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.approval_note = _text(note, 300) or order.approval_note
    order.save(update_fields=["status", "cancelled_at", "vehicle", "approval_note"])
    audit_record(
        actor=actor,
        obj=order,
        verb="cancelled",
        changes={"status": OrderStatus.CANCELLED, **({"vehicle": [vin, None]} if vin else {})},
        note=note,
    )
    if order.lead_id and order.lead.status == LeadStatus.ORDERED:
        from .showroom import lead_reopen

        lead_reopen(actor=actor, lead=order.lead)
    if order.ordered_at:
        _summary(order, Metric.CANCELLATIONS, now, dimension="")
    return order
