"""Special tools (专用工具) and equipment (设备): the register, lending to a technician against a repair
order with the tool due back the same working day (借出工具当天必须归还, seed 002), the return, a loss
charged to the person (员工赔偿: an open item on the person's internal party in finance), the foreman's
daily check, and the equipment's upkeep and calibration cards (设备保养卡) that move its due dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_verbs
from fours.core.choices import DepartmentKind
from fours.core.errors import field_error
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import has_role

from .. import workflows_workshop as wf
from ..choices import IN_WORKSHOP, CardKind, ToolStatus
from ..models import Equipment, EquipmentCard, Tool, ToolCheck, ToolLoan
from ..selectors_workshop import workday_end

ZERO = Decimal("0")

register_verbs(
    {
        "tool_lent": gettext_lazy("借出工具"),
        "tool_returned": gettext_lazy("归还工具"),
        "tool_lost": gettext_lazy("工具丢失"),
        "tool_status": gettext_lazy("工具状态"),
        "tool_check": gettext_lazy("工具检查"),
        "card_added": gettext_lazy("保养登记"),
    }
)


def _text(value, field, *, required=True, max_length=100) -> str:
    value = (value or "").strip()
    if required and not value:
        raise field_error(field, _("此项为必填"), code="required")
    if len(value) > max_length:
        raise field_error(field, _("最多 %(n)s 个字") % {"n": max_length}, code="out_of_range")
    return value


def _money(value, field) -> Decimal:
    from fours.finance.services import clean_amount

    return clean_amount(value if value not in (None, "") else "0", field, allow_zero=True)


def _date(value, field, *, allow_empty=True):
    if value in (None, ""):
        if allow_empty:
            return None
        raise field_error(field, _("请填写日期"), code="required")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("日期格式不正确"), code="bad_format") from None


def _days(value, field, *, allow_empty=False):
    if value in (None, ""):
        if allow_empty:
            return None
        raise field_error(field, _("此项为必填"), code="required")
    try:
        n = int(str(value).strip())
    except ValueError:
        raise field_error(field, _("请填写天数（整数）"), code="bad_format") from None
    if n <= 0 or n > 3650:
        raise field_error(field, _("天数须在 1–3650 之间"), code="out_of_range")
    return n


# --- the tool register ----------------------------------------------------------------------------


@transaction.atomic
def tool_save(*, actor, store, data: dict, tool: Tool | None = None) -> Tool:
    """A tool of the register (工具台账): number, name, brand, location and value."""
    require_perm(actor, "service.change_tool" if tool else "service.add_tool")
    code = _text(data.get("code"), "code", max_length=30).upper()
    name = _text(data.get("name"), "name")
    location = _text(data.get("location"), "location", required=False, max_length=50)
    value = _money(data.get("value"), "value")
    brand = data.get("brand") or None
    clash = Tool.objects.filter(store=store, code=code).exclude(pk=tool.pk if tool else None)
    if clash.exists():
        raise field_error("code", _("工具编号 %(c)s 已存在") % {"c": code}, code="duplicate")
    if tool is None:
        tool = Tool.objects.create(
            store=store, code=code, name=name, location=location, value=value, brand=brand
        )
        audit_record(actor=actor, obj=tool, verb="created", changes={"code": code})
        return tool
    tool = Tool.objects.select_for_update().get(pk=tool.pk, store=store)
    wf.TOOL.require_action(tool, "edit", actor=actor)
    changes = {
        k: [getattr(tool, k), v]
        for k, v in {"code": code, "name": name, "location": location, "value": value, "brand": brand}.items()
        if getattr(tool, k) != v
    }
    for k, (_old, v) in changes.items():
        setattr(tool, k, v)
    if changes:
        tool.save()
        audit_record(
            actor=actor,
            obj=tool,
            verb="updated",
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return tool


def _lock_tool(tool) -> Tool:
    return Tool.objects.select_for_update().get(pk=tool.pk)


def _open_loan(tool) -> ToolLoan | None:
    return (
        ToolLoan.objects.select_for_update()
        .filter(tool=tool, returned_at__isnull=True, lost=False)
        .order_by("-lent_at")
        .first()
    )


@transaction.atomic
def tool_lend(*, actor, tool: Tool, technician, ro) -> ToolLoan:
    """借用登记: the tool goes to a technician of this store for a repair order in the workshop, due back at
    the end of the working day. A tool that is out (or in repair, lost, scrapped) is refused."""
    tool = _lock_tool(tool)
    if tool.status == ToolStatus.OUT:
        loan = _open_loan(tool)
        who = loan.technician.get_full_name() if loan and loan.technician else ""
        raise field_error(
            "tool",
            _("工具 %(t)s 已借出（%(who)s），须先归还") % {"t": tool.code, "who": who},
            code="tool_out",
        )
    if tool.status != ToolStatus.IN:
        raise field_error(
            "tool",
            _("工具 %(t)s 当前%(s)s，不能借出") % {"t": tool.code, "s": tool.get_status_display()},
            code="bad_transition",
        )
    wf.TOOL.require(tool, to=ToolStatus.OUT, actor=actor)
    if technician is None:
        raise field_error("technician", _("请选择借用技师"), code="required")
    if not has_role(technician, tool.store, Role.TECHNICIAN, Role.FOREMAN):
        raise field_error(
            "technician",
            _("%(u)s 不是本店技师") % {"u": technician.get_full_name() or technician},
            code="not_staff",
        )
    if ro is None:
        raise field_error("ro", _("请填写借用工具的工单"), code="required")
    if ro.store_id != tool.store_id:
        raise field_error("ro", _("工单不属于本门店"), code="out_of_scope")
    if ro.status not in IN_WORKSHOP:
        raise field_error(
            "ro",
            _("工单%(no)s已%(s)s，不在厂") % {"no": ro.number, "s": ro.get_status_display()},
            code="ro_closed",
        )
    now = timezone.now()
    loan = ToolLoan.objects.create(
        store=tool.store,
        tool=tool,
        technician=technician,
        ro=ro,
        lent_at=now,
        due_at=workday_end(tool.store, now),
        lent_by=actor,
    )
    tool.status = ToolStatus.OUT
    tool.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=tool,
        verb="tool_lent",
        changes={
            "technician": [None, technician.get_full_name() or technician.get_username()],
            "ro": [None, ro.number],
        },
    )
    return loan


@transaction.atomic
def tool_return(*, actor, tool: Tool, condition: str = "", damaged: bool = False) -> ToolLoan:
    """归还: the open loan closes (late or not, the time is kept); a damaged tool goes to 维修中."""
    tool = _lock_tool(tool)
    loan = _open_loan(tool) if tool.status == ToolStatus.OUT else None
    if loan is None:
        raise field_error("tool", _("工具 %(t)s 未借出，无需归还") % {"t": tool.code}, code="tool_not_lent")
    wf.TOOL.require(tool, to=ToolStatus.IN, actor=actor)
    condition = _text(condition, "condition", required=damaged)
    loan.returned_at, loan.condition = timezone.now(), condition
    loan.save(update_fields=["returned_at", "condition"])
    tool.status = ToolStatus.REPAIR if damaged else ToolStatus.IN
    tool.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=tool,
        verb="tool_returned",
        changes={"status": [ToolStatus.OUT, tool.status]},
        note=condition,
    )
    return loan


def staff_party(store, user):
    """A member of staff as a party of the store's books (内部), for what they bear of a loss (员工赔偿):
    the same party parts' write-offs charge (ref ``auth.user:<id>``)."""
    from fours.finance.choices import PartyKind
    from fours.finance.services import party_for

    return party_for(
        store=store,
        kind=PartyKind.INTERNAL,
        ref=f"auth.user:{user.pk}",
        name=user.get_full_name() or user.get_username(),
    )


@transaction.atomic
def tool_lost(*, actor, tool: Tool, charge=None, note: str = "") -> ToolLoan:
    """丢失: the tool out is recorded lost; the person who borrowed it is charged (default: the tool's value),
    posted as 员工赔偿 on the person's internal party in finance for finance to collect."""
    from fours.finance.choices import Direction, ItemSource
    from fours.finance.services import ItemRow, items_post

    tool = _lock_tool(tool)
    loan = _open_loan(tool) if tool.status == ToolStatus.OUT else None
    if loan is None:
        raise field_error("tool", _("工具 %(t)s 未借出") % {"t": tool.code}, code="tool_not_lent")
    wf.TOOL.require(tool, to=ToolStatus.LOST, actor=actor)
    amount = tool.value if charge in (None, "") else _money(charge, "charge")
    note = _text(note, "note", required=False, max_length=100)
    loan.lost, loan.charge, loan.condition = True, amount, note
    loan.save(update_fields=["lost", "charge", "condition"])
    tool.status = ToolStatus.LOST
    tool.save(update_fields=["status"])
    if amount > 0 and loan.technician_id:
        items_post(
            actor=actor,
            store=tool.store,
            doc=loan,
            doc_number=tool.code,
            rows=[
                ItemRow(
                    party=staff_party(tool.store, loan.technician),
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.STAFF_CHARGE,
                    department=DepartmentKind.SERVICE,
                    amount=amount,
                    memo=_("丢失专用工具 %(t)s") % {"t": tool},
                )
            ],
        )
    audit_record(
        actor=actor,
        obj=tool,
        verb="tool_lost",
        changes={"status": [ToolStatus.OUT, ToolStatus.LOST], "amount": [None, amount]},
        note=note,
    )
    return loan


@transaction.atomic
def tool_status_set(*, actor, tool: Tool, to: str, note: str = "") -> Tool:
    """The register's own steps: to repair, back in (repaired or found), scrapped."""
    tool = _lock_tool(tool)
    if to not in ToolStatus.values:
        raise field_error("status", _("未知状态"), code="invalid_choice")
    if to == ToolStatus.IN and tool.status == ToolStatus.OUT:
        raise field_error("status", _("借出的工具请用归还登记"), code="bad_transition")
    wf.TOOL.require(tool, to=to, actor=actor)
    old = tool.status
    tool.status = to
    tool.save(update_fields=["status"])
    audit_record(actor=actor, obj=tool, verb="tool_status", changes={"status": [old, to]}, note=note[:200])
    return tool


@transaction.atomic
def tool_check_record(*, actor, store, missing=(), damaged=(), note: str = "", day=None) -> ToolCheck:
    """车间主管每日工具检查: the tools missing or damaged today (ids of the store's tools)."""
    require_perm(actor, "service.add_toolcheck")
    day = _date(day, "day") or timezone.localdate()
    if day > timezone.localdate():
        raise field_error("day", _("检查日期不能晚于今天"), code="in_future")
    rows = {}
    for field, ids in (("missing", missing), ("damaged", damaged)):
        try:
            keys = sorted({int(i) for i in ids})
        except (TypeError, ValueError):
            raise field_error(field, _("工具不存在"), code="not_found") from None
        tools = list(Tool.objects.filter(store=store, pk__in=keys).order_by("code"))
        if len(tools) != len(keys):
            raise field_error(field, _("工具不存在"), code="not_found")
        rows[field] = [{"id": t.pk, "code": t.code, "name": t.name} for t in tools]
    check = ToolCheck.objects.create(
        store=store,
        day=day,
        missing=rows["missing"],
        damaged=rows["damaged"],
        note=_text(note, "note", required=False, max_length=300),
        actor=actor,
    )
    audit_record(
        actor=actor,
        obj=check,
        verb="tool_check",
        changes={"missing": [None, len(rows["missing"])], "damaged": [None, len(rows["damaged"])]},
    )
    return check


# --- equipment ----------------------------------------------------------------------------------------


@transaction.atomic
def equipment_save(*, actor, store, data: dict, equipment: Equipment | None = None) -> Equipment:
    """设备台账: number, name, location, upkeep and calibration cycles, the keeper and the next due dates."""
    require_perm(actor, "service.change_equipment" if equipment else "service.add_equipment")
    code = _text(data.get("code"), "code", max_length=30).upper()
    fields = {
        "code": code,
        "name": _text(data.get("name"), "name"),
        "location": _text(data.get("location"), "location", required=False, max_length=50),
        "upkeep_days": _days(data.get("upkeep_days") or 30, "upkeep_days"),
        "calibration_days": _days(data.get("calibration_days"), "calibration_days", allow_empty=True),
        "next_upkeep": _date(data.get("next_upkeep"), "next_upkeep"),
        "next_calibration": _date(data.get("next_calibration"), "next_calibration"),
        "keeper": data.get("keeper") or None,
        "active": bool(data.get("active", True)),
    }
    if fields["calibration_days"] and fields["next_calibration"] is None:
        fields["next_calibration"] = timezone.localdate() + dt.timedelta(days=fields["calibration_days"])
    if fields["next_upkeep"] is None:
        fields["next_upkeep"] = timezone.localdate() + dt.timedelta(days=fields["upkeep_days"])
    if (
        Equipment.objects.filter(store=store, code=code)
        .exclude(pk=equipment.pk if equipment else None)
        .exists()
    ):
        raise field_error("code", _("设备编号 %(c)s 已存在") % {"c": code}, code="duplicate")
    if equipment is None:
        eq = Equipment.objects.create(store=store, **fields)
        audit_record(actor=actor, obj=eq, verb="created", changes={"code": code})
        return eq
    eq = Equipment.objects.select_for_update().get(pk=equipment.pk, store=store)
    changes = {k: [str(getattr(eq, k) or ""), str(v or "")] for k, v in fields.items() if getattr(eq, k) != v}
    for k, v in fields.items():
        setattr(eq, k, v)
    if changes:
        eq.save()
        audit_record(actor=actor, obj=eq, verb="updated", changes=changes)
    return eq


@transaction.atomic
def equipment_card_add(
    *, actor, equipment: Equipment, kind: str, done_on, result: str, cost=0
) -> EquipmentCard:
    """设备保养卡: an upkeep, calibration or repair done; an upkeep moves the next upkeep one cycle on from
    its date, a calibration the next calibration."""
    require_perm(actor, "service.add_equipmentcard")
    eq = Equipment.objects.select_for_update().get(pk=equipment.pk)
    if kind not in CardKind.values:
        raise field_error("kind", _("请选择类型"), code="invalid_choice")
    done_on = _date(done_on, "done_on", allow_empty=False)
    if done_on > timezone.localdate():
        raise field_error("done_on", _("日期不能晚于今天"), code="in_future")
    if kind == CardKind.CALIBRATION and not eq.calibration_days:
        raise field_error("kind", _("该设备未设标定周期"), code="bad_transition")
    card = EquipmentCard.objects.create(
        store=eq.store,
        equipment=eq,
        kind=kind,
        done_on=done_on,
        result=_text(result, "result", max_length=300),
        cost=_money(cost, "cost"),
        actor=actor,
    )
    changes = {"kind": [None, kind]}
    if kind == CardKind.UPKEEP:
        nxt = done_on + dt.timedelta(days=eq.upkeep_days)
        changes["next_upkeep"] = [str(eq.next_upkeep or ""), str(nxt)]
        eq.next_upkeep = nxt
    elif kind == CardKind.CALIBRATION:
        nxt = done_on + dt.timedelta(days=eq.calibration_days)
        changes["next_calibration"] = [str(eq.next_calibration or ""), str(nxt)]
        eq.next_calibration = nxt
    eq.save(update_fields=["next_upkeep", "next_calibration"])
    audit_record(actor=actor, obj=eq, verb="card_added", changes=changes, note=card.result)
    return card
