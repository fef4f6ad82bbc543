"""应付: supplier payments go out by payment request (付款通知书, seed 004 §2 采购流程): someone asks to pay
a supplier's open payables, an approver within their payment limit approves (or rejects with a note),
and finance pays the approved amount, never twice and never beyond it. Receipts whose supplier invoice
has not arrived are the 发票未到 备查簿; finance enters the invoice number when it comes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff, display_name
from fours.core.choices import DocKind
from fours.core.errors import NotAllowed, field_error
from fours.core.models import RoleLimit
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for

from ..choices import Direction, ItemStatus, RequestStatus
from ..models import OpenItem, Party, PaymentRequest, PaymentRequestLine
from ..workflows import APPROVE, OPEN_REQUEST, PAY, REQUEST
from .ledger import clean_amount, clean_lines, payment_take

ZERO = Decimal("0")


def _clean_text(value, field: str, label: str, *, required: bool = True, size: int = 200) -> str:
    text = (value or "").strip()
    if required and not text:
        raise field_error(field, _("请填写%(f)s") % {"f": label}, code="required")
    if len(text) > size:
        raise field_error(field, _("%(f)s最多%(n)s个字") % {"f": label, "n": size}, code="out_of_range")
    return text


def _clean_date(value, field: str, label: str) -> dt.date:
    if value in (None, ""):
        raise field_error(field, _("请填写%(f)s") % {"f": label}, code="required")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise field_error(field, _("%(f)s格式不正确") % {"f": label}, code="bad_format") from None
    if value > timezone.localdate():
        raise field_error(field, _("%(f)s不能晚于今天") % {"f": label}, code="in_future")
    return value


# --- 付款通知书 ------------------------------------------------------------------------------------


@transaction.atomic
def request_create(*, actor, store, party: Party, lines, reason: str) -> PaymentRequest:
    """A request to pay ``party``: ``lines`` are the payable items it pays [(item, amount)], each at
    most the item's open amount and not asked for by another open request."""
    require_perm(actor, "finance.add_paymentrequest")
    if party.store_id != store.pk:
        raise field_error("party", _("往来单位不属于本门店"), code="out_of_scope")
    reason = _clean_text(reason, "reason", _("付款事由"))
    lines = list(lines or [])
    if not lines:
        raise field_error("lines", _("请选择要付款的应付明细"), code="no_lines")
    ids = [getattr(i, "pk", i) for i, _a in lines]
    if len(set(ids)) != len(ids):
        raise field_error("lines", _("同一笔应付不能重复选择"), code="duplicate")
    items = {i.pk: i for i in OpenItem.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")}
    busy = set(
        PaymentRequest.items.through.objects.filter(
            openitem_id__in=ids, paymentrequest__status__in=OPEN_REQUEST
        ).values_list("openitem_id", flat=True)
    )
    total, chosen, shown = ZERO, [], []
    for n, (ref, amount) in enumerate(lines):
        item = items.get(getattr(ref, "pk", ref))
        if item is None:
            raise field_error(f"lines.{n}.item", _("应付明细不存在"), code="not_found")
        if item.party_id != party.pk or item.direction != Direction.PAYABLE:
            raise field_error(f"lines.{n}.item", _("该明细不是此单位的应付"), code="mismatch")
        if item.pk in busy:
            raise field_error(
                f"lines.{n}.item",
                _("%(d)s 已在另一张付款通知书中") % {"d": item.doc_number or item.pk},
                code="duplicate",
            )
        amount = clean_amount(amount, f"lines.{n}.amount", label=_("付款金额"))
        if amount > item.open_amount:
            raise field_error(
                f"lines.{n}.amount",
                _("付款金额 %(a)s 超过未付金额 %(o)s")
                % {"a": f"{amount:,.2f}", "o": f"{item.open_amount:,.2f}"},
                code="over_allocation",
            )
        total += amount
        chosen.append((item, amount))
        shown.append(f"{item.doc_number or item.get_source_display()} ¥{amount:,.2f}")
    req = PaymentRequest(store=store, party=party, amount=total, reason=reason, requested_by=actor)
    req.number = next_number(store=store, kind=DocKind.PAYMENT_REQUEST)
    req.save(force_insert=True)
    PaymentRequestLine.objects.bulk_create(
        [PaymentRequestLine(paymentrequest=req, openitem=item, amount=amount) for item, amount in chosen]
    )
    audit_record(
        actor=actor,
        obj=req,
        verb="created",
        changes={"amount": [None, total], "party": party.name, "items": "、".join(shown)},
        note=reason,
    )
    return req


def approvers_for(store, amount: Decimal) -> str:
    """Who may approve a payment of ``amount`` in ``store``: the roles whose payment limit covers it,
    with the people of the store holding them, e.g. 总经理（王总）、集团经理."""
    from fours.core.models import Membership

    roles = list(
        RoleLimit.objects.filter(kind=LimitKind.PAYMENT_AMOUNT, value__gte=amount)
        .order_by("value")
        .values_list("role__name", flat=True)
    )
    people: dict[str, list[str]] = {r: [] for r in roles}
    ms = (
        Membership.objects.filter(role__name__in=roles, is_active=True, user__is_active=True)
        .filter(Q(store=store) | Q(dealer_group_id=store.group_id))
        .select_related("user", "role")
        .order_by("user_id")
    )
    for m in ms:
        name = display_name(m.user)
        if name not in people[m.role.name]:
            people[m.role.name].append(name)
    return "、".join(f"{r}（{'、'.join(people[r])}）" if people[r] else r for r in roles)


@transaction.atomic
def request_approve(*, actor, request: PaymentRequest, note: str = "") -> PaymentRequest:
    """Approve a pending request within the approver's payment limit (付款审批金额上限); above it the
    refusal names who may approve. The one who asked does not approve their own request."""
    req = PaymentRequest.objects.select_for_update(of=("self",)).select_related("store").get(pk=request.pk)
    REQUEST.require(req, to=RequestStatus.APPROVED, actor=actor)
    if req.requested_by_id == actor.pk and not actor.is_superuser:
        raise field_error("status", _("不能审批自己提交的付款通知书"), code="same_person")
    limit = limit_for(actor, req.store, LimitKind.PAYMENT_AMOUNT)
    if req.amount > limit:
        who = approvers_for(req.store, req.amount)
        msg = _("付款金额 %(a)s 超过您的付款审批限额 %(l)s") % {
            "a": f"¥{req.amount:,.2f}",
            "l": f"¥{limit:,.2f}",
        }
        msg += _("，须由%(who)s审批") % {"who": who} if who else _("，无人有此审批权限")
        raise field_error("status", msg, code="over_limit")
    note = _clean_text(note, "note", _("审批意见"), required=False)
    changes = {"status": [req.status, RequestStatus.APPROVED]}
    req.status, req.approved_by, req.approved_at, req.note = (
        RequestStatus.APPROVED,
        actor,
        timezone.now(),
        note,
    )
    req.save(update_fields=["status", "approved_by", "approved_at", "note"])
    audit_record(actor=actor, obj=req, verb="approved", changes=changes, note=note)
    return req


@transaction.atomic
def request_reject(*, actor, request: PaymentRequest, note: str) -> PaymentRequest:
    """驳回 with a note; the items are free to be asked for again."""
    req = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    REQUEST.require(req, to=RequestStatus.REJECTED, actor=actor)
    note = _clean_text(note, "note", _("驳回原因"))
    changes = {"status": [req.status, RequestStatus.REJECTED]}
    req.status, req.approved_by, req.approved_at, req.note = (
        RequestStatus.REJECTED,
        actor,
        timezone.now(),
        note,
    )
    req.save(update_fields=["status", "approved_by", "approved_at", "note"])
    audit_record(actor=actor, obj=req, verb="rejected", changes=changes, note=note)
    return req


@transaction.atomic
def request_pay(*, actor, request: PaymentRequest, lines, allocations=(), business_date=None, note: str = ""):
    """付款 of an approved request: the money goes out through the ledger (``payment_take`` with
    direction 应付), allocated to the request's items; the request's paid amount rises and it is 已付款
    when all is paid. The request row is locked, so two payments at once cannot both pass, and nothing
    beyond the approved amount goes out."""
    require_perm(actor, PAY)
    req = (
        PaymentRequest.objects.select_for_update(of=("self",))
        .select_related("store", "party")
        .get(pk=request.pk)
    )
    REQUEST.require_action(req, "pay", actor=actor)
    mine = set(req.items.values_list("pk", flat=True))
    allocations = list(allocations or [])
    for n, (ref, _a) in enumerate(allocations):
        if getattr(ref, "pk", ref) not in mine:
            raise field_error(f"allocations.{n}.item", _("该明细不在此付款通知书中"), code="mismatch")
    left = req.amount - req.paid
    total = sum((a for _m, a, _r in clean_lines(lines)), ZERO)
    if total > left:
        raise field_error(
            "amount",
            _("付款金额 %(a)s 超过付款通知书未付金额 %(l)s") % {"a": f"{total:,.2f}", "l": f"{left:,.2f}"},
            code="overpayment",
        )
    pay = payment_take(
        actor=actor,
        store=req.store,
        party=req.party,
        lines=lines,
        allocations=allocations,
        direction=Direction.PAYABLE,
        business_date=business_date,
        note=(note or req.reason)[:200],
        request=req,
    )
    changes = {"paid": [str(req.paid), str(req.paid + total)]}
    req.paid += total
    if req.paid >= req.amount:
        changes["status"] = [req.status, RequestStatus.PAID]
        req.status = RequestStatus.PAID
    req.save(update_fields=["paid", "status"])
    audit_record(actor=actor, obj=req, verb="paid_out", changes=changes, note=pay.number)
    return pay


def request_default_allocations(req: PaymentRequest) -> list[tuple[OpenItem, Decimal]]:
    """What paying the rest of a request settles by default: its items oldest first, each up to the
    amount approved for it and its open amount, until the request's unpaid amount is used."""
    left = req.amount - req.paid
    out = []
    for line in req.lines.select_related("openitem").order_by("openitem__posted_on", "openitem__pk"):
        item = line.openitem
        if left <= 0:
            break
        take = min(left, line.amount, item.open_amount)
        if take > 0:
            out.append((item, take))
            left -= take
    return out


# --- 发票未到 备查簿 ----------------------------------------------------------------------------------


@transaction.atomic
def payable_invoice_record(*, actor, item: OpenItem, invoice_no: str, invoice_date) -> OpenItem:
    """The supplier's invoice has arrived: finance enters its number and date on the payable (it
    leaves the 发票未到 register); a correction is audited like the first entry."""
    require_perm(actor, "finance.change_openitem")
    if not getattr(actor, "is_superuser", False) and item.store_id not in _store_ids(actor):
        raise NotAllowed(_("不在您的门店范围内"))
    number = _clean_text(invoice_no, "invoice_no", _("发票号"), size=40)
    if not number.replace("-", "").isalnum() or not number.isascii():
        raise field_error("invoice_no", _("发票号只能包含数字和字母"), code="bad_format")
    day = _clean_date(invoice_date, "invoice_date", _("发票日期"))
    item = OpenItem.objects.select_for_update().get(pk=item.pk)
    if item.direction != Direction.PAYABLE or item.amount <= 0:
        raise field_error("invoice_no", _("只有应付明细登记供应商发票"), code="mismatch")
    if item.status == ItemStatus.REVERSED:
        raise field_error("invoice_no", _("该笔应付已冲销"), code="not_pending")
    changes = diff(item, invoice_no=number, invoice_date=day)
    if not changes:
        return item
    item.invoice_no, item.invoice_date = number, day
    item.save(update_fields=["invoice_no", "invoice_date"])
    audit_record(actor=actor, obj=item, verb="invoice_recorded", changes=changes, note=item.doc_number)
    return item


def _store_ids(user) -> set[int]:
    from fours.core.selectors import store_ids_for

    return store_ids_for(user)


def approver_may(user, req: PaymentRequest) -> bool:
    """Whether the user's payment limit covers the request (a page shows 批准 only then)."""
    return user.has_perm(APPROVE) and req.amount <= limit_for(user, req.store, LimitKind.PAYMENT_AMOUNT)


__all__ = [
    "REQUEST",
    "approver_may",
    "approvers_for",
    "payable_invoice_record",
    "request_approve",
    "request_create",
    "request_default_allocations",
    "request_pay",
    "request_reject",
]
