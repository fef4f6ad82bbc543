"""市场活动: a campaign with its budget, period, target models and a customer segment from the archive;
invitations by SMS that respect the marketing consent; the results recorded (responded, came, the real
cost and the manufacturer's support). 关怀礼品: a birthday or festival gift requested by customer care,
approved by the GM within the month's quota, then taken from stock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.money import round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for
from fours.customers.models import Customer, CustomerAssignment

from ..choices import CampaignStatus, GiftStatus
from ..models import Campaign, CampaignMember, CareGift
from ..workflows import CAMPAIGN, GIFT
from .common import text


def _money(value, field) -> Decimal:
    try:
        v = round_money(to_decimal(value or 0))
    except Exception:
        raise field_error(field, _("金额格式不正确"), code="bad_format") from None
    if v < 0:
        raise field_error(field, _("金额不能为负数"), code="negative")
    return v


SEGMENT_KEYS = {"age_min", "age_max", "no_visit_months", "models", "kind", "tag"}


def clean_segment(segment: dict) -> dict:
    out = {}
    for k, v in (segment or {}).items():
        if k not in SEGMENT_KEYS or v in ("", None, []):
            continue
        if k in ("age_min", "age_max", "no_visit_months"):
            try:
                out[k] = int(v)
            except (TypeError, ValueError):
                raise field_error(k, _("请填写整数"), code="bad_format") from None
            if out[k] < 0:
                raise field_error(k, _("不能为负数"), code="negative")
        elif k == "models":
            out[k] = [int(x) for x in v]
        else:
            out[k] = str(v)[:40]
    if "age_min" in out and "age_max" in out and out["age_min"] > out["age_max"]:
        raise field_error("age_max", _("车龄上限须不小于下限"), code="min_over_max")
    return out


def segment_customers(store, segment: dict, today=None):
    """The store's customers the segment picks: vehicles of a model and an age (years since sale), no
    visit (repair order) in the last N months, a customer kind or a tag."""
    from fours.service.models import RepairOrder

    today = today or timezone.localdate()
    seg = clean_segment(segment)
    qs = Customer.objects.filter(
        pk__in=CustomerAssignment.objects.filter(store=store).values("customer_id"), merged_into__isnull=True
    )
    v = Q()
    if "age_min" in seg:
        v &= Q(vehicles_owned__sale_date__lte=today.replace(year=today.year - seg["age_min"]))
    if "age_max" in seg:
        v &= Q(vehicles_owned__sale_date__gte=today.replace(year=today.year - seg["age_max"] - 1))
    if "models" in seg:
        v &= Q(vehicles_owned__model_id__in=seg["models"])
    if v:
        qs = qs.filter(v)
    if "no_visit_months" in seg:
        since = today - dt.timedelta(days=30 * seg["no_visit_months"])
        recent = RepairOrder.objects.filter(store=store, received_at__date__gte=since).values("customer_id")
        qs = qs.exclude(pk__in=recent)
    if "kind" in seg:
        qs = qs.filter(kind=seg["kind"])
    if "tag" in seg:
        qs = (
            qs.filter(tags__contains=[seg["tag"]])
            if _json_contains()
            else qs.filter(tags__icontains=seg["tag"])
        )
    return qs.distinct().order_by("pk")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@transaction.atomic
def campaign_create(
    *,
    actor,
    store,
    name: str,
    starts_on,
    ends_on,
    channel: str = "",
    department: str = "sales",
    budget=0,
    segment: dict | None = None,
    target_models=(),
    note: str = "",
) -> Campaign:
    require_perm(actor, "crm.add_campaign")
    name = text(name, "name", _("请填写活动名称"), limit=100)
    if not starts_on:
        raise field_error("starts_on", _("请填写开始日期"), code="required")
    if not ends_on:
        raise field_error("ends_on", _("请填写结束日期"), code="required")
    if ends_on < starts_on:
        raise field_error("ends_on", _("结束日期不能早于开始日期"), code="date_order")
    c = Campaign.objects.create(
        store=store,
        name=name,
        channel=(channel or "")[:30],
        department=department if department in ("sales", "service") else "sales",
        starts_on=starts_on,
        ends_on=ends_on,
        budget=_money(budget, "budget"),
        segment=clean_segment(segment or {}),
        created_by=actor,
        note=(note or "")[:500],
    )
    if target_models:
        c.target_models.set(target_models)
    c.number = next_number(store=store, kind=DocKind.CAMPAIGN)
    c.save(update_fields=["number"])
    audit_record(actor=actor, obj=c, verb="created", changes={"budget": [None, c.budget]})
    return c


@transaction.atomic
def campaign_step(*, actor, campaign: Campaign, to: str, report: str = "") -> Campaign:
    """开始 (计划中 → 进行中) or 结束 with the after-report (进行中 → 已结束)."""
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    CAMPAIGN.require(c, to=to, actor=actor)
    old = c.status
    if to == CampaignStatus.DONE:
        c.report = text(report, "report", _("请填写活动总结"))
    c.status = to
    c.save(update_fields=["status", "report"])
    audit_record(
        actor=actor,
        obj=c,
        verb="status",
        changes={"status": [str(CampaignStatus(old).label), str(CampaignStatus(to).label)]},
    )
    return c


@transaction.atomic
def campaign_invite(*, actor, campaign: Campaign, body: str, send: bool = True) -> dict:
    """邀约: the segment's customers become members; those who agreed to marketing messages get the SMS.
    Returns how many were added, messaged and left out for want of consent."""
    from .messages import consent_refusal, message_send

    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    CAMPAIGN.require_action(c, "invite", actor=actor)
    if send:
        body = text(body, "body", _("请填写邀约短信内容"), limit=500)
    have = set(c.members.values_list("customer_id", flat=True))
    added = messaged = skipped = 0
    now = timezone.now()
    for cust in segment_customers(c.store, c.segment):
        if cust.pk not in have:
            CampaignMember.objects.create(store=c.store, campaign=c, customer=cust)
            added += 1
        if not send:
            continue
        if consent_refusal(cust, marketing=True):
            skipped += 1
            continue
        message_send(
            actor=actor, customer=cust, purpose="campaign", body=body, campaign=c, store=c.store, now=now
        )
        CampaignMember.objects.filter(campaign=c, customer=cust).update(invited_at=now)
        messaged += 1
    audit_record(
        actor=actor,
        obj=c,
        verb="invited",
        changes={"added": [None, added], "messaged": [None, messaged], "skipped": [None, skipped]},
    )
    return {"added": added, "messaged": messaged, "skipped": skipped}


@transaction.atomic
def campaign_record(
    *, actor, campaign: Campaign, actual_cost=None, oem_support=None, responded=(), attended=()
) -> Campaign:
    """The results: the real cost, the manufacturer's advertising support, who answered and who came."""
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    CAMPAIGN.require_action(c, "record", actor=actor)
    changes = {}
    if actual_cost is not None:
        v = _money(actual_cost, "actual_cost")
        changes["actual_cost"] = [c.actual_cost, v]
        c.actual_cost = v
    if oem_support is not None:
        v = _money(oem_support, "oem_support")
        changes["oem_support"] = [c.oem_support, v]
        c.oem_support = v
    c.save(update_fields=["actual_cost", "oem_support"])
    if responded:
        c.members.filter(customer_id__in=list(responded)).update(responded=True)
    if attended:
        c.members.filter(customer_id__in=list(attended)).update(attended=True, responded=True)
    audit_record(actor=actor, obj=c, verb="results", changes=changes)
    return c


# --- 关怀礼品 ---------------------------------------------------------------------------------------


@transaction.atomic
def gift_request(*, actor, store, customer, reason: str, value, part=None, qty: int = 1) -> CareGift:
    require_perm(actor, "crm.add_caregift")
    reason = text(reason, "reason", _("请填写赠送事由"), limit=100)
    v = _money(value, "value")
    if v <= 0:
        raise field_error("value", _("请填写礼品价值"), code="not_positive")
    if customer.group_id != store.group_id:
        raise field_error("customer", _("客户不属于本集团"), code="out_of_scope")
    if int(qty or 0) < 1:
        raise field_error("qty", _("数量须大于0"), code="qty_positive")
    g = CareGift.objects.create(
        store=store, customer=customer, reason=reason, value=v, part=part, qty=int(qty), requested_by=actor
    )
    audit_record(actor=actor, obj=g, verb="created", changes={"value": [None, v]})
    return g


def gifts_month_total(store, day=None) -> Decimal:
    day = day or timezone.localdate()
    return CareGift.objects.filter(
        store=store,
        status__in=[GiftStatus.APPROVED, GiftStatus.GIVEN],
        decided_at__year=day.year,
        decided_at__month=day.month,
    ).aggregate(s=Sum("value"))["s"] or Decimal("0")


@transaction.atomic
def gift_decide(*, actor, gift: CareGift, approve: bool, note: str = "") -> CareGift:
    """总经理签字: approved within the month's quota (the approved gifts of the month and this one), else refused."""
    g = CareGift.objects.select_for_update().get(pk=gift.pk)
    to = GiftStatus.APPROVED if approve else GiftStatus.REJECTED
    GIFT.require(g, to=to, actor=actor)
    if approve:
        quota = limit_for(actor, g.store, LimitKind.CARE_GIFT_MONTHLY)
        used = gifts_month_total(g.store)
        if used + g.value > quota:
            raise field_error(
                "value",
                _("本月关怀礼品已批 ¥%(u)s，加上本次 ¥%(v)s 超过额度 ¥%(q)s")
                % {"u": f"{used:,.2f}", "v": f"{g.value:,.2f}", "q": f"{quota:,.2f}"},
                code="over_limit",
            )
    g.status, g.approved_by, g.decided_at = to, actor, timezone.now()
    g.save(update_fields=["status", "approved_by", "decided_at"])
    audit_record(actor=actor, obj=g, verb="approved" if approve else "rejected", note=note)
    return g


@transaction.atomic
def gift_give(*, actor, gift: CareGift) -> CareGift:
    """赠送: an approved gift handed over; a stock gift leaves stock through the stock door."""
    from fours.parts.choices import MoveKind
    from fours.parts.services import stock_issue

    g = CareGift.objects.select_for_update().select_related("part", "customer").get(pk=gift.pk)
    GIFT.require(g, to=GiftStatus.GIVEN, actor=actor)
    if g.part_id:
        stock_issue(
            actor=actor,
            store=g.store,
            part=g.part,
            qty=g.qty,
            doc=g,
            kind=MoveKind.WRITE_OFF,
            note=_("关怀礼品：%(c)s %(r)s") % {"c": g.customer.name, "r": g.reason},
            doc_number=f"GIFT-{g.pk}",
        )
    g.status, g.given_at = GiftStatus.GIVEN, timezone.now()
    g.save(update_fields=["status", "given_at"])
    audit_record(actor=actor, obj=g, verb="given")
    return g
