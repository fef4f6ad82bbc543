"""The parts-shortage tracker (《维修车辆待缺料配件采购跟踪表》, seed 004 §1): a repair order's part line that
the stock cannot serve (缺件) opens a shortage beside its emergency purchase demand; the planner records
the purchase order, the expected date and the chasing; the receiving of the part (parts
``receipt_post`` → ``demands_fill``) calls ``demands_filled`` here in the same transaction, which closes
the shortage and puts the line back on the storekeeper's pick list, so the advisor sees it at once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_verbs
from fours.core.errors import field_error

from .. import workflows_workshop as wf
from ..choices import PartStatus, ShortageStatus
from ..models import PartLine, PartShortage, RepairOrder

register_verbs(
    {
        "filled": gettext_lazy("需求已满足"),
        "shortage_tracked": gettext_lazy("缺料跟踪"),
        "shortage_cancelled": gettext_lazy("取消缺料跟踪"),
        "part_arrived": gettext_lazy("缺件到货"),
    }
)


def shortage_open(*, actor, ro: RepairOrder, line: PartLine, part=None, note: str = "") -> PartShortage:
    """A line waiting for its part (缺件): one open shortage per line (called inside the requisition or
    issue that found the stock short)."""
    open_one = PartShortage.objects.filter(part_line=line, status=ShortageStatus.OPEN).first()
    if open_one is not None:
        return open_one
    return PartShortage.objects.create(
        store=ro.store, ro=ro, part_line=line, part=part or line.part, note=note[:300]
    )


@transaction.atomic
def shortage_track(
    *, actor, shortage: PartShortage, purchase_order=None, expected_on=None, note: str | None = None
) -> PartShortage:
    """跟踪: the purchase order that brings the part, its expected date and the chasing note."""
    sh = PartShortage.objects.select_for_update().get(pk=shortage.pk)
    wf.SHORTAGE.require_action(sh, "track", actor=actor)
    if purchase_order is not None and purchase_order.store_id != sh.store_id:
        raise field_error("purchase_order", _("采购订单不属于本门店"), code="out_of_scope")
    if purchase_order is not None and not purchase_order.lines.filter(part_id=sh.part_id).exists():
        raise field_error("purchase_order", _("该采购订单没有这个配件"), code="mismatch")
    if expected_on is not None:
        if isinstance(expected_on, str):
            try:
                expected_on = dt.date.fromisoformat(expected_on)
            except ValueError:
                raise field_error("expected_on", _("日期格式不正确"), code="bad_format") from None
        if expected_on < sh.created_at.date() - dt.timedelta(days=1):
            raise field_error("expected_on", _("预计到货不能早于登记日期"), code="date_order")
    changes = {}
    if purchase_order is not None and purchase_order.pk != sh.purchase_order_id:
        changes["purchase_order"] = [str(sh.purchase_order or ""), purchase_order.number]
        sh.purchase_order = purchase_order
    if expected_on is not None and expected_on != sh.expected_on:
        changes["expected_on"] = [str(sh.expected_on or ""), str(expected_on)]
        sh.expected_on = expected_on
    if note is not None and note.strip() != sh.note:
        changes["note"] = [sh.note, note.strip()[:300]]
        sh.note = note.strip()[:300]
    if not changes:
        return sh
    sh.save(update_fields=["purchase_order", "expected_on", "note"])
    audit_record(actor=actor, obj=sh.ro, verb="shortage_tracked", changes=changes)
    return sh


@transaction.atomic
def shortage_cancel(*, actor, shortage: PartShortage, reason: str) -> PartShortage:
    sh = PartShortage.objects.select_for_update().get(pk=shortage.pk)
    wf.SHORTAGE.require(sh, to=ShortageStatus.CANCELLED, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写取消原因"), code="required")
    sh.status, sh.note = ShortageStatus.CANCELLED, reason[:300]
    sh.save(update_fields=["status", "note"])
    audit_record(actor=actor, obj=sh.ro, verb="shortage_cancelled", note=reason)
    return sh


def demands_filled(*, actor, demands, receipt) -> list[PartShortage]:
    """The receipt filled these repair-order demands: each closes the oldest open shortage of its order and
    part (已到货, with the purchase order that brought it), and the line stops waiting (缺件 → 已申请, back
    on the pick list). Runs inside the receipt's transaction."""
    now = timezone.now()
    closed: list[PartShortage] = []
    ro_ids = sorted({int(d.object_id) for d in demands if str(d.object_id).isdigit()})
    open_ones = list(
        PartShortage.objects.select_for_update()
        .filter(ro_id__in=ro_ids, status=ShortageStatus.OPEN)
        .order_by("created_at", "pk")
    )
    for d in demands:
        sh = next(
            (
                s
                for s in open_ones
                if str(s.ro_id) == str(d.object_id) and s.part_id == d.part_id and s not in closed
            ),
            None,
        )
        if sh is None:
            continue
        wf.SHORTAGE.require(sh, to=ShortageStatus.ARRIVED)
        sh.status, sh.arrived_at = ShortageStatus.ARRIVED, now
        if sh.purchase_order_id is None:
            sh.purchase_order_id = receipt.order_id
        closed.append(sh)
    if not closed:
        return []
    PartShortage.objects.bulk_update(closed, ["status", "arrived_at", "purchase_order"])
    PartLine.objects.filter(pk__in=[s.part_line_id for s in closed], status=PartStatus.WAITING).update(
        status=PartStatus.REQUESTED
    )
    for sh in closed:
        audit_record(
            actor=actor,
            obj=sh.ro,
            verb="part_arrived",
            changes={"part": [None, sh.part.part_no], "receipt": [None, receipt.number]},
            store=sh.store,
        )
    return closed
