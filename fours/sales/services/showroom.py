"""Writes of the showroom (展厅): the traffic log (《展厅客流量表》), leads (潜客) with their follow-ups,
assignment, defeats (战败申请 → 销售经理审核), the grade rules, the lead import and test drives (试乘试驾)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_field_words, register_verbs
from fours.core.choices import DocKind
from fours.core.errors import BusinessError, NotAllowed, field_error
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.validators import MOBILE_RE, normalize_mobile
from fours.customers.models import Configuration, CustomerKind, VehicleModel
from fours.reports.choices import Metric
from fours.reports.services import summary_add

from ..choices import (
    DefeatReason,
    DriveStatus,
    FollowUpChannel,
    Grade,
    LeadSource,
    LeadStatus,
    PayPlan,
    VehicleStatus,
    VisitKind,
)
from ..models import FollowUp, GradeRule, Lead, StockVehicle, TestDrive, Visit
from ..selectors.showroom import archive_customer_by_mobile, follow_up_days, open_lead_by_mobile
from ..workflows import DRIVE, LEAD

register_verbs(
    {
        "visit_logged": gettext_lazy("登记客流"),
        "visit_left": gettext_lazy("离店"),
        "follow_up": gettext_lazy("跟进"),
        "defeat_requested": gettext_lazy("申请战败"),
        "defeat_approved": gettext_lazy("战败审核通过"),
        "defeat_returned": gettext_lazy("战败申请退回"),
        "drive_booked": gettext_lazy("预约试驾"),
        "drive_started": gettext_lazy("试驾出发"),
        "drive_finished": gettext_lazy("试驾返回"),
        "grade_rule": gettext_lazy("设置跟进间隔"),
    }
)
register_field_words(
    {"owner_from": gettext_lazy("原销售顾问"), "rows": gettext_lazy("行数"), "km": gettext_lazy("试驾里程")}
)

OPEN = (LeadStatus.OPEN, LeadStatus.DEFEAT_PENDING)
SELLERS = (Role.SALES_CONSULTANT, Role.SALES_MANAGER)
SIGNATURE_MAX = 500_000

# the lead fields a consultant edits (lead_create takes them too)
LEAD_FIELDS = (
    "kind",
    "name",
    "mobile",
    "contact_person",
    "intended_model",
    "configuration",
    "colour",
    "budget",
    "pay_plan",
    "trade_in",
    "trade_in_vehicle",
    "source",
    "campaign",
    "grade",
    "is_key_account",
    "fleet_size",
    "competitor_model",
    "note",
)


# --- checks shared by the services ---------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _mobile(value, *, required: bool, field_name: str = "mobile") -> str:
    m = normalize_mobile(value or "")
    if not m:
        if required:
            raise field_error(field_name, _("请填写手机号"), code="required")
        return ""
    if not MOBILE_RE.match(m):
        raise field_error(field_name, _("手机号应为以1开头的11位数字"), code="bad_format")
    return m


def _seller(user, store, field_name: str) -> None:
    if user is None or not getattr(user, "is_active", False) or not has_role(user, store, *SELLERS):
        raise field_error(field_name, _("请选择本店的销售顾问"), code="not_staff")


def _choice(value, choices, field_name: str, default=None):
    if value in (None, ""):
        if default is not None:
            return default
        raise field_error(field_name, _("请选择"), code="required")
    if value not in choices.values:
        raise field_error(field_name, _("无效的选项"), code="invalid_choice")
    return value


def _may_work(actor, lead: Lead) -> None:
    """The lead's own consultant works it; the manager (分配潜客) may work every lead of the store."""
    if lead.owner_id == actor.pk or actor.has_perm("sales.assign_lead"):
        return
    raise field_error("owner", _("这不是您的潜客，请联系销售经理分配"), code="not_assigned")


def _next_date(store, grade, given=None) -> dt.date:
    if given:
        if given < _today():
            raise field_error("next_follow_up", _("下次跟进日期不能早于今天"), code="in_past")
        return given
    return _today() + dt.timedelta(days=follow_up_days(store, grade))


def _lead_values(store, values: dict) -> dict:
    """The lead fields checked and normalised (any subset of LEAD_FIELDS)."""
    out = dict(values)
    if "kind" in out:
        out["kind"] = _choice(out["kind"], CustomerKind, "kind", CustomerKind.PERSON)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()[:100]
        if not out["name"]:
            raise field_error("name", _("请填写姓名或单位名称"), code="required")
    if "mobile" in out:
        out["mobile"] = _mobile(out["mobile"], required=True)
    for key, choices, default in (
        ("pay_plan", PayPlan, PayPlan.CASH),
        ("source", LeadSource, LeadSource.WALK_IN),
        ("grade", Grade, Grade.B),
    ):
        if key in out:
            out[key] = _choice(out[key], choices, key, default)
    model = out.get("intended_model")
    conf = out.get("configuration")
    if model is not None and not isinstance(model, VehicleModel):
        raise field_error("intended_model", _("无效的车型"), code="invalid_choice")
    if conf is not None:
        if not isinstance(conf, Configuration):
            raise field_error("configuration", _("无效的配置"), code="invalid_choice")
        if model is None:
            out["intended_model"] = conf.model
        elif model is not None and conf.model_id != model.pk:
            raise field_error("configuration", _("配置不属于所选车型"), code="mismatch")
    if out.get("budget") not in (None, ""):
        try:
            budget = Decimal(str(out["budget"]))
        except (InvalidOperation, ValueError):
            raise field_error("budget", _("请输入金额"), code="bad_format") from None
        if budget < 0:
            raise field_error("budget", _("预算不能为负数"), code="negative")
        out["budget"] = budget
    elif "budget" in out:
        out["budget"] = None
    if "fleet_size" in out:
        try:
            n = int(out["fleet_size"] or 1)
        except (TypeError, ValueError):
            raise field_error("fleet_size", _("请输入台数"), code="bad_format") from None
        if not 1 <= n <= 10000:
            raise field_error("fleet_size", _("采购台数应在1到10000之间"), code="out_of_range")
        out["fleet_size"] = n
    for key, size in (
        ("contact_person", 50),
        ("colour", 30),
        ("trade_in_vehicle", 100),
        ("campaign", 100),
        ("competitor_model", 100),
        ("note", 500),
    ):
        if key in out:
            out[key] = (out[key] or "").strip()[:size]
    for key in ("trade_in", "is_key_account"):
        if key in out:
            out[key] = bool(out[key])
    if out.get("kind") == CustomerKind.COMPANY:
        out["is_key_account"] = True
    return out


def _lead_make(*, actor, store, owner, values: dict, verb: str = "created") -> Lead:
    """A new lead (its fields already checked): linked to the archive customer of its mobile, the
    first follow-up due by its grade, counted in LEADS; the number last."""
    if open_lead_by_mobile(store, values["mobile"]) is not None:
        dup = open_lead_by_mobile(store, values["mobile"])
        raise field_error(
            "mobile",
            _("该手机号已有跟进中的潜客：%(lead)s（%(owner)s）")
            % {"lead": dup, "owner": _display(dup.owner)},
            code="duplicate",
        )
    if values.get("kind") == CustomerKind.COMPANY:
        values["is_key_account"] = True  # a company's lead is a key account (大客户)
    lead = Lead(store=store, owner=owner, created_by=actor, **values)
    lead.customer = archive_customer_by_mobile(store, lead.mobile)
    lead.next_follow_up = _today() + dt.timedelta(days=follow_up_days(store, lead.grade))
    lead.save()
    model = f"model:{lead.intended_model_id}" if lead.intended_model_id else ""
    summary_add(store=store, metric=Metric.LEADS, person=owner, dimension=model)
    audit_record(
        actor=actor,
        obj=lead,
        verb=verb,
        changes={"owner": _display(owner), "grade": lead.grade, "source": lead.source},
    )
    lead.number = next_number(store=store, kind=DocKind.LEAD)
    Lead.objects.filter(pk=lead.pk).update(number=lead.number)
    return lead


def _lead_dim(model_id) -> str:
    return f"model:{model_id}" if model_id else ""


def _move_lead_count(lead: Lead, *, owner_id, model_id) -> None:
    """LEADS counts a lead under its owner and intended model on the day it was made: a new owner or
    model moves its count there (as the rebuild from the documents finds it)."""
    if (owner_id, model_id) == (lead.owner_id, lead.intended_model_id):
        return
    day = timezone.localdate(lead.created_at)
    from django.contrib.auth import get_user_model

    before = get_user_model()(pk=owner_id) if owner_id else None
    summary_add(
        store=lead.store, metric=Metric.LEADS, value=-1, day=day, person=before, dimension=_lead_dim(model_id)
    )
    summary_add(
        store=lead.store,
        metric=Metric.LEADS,
        day=day,
        person=lead.owner,
        dimension=_lead_dim(lead.intended_model_id),
    )


def _local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _display(user) -> str:
    from fours.core.audit import display_name

    return display_name(user) if user else str(_("未分配"))


# --- grade rules (意向级别跟进间隔) --------------------------------------------------------------


@transaction.atomic
def graderule_set(*, actor, store, grade: str, follow_up_days: int) -> GradeRule:
    """The sales manager sets how many days a lead of a grade waits for its next follow-up."""
    require_perm(actor, "sales.change_graderule")
    grade = _choice(grade, Grade, "grade")
    try:
        days = int(follow_up_days)
    except (TypeError, ValueError):
        raise field_error("follow_up_days", _("请输入天数"), code="bad_format") from None
    if not 1 <= days <= 90:
        raise field_error("follow_up_days", _("跟进间隔应在1到90天之间"), code="out_of_range")
    rule, _created = GradeRule.objects.update_or_create(
        store=store, grade=grade, defaults={"follow_up_days": days}
    )
    audit_record(actor=actor, obj=rule, verb="grade_rule", changes={"grade": grade, "follow_up_days": days})
    return rule


# --- traffic (展厅客流量表) ----------------------------------------------------------------------


@transaction.atomic
def visit_log(
    *,
    actor,
    store,
    kind: str = VisitKind.WALK_IN,
    consultant=None,
    arrived_at=None,
    source: str = "",
    name: str = "",
    mobile: str = "",
    intended_model=None,
    first_visit: bool | None = None,
    party_size=1,
    grade: str = Grade.B,
    note: str = "",
    make_lead: bool = True,
) -> Visit:
    """One walk-in or phone enquiry, logged at the door. A known mobile joins its open lead (a repeat
    visit); a new one with a name makes a lead owned by the receiving consultant. Counted in TRAFFIC or
    CALLS on the day it arrived."""
    require_perm(actor, "sales.add_visit")
    kind = _choice(kind, VisitKind, "kind", VisitKind.WALK_IN)
    consultant = consultant or actor
    _seller(consultant, store, "consultant")
    now = timezone.now()
    arrived_at = arrived_at or now
    if arrived_at > now + dt.timedelta(minutes=5):
        raise field_error("arrived_at", _("进店时间不能晚于现在"), code="in_future")
    default_source = LeadSource.WALK_IN if kind == VisitKind.WALK_IN else LeadSource.PHONE
    source = _choice(source, LeadSource, "source", default_source)
    try:
        party_size = 1 if party_size in (None, "") else int(party_size)
    except (TypeError, ValueError):
        raise field_error("party_size", _("请输入人数"), code="bad_format") from None
    if not 1 <= party_size <= 50:
        raise field_error("party_size", _("来店人数应在1到50之间"), code="out_of_range")
    if intended_model is not None and not isinstance(intended_model, VehicleModel):
        raise field_error("intended_model", _("无效的车型"), code="invalid_choice")
    grade = _choice(grade, Grade, "grade", Grade.B)
    name = (name or "").strip()[:100]
    mobile = _mobile(mobile, required=False)
    lead = open_lead_by_mobile(store, mobile) if mobile else None
    came_before = bool(
        mobile and Visit.objects.filter(store=store, mobile=mobile, kind=VisitKind.WALK_IN).exists()
    )
    if first_visit is None:
        first_visit = lead is None and not came_before
    elif came_before:
        first_visit = False  # a mobile that walked in before is a repeat visit whatever was ticked
    if lead is None and make_lead and mobile and name:
        lead = _lead_make(
            actor=actor,
            store=store,
            owner=consultant,
            values={
                "name": name,
                "mobile": mobile,
                "intended_model": intended_model,
                "source": source,
                "grade": grade,
            },
        )
    visit = Visit.objects.create(
        store=store,
        kind=kind,
        arrived_at=arrived_at,
        consultant=consultant,
        source=source,
        name=name,
        mobile=mobile,
        intended_model=intended_model,
        first_visit=bool(first_visit),
        party_size=party_size,
        lead=lead,
        note=(note or "").strip()[:300],
        created_by=actor,
    )
    metric = Metric.TRAFFIC if kind == VisitKind.WALK_IN else Metric.CALLS
    summary_add(store=store, metric=metric, day=timezone.localdate(arrived_at), person=consultant)
    audit_record(
        actor=actor,
        obj=visit,
        verb="visit_logged",
        changes={"consultant": _display(consultant), "lead": str(lead) if lead else ""},
    )
    return visit


@transaction.atomic
def visit_leave(*, actor, visit: Visit, left_at=None) -> Visit:
    """离店: the time the visitor left (or the call ended)."""
    require_perm(actor, "sales.change_visit")
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.left_at:
        raise field_error("left_at", _("已登记离店时间"), code="not_pending")
    left_at = left_at or timezone.now()
    if left_at < visit.arrived_at:
        raise field_error("left_at", _("离店时间不能早于进店时间"), code="date_order")
    visit.left_at = left_at
    visit.save(update_fields=["left_at"])
    audit_record(actor=actor, obj=visit, verb="visit_left", changes={"left_at": _local(left_at)})
    return visit


# --- leads (潜客) --------------------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor, store, owner=None, **values) -> Lead:
    """A new lead (a person, or a company: a key account 大客户). A consultant's own; the manager may
    give it to any consultant of the store. Refused when an open lead has the mobile already."""
    require_perm(actor, "sales.add_lead")
    unknown = set(values) - set(LEAD_FIELDS)
    if unknown:
        raise BusinessError(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))}, code="invalid")
    owner = owner or actor
    if owner.pk != actor.pk and not actor.has_perm("sales.assign_lead"):
        raise field_error("owner", _("只能为自己登记潜客"), code="not_assigned")
    _seller(owner, store, "owner")
    values = _lead_values(store, {"mobile": "", "name": "", **values})
    return _lead_make(actor=actor, store=store, owner=owner, values=values)


@transaction.atomic
def lead_update(*, actor, lead: Lead, **values) -> Lead:
    """Edit a lead's card (客户信息卡): the fields of LEAD_FIELDS; a changed mobile is checked again."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require_action(lead, "edit", actor=actor)
    _may_work(actor, lead)
    unknown = set(values) - set(LEAD_FIELDS)
    if unknown:
        raise BusinessError(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))}, code="invalid")
    if "configuration" in values and "intended_model" not in values:
        values["intended_model"] = lead.intended_model
    values = _lead_values(lead.store, values)
    if "mobile" in values and values["mobile"] != lead.mobile:
        dup = open_lead_by_mobile(lead.store, values["mobile"])
        if dup is not None and dup.pk != lead.pk:
            raise field_error(
                "mobile", _("该手机号已有跟进中的潜客：%(lead)s") % {"lead": dup}, code="duplicate"
            )
        lead.customer = archive_customer_by_mobile(lead.store, values["mobile"])
    changes = {}
    before_model = lead.intended_model_id
    for key, value in values.items():
        if getattr(lead, key) != value:
            changes[key] = value
            setattr(lead, key, value)
    if not changes:
        return lead
    if "intended_model" in changes:
        _move_lead_count(lead, owner_id=lead.owner_id, model_id=before_model)
    if "grade" in changes:
        due = _today() + dt.timedelta(days=follow_up_days(lead.store, lead.grade))
        if lead.next_follow_up is None or due < lead.next_follow_up:
            lead.next_follow_up = due
    lead.save()
    audit_record(actor=actor, obj=lead, verb="updated", changes=changes)
    return lead


@transaction.atomic
def followup_add(
    *,
    actor,
    lead: Lead,
    channel: str,
    result: str,
    grade: str = "",
    next_follow_up: dt.date | None = None,
    at=None,
) -> FollowUp:
    """跟进: a call, visit, WeChat or SMS to the lead with its result; the grade may change and the next
    follow-up is the date given or the grade's interval from today. Counted in FOLLOW_UPS."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require_action(lead, "follow_up", actor=actor)
    _may_work(actor, lead)
    channel = _choice(channel, FollowUpChannel, "channel")
    result = (result or "").strip()
    if not result:
        raise field_error("result", _("请填写跟进结果"), code="required")
    grade = _choice(grade, Grade, "grade", lead.grade)
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise field_error("at", _("跟进时间不能晚于现在"), code="in_future")
    nxt = _next_date(lead.store, grade, next_follow_up)
    fu = FollowUp.objects.create(
        store=lead.store,
        lead=lead,
        at=at,
        channel=channel,
        result=result[:500],
        grade=grade,
        next_follow_up=nxt,
        actor=actor,
    )
    changes = {"next_follow_up": nxt}
    if grade != lead.grade:
        changes["grade"] = grade
    lead.grade = grade
    lead.next_follow_up = nxt
    lead.last_follow_up_at = at
    lead.follow_up_count += 1
    lead.save(update_fields=["grade", "next_follow_up", "last_follow_up_at", "follow_up_count"])
    summary_add(store=lead.store, metric=Metric.FOLLOW_UPS, day=timezone.localdate(at), person=actor)
    audit_record(actor=actor, obj=lead, verb="follow_up", changes=changes, note=result[:200])
    return fu


@transaction.atomic
def lead_assign(*, actor, lead: Lead, owner, note: str = "") -> Lead:
    """分配/转交: the manager gives the lead to a consultant of the store (an imported lead without an
    owner, or a consultant's lead to another one)."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require_action(lead, "assign", actor=actor)
    if owner is None:
        raise field_error("owner", _("请选择销售顾问"), code="required")
    _seller(owner, lead.store, "owner")
    if lead.owner_id == owner.pk:
        raise field_error("owner", _("该潜客已属于%(who)s") % {"who": _display(owner)}, code="same_person")
    before = lead.owner
    lead.owner = owner
    if lead.next_follow_up is None or lead.next_follow_up < _today():
        lead.next_follow_up = _today()
    lead.save(update_fields=["owner", "next_follow_up"])
    _move_lead_count(lead, owner_id=before.pk if before else None, model_id=lead.intended_model_id)
    audit_record(
        actor=actor,
        obj=lead,
        verb="assigned",
        changes={"owner_from": _display(before), "owner": _display(owner)},
        note=(note or "")[:300],
    )
    return lead


@transaction.atomic
def lead_defeat_request(
    *, actor, lead: Lead, reason: str, competitor_model: str = "", note: str = ""
) -> Lead:
    """战败申请: the consultant asks to close the lead as lost, with the reason (and the competitor model
    when bought elsewhere); the sales manager approves or sends it back."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require(lead, to=LeadStatus.DEFEAT_PENDING, actor=actor)
    _may_work(actor, lead)
    reason = _choice(reason, DefeatReason, "defeat_reason")
    competitor_model = (competitor_model or "").strip()[:100]
    if reason == DefeatReason.COMPETITOR and not competitor_model:
        raise field_error("competitor_model", _("购买竞品时请填写竞品车型"), code="required")
    note = (note or "").strip()[:300]
    if reason == DefeatReason.OTHER and not note:
        raise field_error("defeat_note", _("请说明战败原因"), code="required")
    lead.status = LeadStatus.DEFEAT_PENDING
    lead.defeat_reason = reason
    lead.defeat_note = note
    lead.competitor_model = competitor_model or lead.competitor_model
    lead.defeat_requested_at = timezone.now()
    lead.defeat_decided_by = None
    lead.defeat_decided_at = None
    lead.defeat_decision_note = ""
    lead.save()
    audit_record(
        actor=actor,
        obj=lead,
        verb="defeat_requested",
        changes={"status": lead.status, "defeat_reason": reason, "competitor_model": competitor_model},
        note=note,
    )
    return lead


@transaction.atomic
def lead_defeat_approve(*, actor, lead: Lead, note: str = "") -> Lead:
    """战败审核通过: the lead ends as a defeat, counted in DEFEATS by reason on the day decided."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require(lead, to=LeadStatus.DEFEATED, actor=actor)
    now = timezone.now()
    lead.status = LeadStatus.DEFEATED
    lead.defeat_decided_by = actor
    lead.defeat_decided_at = now
    lead.defeat_decision_note = (note or "").strip()[:300]
    lead.ended_at = now
    lead.next_follow_up = None
    lead.save()
    summary_add(
        store=lead.store,
        metric=Metric.DEFEATS,
        day=timezone.localdate(now),
        person=lead.owner,
        dimension=f"reason:{lead.defeat_reason}",
    )
    audit_record(actor=actor, obj=lead, verb="defeat_approved", changes={"status": lead.status}, note=note)
    return lead


@transaction.atomic
def lead_defeat_return(*, actor, lead: Lead, note: str) -> Lead:
    """战败申请退回: the manager sends the lead back to its consultant with a note; it is followed up
    again from today."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require(lead, to=LeadStatus.OPEN, actor=actor)
    note = (note or "").strip()[:300]
    if not note:
        raise field_error("defeat_decision_note", _("请填写退回意见"), code="required")
    lead.status = LeadStatus.OPEN
    lead.defeat_decided_by = actor
    lead.defeat_decided_at = timezone.now()
    lead.defeat_decision_note = note
    lead.next_follow_up = _today()
    lead.save()
    audit_record(actor=actor, obj=lead, verb="defeat_returned", changes={"status": lead.status}, note=note)
    return lead


@transaction.atomic
def lead_mark_ordered(*, actor, lead: Lead) -> Lead:
    """已成交: the orders area calls this when the lead's order is placed (下定)."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require(lead, to=LeadStatus.ORDERED, actor=actor)
    lead.status = LeadStatus.ORDERED
    lead.ended_at = timezone.now()
    lead.next_follow_up = None
    lead.save(update_fields=["status", "ended_at", "next_follow_up"])
    audit_record(actor=actor, obj=lead, verb="status", changes={"status": lead.status})
    return lead


@transaction.atomic
def lead_reopen(*, actor, lead: Lead) -> Lead:
    """The lead's order was cancelled (退订): it is followed up again from today."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD.require(lead, to=LeadStatus.OPEN, actor=actor)
    lead.status = LeadStatus.OPEN
    lead.ended_at = None
    lead.next_follow_up = _today()
    lead.save(update_fields=["status", "ended_at", "next_follow_up"])
    audit_record(actor=actor, obj=lead, verb="reopened", changes={"status": lead.status})
    return lead


# --- lead import (潜客导入) ----------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (line, existing lead) of the duplicates skipped
    matched: int = 0  # rows whose mobile is a customer of the archive


def _label_or_code(value, choices) -> str:
    v = str(value or "").strip()
    for code, label in choices.choices:
        if v in (code, str(label)) or (str(label).startswith(v) and v):
            return code
    return v


@transaction.atomic
def lead_import(
    *,
    actor,
    store,
    rows: list[dict],
    owner=None,
    source: str = LeadSource.OEM,
    campaign: str = "",
    skip_duplicates: bool = False,
) -> ImportResult:
    """导入潜客 from the manufacturer's CRM or an online channel: every row is checked first and all
    are written or none. A row is refused naming its line (``rows[<line>].<field>``): a bad or
    missing mobile, a mobile twice in the file, or one an open lead of the store already has (unless
    ``skip_duplicates``: then that row is skipped). A mobile of the archive links its customer."""
    require_perm(actor, "sales.import_lead")
    if owner is not None:
        _seller(owner, store, "owner")
    source = _choice(source, LeadSource, "source", LeadSource.OEM)
    if not rows:
        raise field_error("file", _("文件中没有数据行"), code="no_lines")
    if len(rows) > 5000:
        raise field_error("file", _("一次最多导入5000行"), code="too_many")
    models = {str(m).replace(" ", ""): m for m in VehicleModel.objects.select_related("series")}
    models.update({m.name: m for m in models.values()})
    errors: dict[str, list[str]] = {}
    checked: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    result = ImportResult()

    def bad(line, key, msg):
        errors.setdefault(f"rows[{line}].{key}", []).append(
            _("第%(line)s行：%(msg)s") % {"line": line, "msg": msg}
        )

    for n, raw in enumerate(rows, start=2):
        line = raw.get("line", n)
        values = {
            "name": raw.get("name") or "",
            "mobile": raw.get("mobile") or "",
            "kind": _label_or_code(raw.get("kind"), CustomerKind) or CustomerKind.PERSON,
            "grade": str(raw.get("grade") or "").strip().upper()[:1] or Grade.B,
            "source": _label_or_code(raw.get("source"), LeadSource) or source,
            "campaign": raw.get("campaign") or campaign,
            "contact_person": raw.get("contact_person") or "",
            "fleet_size": raw.get("fleet_size") or 1,
            "budget": raw.get("budget"),
            "note": raw.get("note") or "",
        }
        model_name = str(raw.get("model") or "").replace(" ", "")
        if model_name:
            model = models.get(model_name)
            if model is None:
                bad(line, "model", _("未找到车型“%(m)s”") % {"m": raw.get("model")})
                continue
            values["intended_model"] = model
        try:
            values = _lead_values(store, values)
        except BusinessError as e:
            for key, msgs in e.message_dict.items():
                for m in msgs:
                    bad(line, key, m)
            continue
        mobile = values["mobile"]
        if mobile in seen:
            bad(line, "mobile", _("手机号与第%(n)s行重复") % {"n": seen[mobile]})
            continue
        seen[mobile] = line
        dup = open_lead_by_mobile(store, mobile)
        if dup is not None:
            if skip_duplicates:
                result.skipped.append((line, dup))
                continue
            bad(line, "mobile", _("已有跟进中的潜客 %(lead)s") % {"lead": dup})
            continue
        checked.append((line, values))
    if errors:
        raise BusinessError(errors, code="invalid")
    for _line, values in checked:
        lead = _lead_make(actor=actor, store=store, owner=owner, values=values, verb="imported")
        result.matched += lead.customer_id is not None
        result.created.append(lead)
    return result


# --- test drives (试乘试驾) ----------------------------------------------------------------------


def _clean_signature(signature: str) -> str:
    signature = signature or ""
    if not signature.startswith("data:image/"):
        raise field_error("signature", _("请驾驶人在屏幕上签署试驾协议"), code="required")
    if len(signature) > SIGNATURE_MAX:
        raise field_error("signature", _("签名图像过大"), code="too_large")
    return signature


def _overlapping(vehicle, starts_at, ends_at, exclude=None):
    qs = TestDrive.objects.filter(
        vehicle=vehicle,
        status__in=[DriveStatus.BOOKED, DriveStatus.DRIVING],
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("starts_at").first()


@transaction.atomic
def drive_book(
    *,
    actor,
    lead: Lead,
    vehicle: StockVehicle,
    starts_at,
    ends_at,
    driver_name: str,
    licence_no: str,
    licence_expiry: dt.date | None,
    consultant=None,
    note: str = "",
) -> TestDrive:
    """预约试驾: a demo vehicle for a lead at a time. The vehicle row is locked, so two bookings of one car
    at overlapping times cannot both pass; refused when the driver's licence has expired by the day."""
    lead = Lead.objects.select_related("owner", "store").get(pk=lead.pk)
    LEAD.require_action(lead, "test_drive", actor=actor)
    require_perm(actor, "sales.add_testdrive")
    _may_work(actor, lead)
    consultant = consultant or lead.owner or actor
    _seller(consultant, lead.store, "consultant")
    if not starts_at:
        raise field_error("starts_at", _("请选择试驾开始时间"), code="required")
    if not ends_at:
        raise field_error("ends_at", _("请选择试驾结束时间"), code="required")
    if ends_at <= starts_at:
        raise field_error("ends_at", _("结束时间应晚于开始时间"), code="date_order")
    if ends_at - starts_at > dt.timedelta(hours=4):
        raise field_error("ends_at", _("一次试驾最长4小时"), code="out_of_range")
    if ends_at < timezone.now():
        raise field_error("starts_at", _("试驾时间已过"), code="in_past")
    driver_name = (driver_name or "").strip()[:50]
    if not driver_name:
        raise field_error("driver_name", _("请填写驾驶人姓名"), code="required")
    licence_no = (licence_no or "").strip().upper()[:20]
    if not licence_no:
        raise field_error("licence_no", _("请填写驾驶证号"), code="required")
    if licence_expiry is None:
        raise field_error("licence_expiry", _("请填写驾驶证有效期"), code="required")
    if licence_expiry < timezone.localdate(starts_at):
        raise field_error(
            "licence_expiry",
            _("驾驶证已于%(d)s过期，不能试驾") % {"d": licence_expiry.isoformat()},
            code="licence_expired",
        )
    vehicle = StockVehicle.objects.select_for_update().filter(pk=getattr(vehicle, "pk", None)).first()
    if vehicle is None or vehicle.store_id != lead.store_id:
        raise field_error("vehicle", _("请选择本店的试驾车"), code="out_of_scope")
    if vehicle.status != VehicleStatus.DEMO:
        raise field_error("vehicle", _("该车不是试驾车"), code="not_demo")
    clash = _overlapping(vehicle, starts_at, ends_at)
    if clash is not None:
        raise field_error(
            "starts_at",
            _("该试驾车 %(a)s–%(b)s 已被预约（%(lead)s）")
            % {
                "a": timezone.localtime(clash.starts_at).strftime("%m-%d %H:%M"),
                "b": timezone.localtime(clash.ends_at).strftime("%H:%M"),
                "lead": clash.lead.name,
            },
            code="double_booked",
        )
    drive = TestDrive.objects.create(
        store=lead.store,
        lead=lead,
        vehicle=vehicle,
        consultant=consultant,
        starts_at=starts_at,
        ends_at=ends_at,
        driver_name=driver_name,
        licence_no=licence_no,
        licence_expiry=licence_expiry,
        created_by=actor,
        note=(note or "").strip()[:500],
    )
    audit_record(
        actor=actor,
        obj=drive,
        verb="drive_booked",
        changes={"vehicle": str(vehicle), "starts_at": _local(starts_at), "ends_at": _local(ends_at)},
    )
    drive.number = next_number(store=lead.store, kind=DocKind.TEST_DRIVE)
    TestDrive.objects.filter(pk=drive.pk).update(number=drive.number)
    return drive


def _odometer(value, field_name: str) -> int:
    if value in (None, ""):
        raise field_error(field_name, _("请填写里程"), code="required")
    try:
        km = int(value)
    except (TypeError, ValueError):
        raise field_error(field_name, _("请输入整数里程"), code="bad_format") from None
    if not 0 <= km <= 2_000_000:
        raise field_error(field_name, _("里程超出范围"), code="out_of_range")
    return km


@transaction.atomic
def drive_start(*, actor, drive: TestDrive, signature: str, odometer_out, started_at=None) -> TestDrive:
    """出发: the driver signs the agreement (试乘试驾协议) on the screen, the licence is checked again for
    today, the odometer read out; the car must not be out on another drive."""
    drive = TestDrive.objects.select_for_update().get(pk=drive.pk)
    DRIVE.require(drive, to=DriveStatus.DRIVING, actor=actor)
    signature = _clean_signature(signature)
    now = started_at or timezone.now()
    if drive.licence_expiry < timezone.localdate(now):
        raise field_error("licence_expiry", _("驾驶证已过期，不能试驾"), code="licence_expired")
    km = _odometer(odometer_out, "odometer_out")
    StockVehicle.objects.select_for_update().filter(pk=drive.vehicle_id).first()
    out = TestDrive.objects.filter(vehicle_id=drive.vehicle_id, status=DriveStatus.DRIVING).exclude(
        pk=drive.pk
    )
    if out.exists():
        raise field_error("vehicle", _("该试驾车尚未返回"), code="double_booked")
    last = (
        TestDrive.objects.filter(vehicle_id=drive.vehicle_id, status=DriveStatus.DONE)
        .order_by("-finished_at")
        .values_list("odometer_in", flat=True)
        .first()
    )
    if last is not None and km < last:
        raise field_error(
            "odometer_out", _("出发里程不能小于上次返回里程 %(km)s") % {"km": last}, code="odometer_falling"
        )
    drive.status = DriveStatus.DRIVING
    drive.signature = signature
    drive.agreement_signed_at = now
    drive.started_at = now
    drive.odometer_out = km
    drive.save()
    audit_record(actor=actor, obj=drive, verb="drive_started", changes={"odometer_out": km})
    return drive


@transaction.atomic
def drive_finish(*, actor, drive: TestDrive, odometer_in, rating=None, feedback: str = "") -> TestDrive:
    """返回: the odometer read in, the customer's rating and feedback; counted in TEST_DRIVES by model."""
    drive = TestDrive.objects.select_for_update().select_related("vehicle__configuration").get(pk=drive.pk)
    DRIVE.require(drive, to=DriveStatus.DONE, actor=actor)
    km = _odometer(odometer_in, "odometer_in")
    if km < (drive.odometer_out or 0):
        raise field_error(
            "odometer_in",
            _("返回里程不能小于出发里程 %(km)s") % {"km": drive.odometer_out},
            code="odometer_falling",
        )
    if rating not in (None, ""):
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            raise field_error("rating", _("请选择满意度"), code="bad_format") from None
        if not 1 <= rating <= 5:
            raise field_error("rating", _("满意度应为1到5"), code="out_of_range")
    else:
        rating = None
    now = timezone.now()
    drive.status = DriveStatus.DONE
    drive.finished_at = now
    drive.odometer_in = km
    drive.rating = rating
    drive.feedback = (feedback or "").strip()[:500]
    drive.save()
    summary_add(
        store=drive.store,
        metric=Metric.TEST_DRIVES,
        day=timezone.localdate(now),
        person=drive.consultant,
        dimension=f"model:{drive.vehicle.configuration.model_id}",
    )
    audit_record(
        actor=actor,
        obj=drive,
        verb="drive_finished",
        changes={"odometer_in": km, "km": km - (drive.odometer_out or 0), "rating": rating},
        note=drive.feedback[:200],
    )
    return drive


@transaction.atomic
def drive_cancel(*, actor, drive: TestDrive, reason: str = "") -> TestDrive:
    """取消预约: the booking is given up (the car is free again for that time)."""
    drive = TestDrive.objects.select_for_update().get(pk=drive.pk)
    DRIVE.require(drive, to=DriveStatus.CANCELLED, actor=actor)
    reason = (reason or "").strip()[:300]
    if not reason:
        raise field_error("reason", _("请填写取消原因"), code="required")
    drive.status = DriveStatus.CANCELLED
    drive.note = f"{drive.note} {reason}".strip()[:500]
    drive.save(update_fields=["status", "note"])
    audit_record(actor=actor, obj=drive, verb="cancelled", changes={"status": drive.status}, note=reason)
    return drive


__all__ = [
    "ImportResult",
    "NotAllowed",
    "drive_book",
    "drive_cancel",
    "drive_finish",
    "drive_start",
    "followup_add",
    "graderule_set",
    "lead_assign",
    "lead_create",
    "lead_defeat_approve",
    "lead_defeat_request",
    "lead_defeat_return",
    "lead_import",
    "lead_mark_ordered",
    "lead_reopen",
    "lead_update",
    "visit_leave",
    "visit_log",
]
