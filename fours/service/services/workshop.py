"""The workshop: dispatch (派工), clocking (打卡), self-check (自检), quality check (质检/返工), and the
parts of an order: requisition (领料), issue from stock (发料, 交旧领新), return (退料), shortages (缺件)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import NotAllowed, field_error
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import has_role

from .. import summaries, workflows
from ..choices import (
    OPEN_FOR_WORK,
    QC_CHECKLIST,
    WORKING,
    Approval,
    ClockEnd,
    LabourStatus,
    OldPartStatus,
    PartStatus,
    PauseReason,
    Payer,
    QCResult,
    ROStatus,
)
from ..models import Bay, LabourLine, PartLine, QCInspection, Rework, Team, TimeLog
from .claims import require_signed_for_issue
from .common import lock_ro, reserved_for

ZERO = Decimal("0")
HOUR = Decimal(3600)


# --- dispatch -------------------------------------------------------------------------------------


@transaction.atomic
def line_dispatch(
    *, actor, line: LabourLine, technician=None, team: Team | None = None, bay: Bay | None = None
):
    """派工: the foreman gives a labour line to a technician or a team, and a bay."""
    require_perm(actor, "service.dispatch_repairorder")
    ro = lock_ro(line.ro)
    line = LabourLine.objects.select_for_update().get(pk=line.pk)
    if ro.status not in WORKING:
        raise field_error(
            "technician",
            _("工单须客户确认估价后才能派工（当前：%(s)s）") % {"s": ro.get_status_display()},
            code="estimate_unconfirmed",
        )
    if line.approval != Approval.APPROVED:
        raise field_error("technician", _("追加项目尚未经客户确认，不能派工"), code="added_pending")
    if line.status in (LabourStatus.DONE, LabourStatus.CANCELLED):
        raise field_error(
            "technician", _("该项目已%(s)s") % {"s": line.get_status_display()}, code="bad_transition"
        )
    if technician is None and team is None:
        raise field_error("technician", _("请选择技师或班组"), code="required")
    if technician is not None and not has_role(technician, ro.store, Role.TECHNICIAN):
        raise field_error(
            "technician",
            _("%(u)s 不是本店技师") % {"u": technician.get_full_name() or technician},
            code="not_staff",
        )
    if team is not None and team.store_id != ro.store_id:
        raise field_error("team", _("班组不存在"), code="not_found")
    if bay is not None and bay.store_id != ro.store_id:
        raise field_error("bay", _("工位不存在"), code="not_found")
    if line.clocks.filter(ended_at__isnull=True).exists():
        raise field_error("technician", _("该项目正在施工，请先暂停再改派"), code="bad_transition")
    old = [str(line.technician or line.team or ""), str(line.bay or "")]
    line.technician, line.team, line.bay = technician, team, bay
    if line.status == LabourStatus.PENDING:
        line.status = LabourStatus.ASSIGNED
    line.save(update_fields=["technician", "team", "bay", "status"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="dispatched",
        changes={
            "line": [None, line.name],
            "technician": [old[0], str(technician or team)],
            "bay": [old[1], str(bay or "")],
        },
    )
    return line


# --- clocking ----------------------------------------------------------------------------------------


def _may_work(actor, technician, line) -> None:
    if technician.pk != actor.pk and not actor.has_perm("service.dispatch_repairorder"):
        raise NotAllowed(_("只能为自己打卡"))
    if not technician.has_perm("service.work_repairorder") and not technician.is_superuser:
        raise NotAllowed(_("只有技师可以打卡"))
    if line.team_id:
        if not line.team.members.filter(pk=technician.pk).exists():
            raise field_error("line", _("您不是该班组成员"), code="not_assigned")
    elif line.technician_id != technician.pk:
        raise field_error("line", _("该项目未派给您"), code="not_assigned")


def _refresh_actual(line: LabourLine) -> None:
    total = ZERO
    for log in line.clocks.filter(ended_at__isnull=False):
        total += Decimal((log.ended_at - log.started_at).total_seconds()) / HOUR
    line.actual_hours = total.quantize(Decimal("0.01"))


@transaction.atomic
def clock_on(*, actor, line: LabourLine, technician=None) -> TimeLog:
    """开工. A technician is on one job at a time: a second solo clock-on is refused (the service checks
    under a row lock, and a partial unique index refuses it even if two requests race). Team lines
    (班组作业) are clocked by each member."""
    technician = technician or actor
    ro = lock_ro(line.ro)
    line = LabourLine.objects.select_for_update(of=("self",)).select_related("team").get(pk=line.pk)
    _may_work(actor, technician, line)
    if ro.status not in WORKING:
        raise field_error(
            "line", _("工单当前为“%(s)s”，不能开工") % {"s": ro.get_status_display()}, code="ro_not_open"
        )
    if line.approval != Approval.APPROVED:
        raise field_error("line", _("追加项目尚未经客户确认，不能开工"), code="added_pending")
    if line.status in (LabourStatus.DONE, LabourStatus.CANCELLED, LabourStatus.PENDING):
        raise field_error(
            "line",
            _("该项目当前为“%(s)s”，不能开工") % {"s": line.get_status_display()},
            code="bad_transition",
        )
    is_team = line.team_id is not None
    busy = (
        TimeLog.objects.select_for_update(of=("self",))
        .filter(technician=technician, ended_at__isnull=True)
        .select_related("line__ro")
    )
    for log in busy:
        if log.line_id == line.pk:
            raise field_error("line", _("您已在该项目上开工"), code="already_clocked")
        if not is_team and not log.is_team:
            raise field_error(
                "line",
                _("您正在施工 %(ro)s「%(job)s」，请先暂停或完工")
                % {"ro": log.line.ro.number, "job": log.line.name},
                code="already_clocked",
            )
    try:
        with transaction.atomic():
            log = TimeLog.objects.create(store=ro.store, technician=technician, line=line, is_team=is_team)
    except IntegrityError:
        raise field_error("line", _("您正在施工其他项目，请先暂停或完工"), code="already_clocked") from None
    line.status = LabourStatus.IN_PROGRESS
    line.save(update_fields=["status"])
    audit_record(
        actor=actor, obj=ro, verb="clock_on", changes={"line": [None, line.name]}, note=str(technician)
    )
    return log


@transaction.atomic
def clock_off(
    *, actor, line: LabourLine, technician=None, finished: bool = True, reason: str = "", note: str = ""
) -> TimeLog:
    """完工 (finished, with the self-check 自检 recorded) or 暂停 with a reason. When every job of the
    order is finished and self-checked, the order goes to 待质检."""
    technician = technician or actor
    ro = lock_ro(line.ro)
    line = LabourLine.objects.select_for_update(of=("self",)).select_related("team").get(pk=line.pk)
    _may_work(actor, technician, line)
    log = (
        TimeLog.objects.select_for_update(of=("self",))
        .filter(technician=technician, line=line, ended_at__isnull=True)
        .first()
    )
    if log is None:
        raise field_error("line", _("您没有在该项目上开工"), code="not_clocked")
    if not finished:
        if reason not in PauseReason.values:
            raise field_error("reason", _("请选择暂停原因"), code="required")
        log.pause_reason = reason
    log.ended_at = timezone.now()
    log.end_kind = ClockEnd.OFF if finished else ClockEnd.PAUSE
    log.note = note[:200]
    log.save(update_fields=["ended_at", "end_kind", "pause_reason", "note"])
    others_on = line.clocks.filter(ended_at__isnull=True).exists()
    _refresh_actual(line)
    fields = ["actual_hours", "status"]
    if finished and not others_on:
        line.status = LabourStatus.DONE
        line.self_checked_at = timezone.now()
        line.self_check_note = (note or _("自检合格"))[:200]
        fields += ["self_checked_at", "self_check_note"]
    elif not others_on:
        line.status = LabourStatus.PAUSED
    line.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=ro,
        verb="clock_off" if finished else "clock_pause",
        changes={"line": [None, line.name], "actual_hours": [None, line.actual_hours]},
        note=note or (PauseReason(reason).label if reason else ""),
    )
    if finished:
        _maybe_ready_for_qc(actor, ro)
    return log


def _maybe_ready_for_qc(actor, ro) -> None:
    active = ro.labour.exclude(status=LabourStatus.CANCELLED).exclude(approval=Approval.DECLINED)
    if ro.status in WORKING and active.exists() and not active.exclude(status=LabourStatus.DONE).exists():
        if active.filter(self_checked_at__isnull=True).exists():
            return
        if ro.labour.filter(approval=Approval.PENDING).exists():
            return
        old = ro.status
        ro.status = ROStatus.AWAITING_QC
        ro.save(update_fields=["status"])
        audit_record(actor=actor, obj=ro, verb="status", changes={"status": [old, ro.status]})


# --- quality check ---------------------------------------------------------------------------------


@transaction.atomic
def qc_record(*, actor, ro, checklist: dict, passed: bool, reason: str = "", rework_lines=()) -> QCInspection:
    """终检: pass (every item checked) → 待结算, or rework named lines back to their technicians with a reason."""
    require_perm(actor, "service.qc_repairorder")
    ro = lock_ro(ro)
    to = ROStatus.AWAITING_SETTLEMENT if passed else ROStatus.REWORK
    workflows.RO.require(ro, to=to, actor=actor)
    keys = [k for k, _l in QC_CHECKLIST]
    items = {k: bool(checklist.get(k)) for k in keys}
    if passed and not all(items.values()):
        missing = [str(label) for k, label in QC_CHECKLIST if not items[k]]
        raise field_error(
            "checklist",
            _("检查项未全部合格：%(items)s") % {"items": "、".join(missing)},
            code="checklist_incomplete",
        )
    lines = []
    if not passed:
        reason = (reason or "").strip()
        if not reason:
            raise field_error("reason", _("请填写返工原因"), code="required")
        ids = [int(i) for i in rework_lines]
        lines = list(
            LabourLine.objects.select_for_update().filter(ro=ro, pk__in=ids, status=LabourStatus.DONE)
        )
        if not lines:
            raise field_error("rework_lines", _("请选择需要返工的项目"), code="required")
    qc = QCInspection.objects.create(
        ro=ro,
        inspector=actor,
        result=QCResult.PASS if passed else QCResult.REWORK,
        checklist=items,
        reason=reason[:300],
    )
    for ln in lines:
        summaries.add_rework(
            Rework.objects.create(inspection=qc, line=ln, technician=ln.technician, store=ro.store)
        )
        ln.status = LabourStatus.ASSIGNED
        ln.self_checked_at = None
        ln.rework_count += 1
        ln.save(update_fields=["status", "self_checked_at", "rework_count"])
    old = ro.status
    ro.status = to
    fields = ["status"]
    if not passed:
        ro.rework_count += 1
        fields.append("rework_count")
    ro.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=ro,
        verb="qc_pass" if passed else "qc_rework",
        changes={"status": [old, to]},
        note=reason,
    )
    return qc


# --- parts of the order ------------------------------------------------------------------------------


def _require_open(ro, field="line") -> None:
    if ro.status not in OPEN_FOR_WORK:
        raise field_error(
            field,
            _("工单%(no)s已%(s)s，不能领料或发料") % {"no": ro.number, "s": ro.get_status_display()},
            code="ro_not_open",
        )


def _available_for(ro, part) -> Decimal:
    """Available stock for this order: on hand − reserved + what the order itself holds."""
    from fours.parts.models import StockBalance

    bal = StockBalance.objects.filter(store=ro.store, part=part).first()
    if bal is None:
        return ZERO
    held = reserved_for(ro).get(part.pk, ZERO)
    return bal.on_hand - bal.reserved + held


def _shortage(actor, ro, line, qty) -> None:
    """缺件: an emergency demand for the purchase plan, once per line (asking again adds nothing)."""
    from fours.parts.services import purchase_demand_add

    if line.status == PartStatus.WAITING:
        return

    from .shortages import shortage_open

    demand = purchase_demand_add(
        actor=actor,
        store=ro.store,
        part=line.part,
        qty=qty,
        doc=ro,
        emergency=True,
        note=_("维修缺件 %(no)s") % {"no": ro.number},
    )
    shortage_open(actor=actor, ro=ro, line=line, part=demand.part)
    line.status = PartStatus.WAITING
    line.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="demand_added",
        changes={"part": [None, line.part.part_no], "qty": [None, qty]},
    )


@transaction.atomic
def part_request(*, actor, line: PartLine) -> PartLine:
    """领料申请 from the job: the line goes to the storekeeper's pick list; when the stock cannot serve it,
    an emergency purchase demand is recorded and the job is marked waiting for parts (缺件).
    The first request of each line counts in the fill rate (满足率, channel 维修)."""
    from fours.parts.choices import Channel
    from fours.parts.services import fill_rate_record

    require_perm(actor, workflows.ADD_PART)
    ro = lock_ro(line.ro)
    _require_open(ro)
    line = PartLine.objects.select_for_update(of=("self",)).select_related("part").get(pk=line.pk)
    if line.approval != Approval.APPROVED:
        raise field_error("line", _("追加配件尚未经客户确认，不能领料"), code="added_pending")
    if line.status != PartStatus.PLANNED:
        raise field_error(
            "line", _("该配件已%(s)s") % {"s": line.get_status_display()}, code="bad_transition"
        )
    need = line.qty - line.qty_issued
    available = max(ZERO, _available_for(ro, line.part))
    fill_rate_record(
        store=ro.store,
        part=line.part,
        channel=Channel.REPAIR,
        qty_requested=need,
        qty_served_from_stock=min(need, available),
        doc=ro,
    )
    line.requested_by, line.requested_at = actor, timezone.now()
    line.status = PartStatus.REQUESTED
    line.save(update_fields=["requested_by", "requested_at", "status"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="requisition",
        changes={"part": [None, line.part.part_no], "qty": [None, need]},
    )
    if available < need:
        _shortage(actor, ro, line, need - available)
    return line


@transaction.atomic
def part_issue(*, actor, line: PartLine, qty=None, old_part_handed_in: bool = False) -> PartLine:
    """发料 (修理领料) of one line against an open order only (严禁白条出库), through the stock ledger,
    consuming the order's reservation. 交旧领新 (seed 004 §2): every line needs the old part handed in
    first, except parts of the exempt categories (fluids, consumables and fasteners, accessories); a
    warranty line's old part is kept for the warranty clerk. Short stock records an emergency demand and marks the line 缺件."""
    return _issue(actor, line.ro, [(line, qty)], old_part_handed_in)[0]


@transaction.atomic
def ro_parts_issue(*, actor, ro, old_part_handed_in: bool = False) -> list[PartLine]:
    """全部发料: every approved line of the order still to issue, in one pass over the stock ledger
    (balances locked once, one move per line, one audit event). All or nothing: a line whose old part is
    not handed in (交旧领新) refuses the whole pick list; lines the stock cannot serve become 缺件 with a demand."""
    require_perm(actor, "service.issue_repairorder")
    ro = lock_ro(ro)  # the lines are read under the order's lock, so a second storekeeper waits
    lines = list(
        PartLine.objects.filter(ro=ro, approval=Approval.APPROVED, qty__gt=F("qty_issued"))
        .exclude(status=PartStatus.CANCELLED)
        .order_by("pk")
    )
    if not lines:
        raise field_error("lines", _("本工单没有待发的配件"), code="nothing_to_issue")
    return _issue(actor, ro, [(ln, None) for ln in lines], old_part_handed_in, ro_locked=True)


def _issue(actor, ro, wanted, old_part_handed_in, *, ro_locked: bool = False) -> list[PartLine]:
    from fours.parts.choices import Channel, MoveKind
    from fours.parts.services import StockLine, clean_qty, fill_rate_records, stock_stage

    require_perm(actor, "service.issue_repairorder")
    if not ro_locked:
        ro = lock_ro(ro)
    _require_open(ro)
    locked = {
        ln.pk: ln
        for ln in PartLine.objects.select_for_update(of=("self",))
        .select_related("part")
        .filter(ro=ro, pk__in=[ln.pk for ln, _q in wanted])
    }
    if len(locked) < len(wanted):
        raise field_error("line", _("配件明细不属于工单%(no)s") % {"no": ro.number}, code="mismatch")
    plan = []
    for ln, qty in wanted:
        line = locked[ln.pk]
        if line.approval != Approval.APPROVED:
            raise field_error("line", _("追加配件尚未经客户确认，不能发料"), code="added_pending")
        if line.status == PartStatus.CANCELLED:
            raise field_error("line", _("该配件已取消"), code="bad_transition")
        require_signed_for_issue(line)  # 三包: the warranty clerk signs a warranty part off first
        remaining = line.qty - line.qty_issued
        if remaining <= 0:
            raise field_error("qty", _("该配件已全部发出"), code="nothing_to_issue")
        qty = remaining if qty in (None, "") else clean_qty(line.part, qty)
        if qty > remaining:
            raise field_error(
                "qty",
                _("发料数量超过工单需求（剩余 %(n)s）") % {"n": f"{remaining.normalize():f}"},
                code="over_quantity",
            )
        if line.part.needs_old_part and not old_part_handed_in and not line.old_part:
            raise field_error(
                "old_part",
                _("须交旧领新：请先收回 %(p)s 的旧件") % {"p": line.part.part_no},
                code="old_part_required",
            )
        plan.append((line, qty))
    # One pass through the stock door: the balances locked once (part-id order), this order's reservation
    # taken first; a line the stock cannot serve is left out (缺件) instead of refusing the pick list.
    posting = stock_stage(
        actor=actor,
        store=ro.store,
        kind=MoveKind.RO_ISSUE,
        reserved_for=ro,
        partial=True,
        lines=[StockLine(line.part, -qty) for line, qty in plan],
    )
    # A line issued without a requisition (领料申请) first is asked for now: its first request counts
    # in the fill rate (满足率, channel 维修) as part_request would have counted it.
    first = [(ln, qty) for ln, qty in plan if ln.status == PartStatus.PLANNED]
    if first:
        seen = dict(posting.available)
        rows = []
        for ln, _qty in first:
            need = ln.qty - ln.qty_issued
            served = min(need, max(seen.get(ln.part_id, ZERO), ZERO))
            seen[ln.part_id] = seen.get(ln.part_id, ZERO) - need
            rows.append((ln.part, need, served))
        fill_rate_records(store=ro.store, channel=Channel.REPAIR, doc=ro, lines=rows)
    to_issue = []
    for i, (line, qty) in enumerate(plan):
        if i in posting.short:
            _shortage(actor, ro, line, qty - max(posting.short[i], ZERO))
        else:
            to_issue.append((line, qty, posting.moves[i]))
    if to_issue:
        posting.write(doc=ro, verb="stock_issue")
        now = timezone.now()
        for line, qty, move in to_issue:
            line.qty_issued += qty
            line.cost += -move.value
            line.status = PartStatus.ISSUED if line.qty_issued >= line.qty else PartStatus.REQUESTED
            if old_part_handed_in and not line.old_part and line.part.needs_old_part:
                line.old_part = (
                    OldPartStatus.WARRANTY if line.payer == Payer.WARRANTY else OldPartStatus.HANDED_IN
                )
                line.old_part_at, line.old_part_by = now, actor
        fields = ["qty_issued", "cost", "status"]
        if old_part_handed_in:
            fields += ["old_part", "old_part_at", "old_part_by"]
        PartLine.objects.bulk_update([line for line, _q, _m in to_issue], fields)
    return [line for line, _q in plan]


@transaction.atomic
def part_return(*, actor, line: PartLine, qty) -> PartLine:
    """退料: unused parts back into stock at the cost they left at."""
    from fours.parts.choices import MoveKind
    from fours.parts.services import clean_qty, stock_return

    require_perm(actor, "service.issue_repairorder")
    ro = lock_ro(line.ro)
    _require_open(ro)
    line = PartLine.objects.select_for_update(of=("self",)).select_related("part").get(pk=line.pk)
    qty = clean_qty(line.part, qty)
    used = line.qty_issued - line.qty_returned
    if qty > used:
        raise field_error(
            "qty", _("退料数量超过已发数量（%(n)s）") % {"n": f"{used.normalize():f}"}, code="over_quantity"
        )
    unit_cost = (line.cost / used).quantize(Decimal("0.0001")) if used else None
    move = stock_return(
        actor=actor,
        store=ro.store,
        part=line.part,
        qty=qty,
        doc=ro,
        unit_cost=unit_cost,
        kind=MoveKind.RO_RETURN,
    )
    line.qty_returned += qty
    line.cost -= move.value
    line.save(update_fields=["qty_returned", "cost"])
    return line


@transaction.atomic
def old_part_set(*, actor, line: PartLine, status: str) -> PartLine:
    """旧件 handling: handed in, kept for the warranty claim, given back to the customer or scrapped."""
    if not (actor.has_perm("service.issue_repairorder") or actor.has_perm("service.change_partline")):
        raise NotAllowed(_("您没有登记旧件的权限"))
    line = PartLine.objects.select_for_update(of=("self",)).select_related("ro").get(pk=line.pk)
    if status not in OldPartStatus.values or not status:
        raise field_error("old_part", _("请选择旧件处理方式"), code="required")
    if line.payer == Payer.WARRANTY and status in (OldPartStatus.TO_CUSTOMER,):
        raise field_error("old_part", _("索赔旧件须返厂，不能交还客户"), code="warranty_old_part")
    old = line.old_part
    line.old_part, line.old_part_at, line.old_part_by = status, timezone.now(), actor
    line.save(update_fields=["old_part", "old_part_at", "old_part_by"])
    audit_record(
        actor=actor,
        obj=line.ro,
        verb="old_part",
        changes={"old_part": [old, status], "part": [None, line.part_id]},
    )
    return line
