"""Every button of the order page posts a step here: parse its fields, call its service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fours.core.roles import Role
from fours.core.selectors import users_with_role as _users_with_role
from fours.core.views import perm_or_403, run
from fours.core.views import redirect_back as _back

from .. import selectors, services
from ..choices import (
    PartStatus,
    Payer,
    ROStatus,
)
from ..models import (
    Bay,
    DiscountRequest,
    LabourLine,
    LabourOperation,
    PartLine,
    RepairOrder,
    Team,
)
from ._common import _dt


def _line(ro, model, request, key="line"):
    return get_object_or_404(model, ro=ro, pk=request.POST.get(key) or 0)


@login_required
def ro_act(request, pk, step):
    """Every button of the order page posts here: parse, call the service, say what happened."""
    ro = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=pk)
    if request.method != "POST":
        if step == "settle":
            return _settle_confirm(request, ro)
        return redirect(ro)
    p, u = request.POST, request.user
    store = ro.store
    if step == "settle":
        # 结算 posts the invoice: only from the confirmation page, and only for the amounts shown there
        if p.get("confirm") != "1":
            messages.info(request, _("请先核对付费方、金额和税额，再确认结算"))
            return redirect("service:ro-act", ro.pk, "settle")
        if ro.status == ROStatus.AWAITING_SETTLEMENT:
            shown = p.get("total", "")
            full = selectors.ro_for_detail(u, ro.pk)
            now = services.pricing.totals(full, full.labour_lines, full.part_lines).total
            if shown != f"{now:.2f}":
                messages.warning(
                    request, _("结算金额已变为 %(t)s 元，请重新核对后确认") % {"t": f"{now:,.2f}"}
                )
                return redirect("service:ro-act", ro.pk, "settle")

    def part_by_no():
        from fours.parts.models import Part
        from fours.parts.services.catalog import normalize_part_no

        part = Part.objects.filter(group=store.group, part_no=normalize_part_no(p.get("part_no", ""))).first()
        if part is None:
            raise ValidationError({"part_no": _("配件编号 %(no)s 不存在") % {"no": p.get("part_no", "")}})
        return part

    steps = {
        "labour-add": lambda: services.ro_labour_add(
            actor=u,
            ro=ro,
            operation=LabourOperation.objects.filter(group=store.group, pk=p.get("operation") or 0).first(),
            name=p.get("name", ""),
            hours=p.get("hours") or None,
            payer=p.get("payer") or Payer.CUSTOMER,
        ),
        "part-add": lambda: services.ro_part_add(
            actor=u,
            ro=ro,
            part=part_by_no(),
            qty=p.get("qty"),
            payer=p.get("payer") or Payer.CUSTOMER,
            unit_price=p.get("unit_price") or None,
        ),
        "labour-remove": lambda: services.ro_line_remove(actor=u, line=_line(ro, LabourLine, request)),
        "part-remove": lambda: services.ro_line_remove(actor=u, line=_line(ro, PartLine, request)),
        "estimate": lambda: services.ro_estimate_submit(
            actor=u, ro=ro, promised_at=_dt(p.get("promised_at"))
        ),
        "confirm": lambda: services.ro_estimate_confirm(
            actor=u,
            ro=ro,
            signer_name=p.get("signer_name", ""),
            method=p.get("method", ""),
            signature=p.get("signature", ""),
        ),
        "added-confirm": lambda: services.ro_added_confirm(
            actor=u,
            ro=ro,
            signer_name=p.get("signer_name", ""),
            method=p.get("method", ""),
            signature=p.get("signature", ""),
            approved=p.get("approved", "1") == "1",
        ),
        "discount": lambda: services.ro_discount_set(
            actor=u,
            ro=ro,
            labour_pct=p.get("labour_pct") or 0,
            parts_pct=p.get("parts_pct") or 0,
            reason=p.get("reason", ""),
            request_approval=p.get("request_approval") == "1",
        ),
        "discount-decide": lambda: services.discount_decide(
            actor=u,
            request=get_object_or_404(DiscountRequest, ro=ro, pk=p.get("request") or 0),
            approve=p.get("approve") == "1",
        ),
        "delay": lambda: services.ro_delay(
            actor=u, ro=ro, new_promised_at=_dt(p.get("new_promised_at")), reason=p.get("reason", "")
        ),
        "cancel": lambda: services.ro_cancel(actor=u, ro=ro, reason=p.get("reason", "")),
        "dispatch": lambda: services.line_dispatch(
            actor=u,
            line=_line(ro, LabourLine, request),
            technician=_users_with_role(store, Role.TECHNICIAN).filter(pk=p.get("technician") or 0).first(),
            team=Team.objects.filter(store=store, pk=p.get("team") or 0).first(),
            bay=Bay.objects.filter(store=store, pk=p.get("bay") or 0).first(),
        ),
        "clock-on": lambda: services.clock_on(actor=u, line=_line(ro, LabourLine, request)),
        "clock-off": lambda: services.clock_off(
            actor=u, line=_line(ro, LabourLine, request), finished=True, note=p.get("note", "")
        ),
        "pause": lambda: services.clock_off(
            actor=u,
            line=_line(ro, LabourLine, request),
            finished=False,
            reason=p.get("reason", ""),
            note=p.get("note", ""),
        ),
        "request": lambda: services.part_request(actor=u, line=_line(ro, PartLine, request)),
        "issue": lambda: services.part_issue(
            actor=u,
            line=_line(ro, PartLine, request),
            qty=p.get("qty") or None,
            old_part_handed_in=p.get("old_part") == "1",
        ),
        "return": lambda: services.part_return(actor=u, line=_line(ro, PartLine, request), qty=p.get("qty")),
        "old-part": lambda: services.old_part_set(
            actor=u, line=_line(ro, PartLine, request), status=p.get("status", "")
        ),
        "qc": lambda: services.qc_record(
            actor=u,
            ro=ro,
            checklist={k: True for k in p.getlist("checklist")},
            passed=p.get("passed") == "1",
            reason=p.get("reason", ""),
            rework_lines=[i for i in p.getlist("rework_lines") if i.isdigit()],
        ),
        "settle": lambda: services.ro_settle(actor=u, ro=ro, on_account=p.get("on_account") == "1"),
        "pay": lambda: services.ro_pay(
            actor=u,
            ro=ro,
            method=p.get("method", ""),
            amount=p.get("amount") or "0",
            reference=p.get("reference", ""),
        ),
        "refund": lambda: services.ro_refund(
            actor=u,
            ro=ro,
            method=p.get("method", ""),
            amount=p.get("amount") or "0",
            reason=p.get("reason", ""),
            reference=p.get("reference", ""),
        ),
        "reverse": lambda: services.ro_settlement_reverse(actor=u, ro=ro, reason=p.get("reason", "")),
        "deliver": lambda: services.ro_deliver(
            actor=u, ro=ro, next_date=parse_date(p.get("next_date") or ""), next_km=p.get("next_km") or None
        ),
        "reception": lambda: services.ro_reception_update(
            actor=u,
            ro=ro,
            data={"complaint": p.get("complaint", ro.complaint), "key_tag": p.get("key_tag", ro.key_tag)},
        ),
    }
    steps["issue-all"] = lambda: services.ro_parts_issue(
        actor=u, ro=ro, old_part_handed_in=p.get("old_part") == "1"
    )
    steps["photo"] = lambda: services.ro_photos_add(
        actor=u, ro=ro, files=request.FILES.getlist("photos"), caption=p.get("caption", "")
    )
    fn = steps.get(step)
    if fn is None:
        raise Http404
    labels = {
        "issue": _("已发料"),
        "issue-all": _("已发料"),
        "settle": _("已结算"),
        "pay": _("已收款"),
        "refund": _("已退款"),
        "deliver": _("已交车，出门证已开具"),
        "confirm": _("客户已确认估价"),
        "qc": _("质检已记录"),
        "photo": _("照片已上传"),
    }
    run(request, lambda actor: fn(), labels.get(step, _("已保存")))
    if step in ("issue", "issue-all"):
        waiting = PartLine.objects.filter(ro=ro, status=PartStatus.WAITING)
        if step == "issue":
            waiting = waiting.filter(pk=p.get("line") or 0)
        if waiting.exists():
            messages.warning(request, _("库存不足，已登记紧急缺件，工单标记为等待配件"))
    return _back(request, ro)


def _settle_confirm(request, ro):
    """结算确认: the payer split, amounts and VAT the invoice will carry, with the button that posts it."""
    perm_or_403(request, "service.settle_repairorder")
    if ro.status != ROStatus.AWAITING_SETTLEMENT:
        messages.warning(request, _("工单当前为“%(s)s”，不能结算") % {"s": ro.get_status_display()})
        return redirect(ro)
    ro = selectors.ro_for_detail(request.user, ro.pk)
    t = services.pricing.totals(ro, ro.labour_lines, ro.part_lines)
    return render(
        request,
        "service/settle_confirm.html",
        {
            "title": f"{_('确认结算')} {ro.number}",
            "ro": ro,
            "t": t,
            "total": f"{t.total:.2f}",
            "vat_pct": f"{(ro.store.vat_rate * 100).normalize():f}",
            "payers": [(v, label, t.by_payer[v]) for v, label in Payer.choices],
        },
    )
