"""Accident jobs (事故车): the insurer, policy and claim numbers, the insurer's loss assessment (定损) with
its items, the agreed amount and the signed repair agreement (维修协议), the customer's excess (免赔); at
settlement the insurer's share is a receivable in finance (posted by the order's settlement on the
insurer's party), collected here through finance's payment_take, its unpaid rest written off within the
actor's limit. The insurer contact log (保险公司联系记录) with its monthly minimum."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, register_field_words, register_verbs
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.money import round_money
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for
from fours.finance.choices import PartyKind

from .. import workflows_claims as wf
from ..choices import EDITABLE, AccidentStatus, ContactKind, ROStatus
from ..models import AccidentJob, AssessmentItem, InsurerContact
from .common import lock_ro, require_text

register_verbs(
    {
        "assessed": _("定损"),
        "reassessed": _("重新定损"),
        "agreed": _("签订维修协议"),
        "collected": _("保险已回款"),
        "contacted": _("保险公司联系"),
    }
)
register_field_words({"insurer": _("保险公司"), "gap": _("定损与结算差额"), "contact": _("联系方式")})

ZERO = Decimal("0")
ITEM_KINDS = ("工时", "配件", "喷漆")
CONTACT_MINIMUM = 4
PARTNER_MINIMUM = 8


def insurer_party(store, name: str):
    """The store's insurer party by name: the one the order's settlement posts the insurer's share on."""
    from fours.finance.services.ledger import party_for

    return party_for(store=store, kind=PartyKind.INSURER, name=name.strip())


def contact_minimum(insurer) -> int:
    """Seed 004 §1 #19: at least 4 contacts a month with each insurer, 8 with partner insurers."""
    return PARTNER_MINIMUM if getattr(insurer, "partner", False) else CONTACT_MINIMUM


def lock_job(job) -> AccidentJob:
    return (
        AccidentJob.objects.select_for_update(of=("self",))
        .select_related("store", "insurer", "ro__vehicle")
        .get(pk=job.pk)
    )


@transaction.atomic
def accident_open(
    *,
    actor,
    ro,
    insurer_name: str = "",
    claim_no: str,
    policy_no: str = "",
    assessor: str = "",
    specialist=None,
) -> AccidentJob:
    """事故车登记 on a repair order: the insurer (the order's unless named; naming one writes it on the open
    order), the insurer's claim number (报案号) and policy number; the accident specialist (事故专员)."""
    from .orders import ro_reception_update

    require_perm(actor, "service.add_accidentjob")
    ro = lock_ro(ro)
    if AccidentJob.objects.filter(ro=ro).exists():
        raise field_error("ro", _("该工单已登记事故车"), code="duplicate")
    if ro.status == ROStatus.CANCELLED:
        raise field_error("ro", _("工单已取消"), code="ro_closed")
    name = (insurer_name or ro.insurer or "").strip()
    if not name:
        raise field_error("insurer", _("请填写保险公司"), code="required")
    claim_no = require_text(claim_no, "claim_no", _("请填写报案号"))
    if name != ro.insurer or claim_no != ro.claim_no:
        if ro.status not in EDITABLE:
            if name != ro.insurer:
                raise field_error("insurer", _("保险公司与工单不一致，工单已不能修改"), code="mismatch")
        else:
            ro_reception_update(actor=actor, ro=ro, data={"insurer": name, "claim_no": claim_no})
    job = AccidentJob(
        store=ro.store,
        ro=ro,
        insurer=insurer_party(ro.store, name),
        claim_no=claim_no[:40],
        policy_no=(policy_no or "").strip()[:40],
        assessor=(assessor or "").strip()[:50],
        specialist=specialist or actor,
        created_by=actor,
    )
    job.number = next_number(store=ro.store, kind=DocKind.ACCIDENT_JOB)
    job.save()
    audit_record(
        actor=actor,
        obj=job,
        verb="created",
        changes={"ro": [None, ro.number], "insurer": [None, name], "claim_no": [None, claim_no]},
    )
    return job


def _clean_items(items) -> list[AssessmentItem]:
    from fours.finance.services.ledger import clean_amount

    out = []
    for i, row in enumerate(items or []):
        name = (row.get("name") or "").strip()
        if not name:
            raise field_error(f"items.{i}.name", _("请填写定损项目"), code="required")
        kind = (row.get("kind") or "").strip()
        if kind and kind not in ITEM_KINDS:
            raise field_error(f"items.{i}.kind", _("类别应为工时、配件或喷漆"), code="invalid_choice")
        try:
            qty = Decimal(str(row.get("qty") or 1))
        except Exception:
            raise field_error(f"items.{i}.qty", _("数量格式不正确"), code="bad_format") from None
        if not qty.is_finite() or qty <= 0:
            raise field_error(f"items.{i}.qty", _("数量必须大于0"), code="not_positive")
        assessed = clean_amount(row.get("assessed"), f"items.{i}.assessed", label=_("定损金额"))
        agreed = row.get("agreed")
        agreed = (
            assessed
            if agreed in (None, "")
            else clean_amount(agreed, f"items.{i}.agreed", label=_("协议金额"), allow_zero=True)
        )
        out.append(AssessmentItem(name=name[:100], kind=kind, qty=qty, assessed=assessed, agreed=agreed))
    if not out:
        raise field_error("items", _("请至少填写一个定损项目"), code="no_lines")
    return out


@transaction.atomic
def accident_assess(*, actor, job, items, assessor: str = "") -> AccidentJob:
    """定损 (or 补充定损): the insurer's assessment items replace the earlier ones and make the assessed amount.
    A reassessment that lowers a settled job is refused: its receivable is posted (raise it, never lower)."""
    job = lock_job(job)
    wf.ACCIDENT.require_action(job, "assess", actor=actor)
    rows = _clean_items(items)
    total = round_money(sum((r.assessed for r in rows), ZERO))
    settled = job.status in (AccidentStatus.SETTLED, AccidentStatus.COLLECTED)
    if settled and total < job.assessed_amount:
        raise field_error(
            "items",
            _("事故车已结算，重新定损金额 ¥%(n)s 不能低于原定损金额 ¥%(o)s")
            % {"n": f"{total:,.2f}", "o": f"{job.assessed_amount:,.2f}"},
            code="settled_lower",
        )
    old = job.assessed_amount
    job.items.all().delete()
    for r in rows:
        r.job = job
    AssessmentItem.objects.bulk_create(rows)
    job.assessed_amount = total
    if assessor:
        job.assessor = assessor.strip()[:50]
    fields = ["assessed_amount", "assessor"]
    if job.status == AccidentStatus.REPORTED:
        wf.ACCIDENT.require(job, to=AccidentStatus.ASSESSED, actor=actor)
        job.status = AccidentStatus.ASSESSED
        fields.append("status")
    if job.status == AccidentStatus.ASSESSED:
        job.agreed_amount = round_money(sum((r.agreed for r in rows), ZERO))
        fields.append("agreed_amount")
    job.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=job,
        verb="reassessed" if old else "assessed",
        changes={"assessed_amount": [old, total]},
    )
    return job


@transaction.atomic
def accident_agree(
    *, actor, job, signer_name: str, excess=0, agreed_amount=None, signature: str = ""
) -> AccidentJob:
    """维修协议: the repair items and price agreed with the insurer, signed; the customer's excess (免赔)."""
    from fours.finance.services.ledger import clean_amount

    job = lock_job(job)
    wf.ACCIDENT.require(job, to=AccidentStatus.AGREED, actor=actor)
    signer_name = require_text(signer_name, "signer_name", _("请填写签字人"))
    if signature and (not signature.startswith("data:image/") or len(signature) > 500_000):
        raise field_error("signature", _("签名图像格式不正确"), code="bad_format")
    agreed = (
        job.agreed_amount
        if agreed_amount in (None, "")
        else clean_amount(agreed_amount, "agreed_amount", label=_("协议金额"))
    )
    if agreed <= 0:
        raise field_error("agreed_amount", _("请填写协议金额"), code="required")
    excess = clean_amount(excess or 0, "excess", label=_("客户自付"), allow_zero=True)
    if excess > agreed:
        raise field_error("excess", _("客户自付不能超过协议金额"), code="out_of_range")
    job.agreed_amount, job.excess = agreed, excess
    job.agreement_signed_at = timezone.now()
    job.signature = signature
    job.status = AccidentStatus.AGREED
    job.note = (_("维修协议签字：%(n)s") % {"n": signer_name})[:500]
    job.save(update_fields=["agreed_amount", "excess", "agreement_signed_at", "signature", "status", "note"])
    audit_record(
        actor=actor,
        obj=job,
        verb="agreed",
        changes={"agreed_amount": [None, agreed], "excess": [None, excess]},
        note=signer_name,
    )
    return job


def job_items(job, *, lock: bool = False) -> list:
    """The insurer's live receivables of the job's order (its settlement's insurance share)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import Direction, ItemSource, ItemStatus
    from fours.finance.models import OpenItem

    from ..models import RepairOrder

    qs = OpenItem.objects.filter(
        doc_type=ContentType.objects.get_for_model(RepairOrder),
        doc_id=job.ro_id,
        direction=Direction.RECEIVABLE,
        source=ItemSource.RO_INSURANCE,
        party_id=job.insurer_id,
        amount__gt=0,
    ).exclude(status=ItemStatus.REVERSED)
    return list((qs.select_for_update() if lock else qs).order_by("pk"))


def job_money(job) -> dict:
    """final (what the receivable comes to), collected, open, and the gaps: assessed − final, final −
    collected."""
    items = job_items(job)
    final = sum((i.amount - i.credited for i in items), ZERO)
    collected = sum((i.allocated for i in items), ZERO)
    open_ = sum((i.open_amount for i in items), ZERO)
    return {
        "final": final,
        "collected": collected,
        "open": open_,
        "gap": job.assessed_amount - final,
        "items": items,
    }


@transaction.atomic
def accident_settle(*, actor, job) -> AccidentJob:
    """结算: once the order is settled, the job takes the insurer's receivable as its final amount."""
    job = lock_job(job)
    wf.ACCIDENT.require(job, to=AccidentStatus.SETTLED, actor=actor)
    if job.ro.status not in (ROStatus.SETTLED, ROStatus.DELIVERED):
        raise field_error("ro", _("工单%(no)s尚未结算") % {"no": job.ro.number}, code="not_settled")
    m = job_money(job)
    if m["final"] <= 0:
        raise field_error(
            "ro", _("工单结算没有%(i)s的保险应收款") % {"i": job.insurer.name}, code="not_settled"
        )
    job.final_amount = m["final"]
    job.status = AccidentStatus.SETTLED
    job.save(update_fields=["final_amount", "status"])
    audit_record(
        actor=actor,
        obj=job,
        verb="settled",
        changes={"final_amount": [None, job.final_amount], "gap": [None, m["gap"]]},
    )
    return job


def _maybe_collected(actor, job) -> None:
    if not any(i.open_amount > 0 for i in job_items(job)):
        old = job.status
        job.status = AccidentStatus.COLLECTED
        job.save(update_fields=["status"])
        audit_record(actor=actor, obj=job, verb="collected", changes={"status": [old, job.status]})


@transaction.atomic
def accident_collect(
    *, actor, job, amount, method: str = "transfer", reference: str = "", business_date=None
):
    """保险回款: the insurer's payment taken in finance (payment_take on the insurer, allocated to the job's
    receivable). More than is open is refused; paid in full, the job is 保险已回款."""
    from fours.finance.services.ledger import clean_amount, payment_take

    job = lock_job(job)
    wf.ACCIDENT.require_action(job, "collect", actor=actor)
    amount = clean_amount(amount, "amount", label=_("回款金额"))
    items = job_items(job)
    open_ = sum((i.open_amount for i in items), ZERO)
    if amount > open_:
        raise field_error(
            "amount",
            _("回款金额 ¥%(a)s 超过保险未收金额 ¥%(o)s") % {"a": f"{amount:,.2f}", "o": f"{open_:,.2f}"},
            code="overpayment",
        )
    allocations, left = [], amount
    for i in items:
        take = min(left, i.open_amount)
        if take > 0:
            allocations.append((i, take))
            left -= take
    pay = payment_take(
        actor=actor,
        store=job.store,
        party=job.insurer,
        lines=[(method, amount, reference)],
        allocations=allocations,
        business_date=business_date,
        note=_("保险回款 %(no)s") % {"no": job.claim_no},
    )
    audit_record(actor=actor, obj=job, verb="paid", changes={"amount": [None, amount]}, note=pay.number)
    _maybe_collected(actor, job)
    return pay


@transaction.atomic
def accident_writeoff(*, actor, job, reason: str) -> AccidentJob:
    """保险少赔核销: what the insurer will not pay of the job's receivable is credited in finance, by a person
    whose write-off limit covers it; the job is then 保险已回款."""
    from fours.finance.services.ledger import item_credit

    job = lock_job(job)
    wf.ACCIDENT.require_action(job, "writeoff", actor=actor)
    reason = require_text(reason, "reason", _("请填写核销原因"))
    items = job_items(job, lock=True)
    gap = sum((i.open_amount for i in items), ZERO)
    if gap <= 0:
        raise field_error("amount", _("没有需要核销的差额"), code="not_pending")
    limit = limit_for(actor, job.store, LimitKind.WRITEOFF_AMOUNT)
    if gap > limit:
        raise field_error(
            "amount",
            _("核销差额 ¥%(a)s 超过您的审批权限（最多 ¥%(l)s），请由上级审批")
            % {"a": f"{gap:,.2f}", "l": f"{limit:,.2f}"},
            code="over_limit",
        )
    for i in items:
        if i.open_amount > 0:
            item_credit(
                actor=actor, item=i, amount=i.open_amount, reason=reason, doc=job, doc_number=job.number
            )
    audit_record(actor=actor, obj=job, verb="written_off", changes={"amount": [None, gap]}, note=reason)
    _maybe_collected(actor, job)
    return job


@transaction.atomic
def insurer_contact_add(
    *, actor, store, insurer, kind: str, subject: str, person: str = "", at=None
) -> InsurerContact:
    """保险公司联系记录: a visit, call or meeting with an insurer (seed 004: ≥ 4 a month, 8 with partners)."""
    require_perm(actor, wf.CONTACT)
    if insurer.store_id != store.pk or insurer.kind != PartyKind.INSURER:
        raise field_error("insurer", _("请选择本店的保险公司"), code="out_of_scope")
    if kind not in ContactKind.values:
        raise field_error("kind", _("请选择联系方式"), code="invalid_choice")
    subject = require_text(subject, "subject", _("请填写联系内容"))
    if isinstance(at, str):
        at = parse_datetime(at) if at else None
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at is not None and at > timezone.now():
        raise field_error("at", _("联系时间不能晚于现在"), code="in_future")
    c = InsurerContact.objects.create(
        store=store,
        insurer=insurer,
        kind=kind,
        at=at or timezone.now(),
        person=(person or "").strip()[:50],
        subject=subject[:300],
        actor=actor,
    )
    audit_record(
        actor=actor,
        obj=insurer,
        verb="contacted",
        changes={"contact": [None, str(ContactKind(kind).label)]},
        note=subject,
    )
    return c
