"""Stocktake (盘点) and write-off (报损)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import BusinessError, NotAllowed, field_error
from fours.core.money import round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind, Role
from fours.core.selectors import has_role, limit_for, users_with_role
from fours.finance.choices import Direction, ItemSource, PartyKind
from fours.finance.services import ItemRow, items_post, party_for

from .. import workflows
from ..choices import (
    MoveKind,
    Responsible,
    StocktakeKind,
    StocktakeScope,
    StocktakeStatus,
    VarianceReason,
    WriteOffReason,
)
from ..models import (
    CountLine,
    PartBin,
    PartSetting,
    StockBalance,
    Stocktake,
    WriteOff,
    WriteOffApproval,
    WriteOffLine,
    WriteOffShare,
)
from .stock import StockLine, clean_qty, retry_on_conflict, stock_post_lines

ZERO = Decimal("0")
WRITE_OFF_ROLES = (Role.SERVICE_MANAGER, Role.WARRANTY_CLERK, Role.PARTS_MANAGER)


@transaction.atomic
def stocktake_create(
    *,
    actor,
    store,
    scope: str = StocktakeScope.ALL,
    scope_value: str = "",
    note: str = "",
    kind: str = StocktakeKind.MONTHLY,
) -> Stocktake:
    """Freeze a count list: the book quantity of every part in scope at this moment. A quarterly count
    (季度全面清点) covers every part and needs finance's confirmation before it is posted."""
    require_perm(actor, "parts.add_stocktake")
    if kind not in StocktakeKind.values:
        raise field_error("kind", _("未知盘点类型"), code="invalid_choice")
    if scope not in StocktakeScope.values:
        raise field_error("scope", _("未知盘点范围"), code="invalid_choice")
    if kind == StocktakeKind.QUARTERLY and scope != StocktakeScope.ALL:
        raise field_error("scope", _("季度全面清点须盘点全部配件"), code="quarterly_scope")
    scope_value = (scope_value or "").strip().upper()
    if scope != StocktakeScope.ALL and not scope_value:
        raise field_error("scope_value", _("请填写库位前缀或ABC分类"), code="required")
    if scope == StocktakeScope.CLASS and scope_value not in ("A", "B", "C"):
        raise field_error("scope_value", _("ABC分类应为 A、B 或 C"), code="invalid_choice")
    bals = StockBalance.objects.filter(store=store).exclude(on_hand=0, last_move_at__isnull=True)
    bins = dict(
        PartSetting.objects.filter(store=store, default_bin__isnull=False).values_list(
            "part_id", "default_bin__code"
        )
    )
    for pid, code in (
        PartBin.objects.filter(store=store).order_by("bin__code").values_list("part_id", "bin__code")
    ):
        bins.setdefault(pid, code)
    if scope == StocktakeScope.CLASS:
        bals = bals.filter(
            part_id__in=PartSetting.objects.filter(store=store, abc_class=scope_value).values("part_id")
        )
    rows = list(bals.values_list("part_id", "on_hand", "avg_cost"))
    if scope == StocktakeScope.BINS:
        rows = [r for r in rows if bins.get(r[0], "").startswith(scope_value)]
    if not rows:
        raise field_error("scope", _("范围内没有配件"), code="empty")
    st = Stocktake.objects.create(
        store=store, kind=kind, scope=scope, scope_value=scope_value, created_by=actor, note=note
    )
    CountLine.objects.bulk_create(
        [
            CountLine(stocktake=st, part_id=pid, book_qty=q, unit_cost=c, bin_code=bins.get(pid, ""))
            for pid, q, c in rows
        ],
        batch_size=1000,
    )
    audit_record(actor=actor, obj=st, verb="frozen", changes={"lines": len(rows)})
    st.number = next_number(store=store, kind=DocKind.STOCKTAKE)
    Stocktake.objects.filter(pk=st.pk).update(number=st.number)
    return st


@transaction.atomic
def stocktake_count(*, actor, stocktake: Stocktake, counts: dict) -> int:
    """Enter counted quantities: {line_id: qty or (qty, reason)}. Returns the number of lines saved."""
    st = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    workflows.STOCKTAKE.require_action(st, "count", actor=actor)
    lines = {ln.pk: ln for ln in st.lines.select_related("part").filter(pk__in=[int(k) for k in counts])}
    changed = []
    for key, value in counts.items():
        ln = lines.get(int(key))
        if ln is None:
            raise field_error("counts", _("盘点行不存在：%(id)s") % {"id": key}, code="not_found")
        qty, reason = value if isinstance(value, (tuple, list)) else (value, None)
        if qty in (None, ""):
            continue
        try:
            ln.counted_qty = clean_qty(ln.part, qty, allow_zero=True)
        except BusinessError as e:
            raise field_error(
                "counts", f"{ln.part.part_no}: {e.message_dict['qty'][0]}", code=e.error_code
            ) from None
        if reason is not None:
            if reason not in VarianceReason.values:
                raise field_error("counts", _("未知差异原因"), code="invalid_choice")
            ln.reason = reason
        ln.counted_by = actor
        changed.append(ln)
    CountLine.objects.bulk_update(changed, ["counted_qty", "reason", "counted_by"])
    audit_record(actor=actor, obj=st, verb="counted", changes={"lines": len(changed)})
    return len(changed)


@transaction.atomic
def stocktake_submit(*, actor, stocktake: Stocktake) -> Stocktake:
    st = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    workflows.STOCKTAKE.require(st, to=StocktakeStatus.SUBMITTED, actor=actor)
    missing = st.lines.filter(counted_qty__isnull=True).count()
    if missing:
        raise field_error("lines", _("还有 %(n)s 行未录入实盘数量") % {"n": missing}, code="uncounted")
    no_reason = [ln.part_id for ln in st.lines.all() if ln.variance and not ln.reason]
    if no_reason:
        raise field_error(
            "lines", _("有差异的 %(n)s 行请填写差异原因") % {"n": len(no_reason)}, code="reason"
        )
    st.status = StocktakeStatus.SUBMITTED
    st.save(update_fields=["status"])
    audit_record(actor=actor, obj=st, verb="submitted")
    return st


@transaction.atomic
def stocktake_finance_confirm(*, actor, stocktake: Stocktake) -> Stocktake:
    """财务参与: a user holding the finance role in the store confirms the counted result of a submitted
    count (the quarterly full count cannot be posted without it)."""
    st = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if not (actor.is_superuser or has_role(actor, st.store, Role.FINANCE)):
        raise NotAllowed(_("只有本店财务人员可以确认盘点结果"))
    workflows.STOCKTAKE.require_action(st, "finance", actor=actor)
    if st.finance_by_id is not None:
        raise field_error("finance", _("财务已确认"), code="confirmed")
    st.finance_by, st.finance_at = actor, timezone.now()
    st.save(update_fields=["finance_by", "finance_at"])
    audit_record(actor=actor, obj=st, verb="finance_confirmed")
    return st


@retry_on_conflict
@transaction.atomic
def stocktake_approve(*, actor, stocktake: Stocktake) -> Stocktake:
    """Approve the surplus/shortage (盘盈/盘亏): adjusting moves at the cost frozen with the count list.
    A quarterly full count is posted only once finance has confirmed it (有财务参与的全面清点)."""
    st = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    workflows.STOCKTAKE.require(st, to=StocktakeStatus.POSTED, actor=actor)
    if st.kind == StocktakeKind.QUARTERLY and st.finance_by_id is None:
        raise field_error(
            "finance", _("季度全面清点须有财务参与：请财务人员先确认盘点结果"), code="finance_required"
        )
    diffs = [ln for ln in st.lines.select_related("part").order_by("part_id") if ln.variance]
    # 盘盈 at the cost frozen with the count list, 盘亏 at the current average; a count is not refused as short
    stock_post_lines(
        actor=actor,
        store=st.store,
        doc=st,
        doc_number=st.number,
        kind=MoveKind.STOCKTAKE_GAIN,
        check=False,
        lines=[
            StockLine(
                ln.part,
                ln.variance,
                ln.unit_cost if ln.variance > 0 else None,
                source=ln,
                kind=MoveKind.STOCKTAKE_GAIN if ln.variance > 0 else MoveKind.STOCKTAKE_LOSS,
                note=ln.get_reason_display(),
            )
            for ln in diffs
        ],
    )
    st.status, st.approved_by, st.approved_at = StocktakeStatus.POSTED, actor, timezone.now()
    st.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, obj=st, verb="approved", changes={"adjusted": len(diffs)})
    return st


@transaction.atomic
def stocktake_reopen(*, actor, stocktake: Stocktake) -> Stocktake:
    st = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    workflows.STOCKTAKE.require(st, to=StocktakeStatus.COUNTING, actor=actor)
    # counted again: finance confirms the new result
    st.status, st.finance_by, st.finance_at = StocktakeStatus.COUNTING, None, None
    st.save(update_fields=["status", "finance_by", "finance_at"])
    audit_record(actor=actor, obj=st, verb="reopened")
    return st


# --- write-off (报损) -----------------------------------------------------------------------------


# who bears a manager's share of a write-off loss (seed 004 §2, 激励机制)
SHARE_ROLES = {
    Responsible.GENERAL_MANAGER: Role.GENERAL_MANAGER,
    Responsible.SERVICE_MANAGER: Role.SERVICE_MANAGER,
    Responsible.PARTS_MANAGER: Role.PARTS_MANAGER,
}


def writeoff_split(store, total: Decimal) -> list[WriteOffShare]:
    """The store's loss split (配件参数; default 70% the store, 10% each the general, service and parts
    manager), each manager's share named to the store's holder of that role; the store's share takes
    the rounding remainder so the shares add up to the loss."""
    from .catalog import config_for

    split = config_for(store).writeoff_split
    if sum(p for _party, p in split) != 100:
        raise field_error("shares", _("报损损失分摊比例合计须为100%"), code="split")
    out, left = [], total
    for party, pct in split[1:]:
        if not pct:
            continue
        amount = round_money(total * pct / 100)
        left -= amount
        holder = users_with_role(store, SHARE_ROLES[party]).first()
        name = (holder.get_full_name() or holder.get_username()) if holder else ""
        out.append(WriteOffShare(party=party, user=holder, name=name[:100], pct=pct, amount=amount))
    out.insert(
        0, WriteOffShare(party=Responsible.COMPANY, name=store.name[:100], pct=split[0][1], amount=left)
    )
    return out


@transaction.atomic
def writeoff_create(
    *,
    actor,
    store,
    reason: str,
    lines: list[dict],
    shares: list[dict] | None = None,
    note: str = "",
    responsible=None,
) -> WriteOff:
    """报损单. The loss (the parts' current average cost) is split by the store's setting (70/10/10/10 by
    default) unless ``shares`` [{"party": "company", "name": "", "amount": …}] give another split adding up
    to it. A loss caused by a person (``responsible``: a member of the store's staff; 维修工操作不当,
    保管员保管不善…) is not written off (不予报损批示): the person bears all of it, charged to him when
    the document is posted."""
    require_perm(actor, "parts.add_writeoff")
    if responsible is not None:
        if shares:
            raise field_error(
                "responsible", _("人为因素造成的损失由责任人全额承担，不再分摊"), code="staff_shares"
            )
        from fours.core.models import Membership

        if not Membership.objects.filter(store=store, user=responsible, is_active=True).exists():
            raise field_error("responsible", _("责任人须为本店员工"), code="not_staff")
    if reason not in WriteOffReason.values:
        raise field_error("reason", _("请选择报损原因"), code="required")
    if not lines:
        raise field_error("lines", _("请至少添加一行配件"), code="no_lines")
    objs = []
    bals = {
        b.part_id: b for b in StockBalance.objects.filter(store=store, part__in=[r["part"].pk for r in lines])
    }
    for i, raw in enumerate(lines):
        part = raw["part"]
        try:
            qty = clean_qty(part, raw.get("qty"))
        except BusinessError as e:
            raise field_error(
                "lines",
                _("第%(n)s行：%(m)s") % {"n": i + 1, "m": e.message_dict["qty"][0]},
                code=e.error_code,
            ) from None
        bal = bals.get(part.pk)
        if bal is None or qty > bal.on_hand - bal.reserved:
            raise field_error(
                "lines",
                _("第%(n)s行：%(p)s 库存不足") % {"n": i + 1, "p": part.part_no},
                code="insufficient_stock",
            )
        objs.append(WriteOffLine(part=part, qty=qty, unit_cost=bal.avg_cost))
    total = sum((round_money(ln.qty * ln.unit_cost) for ln in objs), ZERO)
    share_objs = []
    if responsible is not None:
        name = responsible.get_full_name() or responsible.get_username()
        share_objs = [
            WriteOffShare(
                party=Responsible.EMPLOYEE, user=responsible, name=name[:100], pct=100, amount=total
            )
        ]
    elif not shares:
        share_objs = writeoff_split(store, total)
    for raw in shares or []:
        if raw.get("party") not in Responsible.values:
            raise field_error("shares", _("未知责任方"), code="invalid_choice")
        amount = round_money(to_decimal(raw.get("amount") or 0))
        if amount < 0:
            raise field_error("shares", _("承担金额不能为负数"), code="negative")
        share_objs.append(WriteOffShare(party=raw["party"], name=raw.get("name", "")[:100], amount=amount))
    if sum((s.amount for s in share_objs), ZERO) != total:
        raise field_error("shares", _("责任分摊合计应等于损失金额 %(t)s") % {"t": total}, code="shares_total")
    wo = WriteOff.objects.create(
        store=store, reason=reason, total_cost=total, created_by=actor, note=note, responsible=responsible
    )
    for ln in objs:
        ln.writeoff = wo
    for s in share_objs:
        s.writeoff = wo
    WriteOffLine.objects.bulk_create(objs)
    WriteOffShare.objects.bulk_create(share_objs)
    changes = {"total": total}
    if responsible is not None:
        changes["responsible"] = responsible.get_full_name() or responsible.get_username()
    audit_record(actor=actor, obj=wo, verb="created", changes=changes)
    wo.number = next_number(store=store, kind=DocKind.WRITE_OFF)
    WriteOff.objects.filter(pk=wo.pk).update(number=wo.number)
    return wo


def staff_party(store, user):
    """A member of staff as a party of the store's books (内部), for what they bear of a loss (员工赔偿)."""
    return party_for(
        store=store,
        kind=PartyKind.INTERNAL,
        ref=f"auth.user:{user.pk}",
        name=user.get_full_name() or user.get_username(),
    )


@transaction.atomic
def writeoff_approve(*, actor, writeoff: WriteOff, role: str) -> WriteOffApproval:
    """One of the three confirmations: 服务经理, 索赔员, 配件经理 (each within their write-off limit)."""
    wo = WriteOff.objects.select_for_update().get(pk=writeoff.pk)
    workflows.WRITE_OFF.require_action(wo, "approve", actor=actor)
    if role not in WRITE_OFF_ROLES:
        raise field_error("role", _("报损只需服务经理、索赔员、配件经理确认"), code="not_approver")
    if not has_role(actor, wo.store, role) and not actor.is_superuser:
        raise NotAllowed(_("您不是本店的%(role)s") % {"role": role})
    if wo.approvals.filter(role=role).exists():
        raise field_error("role", _("%(role)s已确认") % {"role": role}, code="confirmed")
    if wo.approvals.filter(user=actor).exists():
        raise field_error("role", _("同一人不能以两个岗位确认"), code="same_person")
    limit = limit_for(actor, wo.store, LimitKind.WRITEOFF_AMOUNT)
    if role == Role.PARTS_MANAGER and wo.total_cost > limit:
        raise field_error("role", _("损失金额超过您的报损审批限额 %(l)s") % {"l": limit}, code="over_limit")
    appr = WriteOffApproval.objects.create(writeoff=wo, role=role, user=actor)
    audit_record(actor=actor, obj=wo, verb="approved", changes={"role": role})
    return appr


@retry_on_conflict
@transaction.atomic
def writeoff_post(*, actor, writeoff: WriteOff) -> WriteOff:
    """Take the parts out of stock once all three roles have confirmed. A staff-caused loss is not written
    off: the parts leave as 责任人赔偿出库 and the whole loss is charged to the responsible employee. Every
    share a person bears (the responsible employee, the managers' 10%) is posted as an open item (员工赔偿)
    on that person's party in finance, for finance to collect."""
    wo = WriteOff.objects.select_for_update().get(pk=writeoff.pk)
    staff = wo.responsible_id is not None
    to = workflows.writeoff_post_step(wo)
    workflows.WRITE_OFF.require(wo, to=to, actor=actor)
    have = set(wo.approvals.values_list("role", flat=True))
    missing = [r for r in WRITE_OFF_ROLES if r not in have]
    if missing:
        raise field_error(
            "status", _("尚缺以下岗位确认：%(r)s") % {"r": "、".join(missing)}, code="approvals"
        )
    lines = list(wo.lines.select_related("part").order_by("part_id"))
    moves = stock_post_lines(
        actor=actor,
        store=wo.store,
        doc=wo,
        doc_number=wo.number,
        kind=MoveKind.STAFF_CHARGE if staff else MoveKind.WRITE_OFF,
        note=wo.get_reason_display(),
        lines=[StockLine(ln.part, -ln.qty, source=ln) for ln in lines],
    )
    total = ZERO
    for ln, m in zip(lines, moves, strict=True):
        ln.unit_cost = m.unit_cost
        total += -m.value
    WriteOffLine.objects.bulk_update(lines, ["unit_cost"])
    charges = list(wo.shares.filter(user__isnull=False, amount__gt=0).select_related("user").order_by("id"))
    if charges:
        items_post(
            actor=actor,
            store=wo.store,
            doc=wo,
            doc_number=wo.number,
            rows=[
                ItemRow(
                    party=staff_party(wo.store, s.user),
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.STAFF_CHARGE,
                    department=DepartmentKind.PARTS,
                    amount=s.amount,
                    memo=f"{s.get_party_display()} {wo.get_reason_display()}",
                )
                for s in charges
            ],
        )
    wo.status, wo.posted_at = to, timezone.now()
    wo.save(update_fields=["status", "posted_at"])
    audit_record(actor=actor, obj=wo, verb="charged" if staff else "posted", changes={"cost": total})
    return wo
