"""Writes of vehicle stock (整车库存): the manufacturer's dispatch (在途) and the arrival (到车入库, the VIN
checked, numbered, its certificate and keys taken into custody), the arrival check and PDI, every status move
of a vehicle (one door: ``vehicle_move``), the funding posted in finance (own funds → payable to the maker,
floor plan → payable to the bank) with the remittance and repayment requests, custody of certificates and
keys against signature, demo cars, outlets (二网), transfers between the group's stores, order plans to the
manufacturer (要货计划) and counts (盘点)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fours.core.audit import audit_record, register_field_words
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import NotAllowed, field_error
from fours.core.money import round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.selectors import store_ids_for
from fours.core.validators import normalize_code, validate_vin
from fours.finance import services as finance
from fours.finance.choices import Direction, ItemSource, PartyKind
from fours.reports.choices import Metric
from fours.reports.services import summary_add

from .. import workflows
from ..choices import (
    CountKind,
    CustodyAction,
    CustodyItem,
    Funding,
    InspectionKind,
    PlanStatus,
    TransferStatus,
    VehicleStatus,
)
from ..models import (
    Custody,
    Inspection,
    OrderPlan,
    OrderPlanLine,
    Outlet,
    StockVehicle,
    VehicleCount,
    VehicleTransfer,
)

ZERO = Decimal("0")
register_field_words({"custody": _l("合格证与钥匙"), "pdi": _l("PDI检查"), "items": _l("应付明细")})
OUT = {CustodyAction.ISSUED, CustodyAction.TO_BANK, CustodyAction.HANDED_OVER}
# the fields vehicle_move may set along with the status; the rest have their own services
MOVE_FIELDS = {
    "location",
    "outlet",
    "delivered_on",
    "note",
    "pdi_passed_at",
    "clearance_plan",
    "clearance_price",
}
FIX_DAYS = 2  # working days to fix an arrival or PDI defect (seed 003)


# --- small checks ----------------------------------------------------------------------------------


def _in_scope(actor, store) -> None:
    if getattr(actor, "is_superuser", False):
        return
    if store.pk not in store_ids_for(actor):
        raise NotAllowed(_("该车辆不属于您的门店"))


def _locked(vehicle: StockVehicle) -> StockVehicle:
    return StockVehicle.objects.select_for_update().get(pk=vehicle.pk)


def clean_vin(value, field: str = "vin") -> str:
    """The VIN in capitals, 17 characters with a right check digit (position 9), else refused (code
    ``bad_vin``) with the validator's message (its length, I/O/Q, characters or check digit)."""
    vin = normalize_code(value)
    try:
        validate_vin(vin)
    except ValidationError as e:
        raise field_error(field, e.messages[0], code="bad_vin") from None
    return vin


def _money(value, field: str, label, *, allow_zero: bool = False) -> Decimal:
    try:
        amount = round_money(to_decimal(value))
    except (ArithmeticError, ValueError, TypeError):
        raise field_error(field, _("%(label)s请输入金额") % {"label": label}, code="bad_format") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise field_error(field, _("%(label)s必须大于0") % {"label": label}, code="not_positive")
    return amount


def _day(value, field: str, *, default=None) -> dt.date:
    if value in (None, ""):
        return default or timezone.localdate()
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise field_error(field, _("日期格式不正确"), code="bad_format") from None
    if value > timezone.localdate():
        raise field_error(field, _("日期不能晚于今天"), code="in_future")
    return value


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The date ``n`` working days (Monday to Friday) after ``day``."""
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _vat_net(store, amount: Decimal) -> tuple[Decimal, Decimal]:
    rate = to_decimal(getattr(store, "vat_rate", None) or "0.13")
    net = round_money(amount / (1 + rate))
    return net, amount - net


def _model_dim(vehicle) -> str:
    return f"model:{vehicle.configuration.model_id}"


# --- the one status door ----------------------------------------------------------------------------


@transaction.atomic
def vehicle_move(*, actor, vehicle: StockVehicle, to: str, **fields) -> StockVehicle:
    """Move a vehicle to status ``to`` (VEHICLE workflow: the step and the actor's permission are checked),
    setting the few fields a move may carry (``MOVE_FIELDS``: location, outlet, delivered_on…). The row is
    locked; the orders area calls it for 配车 (reserved), 已售 and 交车 (delivered)."""
    unknown = set(fields) - MOVE_FIELDS
    if unknown:
        raise field_error(sorted(unknown)[0], _("该字段不能随状态变更修改"), code="invalid")
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    workflows.VEHICLE.require(v, to=to, actor=actor)
    if to == VehicleStatus.AT_OUTLET and fields.get("outlet") is None:
        raise field_error("outlet", _("请选择二级网点"), code="required")
    before = v.status
    changes = {"status": [before, to]}
    for name, value in fields.items():
        old = getattr(v, name)
        setattr(v, name, value)
        if old != value:
            changes[name] = [str(old) if old is not None else None, str(value) if value is not None else None]
    v.status = to
    if to == VehicleStatus.DELIVERED:
        if not v.delivered_on:
            v.delivered_on = timezone.localdate()
        _hand_over(actor, v)
    if to != VehicleStatus.AT_OUTLET and before == VehicleStatus.AT_OUTLET and to != VehicleStatus.DELIVERED:
        v.outlet = None
    v.save()
    audit_record(actor=actor, obj=v, verb="status", changes=changes)
    for name in ("status", "outlet", "delivered_on", "keys_out_to", "keys_out_at", "certificate_at", *fields):
        setattr(vehicle, name, getattr(v, name))
    return v


def _hand_over(actor, v: StockVehicle) -> None:
    """At delivery the keys and (when the store holds it) the certificate go to the customer."""
    rows = [
        Custody(
            store=v.store,
            vehicle=v,
            item=CustodyItem.KEYS,
            action=CustodyAction.HANDED_OVER,
            person=_("客户"),
            actor=actor,
        )
    ]
    if v.certificate_at in (CustodyAction.RECEIVED, CustodyAction.RETURNED, CustodyAction.ISSUED):
        v.certificate_at = CustodyAction.HANDED_OVER
        rows.append(
            Custody(
                store=v.store,
                vehicle=v,
                item=CustodyItem.CERTIFICATE,
                action=CustodyAction.HANDED_OVER,
                person=_("客户"),
                actor=actor,
            )
        )
    v.keys_out_to, v.keys_out_at = _("客户"), timezone.now()
    Custody.objects.bulk_create(rows)


# --- dispatch, arrival, inspections ------------------------------------------------------------------


@transaction.atomic
def vehicle_dispatch(
    *,
    actor,
    store,
    configuration,
    vin,
    colour: str,
    purchase_price,
    funding: str = Funding.OWN,
    floor_plan_bank=None,
    floor_plan_amount=None,
    floor_plan_due=None,
    dispatched_on=None,
    engine_no: str = "",
    interior: str = "",
    production_date=None,
    plan_line: OrderPlanLine | None = None,
    note: str = "",
) -> StockVehicle:
    """厂家发车: the manufacturer has dispatched a vehicle to the store (在途). Its purchase is posted in
    finance now: own funds → a payable to the maker of the brand (and the remittance request when the actor
    may ask for one); floor plan → a payable to the bank due on ``floor_plan_due`` (any part the bank does
    not lend is owed to the maker)."""
    require_perm(actor, "sales.add_stockvehicle")
    _in_scope(actor, store)
    vin = clean_vin(vin)
    if (
        StockVehicle.objects.filter(vin=vin)
        .exclude(status__in=[VehicleStatus.TRANSFERRED, VehicleStatus.RETURNED])
        .exists()
    ):
        raise field_error("vin", _("车架号 %(vin)s 已在库存中") % {"vin": vin}, code="duplicate")
    colour = (colour or "").strip()
    if not colour:
        raise field_error("colour", _("请填写车身颜色"), code="required")
    price = _money(purchase_price, "purchase_price", _("采购价"))
    if funding not in Funding.values:
        raise field_error("funding", _("未知的资金来源"), code="invalid_choice")
    fp_amount, fp_due = ZERO, None
    if funding == Funding.FLOOR_PLAN:
        if floor_plan_bank is None:
            raise field_error("floor_plan_bank", _("库存融资请选择融资银行"), code="required")
        if floor_plan_bank.store_id != store.pk or floor_plan_bank.kind not in (
            PartyKind.BANK,
            PartyKind.FINANCE_CO,
        ):
            raise field_error("floor_plan_bank", _("融资银行不属于本门店"), code="out_of_scope")
        fp_amount = (
            price
            if floor_plan_amount in (None, "")
            else _money(floor_plan_amount, "floor_plan_amount", _("融资金额"))
        )
        if fp_amount > price:
            raise field_error("floor_plan_amount", _("融资金额不能超过采购价"), code="out_of_range")
        if not floor_plan_due:
            raise field_error("floor_plan_due", _("请填写融资到期日"), code="required")
        fp_due = (
            floor_plan_due if isinstance(floor_plan_due, dt.date) else dt.date.fromisoformat(floor_plan_due)
        )
    if plan_line is not None and plan_line.plan.store_id != store.pk:
        raise field_error("plan_line", _("要货计划不属于本门店"), code="out_of_scope")
    d_on = _day(dispatched_on, "dispatched_on")
    if plan_line is None:
        plan_line = _plan_line_for(store, configuration, colour, d_on)
    net, _tax = _vat_net(store, price)
    v = StockVehicle(
        store=store,
        vin=vin,
        engine_no=(engine_no or "").strip(),
        configuration=configuration,
        colour=colour,
        interior=interior or "",
        production_date=production_date,
        status=VehicleStatus.IN_TRANSIT,
        plan_line=plan_line,
        dispatched_on=d_on,
        purchase_price=price,
        purchase_net=net,
        funding=funding,
        floor_plan_bank=floor_plan_bank if funding == Funding.FLOOR_PLAN else None,
        floor_plan_amount=fp_amount,
        floor_plan_due=fp_due,
        created_by=actor,
        note=note or "",
    )
    v.save()
    items = _post_purchase(actor, v)
    audit_record(
        actor=actor,
        obj=v,
        verb="created",
        changes={"vin": vin, "purchase_price": [None, price], "funding": v.get_funding_display()},
    )
    if v.funding == Funding.OWN and actor.has_perm("finance.add_paymentrequest"):
        _remittance(actor, v, items)
    v.number = next_number(store=store, kind=DocKind.VEHICLE_STOCK)
    StockVehicle.objects.filter(pk=v.pk).update(number=v.number)
    return v


def _plan_line_for(store, configuration, colour: str, day: dt.date) -> OrderPlanLine | None:
    """The confirmed order plan line of the dispatch month this vehicle fills (same configuration, the
    colour or any), while the line still has confirmed units left."""
    from django.db.models import Count, Q

    lines = list(
        OrderPlanLine.objects.filter(
            plan__store=store,
            plan__status=PlanStatus.CONFIRMED,
            plan__month=day.replace(day=1),
            configuration=configuration,
        )
        .filter(Q(colour=colour) | Q(colour=""))
        .order_by("-colour", "id")
    )
    if not lines:
        return None
    used = dict(
        StockVehicle.objects.filter(plan_line__in=lines)
        .values_list("plan_line_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return next((ln for ln in lines if used.get(ln.pk, 0) < (ln.confirmed_qty or 0)), None)


def _post_purchase(actor, v: StockVehicle) -> list:
    brand = v.configuration.model.series.brand
    rows = []
    net, tax = _vat_net(v.store, v.purchase_price)
    memo = f"{v.configuration} {v.vin}"
    own_part = v.purchase_price - v.floor_plan_amount
    if v.funding == Funding.FLOOR_PLAN:
        rows.append(
            finance.ItemRow(
                party=v.floor_plan_bank,
                direction=Direction.PAYABLE,
                source=ItemSource.FLOOR_PLAN,
                department=DepartmentKind.SALES,
                amount=v.floor_plan_amount,
                due_date=v.floor_plan_due,
                memo=_("库存融资 %(m)s") % {"m": memo},
            )
        )
    if own_part > 0:
        share = own_part / v.purchase_price
        own_net = round_money(net * share)
        rows.append(
            finance.ItemRow(
                party=finance.maker_party(v.store, brand),
                direction=Direction.PAYABLE,
                source=ItemSource.VEHICLE_PURCHASE,
                department=DepartmentKind.SALES,
                amount=own_part,
                net_amount=own_net,
                tax_amount=own_part - own_net,
                memo=_("整车采购 %(m)s") % {"m": memo},
            )
        )
    return finance.items_post(actor=actor, store=v.store, doc=v, doc_number=v.vin, rows=rows)


def _remittance(actor, v: StockVehicle, items):
    maker_items = [i for i in items if i.source == ItemSource.VEHICLE_PURCHASE]
    if not maker_items:
        return None
    return finance.request_create(
        actor=actor,
        store=v.store,
        party=maker_items[0].party,
        lines=[(i, i.amount) for i in maker_items],
        reason=_("整车采购汇款 %(vin)s") % {"vin": v.vin},
    )


def vehicle_items(vehicle: StockVehicle, source: str | None = None):
    """The finance items posted for a vehicle (read-only)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.models import OpenItem

    qs = OpenItem.objects.filter(doc_type=ContentType.objects.get_for_model(StockVehicle), doc_id=vehicle.pk)
    return qs.filter(source=source) if source else qs


def _open_request_items(item_ids) -> set[int]:
    from fours.finance.models import PaymentRequest
    from fours.finance.workflows import OPEN_REQUEST

    return set(
        PaymentRequest.items.through.objects.filter(
            openitem_id__in=list(item_ids), paymentrequest__status__in=OPEN_REQUEST
        ).values_list("openitem_id", flat=True)
    )


@transaction.atomic
def vehicle_remittance_request(*, actor, vehicle: StockVehicle):
    """汇款申请: ask finance to pay the maker the open own-funds purchase of the vehicle."""
    require_perm(actor, "finance.add_paymentrequest")
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    items = [i for i in vehicle_items(v, ItemSource.VEHICLE_PURCHASE) if i.open_amount > 0]
    busy = _open_request_items(i.pk for i in items)
    items = [i for i in items if i.pk not in busy]
    if not items:
        raise field_error("vehicle", _("该车没有待申请的采购应付"), code="not_pending")
    return finance.request_create(
        actor=actor,
        store=v.store,
        party=items[0].party,
        lines=[(i, i.open_amount) for i in items],
        reason=_("整车采购汇款 %(vin)s") % {"vin": v.vin},
    )


@transaction.atomic
def vehicle_floor_plan_settle(*, actor, vehicle: StockVehicle):
    """库存融资还款 at the vehicle's sale: ask finance to pay the bank the open floor-plan item (a payment
    request). Nothing to do for an own-funds vehicle, an item already paid or already asked for; the request
    is made when the actor may ask for payments (else finance asks from the vehicle's page). Returns the
    request or None."""
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    if v.funding != Funding.FLOOR_PLAN:
        return None
    items = [i for i in vehicle_items(v, ItemSource.FLOOR_PLAN) if i.open_amount > 0]
    if not items:
        if not v.floor_plan_paid_on:
            v.floor_plan_paid_on = timezone.localdate()
            v.save(update_fields=["floor_plan_paid_on"])
        return None
    busy = _open_request_items(i.pk for i in items)
    items = [i for i in items if i.pk not in busy]
    if not items or not actor.has_perm("finance.add_paymentrequest"):
        return None
    req = finance.request_create(
        actor=actor,
        store=v.store,
        party=items[0].party,
        lines=[(i, i.open_amount) for i in items],
        reason=_("库存融资还款 %(vin)s") % {"vin": v.vin},
    )
    audit_record(actor=actor, obj=v, verb="updated", note=_("申请库存融资还款 %(n)s") % {"n": req.number})
    return req


@transaction.atomic
def vehicle_floor_plan_paid(*, actor, vehicle: StockVehicle) -> StockVehicle:
    """Record the floor plan repaid once finance shows the bank item settled (refused otherwise)."""
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    require_perm(actor, workflows.STOCK)
    if v.funding != Funding.FLOOR_PLAN:
        raise field_error("funding", _("该车不是库存融资车辆"), code="mismatch")
    if any(i.open_amount > 0 for i in vehicle_items(v, ItemSource.FLOOR_PLAN)):
        raise field_error("vehicle", _("财务尚未支付该车的融资款"), code="unpaid")
    v.floor_plan_paid_on = timezone.localdate()
    if v.certificate_at == CustodyAction.TO_BANK:
        v.certificate_at = CustodyAction.RETURNED
        Custody.objects.create(
            store=v.store,
            vehicle=v,
            item=CustodyItem.CERTIFICATE,
            action=CustodyAction.RETURNED,
            person=v.floor_plan_bank.name if v.floor_plan_bank else "",
            purpose=_("融资还款后银行退回合格证"),
            actor=actor,
        )
    v.save(update_fields=["floor_plan_paid_on", "certificate_at"])
    audit_record(
        actor=actor, obj=v, verb="updated", changes={"floor_plan_paid_on": [None, str(v.floor_plan_paid_on)]}
    )
    return v


def _clean_checklist(checklist) -> tuple[dict, list[str]]:
    """{item: True | "defect text"} → (checklist, defects)."""
    out, defects = {}, []
    for key, value in (checklist or {}).items():
        key = str(key).strip()[:60]
        if not key:
            continue
        if value is True or value in ("ok", "1", "true", "on"):
            out[key] = True
        else:
            text = str(value or "").strip() or _("不合格")
            out[key] = text[:200]
            defects.append(f"{key}：{text}")
    return out, defects


def _inspect(actor, v, kind, checklist, defects_note, odometer_km) -> Inspection:
    items, defects = _clean_checklist(checklist)
    if defects_note:
        defects.append(str(defects_note).strip())
    passed = not defects
    today = timezone.localdate()
    return Inspection.objects.create(
        store=v.store,
        vehicle=v,
        kind=kind,
        checklist=items,
        passed=passed,
        defects="；".join(defects)[:500],
        fix_by=None if passed else working_days_after(today, FIX_DAYS),
        odometer_km=int(odometer_km or 0),
        inspector=actor,
    )


ARRIVAL_ITEMS = ("外观漆面", "玻璃灯具", "轮胎轮毂", "内饰座椅", "随车工具", "随车文件", "里程数")
PDI_ITEMS = ("发动机舱油液", "电瓶电压", "灯光仪表", "空调音响", "门窗锁", "底盘", "轮胎气压", "路试", "清洁")


@transaction.atomic
def vehicle_arrive(
    *,
    actor,
    vehicle: StockVehicle,
    vin,
    certificate_no: str,
    key_count: int = 2,
    engine_no: str = "",
    location: str = "",
    arrived_on=None,
    checklist: dict | None = None,
    defects: str = "",
    odometer_km: int = 0,
) -> StockVehicle:
    """到车入库: the VIN read on the vehicle (check digit validated) must be the dispatched one; the arrival
    check is recorded (defects to be fixed within two working days), the 合格证 and keys go into custody and
    the vehicle waits for its PDI (待PDI)."""
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    workflows.VEHICLE.require(v, to=VehicleStatus.PDI, actor=actor)
    vin = clean_vin(vin)
    if vin != v.vin:
        raise field_error(
            "vin", _("实车车架号与发车信息不符（发车：%(vin)s）") % {"vin": v.vin}, code="mismatch"
        )
    certificate_no = (certificate_no or "").strip()
    if not certificate_no:
        raise field_error("certificate_no", _("请填写合格证编号"), code="required")
    try:
        key_count = int(key_count)
    except (TypeError, ValueError):
        raise field_error("key_count", _("钥匙数量请输入数字"), code="bad_format") from None
    if not 1 <= key_count <= 5:
        raise field_error("key_count", _("钥匙数量应为1至5把"), code="out_of_range")
    day = _day(arrived_on, "arrived_on")
    if v.dispatched_on and day < v.dispatched_on:
        raise field_error("arrived_on", _("入库日期不能早于发车日期"), code="date_order")
    inspection = _inspect(actor, v, InspectionKind.ARRIVAL, checklist, defects, odometer_km)
    v.status = VehicleStatus.PDI
    v.arrived_on = day
    v.certificate_no = certificate_no[:40]
    v.certificate_at = CustodyAction.RECEIVED
    v.key_count = key_count
    v.keys_out_to, v.keys_out_at = "", None
    if engine_no:
        v.engine_no = engine_no.strip()[:30]
    if location:
        v.location = location.strip()[:50]
    v.save()
    Custody.objects.bulk_create(
        [
            Custody(
                store=v.store,
                vehicle=v,
                item=item,
                action=CustodyAction.RECEIVED,
                actor=actor,
                person=str(actor),
            )
            for item in (CustodyItem.CERTIFICATE, CustodyItem.KEYS)
        ]
    )
    summary_add(store=v.store, metric=Metric.ARRIVALS, day=day, dimension=_model_dim(v))
    audit_record(
        actor=actor,
        obj=v,
        verb="status",
        changes={"status": [VehicleStatus.IN_TRANSIT, VehicleStatus.PDI], "arrived_on": str(day)},
        note=inspection.defects,
    )
    return v


@transaction.atomic
def vehicle_pdi(*, actor, vehicle: StockVehicle, checklist: dict, defects: str = "", odometer_km: int = 0):
    """PDI检查: passed → 在库 (or, for a vehicle already in stock, its PDI date renewed); failed → stays
    待PDI with the defects and the date they must be fixed by."""
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    require_perm(actor, "sales.add_inspection")
    if v.status not in (
        VehicleStatus.PDI,
        VehicleStatus.IN_STOCK,
        VehicleStatus.RESERVED,
        VehicleStatus.SOLD,
    ):
        raise field_error("status", _("当前状态不能做PDI检查"), code="bad_transition")
    if not checklist:
        raise field_error("checklist", _("请填写PDI检查项目"), code="required")
    inspection = _inspect(actor, v, InspectionKind.PDI, checklist, defects, odometer_km)
    if inspection.passed:
        v.pdi_passed_at = inspection.at
        if v.status == VehicleStatus.PDI:
            workflows.VEHICLE.require(v, to=VehicleStatus.IN_STOCK, actor=actor)
            v.status = VehicleStatus.IN_STOCK
        v.save(update_fields=["pdi_passed_at", "status"])
    audit_record(
        actor=actor,
        obj=v,
        verb="updated",
        changes={"pdi": _("合格") if inspection.passed else _("不合格")},
        note=inspection.defects,
    )
    return inspection


# --- custody of the certificate and the keys -------------------------------------------------------


def _is_out(v: StockVehicle, item: str) -> bool:
    if item == CustodyItem.KEYS:
        return bool(v.keys_out_to)
    return v.certificate_at in OUT


@transaction.atomic
def custody_issue(
    *,
    actor,
    vehicle: StockVehicle,
    item: str,
    person: str,
    signature: str,
    purpose: str = "",
    to_bank: bool = False,
) -> Custody:
    """领用: the keys or the certificate go to a person, who signs; refused when already out."""
    require_perm(actor, "sales.manage_custody")
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    if item not in CustodyItem.values:
        raise field_error("item", _("未知的保管物品"), code="invalid_choice")
    if v.status in (VehicleStatus.IN_TRANSIT, VehicleStatus.DELIVERED, VehicleStatus.TRANSFERRED):
        raise field_error("item", _("车辆不在库，不能领用"), code="bad_transition")
    label = CustodyItem(item).label
    if _is_out(v, item):
        who = v.keys_out_to if item == CustodyItem.KEYS else v.get_certificate_at_display()
        raise field_error(
            "item",
            _("%(item)s已领出（%(who)s），归还后才能再领用") % {"item": label, "who": who},
            code="already_out",
        )
    person = (person or "").strip()
    if to_bank and item == CustodyItem.CERTIFICATE and v.floor_plan_bank_id:
        person = person or v.floor_plan_bank.name
    if not person:
        raise field_error("person", _("请填写领用人"), code="required")
    signature = (signature or "").strip()
    if not signature.startswith("data:image/") or len(signature) < 30:
        raise field_error("signature", _("请领用人签名"), code="required")
    action = CustodyAction.TO_BANK if to_bank and item == CustodyItem.CERTIFICATE else CustodyAction.ISSUED
    now = timezone.now()
    row = Custody.objects.create(
        store=v.store,
        vehicle=v,
        item=item,
        action=action,
        person=person[:50],
        purpose=(purpose or "")[:100],
        signature=signature,
        at=now,
        actor=actor,
    )
    if item == CustodyItem.KEYS:
        v.keys_out_to, v.keys_out_at = person[:50], now
        v.save(update_fields=["keys_out_to", "keys_out_at"])
    else:
        v.certificate_at = action
        v.save(update_fields=["certificate_at"])
    audit_record(actor=actor, obj=v, verb="updated", changes={"custody": f"{label} → {person}"}, note=purpose)
    return row


@transaction.atomic
def custody_return(*, actor, vehicle: StockVehicle, item: str, person: str = "") -> Custody:
    """归还: the keys or the certificate come back into custody; refused when they are not out."""
    require_perm(actor, "sales.manage_custody")
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    if item not in CustodyItem.values:
        raise field_error("item", _("未知的保管物品"), code="invalid_choice")
    if not _is_out(v, item) or (
        item == CustodyItem.CERTIFICATE and v.certificate_at == CustodyAction.HANDED_OVER
    ):
        raise field_error(
            "item", _("%(item)s在库，无需归还") % {"item": CustodyItem(item).label}, code="not_out"
        )
    person = (person or "").strip() or (v.keys_out_to if item == CustodyItem.KEYS else "")
    row = Custody.objects.create(
        store=v.store, vehicle=v, item=item, action=CustodyAction.RETURNED, person=person[:50], actor=actor
    )
    if item == CustodyItem.KEYS:
        v.keys_out_to, v.keys_out_at = "", None
        v.save(update_fields=["keys_out_to", "keys_out_at"])
    else:
        v.certificate_at = CustodyAction.RETURNED
        v.save(update_fields=["certificate_at"])
    audit_record(
        actor=actor, obj=v, verb="updated", changes={"custody": f"{CustodyItem(item).label} ← {person}"}
    )
    return row


# --- demo cars, outlets, clearance ---------------------------------------------------------------


def vehicle_demo(*, actor, vehicle: StockVehicle, on: bool = True) -> StockVehicle:
    """试驾车: a vehicle in stock becomes a demo car (or goes back to stock)."""
    return vehicle_move(actor=actor, vehicle=vehicle, to=VehicleStatus.DEMO if on else VehicleStatus.IN_STOCK)


@transaction.atomic
def outlet_save(*, actor, store, outlet: Outlet | None = None, **values) -> Outlet:
    require_perm(actor, "sales.change_outlet" if outlet else "sales.add_outlet")
    _in_scope(actor, store)
    name = (values.get("name") or "").strip()
    if not name:
        raise field_error("name", _("请填写网点名称"), code="required")
    clash = Outlet.objects.filter(store=store, name=name)
    if outlet:
        clash = clash.exclude(pk=outlet.pk)
    if clash.exists():
        raise field_error("name", _("网点名称已存在"), code="duplicate")
    obj = outlet or Outlet(store=store)
    for key in ("name", "contact", "phone", "address", "monthly_target", "last_visit_on", "active"):
        if key in values:
            setattr(obj, key, values[key] if key != "name" else name)
    obj.save()
    audit_record(actor=actor, obj=obj, verb="updated" if outlet else "created", store=store)
    return obj


def vehicle_to_outlet(*, actor, vehicle: StockVehicle, outlet: Outlet) -> StockVehicle:
    """二网: a vehicle in stock goes to a second-tier outlet (still the store's stock)."""
    if outlet.store_id != vehicle.store_id or not outlet.active:
        raise field_error("outlet", _("网点不属于本门店或已停用"), code="out_of_scope")
    return vehicle_move(actor=actor, vehicle=vehicle, to=VehicleStatus.AT_OUTLET, outlet=outlet)


@transaction.atomic
def vehicle_clearance_plan(*, actor, vehicle: StockVehicle, plan: str, price=None) -> StockVehicle:
    """清库方案 of an aged vehicle: what will be done and the lowest price it may go for."""
    require_perm(actor, workflows.STOCK)
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    plan = (plan or "").strip()
    if not plan:
        raise field_error("plan", _("请填写清库方案"), code="required")
    if v.status not in (
        VehicleStatus.IN_STOCK,
        VehicleStatus.AT_OUTLET,
        VehicleStatus.DEMO,
        VehicleStatus.PDI,
    ):
        raise field_error("plan", _("该车已售出或不在库"), code="bad_transition")
    old = (v.clearance_plan, v.clearance_price)
    v.clearance_plan = plan[:300]
    v.clearance_price = None if price in (None, "") else _money(price, "price", _("清库限价"))
    v.save(update_fields=["clearance_plan", "clearance_price"])
    audit_record(
        actor=actor,
        obj=v,
        verb="updated",
        changes={
            "clearance_plan": [old[0] or None, v.clearance_plan],
            "clearance_price": [old[1], v.clearance_price],
        },
    )
    return v


# --- transfers between stores ---------------------------------------------------------------------


@transaction.atomic
def transfer_send(*, actor, vehicle: StockVehicle, to_store, price=None, note: str = "") -> VehicleTransfer:
    """调车: a vehicle in stock is sent to another store of the group; it leaves the book (调出) now and
    the receiving store takes it in with a new stock row when it arrives."""
    require_perm(actor, "sales.add_vehicletransfer")
    v = _locked(vehicle)
    _in_scope(actor, v.store)
    if to_store.pk == v.store_id:
        raise field_error("to_store", _("调入门店不能与调出门店相同"), code="same_party")
    if to_store.group_id != v.store.group_id:
        raise field_error("to_store", _("只能在本集团门店之间调车"), code="out_of_scope")
    if v.keys_out_to:
        raise field_error(
            "vehicle", _("钥匙已领出（%(who)s），归还后才能调车") % {"who": v.keys_out_to}, code="already_out"
        )
    workflows.VEHICLE.require(v, to=VehicleStatus.TRANSFERRED, actor=actor)
    if v.funding == Funding.FLOOR_PLAN and any(
        i.open_amount > 0 for i in vehicle_items(v, ItemSource.FLOOR_PLAN)
    ):
        raise field_error("vehicle", _("库存融资车辆须先还清融资款才能调车"), code="unpaid")
    amount = v.purchase_price if price in (None, "") else _money(price, "price", _("调拨价"))
    tr = VehicleTransfer.objects.create(
        store=v.store, vehicle=v, to_store=to_store, price=amount, created_by=actor, note=note or ""
    )
    v.status = VehicleStatus.TRANSFERRED
    v.save(update_fields=["status"])
    audit_record(actor=actor, obj=v, verb="status", changes={"status": [VehicleStatus.IN_STOCK, v.status]})
    audit_record(actor=actor, obj=tr, verb="created", changes={"vehicle": v.vin, "to_store": str(to_store)})
    tr.number = next_number(store=v.store, kind=DocKind.VEHICLE_TRANSFER)
    VehicleTransfer.objects.filter(pk=tr.pk).update(number=tr.number)
    if amount > 0:
        # the sending store is owed the transfer price by the receiving store (内部往来)
        finance.items_post(
            actor=actor,
            store=v.store,
            doc=tr,
            doc_number=tr.number,
            rows=[
                finance.ItemRow(
                    party=_store_party(v.store, to_store),
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.OTHER,
                    department=DepartmentKind.SALES,
                    amount=amount,
                    memo=_("调车 %(vin)s 调往 %(s)s") % {"vin": v.vin, "s": to_store},
                )
            ],
        )
    return tr


def _store_party(store, other):
    """The party of another store of the group in ``store``'s books (内部往来)."""
    return finance.party_for(
        store=store,
        kind=PartyKind.INTERNAL,
        ref=f"core.store:{other.pk}",
        name=other.short_name or other.name,
    )


@transaction.atomic
def transfer_receive(*, actor, transfer: VehicleTransfer, location: str = "") -> VehicleTransfer:
    """调入: the receiving store takes the vehicle in as a new stock row (在库, its arrival date today, the
    transfer price its cost), the certificate and keys into its custody."""
    tr = VehicleTransfer.objects.select_for_update().get(pk=transfer.pk)
    _in_scope(actor, tr.to_store)
    workflows.TRANSFER.require(tr, to=TransferStatus.RECEIVED, actor=actor)
    old = tr.vehicle
    today = timezone.localdate()
    net, _tax = _vat_net(tr.to_store, tr.price)
    new = StockVehicle.objects.create(
        store=tr.to_store,
        vin=old.vin,
        engine_no=old.engine_no,
        configuration=old.configuration,
        colour=old.colour,
        interior=old.interior,
        production_date=old.production_date,
        status=VehicleStatus.IN_STOCK,
        location=(location or "")[:50],
        dispatched_on=old.dispatched_on,
        arrived_on=today,
        purchase_price=tr.price,
        purchase_net=net,
        funding=Funding.OWN,
        certificate_no=old.certificate_no,
        certificate_at=CustodyAction.RECEIVED,
        key_count=old.key_count,
        pdi_passed_at=old.pdi_passed_at,
        created_by=actor,
        note=_("调入自 %(s)s %(n)s") % {"s": old.store, "n": tr.number},
    )
    Custody.objects.bulk_create(
        [
            Custody(store=new.store, vehicle=new, item=item, action=CustodyAction.RECEIVED, actor=actor)
            for item in (CustodyItem.CERTIFICATE, CustodyItem.KEYS)
        ]
    )
    tr.status, tr.received_at, tr.received_by, tr.received_vehicle = (
        TransferStatus.RECEIVED,
        timezone.now(),
        actor,
        new,
    )
    tr.save(update_fields=["status", "received_at", "received_by", "received_vehicle"])
    summary_add(store=new.store, metric=Metric.ARRIVALS, day=today, dimension=_model_dim(new))
    if tr.price > 0:
        # the receiving store owes the sending store the transfer price: its purchase of the vehicle
        finance.items_post(
            actor=actor,
            store=new.store,
            doc=new,
            doc_number=new.vin,
            rows=[
                finance.ItemRow(
                    party=_store_party(new.store, tr.store),
                    direction=Direction.PAYABLE,
                    source=ItemSource.VEHICLE_PURCHASE,
                    department=DepartmentKind.SALES,
                    amount=tr.price,
                    net_amount=net,
                    tax_amount=tr.price - net,
                    memo=_("调车 %(vin)s 调自 %(s)s") % {"vin": new.vin, "s": tr.store},
                )
            ],
        )
    audit_record(
        actor=actor,
        obj=tr,
        verb="status",
        changes={"status": [TransferStatus.SENT, tr.status]},
        store=tr.store,
    )
    audit_record(actor=actor, obj=new, verb="created", changes={"vin": new.vin})
    new.number = next_number(store=new.store, kind=DocKind.VEHICLE_STOCK)
    StockVehicle.objects.filter(pk=new.pk).update(number=new.number)
    return tr


# --- order plans (要货计划) -------------------------------------------------------------------------


def _clean_plan_lines(lines) -> list[dict]:
    out = []
    for n, ln in enumerate(lines or []):
        try:
            qty = int(ln.get("qty") or 0)
        except (TypeError, ValueError):
            raise field_error(f"lines.{n}.qty", _("台数请输入整数"), code="bad_format") from None
        if qty <= 0:
            raise field_error(f"lines.{n}.qty", _("台数必须大于0"), code="not_positive")
        if not ln.get("configuration"):
            raise field_error(f"lines.{n}.configuration", _("请选择配置"), code="required")
        out.append(
            {
                "configuration": ln["configuration"],
                "colour": (ln.get("colour") or "").strip()[:30],
                "qty": qty,
            }
        )
    if not out:
        raise field_error("lines", _("请至少添加一行要货明细"), code="no_lines")
    return out


@transaction.atomic
def plan_create(*, actor, store, month, brand, lines, note: str = "") -> OrderPlan:
    """要货计划 (draft): the month, the brand and the lines (configuration, colour, qty)."""
    require_perm(actor, "sales.add_orderplan")
    _in_scope(actor, store)
    if isinstance(month, str):
        month = dt.date.fromisoformat(month if len(month) > 7 else f"{month}-01")
    month = month.replace(day=1)
    clean = _clean_plan_lines(lines)
    for n, ln in enumerate(clean):
        if ln["configuration"].model.series.brand_id != brand.pk:
            raise field_error(f"lines.{n}.configuration", _("配置不属于该品牌"), code="mismatch")
    plan = OrderPlan.objects.create(store=store, month=month, brand=brand, created_by=actor, note=note or "")
    OrderPlanLine.objects.bulk_create([OrderPlanLine(plan=plan, **ln) for ln in clean])
    audit_record(actor=actor, obj=plan, verb="created", changes={"lines": len(clean)})
    plan.number = next_number(store=store, kind=DocKind.ORDER_PLAN)
    OrderPlan.objects.filter(pk=plan.pk).update(number=plan.number)
    return plan


@transaction.atomic
def plan_lines_set(*, actor, plan: OrderPlan, lines) -> OrderPlan:
    p = OrderPlan.objects.select_for_update().get(pk=plan.pk)
    _in_scope(actor, p.store)
    workflows.PLAN.require_action(p, "edit", actor=actor)
    clean = _clean_plan_lines(lines)
    p.lines.all().delete()
    OrderPlanLine.objects.bulk_create([OrderPlanLine(plan=p, **ln) for ln in clean])
    audit_record(actor=actor, obj=p, verb="updated", changes={"lines": len(clean)})
    return p


@transaction.atomic
def plan_submit(*, actor, plan: OrderPlan) -> OrderPlan:
    p = OrderPlan.objects.select_for_update().get(pk=plan.pk)
    _in_scope(actor, p.store)
    workflows.PLAN.require(p, to=PlanStatus.SUBMITTED, actor=actor)
    if not p.lines.exists():
        raise field_error("lines", _("请至少添加一行要货明细"), code="no_lines")
    p.status, p.submitted_at = PlanStatus.SUBMITTED, timezone.now()
    p.save(update_fields=["status", "submitted_at"])
    audit_record(actor=actor, obj=p, verb="status", changes={"status": [PlanStatus.DRAFT, p.status]})
    return p


@transaction.atomic
def plan_confirm(*, actor, plan: OrderPlan, confirmed: dict | None = None) -> OrderPlan:
    """厂家确认: the quantities the manufacturer confirmed per line ({line id: qty}; by default as asked)."""
    p = OrderPlan.objects.select_for_update().get(pk=plan.pk)
    _in_scope(actor, p.store)
    workflows.PLAN.require(p, to=PlanStatus.CONFIRMED, actor=actor)
    confirmed = {int(k): v for k, v in (confirmed or {}).items()}
    lines = list(p.lines.all())
    for ln in lines:
        raw = confirmed.get(ln.pk, ln.qty)
        try:
            qty = int(raw)
        except (TypeError, ValueError):
            raise field_error(
                f"lines.{ln.pk}.confirmed_qty", _("台数请输入整数"), code="bad_format"
            ) from None
        if qty < 0:
            raise field_error(f"lines.{ln.pk}.confirmed_qty", _("台数不能为负数"), code="negative")
        ln.confirmed_qty = qty
    OrderPlanLine.objects.bulk_update(lines, ["confirmed_qty"])
    p.status, p.confirmed_at = PlanStatus.CONFIRMED, timezone.now()
    p.save(update_fields=["status", "confirmed_at"])
    audit_record(actor=actor, obj=p, verb="status", changes={"status": [PlanStatus.SUBMITTED, p.status]})
    return p


@transaction.atomic
def plan_send_back(*, actor, plan: OrderPlan, note: str = "") -> OrderPlan:
    p = OrderPlan.objects.select_for_update().get(pk=plan.pk)
    _in_scope(actor, p.store)
    workflows.PLAN.require(p, to=PlanStatus.DRAFT, actor=actor)
    p.status, p.submitted_at = PlanStatus.DRAFT, None
    p.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor, obj=p, verb="status", changes={"status": [PlanStatus.SUBMITTED, p.status]}, note=note
    )
    return p


# --- counts (盘点 / 对账) --------------------------------------------------------------------------

ON_BOOK = (
    VehicleStatus.IN_STOCK,
    VehicleStatus.PDI,
    VehicleStatus.RESERVED,
    VehicleStatus.SOLD,
    VehicleStatus.DEMO,
)


@transaction.atomic
def count_record(
    *, actor, store, vins, kind: str = CountKind.DAILY, counted_on=None, note: str = ""
) -> VehicleCount:
    """每日盘点 / 月度对账: the VINs found on the lot against the book (vehicles on the premises: in stock,
    waiting PDI, allocated, sold not delivered, demo cars); what is missing and what is extra. A VIN typed
    wrong is refused (its check digit)."""
    require_perm(actor, "sales.add_vehiclecount")
    _in_scope(actor, store)
    if kind not in CountKind.values:
        raise field_error("kind", _("未知的盘点类型"), code="invalid_choice")
    found = []
    for n, raw in enumerate(vins or []):
        if not str(raw).strip():
            continue
        vin = clean_vin(raw, field=f"vins.{n}")
        if vin not in found:
            found.append(vin)
    book = set(StockVehicle.objects.filter(store=store, status__in=ON_BOOK).values_list("vin", flat=True))
    day = _day(counted_on, "counted_on")
    c = VehicleCount.objects.create(
        store=store,
        kind=kind,
        counted_on=day,
        book_count=len(book),
        found_count=len(found),
        missing=sorted(book - set(found)),
        extra=sorted(set(found) - book),
        closed_at=timezone.now(),
        created_by=actor,
        note=note or "",
    )
    audit_record(
        actor=actor,
        obj=c,
        verb="created",
        changes={
            "book_count": c.book_count,
            "found_count": c.found_count,
            "missing": len(c.missing),
            "extra": len(c.extra),
        },
    )
    c.number = next_number(store=store, kind=DocKind.VEHICLE_COUNT)
    VehicleCount.objects.filter(pk=c.pk).update(number=c.number)
    return c
