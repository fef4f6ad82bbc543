"""Reception (接车), repair-order lines, the estimate (估价) and the customer's confirmations,
added jobs (追加项目), discounts within limits or approved, delays and cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.choices import DocKind
from fours.core.errors import BusinessError, NotAllowed, field_error
from fours.core.numbering import next_number
from fours.core.permissions import (
    discount_limit_exceeded,
    effective_discount_pct,
    require_discount_within_limit,
    require_perm,
)
from fours.core.roles import Role
from fours.core.selectors import has_role

from .. import summaries, workflows
from ..choices import (
    BELONGINGS,
    DAMAGE_KINDS,
    DISCOUNTABLE,
    EDITABLE,
    WARNING_LIGHTS,
    Approval,
    ApptStatus,
    ConfirmMethod,
    FuelLevel,
    LabourStatus,
    PartStatus,
    Payer,
    ROKind,
    ROStatus,
)
from ..models import (
    Appointment,
    CustomerApproval,
    Delay,
    DiscountRequest,
    LabourLine,
    PartLine,
    Photo,
    RepairOrder,
)
from . import pricing
from .common import lock_ro, release_all, require_text, reserved_for

ZERO = Decimal("0")
# After the customer confirmed the estimate, new lines are added jobs that need a new confirmation.
CONFIRMED = {ROStatus.IN_PROGRESS, ROStatus.AWAITING_QC, ROStatus.REWORK}


# --- reception ------------------------------------------------------------------------------------


def _clean_reception(data: dict) -> dict:
    out: dict = {}
    errors: dict = {}
    lights = {k for k, _l in WARNING_LIGHTS}
    out["warning_lights"] = [x for x in data.get("warning_lights") or [] if x in lights]
    things = {k for k, _l in BELONGINGS}
    out["belongings"] = [x for x in data.get("belongings") or [] if x in things]
    kinds = {k for k, _l in DAMAGE_KINDS}
    marks = []
    for m in data.get("damage_marks") or []:
        try:
            x, y = float(m.get("x")), float(m.get("y"))
        except (TypeError, ValueError, AttributeError):
            errors["damage_marks"] = [_("外观损伤标记格式不正确")]
            continue
        if not (0 <= x <= 100 and 0 <= y <= 100):
            errors["damage_marks"] = [_("外观损伤标记超出车身图")]
            continue
        marks.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "kind": m.get("kind") if m.get("kind") in kinds else "scratch",
                "note": str(m.get("note") or "")[:60],
            }
        )
    out["damage_marks"] = marks
    fuel = str(data.get("fuel_level") or FuelLevel.HALF)
    if fuel not in FuelLevel.values:
        errors["fuel_level"] = [_("请选择油量")]
    out["fuel_level"] = fuel
    promised = data.get("promised_at")
    if promised and timezone.is_naive(promised):
        promised = timezone.make_aware(promised)
    if promised and promised < timezone.now() - dt.timedelta(minutes=5):
        errors["promised_at"] = [_("预计交车时间不能早于现在")]
    out["promised_at"] = promised
    kind = data.get("kind") or ROKind.REPAIR
    if kind not in ROKind.values:
        errors["kind"] = [_("请选择维修类型")]
    out["kind"] = kind
    for f, n in (
        ("complaint", 2000),
        ("belongings_note", 200),
        ("key_tag", 10),
        ("contact_name", 50),
        ("contact_phone", 20),
        ("insurer", 50),
        ("claim_no", 40),
    ):
        out[f] = str(data.get(f) or "").strip()[:n]
    if kind == ROKind.ACCIDENT and not out["insurer"]:
        errors["insurer"] = [_("事故车请填写保险公司")]
    if errors:
        raise BusinessError(errors, code="invalid")
    return out


@transaction.atomic
def ro_receive(
    *,
    actor,
    store,
    vehicle,
    data: dict,
    advisor=None,
    package=None,
    operations=(),
    appointment: Appointment | None = None,
    photos=(),
) -> RepairOrder:
    """接车: open an order for a vehicle with the walk-around check and its photos, the odometer
    (appended to the vehicle's readings; a lower value is refused), the complaint in the customer's
    words, and the booked package or operations as its first lines. An appointment's reserved parts
    pass to the order. A bad photo refuses the whole reception."""
    from fours.customers.services import odometer_record

    require_perm(actor, "service.add_repairorder")
    advisor = advisor or actor
    if vehicle.group_id != store.group_id:
        raise field_error("vehicle", _("车辆不属于本集团"), code="out_of_scope")
    if not has_role(advisor, store, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER) and not advisor.is_superuser:
        raise field_error("advisor", _("请选择本店的服务顾问"), code="not_staff")
    if RepairOrder.objects.filter(vehicle=vehicle, status__in=EDITABLE - {ROStatus.BOOKED}).exists():
        open_ro = RepairOrder.objects.filter(vehicle=vehicle, status__in=EDITABLE).first()
        raise field_error(
            "vehicle", _("该车已有未完工的工单 %(no)s") % {"no": open_ro.number}, code="duplicate"
        )
    clean = _clean_reception(data)
    km = data.get("odometer_km")
    if km in (None, ""):
        raise field_error("odometer_km", _("请填写进厂里程"), code="required")
    ro = RepairOrder(
        store=store,
        vehicle=vehicle,
        customer=vehicle.owner,
        advisor=advisor,
        status=ROStatus.RECEIVED,
        created_by=actor,
        **clean,
    )
    if appointment is not None:
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.vehicle_id != vehicle.pk or appointment.store_id != store.pk:
            raise field_error("appointment", _("预约单与车辆不符"), code="mismatch")
        workflows.APPOINTMENT.require(appointment, to=ApptStatus.ARRIVED, actor=actor)
        ro.appointment = appointment
        package = package or appointment.package
    ro.number = next_number(store=store, kind=DocKind.REPAIR_ORDER)
    ro.save()
    try:
        reading = odometer_record(
            actor=actor, vehicle=vehicle, value_km=km, source="reception", document=ro.number, store=store
        )
    except BusinessError as e:
        msgs = e.message_dict.get("value_km") or e.messages
        raise field_error("odometer_km", msgs[0], code=e.error_code) from None
    ro.odometer_km = reading.value_km
    ro.save(update_fields=["odometer_km"])
    if package is not None:
        _add_package(actor, ro, package, Payer.CUSTOMER)
    for op in operations:
        _add_labour(actor, ro, operation=op, payer=Payer.CUSTOMER)
    if appointment is not None:
        held = reserved_for(appointment)
        release_all(actor=actor, store=store, doc=appointment)
        _reserve_for_ro(actor, ro, held)
        appointment.status = ApptStatus.ARRIVED
        appointment.parts_reserved = False
        appointment.save(update_fields=["status", "parts_reserved"])
        audit_record(actor=actor, obj=appointment, verb="arrived", note=ro.number)
    audit_record(
        actor=actor,
        obj=ro,
        verb="created",
        changes={"vehicle": [None, str(vehicle)], "odometer_km": [None, ro.odometer_km]},
    )
    summaries.add_received(ro)
    if photos:
        ro_photos_add(actor=actor, ro=ro, files=photos, caption=_("环车检查"))
    return ro


@transaction.atomic
def ro_receive_new(*, actor, store, customer_data: dict, vehicle_data: dict, data: dict, **kw) -> RepairOrder:
    """A first visit: the customer and the vehicle are created on the reception screen, then the order."""
    from fours.customers.services import customer_create, vehicle_create

    customer = customer_create(actor=actor, store=store, data=customer_data)
    vehicle = vehicle_create(actor=actor, store=store, owner=customer, data=vehicle_data)
    return ro_receive(actor=actor, store=store, vehicle=vehicle, data=data, **kw)


def _reserve_for_ro(actor, ro, held: dict) -> None:
    from fours.parts.models import Part
    from fours.parts.services import stock_reserve

    parts = {p.pk: p for p in Part.objects.filter(pk__in=held)}
    for pid in sorted(held):
        try:
            with transaction.atomic():
                stock_reserve(actor=actor, store=ro.store, part=parts[pid], qty=held[pid], doc=ro)
        except BusinessError:
            pass


@transaction.atomic
def ro_reception_update(*, actor, ro: RepairOrder, data: dict) -> RepairOrder:
    """Change the walk-around check, complaint or promised time before the work is done."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro)
    clean = _clean_reception({**_reception_values(ro), **data})
    changes = diff(ro, **clean)
    for k, v in clean.items():
        setattr(ro, k, v)
    ro.save(update_fields=list(clean))
    if changes:
        audit_record(actor=actor, obj=ro, verb="updated", changes=changes)
    return ro


PHOTO_TYPES = ("jpg", "jpeg", "png", "webp", "heic")
PHOTO_MAX_BYTES = 15 * 1024 * 1024


@transaction.atomic
def ro_photos_add(*, actor, ro: RepairOrder, files, caption: str = "") -> list:
    """环车检查 and evidence photos: up to 10 pictures at once, each an image of at most 15 MB."""
    require_perm(actor, "service.add_photo")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro, "photos")
    files = list(files)
    if not files:
        raise field_error("photos", _("请选择要上传的照片"), code="required")
    if len(files) > 10:
        raise field_error("photos", _("一次最多上传10张照片"), code="too_many")
    for f in files:
        ext = (f.name or "").rsplit(".", 1)[-1].lower()
        if ext not in PHOTO_TYPES:
            raise field_error(
                "photos",
                _("%(name)s 不是照片（可上传 jpg、png、webp、heic）") % {"name": f.name},
                code="bad_file_type",
            )
        if f.size > PHOTO_MAX_BYTES:
            raise field_error("photos", _("%(name)s 超过15 MB") % {"name": f.name}, code="too_large")
    caption = (caption or "").strip()[:100]
    photos = [Photo.objects.create(ro=ro, image=f, caption=caption, uploaded_by=actor) for f in files]
    if photos:
        audit_record(actor=actor, obj=ro, verb="photo", note=_("上传照片 %(n)s 张") % {"n": len(photos)})
    return photos


def _reception_values(ro) -> dict:
    return {
        f: getattr(ro, f)
        for f in (
            "warning_lights",
            "damage_marks",
            "belongings",
            "fuel_level",
            "promised_at",
            "kind",
            "complaint",
            "belongings_note",
            "key_tag",
            "contact_name",
            "contact_phone",
            "insurer",
            "claim_no",
        )
    }


# --- lines ------------------------------------------------------------------------------------------


def _new_line_state(ro) -> dict:
    if ro.status in CONFIRMED:
        return {"is_added": True, "approval": Approval.PENDING}
    return {"is_added": False, "approval": Approval.APPROVED}


def _check_payer(ro, payer) -> str:
    if payer not in Payer.values:
        raise field_error("payer", _("请选择付费方"), code="required")
    if payer == Payer.INSURANCE and not ro.insurer:
        raise field_error("payer", _("保险付费的项目须先在工单上填写保险公司"), code="insurer_required")
    return payer


def _add_labour(
    actor, ro, *, operation=None, name="", hours=None, payer=Payer.CUSTOMER, package=None, code=""
):
    payer = _check_payer(ro, payer)
    if payer == Payer.WARRANTY:
        from .claims import warranty_line_check

        warranty_line_check(ro)
    if operation is not None:
        if operation.group_id != ro.store.group_id:
            raise field_error("operation", _("工时项目不存在"), code="not_found")
        name = name or operation.name
        code = operation.code
        if hours in (None, ""):
            hours = pricing.standard_hours(operation, ro.vehicle)
    name = (name or "").strip()
    if not name:
        raise field_error("name", _("请填写工时项目名称"), code="required")
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.01"))
    except Exception:
        raise field_error("hours", _("工时格式不正确"), code="bad_format") from None
    if hours <= 0 or hours > 200:
        raise field_error("hours", _("工时应大于0且不超过200"), code="out_of_range")
    rate = pricing.labour_rates(ro.store)[payer]
    line = LabourLine.objects.create(
        ro=ro,
        operation=operation,
        package=package,
        code=code,
        name=name[:100],
        payer=payer,
        hours=hours,
        rate=rate,
        amount=pricing.round_money(hours * rate),
        **_new_line_state(ro),
    )
    return line


def _add_part(actor, ro, *, part, qty, payer=Payer.CUSTOMER, labour=None, unit_price=None):
    from fours.parts.services import clean_qty

    payer = _check_payer(ro, payer)
    if part.group_id != ro.store.group_id:
        raise field_error("part", _("配件不存在"), code="not_found")
    if payer == Payer.WARRANTY:
        from .claims import warranty_line_check

        warranty_line_check(ro, part=part)
    qty = clean_qty(part, qty)
    list_price = pricing.part_price(part, payer)
    price = list_price if unit_price in (None, "") else pricing.round_money(pricing.to_decimal(unit_price))
    if price < 0:
        raise field_error("unit_price", _("单价不能为负数"), code="negative")
    if price < list_price:
        # a price below the payer's price is a discount, on top of the order's parts discount
        require_discount_within_limit(
            actor,
            ro.store,
            pct=ro.parts_discount_pct if payer == Payer.CUSTOMER else 0,
            price=price,
            list_price=list_price,
            field="unit_price",
        )
    return PartLine.objects.create(
        ro=ro,
        part=part,
        labour=labour,
        payer=payer,
        qty=qty,
        unit_price=pricing.round_money(price),
        amount=pricing.round_money(qty * price),
        tax_rate=part.tax_rate,
        **_new_line_state(ro),
    )


def _add_package(actor, ro, package, payer):
    if package.group_id != ro.store.group_id:
        raise field_error("package", _("套餐不存在"), code="not_found")
    first = None
    for pl in package.labour.select_related("operation"):
        ln = _add_labour(actor, ro, operation=pl.operation, hours=pl.hours, payer=payer, package=package)
        first = first or ln
    for pp in package.parts.select_related("part"):
        _add_part(actor, ro, part=pp.part, qty=pp.qty, payer=payer, labour=first)
    if ro.kind == ROKind.REPAIR:
        ro.kind = ROKind.MAINTENANCE
        ro.save(update_fields=["kind"])


@transaction.atomic
def ro_labour_add(*, actor, ro, operation=None, name="", hours=None, payer=Payer.CUSTOMER) -> LabourLine:
    """A labour line priced from the catalogue (hours for the vehicle's series × the payer's rate).
    After the estimate was confirmed it is an added job (追加项目) waiting for the customer."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro)
    line = _add_labour(actor, ro, operation=operation, name=name, hours=hours, payer=payer)
    audit_record(
        actor=actor,
        obj=ro,
        verb="added_job" if line.is_added else "line_saved",
        changes={
            "labour": [None, str(line)],
            "amount": [None, line.amount],
            "payer": [None, line.get_payer_display()],
        },
    )
    return line


@transaction.atomic
def ro_part_add(*, actor, ro, part, qty, payer=Payer.CUSTOMER, labour=None, unit_price=None) -> PartLine:
    """A part line at the part master's price for the payer; an added item once the estimate is confirmed.
    Technicians add the parts their job needs (领料申请) as well as advisors."""
    require_perm(actor, workflows.ADD_PART)
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro)
    if unit_price not in (None, "") and not actor.has_perm("service.change_repairorder"):
        unit_price = None
    line = _add_part(actor, ro, part=part, qty=qty, payer=payer, labour=labour, unit_price=unit_price)
    audit_record(
        actor=actor,
        obj=ro,
        verb="added_job" if line.is_added else "line_saved",
        changes={
            "part": [None, part.part_no],
            "qty": [None, line.qty],
            "payer": [None, line.get_payer_display()],
        },
    )
    return line


@transaction.atomic
def ro_package_add(*, actor, ro, package, payer=Payer.CUSTOMER) -> RepairOrder:
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro)
    _add_package(actor, ro, package, payer)
    audit_record(actor=actor, obj=ro, verb="line_saved", changes={"package": [None, str(package)]})
    return ro


@transaction.atomic
def ro_line_remove(*, actor, line) -> None:
    """Remove a line that was not worked or issued: deleted before the estimate, cancelled after it."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(line.ro)
    workflows.refuse_if_closed(ro)
    if isinstance(line, PartLine):
        line = PartLine.objects.select_for_update().get(pk=line.pk)
        if line.qty_issued - line.qty_returned > 0:
            raise field_error("line", _("该配件已发料，请先退料"), code="parts_issued")
        label = line.part.part_no
    else:
        line = LabourLine.objects.select_for_update().get(pk=line.pk)
        if line.clocks.exists():
            raise field_error("line", _("该项目已有打卡记录，不能删除"), code="work_logged")
        label = line.name
    if ro.status in (ROStatus.RECEIVED, ROStatus.BOOKED):
        line.delete()
    else:
        line.status = PartStatus.CANCELLED if isinstance(line, PartLine) else LabourStatus.CANCELLED
        line.save(update_fields=["status"])
    audit_record(actor=actor, obj=ro, verb="line_removed", changes={"line": [label, None]})


# --- estimate and the customer's confirmations -------------------------------------------------------


def _lines(ro):
    return (
        list(ro.labour.all()),
        list(ro.parts.select_related("part")),
    )


@transaction.atomic
def ro_estimate_submit(*, actor, ro, promised_at=None) -> RepairOrder:
    """估价: the cost and time of the order, shown or printed for the customer (接车 → 待确认)."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.RO.require(ro, to=ROStatus.AWAITING_APPROVAL, actor=actor)
    labour, parts = _lines(ro)
    if not labour and not parts:
        raise field_error("lines", _("请至少添加一个维修项目"), code="no_lines")
    if promised_at:
        ro.promised_at = promised_at
    if not ro.promised_at:
        raise field_error("promised_at", _("请填写预计交车时间"), code="required")
    t = pricing.totals(ro, labour, parts, estimate=True)
    ro.estimate_amount, ro.estimate_hours = t.total, t.hours
    ro.status = ROStatus.AWAITING_APPROVAL
    ro.save(update_fields=["estimate_amount", "estimate_hours", "promised_at", "status"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="estimate",
        changes={"estimate_amount": [None, t.total], "estimate_hours": [None, t.hours]},
    )
    return ro


def _clean_confirmation(method, signer_name, signature):
    if method not in ConfirmMethod.values:
        raise field_error("method", _("请选择确认方式"), code="required")
    signer_name = require_text(signer_name, "signer_name", _("请填写签字人"))
    if method == ConfirmMethod.SIGNATURE:
        if not (signature or "").startswith("data:image/"):
            raise field_error("signature", _("请客户在屏幕上签名"), code="required")
        if len(signature) > 500_000:
            raise field_error("signature", _("签名图像过大"), code="too_large")
    else:
        signature = ""
    return signer_name[:50], signature


@transaction.atomic
def ro_estimate_confirm(*, actor, ro, signer_name: str, method: str, signature: str = "") -> CustomerApproval:
    """The customer confirms the estimate (on-screen signature or signed print): 待确认 → 在修."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.RO.require_action(ro, "confirm", actor=actor)  # from 待确认 only
    workflows.RO.require(ro, to=ROStatus.IN_PROGRESS, actor=actor)
    signer_name, signature = _clean_confirmation(method, signer_name, signature)
    labour, parts = _lines(ro)
    t = pricing.totals(ro, labour, parts, estimate=True)
    approval = CustomerApproval.objects.create(
        ro=ro,
        kind="estimate",
        amount=t.total,
        hours=t.hours,
        promised_at=ro.promised_at,
        lines=t.lines,
        method=method,
        signer_name=signer_name,
        signature=signature,
        recorded_by=actor,
    )
    ro.status = ROStatus.IN_PROGRESS
    ro.estimate_amount, ro.estimate_hours = t.total, t.hours
    ro.estimate_confirmed_at = approval.at
    ro.save(update_fields=["status", "estimate_amount", "estimate_hours", "estimate_confirmed_at"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="confirmed",
        changes={"amount": [None, t.total]},
        note=f"{signer_name} · {ConfirmMethod(method).label}",
    )
    return approval


@transaction.atomic
def ro_added_confirm(
    *, actor, ro, signer_name: str, method: str, signature: str = "", approved: bool = True
) -> CustomerApproval:
    """The customer approves (or declines) the added jobs waiting on the order, recorded like the estimate."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro)
    labour = list(ro.labour.filter(approval=Approval.PENDING))
    parts = list(ro.parts.filter(approval=Approval.PENDING).select_related("part"))
    if not labour and not parts:
        raise field_error("lines", _("没有待客户确认的追加项目"), code="not_pending")
    signer_name, signature = _clean_confirmation(method, signer_name, signature)
    t = pricing.totals(ro, labour, parts, estimate=True)
    approval = CustomerApproval.objects.create(
        ro=ro,
        kind="added",
        amount=t.total,
        hours=t.hours,
        promised_at=ro.promised_at,
        lines=t.lines,
        approved=approved,
        method=method,
        signer_name=signer_name,
        signature=signature,
        recorded_by=actor,
    )
    state = Approval.APPROVED if approved else Approval.DECLINED
    LabourLine.objects.filter(pk__in=[ln.pk for ln in labour]).update(approval=state)
    PartLine.objects.filter(pk__in=[ln.pk for ln in parts]).update(approval=state)
    if not approved:
        LabourLine.objects.filter(pk__in=[ln.pk for ln in labour]).update(status=LabourStatus.CANCELLED)
        PartLine.objects.filter(pk__in=[ln.pk for ln in parts], qty_issued=0).update(
            status=PartStatus.CANCELLED
        )
    audit_record(
        actor=actor,
        obj=ro,
        verb="added_approved" if approved else "added_declined",
        changes={"amount": [None, t.total]},
        note=f"{signer_name} · {ConfirmMethod(method).label}",
    )
    return approval


# --- discounts -----------------------------------------------------------------------------------------


def _parts_discount_reach(ro, parts_pct) -> Decimal:
    """The deepest discount the order's parts discount gives on a customer line, counting a line's
    price below its list price (the discount the limit and the approval are judged on)."""
    reach = parts_pct
    lines = ro.parts.filter(payer=Payer.CUSTOMER).exclude(status=PartStatus.CANCELLED).select_related("part")
    for ln in lines:
        list_price = pricing.part_price(ln.part, ln.payer)
        if ln.unit_price < list_price:
            reach = max(reach, effective_discount_pct(ln.unit_price, list_price, parts_pct))
    return reach


@transaction.atomic
def ro_discount_set(
    *, actor, ro, labour_pct, parts_pct, reason: str = "", request_approval: bool = False
) -> RepairOrder | DiscountRequest:
    """Discounts on the customer's labour and parts. Within the actor's limit (审批限额, 折扣上限) they
    apply at once; above it they are refused, or sent for approval when ``request_approval``."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro, "labour_discount_pct", open_statuses=DISCOUNTABLE)
    lp = pricing.clean_pct(labour_pct, "labour_discount_pct")
    pp = pricing.clean_pct(parts_pct, "parts_discount_pct")
    try:
        require_discount_within_limit(actor, ro.store, pct=lp, field="labour_discount_pct", approvable=True)
        require_discount_within_limit(
            actor, ro.store, pct=_parts_discount_reach(ro, pp), field="parts_discount_pct", approvable=True
        )
    except BusinessError:
        if not request_approval:
            raise
        if DiscountRequest.objects.filter(ro=ro, status="pending").exists():
            raise field_error("labour_discount_pct", _("已有待审批的折扣申请"), code="discount_pending")
        req = DiscountRequest.objects.create(
            ro=ro, labour_pct=lp, parts_pct=pp, reason=reason[:200], requested_by=actor
        )
        audit_record(
            actor=actor,
            obj=ro,
            verb="discount_requested",
            changes={"labour_discount_pct": [None, lp], "parts_discount_pct": [None, pp]},
            note=reason,
        )
        return req
    changes = diff(ro, labour_discount_pct=lp, parts_discount_pct=pp)
    ro.labour_discount_pct, ro.parts_discount_pct = lp, pp
    ro.save(update_fields=["labour_discount_pct", "parts_discount_pct"])
    audit_record(actor=actor, obj=ro, verb="discount", changes=changes, note=reason)
    return ro


@transaction.atomic
def discount_decide(*, actor, request: DiscountRequest, approve: bool, note: str = "") -> DiscountRequest:
    """A manager whose limit covers the discount approves it (it applies) or rejects it."""
    req = DiscountRequest.objects.select_for_update().get(pk=request.pk)
    ro = lock_ro(req.ro)
    if req.status != "pending":
        raise field_error("status", _("该申请已处理"), code="not_pending")
    workflows.refuse_if_closed(ro, open_statuses=DISCOUNTABLE)
    if approve:
        reach = max(req.labour_pct, _parts_discount_reach(ro, req.parts_pct))
        limit = discount_limit_exceeded(actor, ro.store, reach)
        if limit is not None:
            raise NotAllowed(_("折扣超过您的审批权限（最多%(max)s%%）") % {"max": f"{limit.normalize():f}"})
        ro.labour_discount_pct, ro.parts_discount_pct = req.labour_pct, req.parts_pct
        ro.save(update_fields=["labour_discount_pct", "parts_discount_pct"])
    elif not actor.has_perm("service.change_repairorder"):
        raise NotAllowed(_("您没有此操作的权限"))
    if req.requested_by_id == actor.pk and approve and not actor.is_superuser:
        raise NotAllowed(_("不能审批自己提交的折扣申请"))
    req.status = "approved" if approve else "rejected"
    req.decided_by, req.decided_at = actor, timezone.now()
    req.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="approved" if approve else "rejected",
        changes={"labour_discount_pct": [None, req.labour_pct], "parts_discount_pct": [None, req.parts_pct]},
        note=note,
    )
    return req


# --- delays and cancellation -------------------------------------------------------------------------


@transaction.atomic
def ro_delay(*, actor, ro, new_promised_at, reason: str, customer_informed: bool = True) -> Delay:
    """延期: a later promised time with its reason; the customer is told (recorded)."""
    require_perm(actor, "service.change_repairorder")
    ro = lock_ro(ro)
    workflows.refuse_if_closed(ro, "new_promised_at")
    reason = require_text(reason, "reason", _("请填写延期原因"))
    if new_promised_at is None:
        raise field_error("new_promised_at", _("请填写新的预计交车时间"), code="required")
    if timezone.is_naive(new_promised_at):
        new_promised_at = timezone.make_aware(new_promised_at)
    if ro.promised_at and new_promised_at <= ro.promised_at:
        raise field_error("new_promised_at", _("新的预计交车时间应晚于原时间"), code="date_order")
    delay = Delay.objects.create(
        ro=ro,
        old_promised_at=ro.promised_at,
        new_promised_at=new_promised_at,
        reason=reason[:200],
        customer_informed=customer_informed,
        actor=actor,
    )
    changes = diff(ro, promised_at=new_promised_at)
    ro.promised_at = new_promised_at
    ro.save(update_fields=["promised_at"])
    audit_record(actor=actor, obj=ro, verb="delayed", changes=changes, note=reason)
    return delay


@transaction.atomic
def ro_cancel(*, actor, ro, reason: str) -> RepairOrder:
    """取消 with a reason: only while nothing of it is in use (issued parts returned first)."""
    ro = lock_ro(ro)
    reason = require_text(reason, "cancel_reason", _("请填写取消原因"))
    workflows.RO.require(ro, to=ROStatus.CANCELLED, actor=actor)
    if any(ln.qty_issued - ln.qty_returned > 0 for ln in ro.parts.all()):
        raise field_error("cancel_reason", _("工单有已发料的配件，请先退料再取消"), code="parts_issued")
    from ..models import TimeLog

    now = timezone.now()
    TimeLog.objects.filter(line__ro=ro, ended_at__isnull=True).update(ended_at=now, end_kind="pause")
    release_all(actor=actor, store=ro.store, doc=ro)
    ro.labour.exclude(status=LabourStatus.DONE).update(status=LabourStatus.CANCELLED)
    ro.parts.filter(qty_issued=0).update(status=PartStatus.CANCELLED)
    old = ro.status
    ro.status, ro.cancel_reason = ROStatus.CANCELLED, reason[:200]
    ro.save(update_fields=["status", "cancel_reason"])
    audit_record(actor=actor, obj=ro, verb="cancelled", changes={"status": [old, ro.status]}, note=reason)
    summaries.add_received(ro, -1)
    return ro
