"""The steps of the order page: every button posts to ``ro_act`` with its step name; ``STEPS`` maps the
name to a small view that parses its own fields, calls its service and says what happened. The
dispatcher loads the order through the store-scoped queryset and refuses a step the user's roles may
not take (workflows.RO); the page offers only the steps allowed_next names."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.errors import BusinessError, NotAllowed
from fours.core.roles import Role
from fours.core.selectors import users_with_role
from fours.core.views import error_text
from fours.core.views import redirect_back as _back
from fours.finance.choices import InvoiceKind
from fours.parts.selectors import part_by_number

from .. import selectors, services, workflows
from ..choices import PartStatus, Payer
from ..models import Bay, DiscountRequest, LabourLine, LabourOperation, PartLine, RepairOrder, Team
from ._common import _dt

SAVED = gettext_lazy("已保存")


def _line(request, ro, model):
    return get_object_or_404(model, ro=ro, pk=request.POST.get("line") or 0)


def _labour(request, ro):
    return _line(request, ro, LabourLine)


def _part_line(request, ro):
    return _line(request, ro, PartLine)


def _signed(request) -> dict:
    p = request.POST
    return {
        "signer_name": p.get("signer_name", ""),
        "method": p.get("method", ""),
        "signature": p.get("signature", ""),
    }


def _warn_if_short(request, ro, lines) -> None:
    if lines.filter(status=PartStatus.WAITING).exists():
        messages.warning(request, _("库存不足，已登记紧急缺件，工单标记为等待配件"))


# --- the order's lines and reception --------------------------------------------------------------


def labour_add(request, ro):
    p = request.POST
    operation = LabourOperation.objects.filter(group=ro.store.group, pk=p.get("operation") or 0).first()
    services.ro_labour_add(
        actor=request.user,
        ro=ro,
        operation=operation,
        name=p.get("name", ""),
        hours=p.get("hours") or None,
        payer=p.get("payer") or Payer.CUSTOMER,
    )
    return SAVED


def part_add(request, ro):
    p = request.POST
    part = part_by_number(ro.store.group, p.get("part_no", ""))
    if part is None:
        raise ValidationError({"part_no": _("配件编号 %(no)s 不存在") % {"no": p.get("part_no", "")}})
    services.ro_part_add(
        actor=request.user,
        ro=ro,
        part=part,
        qty=p.get("qty"),
        payer=p.get("payer") or Payer.CUSTOMER,
        unit_price=p.get("unit_price") or None,
    )
    return SAVED


def labour_remove(request, ro):
    services.ro_line_remove(actor=request.user, line=_labour(request, ro))
    return SAVED


def part_remove(request, ro):
    services.ro_line_remove(actor=request.user, line=_part_line(request, ro))
    return SAVED


def reception(request, ro):
    p = request.POST
    data = {"complaint": p.get("complaint", ro.complaint), "key_tag": p.get("key_tag", ro.key_tag)}
    services.ro_reception_update(actor=request.user, ro=ro, data=data)
    return SAVED


def photo(request, ro):
    files = request.FILES.getlist("photos")
    services.ro_photos_add(actor=request.user, ro=ro, files=files, caption=request.POST.get("caption", ""))
    return _("照片已上传")


# --- estimate, the customer's confirmations, discounts, delays ----------------------------------------


def estimate(request, ro):
    services.ro_estimate_submit(actor=request.user, ro=ro, promised_at=_dt(request.POST.get("promised_at")))
    return SAVED


def confirm(request, ro):
    services.ro_estimate_confirm(actor=request.user, ro=ro, **_signed(request))
    return _("客户已确认估价")


def added_confirm(request, ro):
    approved = request.POST.get("approved", "1") == "1"
    services.ro_added_confirm(actor=request.user, ro=ro, approved=approved, **_signed(request))
    return SAVED


def discount(request, ro):
    p = request.POST
    services.ro_discount_set(
        actor=request.user,
        ro=ro,
        labour_pct=p.get("labour_pct") or 0,
        parts_pct=p.get("parts_pct") or 0,
        reason=p.get("reason", ""),
        request_approval=p.get("request_approval") == "1",
    )
    return SAVED


def discount_decide(request, ro):
    req = get_object_or_404(DiscountRequest, ro=ro, pk=request.POST.get("request") or 0)
    services.discount_decide(actor=request.user, request=req, approve=request.POST.get("approve") == "1")
    return SAVED


def delay(request, ro):
    p = request.POST
    when = _dt(p.get("new_promised_at"))
    services.ro_delay(actor=request.user, ro=ro, new_promised_at=when, reason=p.get("reason", ""))
    return SAVED


def cancel(request, ro):
    services.ro_cancel(actor=request.user, ro=ro, reason=request.POST.get("reason", ""))
    return SAVED


# --- the workshop ----------------------------------------------------------------------------------


def dispatch(request, ro):
    p, store = request.POST, ro.store
    services.line_dispatch(
        actor=request.user,
        line=_labour(request, ro),
        technician=users_with_role(store, Role.TECHNICIAN).filter(pk=p.get("technician") or 0).first(),
        team=Team.objects.filter(store=store, pk=p.get("team") or 0).first(),
        bay=Bay.objects.filter(store=store, pk=p.get("bay") or 0).first(),
    )
    return SAVED


def clock_on(request, ro):
    services.clock_on(actor=request.user, line=_labour(request, ro))
    return SAVED


def clock_off(request, ro):
    note = request.POST.get("note", "")
    services.clock_off(actor=request.user, line=_labour(request, ro), finished=True, note=note)
    return SAVED


def pause(request, ro):
    p = request.POST
    services.clock_off(
        actor=request.user,
        line=_labour(request, ro),
        finished=False,
        reason=p.get("reason", ""),
        note=p.get("note", ""),
    )
    return SAVED


def part_request(request, ro):
    services.part_request(actor=request.user, line=_part_line(request, ro))
    return SAVED


def issue(request, ro):
    line = _part_line(request, ro)
    services.part_issue(
        actor=request.user,
        line=line,
        qty=request.POST.get("qty") or None,
        old_part_handed_in=request.POST.get("old_part") == "1",
    )
    _warn_if_short(request, ro, PartLine.objects.filter(pk=line.pk))
    return _("已发料")


def issue_all(request, ro):
    services.ro_parts_issue(actor=request.user, ro=ro, old_part_handed_in=request.POST.get("old_part") == "1")
    _warn_if_short(request, ro, PartLine.objects.filter(ro=ro))
    return _("已发料")


def part_return(request, ro):
    services.part_return(actor=request.user, line=_part_line(request, ro), qty=request.POST.get("qty"))
    return SAVED


def old_part(request, ro):
    services.old_part_set(
        actor=request.user, line=_part_line(request, ro), status=request.POST.get("status", "")
    )
    return SAVED


def qc(request, ro):
    p = request.POST
    services.qc_record(
        actor=request.user,
        ro=ro,
        checklist={k: True for k in p.getlist("checklist")},
        passed=p.get("passed") == "1",
        reason=p.get("reason", ""),
        rework_lines=[i for i in p.getlist("rework_lines") if i.isdigit()],
    )
    return _("质检已记录")


# --- the cashier and delivery -------------------------------------------------------------------------


def settle(request, ro):
    """结算 posts the invoice: only from the confirmation page, and only for the amounts shown there."""
    p = request.POST
    if p.get("confirm") != "1":
        messages.info(request, _("请先核对付费方、金额和税额，再确认结算"))
        return redirect("service:ro-act", ro.pk, "settle")
    if "settle" in workflows.RO.allowed_next(ro, request.user):  # else the service says why not
        full = selectors.ro_for_detail(request.user, ro.pk)
        now = services.pricing.totals(full, full.labour_lines, full.part_lines).total
        if p.get("total", "") != f"{now:.2f}":
            messages.warning(request, _("结算金额已变为 ¥%(t)s，请重新核对后确认") % {"t": f"{now:,.2f}"})
            return redirect("service:ro-act", ro.pk, "settle")
    services.ro_settle(
        actor=request.user,
        ro=ro,
        on_account=p.get("on_account") == "1",
        invoice_kind=p.get("invoice_kind") or InvoiceKind.VAT_ORDINARY,
    )
    return _("已结算，请客户到收银台付款")


def reverse(request, ro):
    services.ro_settlement_reverse(actor=request.user, ro=ro, reason=request.POST.get("reason", ""))
    return SAVED


def deliver(request, ro):
    p = request.POST
    next_date = parse_date(p.get("next_date") or "")
    services.ro_deliver(actor=request.user, ro=ro, next_date=next_date, next_km=p.get("next_km") or None)
    return _("已交车，出门证已开具")


STEPS = {
    "labour-add": labour_add,
    "part-add": part_add,
    "labour-remove": labour_remove,
    "part-remove": part_remove,
    "reception": reception,
    "photo": photo,
    "estimate": estimate,
    "confirm": confirm,
    "added-confirm": added_confirm,
    "discount": discount,
    "discount-decide": discount_decide,
    "delay": delay,
    "cancel": cancel,
    "dispatch": dispatch,
    "clock-on": clock_on,
    "clock-off": clock_off,
    "pause": pause,
    "request": part_request,
    "issue": issue,
    "issue-all": issue_all,
    "return": part_return,
    "old-part": old_part,  # the old part's record (旧件台账) is kept at any status
    "qc": qc,
    "settle": settle,
    "reverse": reverse,
    "deliver": deliver,
}


def _take(request, ro, step):
    """A step the user's roles may not take is refused here, from the workflow's table; the order's
    status is the service's to judge (under the order's lock, with its own words), by the same table."""
    if step in workflows.RO.actions and not workflows.RO.can_ever(request.user, step):
        raise NotAllowed(_("您的岗位不能执行此操作"))
    return STEPS[step](request, ro)


@login_required
def ro_act(request, pk, step):
    """Every button of the order page posts here: the step's view parses, calls its service and says
    what happened; back to the order (or ``next``)."""
    ro = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=pk)
    if step not in STEPS:
        raise Http404
    if request.method != "POST":
        return settle_confirm(request, ro) if step == "settle" else redirect(ro)
    try:
        result = _take(request, ro, step)
    except ValidationError as e:
        messages.error(request, error_text(e))
    except PermissionDenied as e:
        messages.error(request, str(e) or _("您没有此操作的权限"))
    else:
        if isinstance(result, HttpResponse):
            return result
        messages.success(request, result)
    return _back(request, ro)


def settle_confirm(request, ro):
    """结算确认: the payer split, amounts and VAT the invoice will carry, with the button that posts it."""
    try:
        workflows.RO.require_action(ro, "settle", actor=request.user)
    except BusinessError:
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
            "invoice_kinds": [
                (k, InvoiceKind(k).label) for k in (InvoiceKind.VAT_ORDINARY, InvoiceKind.VAT_SPECIAL)
            ],
        },
    )
