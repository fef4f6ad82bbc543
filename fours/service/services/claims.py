"""Warranty (三包/索赔): the vehicle's warranty judged at the line, the warranty clerk's appraisal and sign-off
(索赔员签字认可, before a warranty part is issued), claims from an order's signed warranty lines priced at the
manufacturer's rates, the checks before submission, the manufacturer's decision, resubmission, its payment
matched to the claims through finance and the difference written off within the actor's limit; the old parts'
tags (旧件标签), return shipments (旧件返厂) and scrapping on the manufacturer's instruction.

Money only through fours.finance.services: the warranty receivable the settlement posted on the order's
manufacturer is the claim's item; an approved amount above it is posted as one more item of the claim, below
it credited (``item_credit``) by a person whose write-off limit covers the difference."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, register_field_words, register_verbs
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import field_error
from fours.core.money import round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for

from .. import workflows_claims as wf
from ..choices import (
    Approval,
    ClaimStatus,
    LabourStatus,
    OldPartStatus,
    PartStatus,
    Payer,
    RejectReason,
    ROStatus,
    ShipmentStatus,
    TagStatus,
)
from ..models import ClaimLine, LabourLine, OldPartTag, PartLine, ReturnShipment, WarrantyClaim
from . import pricing
from .common import lock_ro, require_text

register_verbs(
    {
        "warranty_signed": _("索赔员签字认可"),
        "warranty_declined": _("不予索赔（改为自费）"),
        "resubmitted": _("重新提交"),
        "claim_approved": _("厂家批准"),
        "claim_partly": _("厂家部分批准"),
        "claim_rejected": _("厂家拒赔"),
        "written_off": _("核销差额"),
        "old_part_tagged": _("旧件挂签"),
        "old_part_scrapped": _("旧件按指令报废"),
    }
)
register_field_words(
    {
        "ro": _("工单"),
        "line": _("项目"),
        "part": _("配件"),
        "tag_no": _("标签号"),
        "tags": _("旧件"),
        "submissions": _("提交次数"),
        "waybill": _("运单号"),
    }
)

ZERO = Decimal("0")
CLAIMABLE = {ROStatus.SETTLED, ROStatus.DELIVERED}
DECIDED = {ClaimStatus.APPROVED, ClaimStatus.PARTLY}


# --- the vehicle's warranty ----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def vehicle_brand(vehicle, store=None):
    """The vehicle's brand (its model's series), else the store's first brand."""
    from fours.customers.models import Brand

    if vehicle.model_id:
        return vehicle.model.series.brand
    if store is not None and store.brand_list:
        return Brand.objects.filter(name=store.brand_list[0]).first()
    return None


@dataclass
class Warranty:
    """The vehicle's warranty on a day at a mileage: ``state`` is in / out / unknown."""

    state: str
    start: dt.date | None = None
    end: dt.date | None = None
    km_limit: int | None = None
    km: int = 0
    reason: str = ""
    by_part: bool = False  # in warranty only by the part's own warranty (保修期内更换件的配件质保)

    @property
    def ok(self) -> bool:
        return self.state == "in"


def vehicle_warranty(vehicle, *, on: dt.date, km: int, store=None) -> Warranty:
    """The vehicle's warranty: its own end date and mileage (vehicle.warranty_end / warranty_km), else from
    its warranty start (or sale date) plus the brand's policy (Brand.warranty_months / warranty_km)."""
    brand = vehicle_brand(vehicle, store)
    start = vehicle.warranty_start or vehicle.sale_date
    end = vehicle.warranty_end
    if end is None and start is not None and brand is not None:
        end = add_months(start, brand.warranty_months)
    km_limit = vehicle.warranty_km if vehicle.warranty_km else (brand.warranty_km if brand else None)
    w = Warranty("in", start=start, end=end, km_limit=km_limit, km=km)
    if end is None:
        w.state = "unknown"
        w.reason = _("车辆档案没有销售日期或保修开始日期，无法判断是否在保修期内")
    elif on > end:
        w.state = "out"
        w.reason = _("车辆已超出保修期（截止 %(d)s）") % {"d": f"{end:%Y-%m-%d}"}
    elif km_limit and km > km_limit:
        w.state = "out"
        w.reason = _("车辆里程 %(km)s 公里超出保修里程 %(limit)s 公里") % {"km": km, "limit": km_limit}
    return w


def _part_warranty(ro, part, on: dt.date) -> dt.date | None:
    """Until when the same part, replaced on this vehicle under warranty on an earlier order, is still under
    its own warranty (Part.warranty_months from the repair), or None."""
    if not part.warranty_months:
        return None
    prior = (
        PartLine.objects.filter(
            ro__vehicle_id=ro.vehicle_id, part=part, payer=Payer.WARRANTY, qty_issued__gt=0
        )
        .exclude(ro_id=ro.pk)
        .exclude(ro__status=ROStatus.CANCELLED)
        .order_by("-ro__received_at")
        .values_list("ro__received_at", flat=True)
        .first()
    )
    if prior is None:
        return None
    until = add_months(timezone.localtime(prior).date(), part.warranty_months)
    return until if until >= on else None


def ro_warranty(ro, part=None) -> Warranty:
    """The warranty of the order's vehicle on its reception day at its reception mileage; a part out of the
    vehicle's warranty may still be under its own (replaced under warranty within Part.warranty_months)."""
    on = timezone.localtime(ro.received_at).date()
    km = ro.odometer_km or ro.vehicle.odometer_km
    w = vehicle_warranty(ro.vehicle, on=on, km=km, store=ro.store)
    if not w.ok and part is not None:
        until = _part_warranty(ro, part, on)
        if until is not None:
            w.state, w.end, w.by_part, w.reason = "in", until, True, ""
    return w


def warranty_line_check(ro, *, part=None, field: str = "payer") -> None:
    """A 索赔 line on a vehicle out of warranty by date or mileage is refused (an unknown warranty start is
    left to the warranty clerk's appraisal)."""
    w = ro_warranty(ro, part)
    if w.state == "out":
        raise field_error(field, _("不能按索赔付费：%(r)s") % {"r": w.reason}, code="out_of_warranty")


# --- the clerk's appraisal and sign-off -------------------------------------------------------------------


def _line_label(line) -> str:
    return line.part.part_no if isinstance(line, PartLine) else line.name


@transaction.atomic
def warranty_sign(*, actor, line, note: str = ""):
    """索赔员签字认可: the warranty clerk appraises a 索赔 line (the vehicle or the part in warranty) and signs
    it off; only then is a warranty part issued. Refused: a line of another payer, one already signed, a
    cancelled line, a vehicle out of warranty or without a warranty start in its archive."""
    require_perm(actor, wf.SIGN)
    ro = lock_ro(line.ro)
    model = PartLine if isinstance(line, PartLine) else LabourLine
    line = model.objects.select_for_update(of=("self",)).get(pk=line.pk)
    if ro.status == ROStatus.CANCELLED:
        raise field_error("line", _("工单已取消"), code="ro_closed")
    if line.payer != Payer.WARRANTY:
        raise field_error("line", _("该项目不是索赔付费"), code="mismatch")
    if line.warranty_signed_at is not None:
        raise field_error("line", _("该项目已由索赔员签字"), code="not_pending")
    if line.status in (PartStatus.CANCELLED, LabourStatus.CANCELLED):
        raise field_error("line", _("该项目已取消"), code="bad_transition")
    w = ro_warranty(ro, line.part if model is PartLine else None)
    if w.state == "out":
        raise field_error("line", w.reason, code="out_of_warranty")
    if w.state == "unknown":
        raise field_error("line", w.reason, code="warranty_unknown")
    line.warranty_signed_by, line.warranty_signed_at = actor, timezone.now()
    line.save(update_fields=["warranty_signed_by", "warranty_signed_at"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="warranty_signed",
        changes={"line": [None, _line_label(line)]},
        note=(note or (_("配件质保期内") if w.by_part else ""))[:200],
    )
    return line


@transaction.atomic
def warranty_decline(*, actor, line, reason: str):
    """不予索赔: the clerk's appraisal finds the job is not a warranty case (misuse, out of warranty, a wear
    part); the reason is recorded for the customer and the line becomes the customer's, at the customer's
    rate or price. Once the customer has confirmed the estimate it waits for their confirmation as an
    added item (追加项目). Only while the order is still open, and not for a line already signed."""
    from ..choices import EDITABLE
    from .orders import CONFIRMED

    require_perm(actor, wf.SIGN)
    ro = lock_ro(line.ro)
    model = PartLine if isinstance(line, PartLine) else LabourLine
    line = model.objects.select_for_update(of=("self",)).get(pk=line.pk)
    reason = require_text(reason, "reason", _("请填写不予索赔的原因（向客户解释）"))
    if ro.status not in EDITABLE:
        raise field_error(
            "line",
            _("工单%(no)s已%(s)s，不能修改") % {"no": ro.number, "s": ro.get_status_display()},
            code="ro_closed",
        )
    if line.payer != Payer.WARRANTY:
        raise field_error("line", _("该项目不是索赔付费"), code="mismatch")
    if line.warranty_signed_at is not None:
        raise field_error("line", _("该项目已由索赔员签字"), code="not_pending")
    if model is PartLine:
        line.unit_price = pricing.part_price(line.part, Payer.CUSTOMER)
        line.amount = round_money(line.qty * line.unit_price)
        fields = ["payer", "unit_price", "amount"]
    else:
        line.rate = pricing.labour_rates(ro.store)[Payer.CUSTOMER]
        line.amount = round_money(line.hours * line.rate)
        fields = ["payer", "rate", "amount"]
    line.payer = Payer.CUSTOMER
    if ro.status in CONFIRMED:
        from ..choices import Approval as Ap

        line.is_added, line.approval = True, Ap.PENDING
        fields += ["is_added", "approval"]
    line.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=ro,
        verb="warranty_declined",
        changes={"line": [None, _line_label(line)], "amount": [None, line.amount]},
        note=reason[:200],
    )
    return line


def require_signed_for_issue(line) -> None:
    """A warranty part is issued only after the warranty clerk signed it off (seed 004 §2)."""
    if line.payer == Payer.WARRANTY and line.warranty_signed_at is None:
        raise field_error(
            "line",
            _("%(p)s 为索赔配件，须经索赔员签字认可后才能发料") % {"p": line.part.part_no},
            code="warranty_unsigned",
        )


# --- claims -----------------------------------------------------------------------------------------------


def _claimed_line_ids(ro) -> tuple[set[int], set[int]]:
    rows = ClaimLine.objects.filter(claim__ro=ro).values_list("labour_id", "part_line_id")
    return {a for a, _b in rows if a}, {b for _a, b in rows if b}


def claimable_lines(ro) -> tuple[list, list, list]:
    """(signed labour lines, signed part lines, unsigned warranty lines) of the order not on a claim yet."""
    done_l, done_p = _claimed_line_ids(ro)
    labour = [
        ln
        for ln in ro.labour.filter(payer=Payer.WARRANTY, approval=Approval.APPROVED).exclude(
            status=LabourStatus.CANCELLED
        )
        if ln.pk not in done_l
    ]
    parts = [
        ln
        for ln in ro.parts.filter(payer=Payer.WARRANTY, approval=Approval.APPROVED)
        .exclude(status=PartStatus.CANCELLED)
        .select_related("part")
        if ln.pk not in done_p and ln.qty_used > 0
    ]
    unsigned = [ln for ln in [*labour, *parts] if ln.warranty_signed_at is None]
    return (
        [ln for ln in labour if ln.warranty_signed_at],
        [ln for ln in parts if ln.warranty_signed_at],
        unsigned,
    )


def _claim_rows(brand, labour, parts) -> list[ClaimLine]:
    rate = brand.claim_labour_rate
    markup = 1 + to_decimal(brand.claim_parts_markup_pct) / 100
    rows = [
        ClaimLine(
            labour=ln,
            code=ln.code,
            name=ln.name,
            hours=ln.hours,
            unit_price=rate,
            amount=round_money(ln.hours * rate),
        )
        for ln in labour
    ]
    for ln in parts:
        unit = round_money(pricing.part_price(ln.part, Payer.WARRANTY) * markup)
        rows.append(
            ClaimLine(
                part_line=ln,
                code=ln.part.part_no,
                name=ln.part.name[:100],
                qty=ln.qty_used,
                unit_price=unit,
                amount=round_money(ln.qty_used * unit),
            )
        )
    return rows


def repair_day(ro) -> dt.date:
    at = ro.settled_at or ro.received_at
    return timezone.localtime(at).date()


@transaction.atomic
def claim_create(*, actor, ro, failure: str = "", fault_code: str = "", causal_part=None, note: str = ""):
    """索赔申请 from the order's signed warranty lines (labour at the brand's claim labour rate, parts at their
    list price plus the brand's markup), once the order is settled: the vehicle (VIN, warranty start,
    mileage), the failure and its code (from the diagnosis unless given), the causal part, the deadline
    (repair day + the brand's claim days)."""
    require_perm(actor, wf.ADD_CLAIM)
    ro = lock_ro(ro)
    if ro.status not in CLAIMABLE:
        raise field_error(
            "ro",
            _("工单%(no)s尚未结算，结算后才能申请索赔") % {"no": ro.number},
            code="not_settled",
        )
    brand = vehicle_brand(ro.vehicle, ro.store)
    if brand is None:
        raise field_error("ro", _("车辆没有品牌，无法确定厂家"), code="required")
    labour, parts, unsigned = claimable_lines(ro)
    if not labour and not parts:
        if unsigned:
            raise field_error(
                "lines",
                _("索赔项目尚未经索赔员签字：%(l)s") % {"l": "、".join(_line_label(x) for x in unsigned[:5])},
                code="warranty_unsigned",
            )
        raise field_error("lines", _("工单没有可申请索赔的项目"), code="no_lines")
    if causal_part is None and parts:
        causal_part = parts[0].part
    rows = _claim_rows(brand, labour, parts)
    labour_amount = sum((r.amount for r in rows if r.labour_id), ZERO)
    parts_amount = sum((r.amount for r in rows if r.part_line_id), ZERO)
    repaired = repair_day(ro)
    v = ro.vehicle
    claim = WarrantyClaim(
        store=ro.store,
        ro=ro,
        brand=brand,
        vin=v.vin,
        warranty_start=v.warranty_start or v.sale_date,
        odometer_km=ro.odometer_km,
        repaired_on=repaired,
        deadline=repaired + dt.timedelta(days=brand.claim_days),
        failure=(failure or ro.diagnosis or ro.complaint or "").strip()[:2000],
        fault_code=(fault_code or (ro.fault_code.code if ro.fault_code_id else ""))[:40],
        causal_part=causal_part,
        labour_amount=labour_amount,
        parts_amount=parts_amount,
        amount=labour_amount + parts_amount,
        clerk=actor,
        created_by=actor,
        note=(note or "")[:500],
    )
    claim.number = next_number(store=ro.store, kind=DocKind.WARRANTY_CLAIM)
    claim.save()
    for r in rows:
        r.claim = claim
    ClaimLine.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        obj=claim,
        verb="created",
        changes={"ro": [None, ro.number], "amount": [None, claim.amount]},
    )
    return claim


def lock_claim(claim) -> WarrantyClaim:
    return (
        WarrantyClaim.objects.select_for_update(of=("self",))
        .select_related("store", "brand", "ro__vehicle", "ro__store")
        .get(pk=claim.pk)
    )


EDITABLE_FIELDS = ("failure", "fault_code", "causal_part", "oem_ref", "note")


@transaction.atomic
def claim_update(*, actor, claim, data: dict):
    """Correct a draft or rejected claim: failure, fault code, causal part, the manufacturer's reference."""
    claim = lock_claim(claim)
    wf.CLAIM.require_action(claim, "edit", actor=actor)
    changes = {}
    for f in EDITABLE_FIELDS:
        if f not in data:
            continue
        value = data[f]
        if f == "causal_part":
            if value is not None and value.group_id != claim.store.group_id:
                raise field_error("causal_part", _("配件不存在"), code="not_found")
            old = claim.causal_part
        else:
            value = (value or "").strip()[
                : {"failure": 2000, "fault_code": 40, "oem_ref": 40, "note": 500}[f]
            ]
            old = getattr(claim, f)
        if value != old:
            changes[f] = [str(old or ""), str(value or "")]
            setattr(claim, f, value)
    if changes:
        claim.save(update_fields=[f for f in EDITABLE_FIELDS if f in changes])
        audit_record(actor=actor, obj=claim, verb="updated", changes=changes)
    return claim


@dataclass
class Check:
    field: str
    code: str
    message: str
    blocking: bool = True


def claim_checks(claim) -> list[Check]:
    """What the claim lacks before it can be submitted (blocking) and what the manufacturer may object to
    (warnings): eligibility, the required fields, the old parts tagged, photos where the brand asks for them,
    the deadline."""
    out: list[Check] = []
    ro = claim.ro
    lines = list(claim.lines.select_related("part_line__part"))
    if not lines:
        out.append(Check("lines", "no_lines", _("索赔申请没有明细")))
    w = ro_warranty(ro)
    if not w.ok:
        # a part line may still be under the part's own warranty; the labour is not
        parts_ok = lines and all(ln.part_line_id and ro_warranty(ro, ln.part_line.part).ok for ln in lines)
        if not parts_ok:
            code = "warranty_unknown" if w.state == "unknown" else "out_of_warranty"
            out.append(Check("vin", code, w.reason))
    if not (claim.failure or "").strip():
        out.append(Check("failure", "required", _("请填写故障描述")))
    if not (claim.fault_code or "").strip():
        out.append(Check("fault_code", "required", _("请填写故障代码")))
    if claim.causal_part_id is None:
        out.append(Check("causal_part", "required", _("请选择主损件")))
    tagged = set(claim.tags.values_list("part_line_id", flat=True))
    untagged = [
        ln.part_line.part.part_no
        for ln in lines
        if ln.part_line_id and ln.part_line.part.needs_old_part and ln.part_line_id not in tagged
    ]
    if untagged:
        out.append(
            Check(
                "tags",
                "old_part_untagged",
                _("旧件尚未挂签：%(p)s") % {"p": "、".join(untagged[:5])},
            )
        )
    if claim.brand.claim_photos_required and not ro.photos.exists():
        out.append(Check("photos", "required", _("该品牌索赔须附照片，请先在工单上上传照片")))
    if timezone.localdate() > claim.deadline:
        out.append(
            Check(
                "deadline",
                "late",
                _("已超过申报截止日 %(d)s，厂家可能以超期申报拒赔") % {"d": f"{claim.deadline:%Y-%m-%d}"},
                blocking=False,
            )
        )
    return out


@transaction.atomic
def claim_submit(*, actor, claim):
    """提交 (or 再次提交 after a rejection): refused while a blocking check fails, naming its field."""
    claim = lock_claim(claim)
    wf.CLAIM.require(claim, to=ClaimStatus.SUBMITTED, actor=actor)
    for c in claim_checks(claim):
        if c.blocking:
            raise field_error(c.field, c.message, code=c.code)
    old = claim.status
    claim.status = ClaimStatus.SUBMITTED
    claim.submissions += 1
    claim.submitted_at = timezone.now()
    fields = ["status", "submissions", "submitted_at"]
    if old == ClaimStatus.REJECTED:
        claim.reject_reason, claim.reject_note = "", ""
        fields += ["reject_reason", "reject_note"]
    claim.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=claim,
        verb="resubmitted" if old == ClaimStatus.REJECTED else "submitted",
        changes={"status": [old, claim.status], "submissions": [None, claim.submissions]},
    )
    return claim


# --- the claim's money in finance -----------------------------------------------------------------------


def claim_items(claim, *, lock: bool = False) -> list:
    """The claim's live receivables: the order's warranty item(s) from its settlement, then any the claim
    posted itself (an approval above the settled amount)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import Direction, ItemSource, ItemStatus
    from fours.finance.models import OpenItem

    from ..models import RepairOrder

    def live(model, pk):
        qs = OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(model),
            doc_id=pk,
            direction=Direction.RECEIVABLE,
            source=ItemSource.RO_WARRANTY,
            amount__gt=0,
        ).exclude(status=ItemStatus.REVERSED)
        return list((qs.select_for_update() if lock else qs).order_by("pk"))

    return live(RepairOrder, claim.ro_id) + live(WarrantyClaim, claim.pk)


def claim_receivable(claim) -> tuple[Decimal, Decimal]:
    """(what the claim's items come to after their credits, what is still open on them)."""
    items = claim_items(claim)
    return (
        sum((i.amount - i.credited for i in items), ZERO),
        sum((i.open_amount for i in items), ZERO),
    )


def _post_extra(actor, claim, amount) -> None:
    from fours.finance.choices import Direction, ItemSource
    from fours.finance.services.ledger import ItemRow, items_post, maker_party

    items_post(
        actor=actor,
        store=claim.store,
        doc=claim,
        doc_number=claim.number,
        rows=[
            ItemRow(
                party=maker_party(claim.store, claim.brand),
                direction=Direction.RECEIVABLE,
                source=ItemSource.RO_WARRANTY,
                department=DepartmentKind.SERVICE,
                amount=amount,
                memo=_("索赔批准金额高于结算金额 %(no)s") % {"no": claim.ro.number},
            )
        ],
    )


@transaction.atomic
def claim_decide(
    *,
    actor,
    claim,
    result: str,
    approved_amount=None,
    reject_reason: str = "",
    note: str = "",
    oem_ref: str = "",
):
    """The manufacturer's decision, registered by the clerk: 已批准 (the whole amount), 部分批准 (an amount
    below it) or 已拒赔 with its reason. An approval above what the settlement made the manufacturer owe is
    posted as one more receivable of the claim; one below it leaves a difference to write off."""
    claim = lock_claim(claim)
    if result not in (ClaimStatus.APPROVED, ClaimStatus.PARTLY, ClaimStatus.REJECTED):
        raise field_error("result", _("请选择审核结果"), code="invalid_choice")
    wf.CLAIM.require(claim, to=result, actor=actor)
    old = claim.status
    if result == ClaimStatus.REJECTED:
        if reject_reason not in RejectReason.values:
            raise field_error("reject_reason", _("请选择拒赔原因"), code="required")
        claim.reject_reason, claim.reject_note = reject_reason, (note or "")[:300]
        claim.approved_amount = None
    elif result == ClaimStatus.APPROVED:
        claim.approved_amount = claim.amount
    else:
        if approved_amount in (None, ""):
            raise field_error("approved_amount", _("请填写批准金额"), code="required")
        from fours.finance.services.ledger import clean_amount

        amount = clean_amount(approved_amount, "approved_amount", label=_("批准金额"))
        if amount >= claim.amount:
            raise field_error(
                "approved_amount",
                _("部分批准金额应小于索赔金额 %(a)s") % {"a": f"{claim.amount:,.2f}"},
                code="out_of_range",
            )
        claim.approved_amount = amount
    claim.status = result
    claim.decided_at = timezone.now()
    if oem_ref:
        claim.oem_ref = oem_ref.strip()[:40]
    claim.save(
        update_fields=["status", "reject_reason", "reject_note", "approved_amount", "decided_at", "oem_ref"]
    )
    if claim.approved_amount:
        owed, _open = claim_receivable(claim)
        if claim.approved_amount > owed:
            _post_extra(actor, claim, claim.approved_amount - owed)
    changes = {"status": [old, result]}
    if claim.approved_amount is not None:
        changes["approved_amount"] = [None, claim.approved_amount]
    if claim.reject_reason:
        changes["reject_reason"] = [None, claim.reject_reason]
    audit_record(actor=actor, obj=claim, verb="claim_" + result, changes=changes, note=note)
    return claim


def _require_limit(actor, store, amount, field="amount") -> None:
    limit = limit_for(actor, store, LimitKind.WRITEOFF_AMOUNT)
    if amount > limit:
        raise field_error(
            field,
            _("核销差额 ¥%(a)s 超过您的审批权限（最多 ¥%(l)s），请由上级审批")
            % {"a": f"{amount:,.2f}", "l": f"{limit:,.2f}"},
            code="over_limit",
        )


def _credit(actor, claim, amount, reason) -> None:
    """Take ``amount`` off the claim's items (the claim's own first, then the order's)."""
    from fours.finance.services.ledger import item_credit

    left = amount
    for item in reversed(claim_items(claim)):
        if left <= 0:
            break
        take = min(left, item.amount - item.credited)
        if take > 0:
            item_credit(
                actor=actor, item=item, amount=take, reason=reason, doc=claim, doc_number=claim.number
            )
            left -= take


def claim_gap(claim) -> Decimal:
    """What is to be written off: the receivable beyond the approved amount (all of it once rejected)."""
    owed, _open = claim_receivable(claim)
    if claim.status in DECIDED or claim.status == ClaimStatus.PAID:
        return max(owed - (claim.approved_amount or ZERO), ZERO)
    return owed


@transaction.atomic
def claim_writeoff(*, actor, claim, reason: str):
    """核销差额: the receivable beyond what the manufacturer approved is credited in finance (item_credit), by a
    person whose write-off limit (报损审批金额上限) covers it."""
    claim = lock_claim(claim)
    wf.CLAIM.require_action(claim, "writeoff", actor=actor)
    reason = require_text(reason, "reason", _("请填写核销原因"))
    claim_items(claim, lock=True)
    gap = claim_gap(claim)
    if gap <= 0:
        raise field_error("amount", _("没有需要核销的差额"), code="not_pending")
    _require_limit(actor, claim.store, gap)
    _credit(actor, claim, gap, reason)
    audit_record(actor=actor, obj=claim, verb="written_off", changes={"amount": [None, gap]}, note=reason)
    return claim


@transaction.atomic
def claim_close(*, actor, claim, reason: str):
    """关闭: a rejection accepted (or a draft not to be claimed): the manufacturer's receivable for the claim
    is written off, within the actor's write-off limit."""
    claim = lock_claim(claim)
    wf.CLAIM.require(claim, to=ClaimStatus.CLOSED, actor=actor)
    reason = require_text(reason, "reason", _("请填写关闭原因"))
    claim_items(claim, lock=True)
    owed, open_ = claim_receivable(claim)
    if owed > 0:
        _require_limit(actor, claim.store, owed)
        _credit(actor, claim, owed, reason)
    old = claim.status
    claim.status = ClaimStatus.CLOSED
    claim.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=claim,
        verb="closed",
        changes={"status": [old, claim.status], "amount": [None, owed]},
        note=reason,
    )
    return claim


@transaction.atomic
def claims_payment(
    *, actor, store, rows, method: str = "transfer", reference: str = "", business_date=None, note: str = ""
):
    """厂家索赔回款: one payment of the manufacturer matched to its claims [(claim, amount)], taken in finance
    (payment_take on the brand's manufacturer party, allocated to each claim's items). A claim paid more
    than its approved amount still unpaid is refused; a claim paid in full is 已回款."""
    from fours.finance.services.ledger import maker_party, payment_take

    require_perm(actor, wf.PAY)
    rows = list(rows)
    if not rows:
        raise field_error("claims", _("请选择回款的索赔申请"), code="required")
    from fours.finance.services.ledger import clean_amount

    claims = {
        c.pk: c
        for c in WarrantyClaim.objects.select_for_update(of=("self",))
        .select_related("brand", "ro", "store")
        .filter(pk__in=sorted({c.pk for c, _a in rows}), store=store)
        .order_by("pk")
    }
    allocations, brand, total, plan = [], None, ZERO, []
    for i, (c, amount) in enumerate(rows):
        claim = claims.get(c.pk)
        if claim is None:
            raise field_error(f"claims.{i}.claim", _("索赔申请不存在"), code="not_found")
        wf.CLAIM.require_action(claim, "pay", actor=actor)
        if brand is not None and claim.brand_id != brand.pk:
            raise field_error(f"claims.{i}.claim", _("一笔回款只能核销同一厂家的索赔"), code="mismatch")
        brand = claim.brand
        amount = clean_amount(amount, f"claims.{i}.amount", label=_("回款金额"))
        left = (claim.approved_amount or ZERO) - claim.paid_amount
        if amount > left:
            raise field_error(
                f"claims.{i}.amount",
                _("回款金额 ¥%(a)s 超过索赔 %(no)s 未回款的批准金额 ¥%(l)s")
                % {"a": f"{amount:,.2f}", "no": claim.number, "l": f"{left:,.2f}"},
                code="overpayment",
            )
        rest = amount
        for item in claim_items(claim):
            take = min(rest, item.open_amount)
            if take > 0:
                allocations.append((item, take))
                rest -= take
        if rest > 0:
            raise field_error(
                f"claims.{i}.amount",
                _("索赔 %(no)s 的应收款已收回或已核销，不能再回款") % {"no": claim.number},
                code="overpayment",
            )
        total += amount
        plan.append((claim, amount))
    pay = payment_take(
        actor=actor,
        store=store,
        party=maker_party(store, brand),
        lines=[(method, total, reference)],
        allocations=allocations,
        business_date=business_date,
        note=(note or _("厂家索赔回款"))[:200],
    )
    now = timezone.now()
    for claim, amount in plan:
        old = claim.status
        claim.paid_amount += amount
        if claim.paid_amount >= (claim.approved_amount or ZERO):
            claim.status, claim.paid_at = ClaimStatus.PAID, now
        claim.save(update_fields=["paid_amount", "status", "paid_at"])
        audit_record(
            actor=actor,
            obj=claim,
            verb="paid",
            changes={"paid_amount": [None, claim.paid_amount], "status": [old, claim.status]},
            note=pay.number,
        )
    return pay


def claim_payment(*, actor, claim, amount, **kw):
    """One claim's payment by the manufacturer (see ``claims_payment``)."""
    return claims_payment(actor=actor, store=claim.store, rows=[(claim, amount)], **kw)


# --- old parts: tags, return shipments, scrapping ------------------------------------------------------


@transaction.atomic
def old_part_tag(*, actor, claim, part_line, location: str = "", qty=None) -> OldPartTag:
    """旧件挂签: the warranty old part of a claimed part line gets its tag (claim, part, VIN) and stays in the
    old-parts ledger (在库待返) until shipped back or scrapped on instruction. Refused: a line not on the
    claim, one tagged already, an old part not handed in."""
    require_perm(actor, wf.TAG)
    claim = lock_claim(claim)
    wf.CLAIM.require_action(claim, "tag", actor=actor)
    line = PartLine.objects.select_for_update(of=("self",)).select_related("part").get(pk=part_line.pk)
    if not claim.lines.filter(part_line=line).exists():
        raise field_error("part_line", _("该配件不在本索赔申请中"), code="mismatch")
    if OldPartTag.objects.filter(part_line=line).exists():
        raise field_error("part_line", _("该旧件已挂签"), code="duplicate")
    if line.old_part not in (OldPartStatus.WARRANTY, OldPartStatus.HANDED_IN):
        raise field_error(
            "part_line", _("%(p)s 的旧件尚未交回") % {"p": line.part.part_no}, code="old_part_required"
        )
    n = claim.tags.count() + 1
    tag = OldPartTag.objects.create(
        store=claim.store,
        claim=claim,
        part_line=line,
        tag_no=f"{claim.number}-{n:02d}",
        qty=line.qty_used if qty in (None, "") else to_decimal(qty),
        location=(location or "").strip()[:50],
        tagged_by=actor,
    )
    if line.old_part != OldPartStatus.WARRANTY:
        line.old_part, line.old_part_at, line.old_part_by = OldPartStatus.WARRANTY, timezone.now(), actor
        line.save(update_fields=["old_part", "old_part_at", "old_part_by"])
    audit_record(
        actor=actor,
        obj=claim,
        verb="old_part_tagged",
        changes={"tag_no": [None, tag.tag_no], "part": [None, line.part.part_no]},
    )
    return tag


@transaction.atomic
def old_part_scrap(*, actor, tag, instruction: str) -> OldPartTag:
    """按指令报废: the manufacturer tells the store to scrap a kept old part instead of shipping it."""
    require_perm(actor, wf.SCRAP)
    tag = OldPartTag.objects.select_for_update().select_related("part_line").get(pk=tag.pk)
    instruction = require_text(instruction, "instruction", _("请填写厂家报废指令"))
    if tag.status != TagStatus.KEPT:
        raise field_error(
            "status", _("该旧件已%(s)s") % {"s": tag.get_status_display()}, code="bad_transition"
        )
    tag.status, tag.instruction = TagStatus.SCRAPPED, instruction[:200]
    tag.save(update_fields=["status", "instruction"])
    line = tag.part_line
    line.old_part, line.old_part_at, line.old_part_by = OldPartStatus.SCRAPPED, timezone.now(), actor
    line.save(update_fields=["old_part", "old_part_at", "old_part_by"])
    audit_record(
        actor=actor,
        obj=tag.claim,
        verb="old_part_scrapped",
        changes={"tag_no": [None, tag.tag_no]},
        note=instruction,
    )
    return tag


@transaction.atomic
def shipment_create(*, actor, store, brand, tags, note: str = "") -> ReturnShipment:
    """旧件返厂单: kept old parts of one brand packed for the manufacturer (装箱中)."""
    require_perm(actor, "service.add_returnshipment")
    ids = sorted({t.pk for t in tags})
    if not ids:
        raise field_error("tags", _("请选择要返厂的旧件"), code="required")
    locked = list(
        OldPartTag.objects.select_for_update(of=("self",))
        .select_related("claim")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise field_error("tags", _("旧件不存在"), code="not_found")
    for t in locked:
        if t.store_id != store.pk:
            raise field_error("tags", _("旧件不属于本门店"), code="out_of_scope")
        if t.claim.brand_id != brand.pk:
            raise field_error(
                "tags", _("%(t)s 不是%(b)s的旧件") % {"t": t.tag_no, "b": brand.name}, code="mismatch"
            )
        if t.status != TagStatus.KEPT or t.shipment_id:
            raise field_error("tags", _("%(t)s 已装箱或已处理") % {"t": t.tag_no}, code="not_pending")
    shipment = ReturnShipment(store=store, brand=brand, created_by=actor, note=(note or "")[:500])
    shipment.number = next_number(store=store, kind=DocKind.OLD_PART_SHIPMENT)
    shipment.save()
    OldPartTag.objects.filter(pk__in=ids).update(shipment=shipment)
    audit_record(actor=actor, obj=shipment, verb="created", changes={"tags": [None, len(ids)]})
    return shipment


@transaction.atomic
def shipment_ship(*, actor, shipment, carrier: str, waybill: str) -> ReturnShipment:
    """发运: the packed old parts leave with the carrier and waybill; their tags are 已返厂."""
    shipment = ReturnShipment.objects.select_for_update().get(pk=shipment.pk)
    wf.SHIPMENT.require(shipment, to=ShipmentStatus.SHIPPED, actor=actor)
    carrier = require_text(carrier, "carrier", _("请填写承运商"))
    waybill = require_text(waybill, "waybill", _("请填写运单号"))
    if not shipment.tags.exists():
        raise field_error("tags", _("返厂单没有旧件"), code="no_lines")
    shipment.status, shipment.carrier, shipment.waybill = ShipmentStatus.SHIPPED, carrier[:50], waybill[:40]
    shipment.shipped_at = timezone.now()
    shipment.save(update_fields=["status", "carrier", "waybill", "shipped_at"])
    shipment.tags.update(status=TagStatus.SHIPPED)
    audit_record(
        actor=actor,
        obj=shipment,
        verb="shipped",
        changes={"status": [ShipmentStatus.PACKING, shipment.status], "waybill": [None, waybill]},
    )
    return shipment


@transaction.atomic
def shipment_receive(*, actor, shipment) -> ReturnShipment:
    """厂家已签收."""
    shipment = ReturnShipment.objects.select_for_update().get(pk=shipment.pk)
    wf.SHIPMENT.require(shipment, to=ShipmentStatus.RECEIVED, actor=actor)
    shipment.status = ShipmentStatus.RECEIVED
    shipment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=shipment,
        verb="received",
        changes={"status": [ShipmentStatus.SHIPPED, shipment.status]},
    )
    return shipment
