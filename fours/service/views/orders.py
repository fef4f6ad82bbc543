"""Repair orders: the list, the order page and its prints."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.roles import Role
from fours.core.selectors import users_with_role as _users_with_role
from fours.core.views import FoursListView, perm_or_403
from fours.core.workflows import allowed_next

from .. import filters, selectors, services, tables, workflows
from ..choices import (
    LINE_ROW_CLASS,
    QC_CHECKLIST,
    STATUS_TONE,
    Approval,
    ClaimStatus,
    ConfirmMethod,
    OldPartStatus,
    PauseReason,
    Payer,
    SettlementKind,
)
from ..models import (
    Bay,
    LabourOperation,
    RepairOrder,
    Team,
)
from .cashier import desk_url

# --- repair orders --------------------------------------------------------------------------------


def _customer_advance(ro, settlements):
    """The customer's advance (预收) at the desk, shown on an order reversed after payment: what the next
    settlement takes first, or the cashier refunds."""
    latest = settlements[0] if settlements else None  # newest first
    if latest is None or latest.kind != SettlementKind.REVERSAL or latest.advance <= 0:
        return None
    from fours.finance.services.ledger import advance_of, customer_party

    return advance_of(customer_party(ro.store, ro.customer))


# the badge of a claim on the order page: refused red, not yet sent grey, waiting for the maker amber
CLAIM_TONES = {
    ClaimStatus.REJECTED: "danger",
    ClaimStatus.DRAFT: "secondary",
    ClaimStatus.SUBMITTED: "warning",
}


def _warranty(ro, user) -> dict:
    """The order's warranty claims (索赔申请) with the manufacturer's decision, and the sign-off of its
    索赔 lines by the warranty clerk (索赔员签字认可: who, when), read in two queries."""
    from django.contrib.auth import get_user_model

    lines = [ln for ln in ro.labour_lines + ro.part_lines if ln.payer == Payer.WARRANTY]
    if not lines:
        return {"claims": [], "warranty_lines": []}
    ids = {ln.warranty_signed_by_id for ln in lines if ln.warranty_signed_by_id}
    people = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}
    for ln in lines:
        ln.signer = people.get(ln.warranty_signed_by_id)
        ln.label = ln.name if hasattr(ln, "name") else ln.part.name
    claims = list(ro.claims.select_related("clerk").order_by("-pk"))
    may_open = user.has_perm("service.view_warrantyclaim")
    for c in claims:
        c.url = c.get_absolute_url() if may_open else ""
        c.tone = CLAIM_TONES.get(c.status, "success")
    return {
        "claims": claims,
        "warranty_lines": lines,
        "warranty_unsigned": sum(1 for ln in lines if not ln.warranty_signed_at),
    }


def _phone_confirm(ro, user, steps) -> str:
    """The purpose of the phone link (手机确认) the user may send now: the estimate while it waits for the
    customer, the added jobs when some wait; "" when neither, or the user may not send messages
    (``crm.add_message``: the advisor, customer care) or the customer has no mobile."""
    if not user.has_perm("crm.add_message") or not ro.customer.mobile:
        return ""
    if "confirm" in steps:
        return "estimate"
    if "added-confirm" in steps and any(
        ln.approval == Approval.PENDING for ln in ro.labour_lines + ro.part_lines
    ):
        return "added"
    return ""


class ROListView(FoursListView):
    model = RepairOrder
    table_class = tables.ROTable
    filterset_class = filters.ROFilter
    title = gettext_lazy("维修工单")
    create_url_name = "service:reception"
    create_label = gettext_lazy("接车开单")

    def base_queryset(self):
        return RepairOrder.objects.select_related("vehicle", "customer", "advisor")


@login_required
def ro_detail(request, pk):
    perm_or_403(request, "service.view_repairorder")
    ro = selectors.ro_for_detail(request.user, pk)
    u = request.user
    steps = allowed_next(ro, u)
    for ln in ro.labour_lines + ro.part_lines:
        ln.steps = workflows.line_steps(ln, steps, u)
        ln.row_class = LINE_ROW_CLASS.get(ln.status, "")
    est = services.pricing.totals(ro, ro.labour_lines, ro.part_lines, estimate=True)
    actual = services.pricing.totals(ro, ro.labour_lines, ro.part_lines)
    refusal = services.delivery_refusal(ro) if "deliver" in steps else None
    store = ro.store
    settlements = list(ro.settlements.select_related("actor"))
    settled_once = bool(settlements)
    dispatching = "dispatch" in steps
    ctx = {
        "title": f"{_('维修工单')} {ro.number}",
        "object": ro,
        "ro": ro,
        "steps": steps,
        "status_tone": STATUS_TONE.get(ro.status, "primary"),
        "est": est,
        "actual": actual,
        "payers": Payer.choices,
        "confirm_methods": ConfirmMethod.choices,
        "pause_reasons": PauseReason.choices,
        "old_part_choices": [c for c in OldPartStatus.choices if c[0]],
        "checklist": QC_CHECKLIST,
        "pending_added": [ln for ln in ro.labour_lines + ro.part_lines if ln.approval == Approval.PENDING],
        "to_issue": sum(
            1
            for ln in ro.part_lines
            if "issue" in ln.steps and ln.approval == Approval.APPROVED and ln.qty > ln.qty_issued
        ),
        "discount_requests": selectors.pending_discount_requests(ro),
        "approvals": list(ro.approvals.select_related("recorded_by")),
        "delays": list(ro.delays.select_related("actor")),
        "photos": list(ro.photos.all()),
        "settlements": settlements,
        # the order's finance items per payer and the desk's payments on them (two queries, once settled)
        "items": selectors.ro_items(ro) if settled_once else [],
        "payments": selectors.ro_payments(ro) if settled_once else [],
        "advance": _customer_advance(ro, settlements),
        "desk_url": desk_url(request.user, ro),
        "timeline": timeline_for(ro).select_related("actor")[:100],
        "deliver_blocked": refusal[1] if refusal else "",
        "technicians": _users_with_role(store, Role.TECHNICIAN) if dispatching else [],
        "teams": Team.objects.filter(store=store) if dispatching else [],
        "bays": Bay.objects.filter(store=store, is_active=True) if dispatching else [],
        "operations": LabourOperation.objects.filter(group_id=store.group_id, is_active=True).order_by(
            "code"
        )[:300]
        if "labour-add" in steps
        else [],
        "now": timezone.now(),
        "phone_confirm": _phone_confirm(ro, u, steps),
        **_warranty(ro, u),
    }
    return render(request, "service/ro_detail.html", ctx)


@login_required
def ro_print(request, pk, doc):
    perm_or_403(request, "service.view_repairorder")
    ro = selectors.ro_for_detail(request.user, pk)
    if doc not in ("estimate", "settlement", "picklist", "gatepass"):
        raise Http404
    from ..choices import BELONGINGS, WARNING_LIGHTS

    words = dict(BELONGINGS) | dict(WARNING_LIGHTS)
    ctx = {
        "ro": ro,
        "object": ro,
        "store": ro.store,
        "doc": doc,
        "payers": dict(Payer.choices),
        "belongings": [str(words.get(b, b)) for b in ro.belongings or []],
        "lights": [str(words.get(w, w)) for w in ro.warning_lights or []],
    }
    if doc == "estimate":
        ctx["title"] = _("维修委托书")
        ctx["t"] = services.pricing.totals(ro, ro.labour_lines, ro.part_lines, estimate=True)
        ctx["approval"] = ro.approvals.filter(kind="estimate").last()
        ctx["added"] = list(ro.approvals.filter(kind="added"))
    elif doc == "settlement":
        ctx["title"] = _("维修结算单")
        ctx["st"] = ro.settlements.filter(kind="normal", reversed_by__isnull=True).last()
        ctx["t"] = services.pricing.totals(ro, ro.labour_lines, ro.part_lines)
        ctx["payments"] = selectors.ro_payments(ro)
    elif doc == "picklist":
        from fours.parts.selectors import pick_list

        lines = selectors.lines_to_pick(ro)
        for ln in lines:
            ln.store = ro.store
        return render(
            request,
            "parts/print.html",
            {
                "doc_title": _("维修领料单"),
                "object": ro,
                "store": ro.store,
                "header": [
                    (_("工单号"), ro.number),
                    (_("车牌"), ro.vehicle.plate),
                    (_("服务顾问"), ro.advisor.get_full_name()),
                ],
                "columns": [_("库位"), _("配件编号"), _("名称"), _("数量"), _("付费方"), _("旧件")],
                "rows": [
                    [
                        ln.bin_code or "—",
                        ln.part.display_no or ln.part.part_no,
                        ln.part.name,
                        ln.qty - ln.qty_issued,
                        ln.get_payer_display(),
                        _("须交旧") if ln.payer == Payer.WARRANTY else "",
                    ]
                    for ln in pick_list(lines, store=ro.store)
                ],
                "signatures": [_("领料人"), _("发料人")],
            },
        )
    else:
        ctx["title"] = _("出门证")
    return render(request, "service/print_ro.html", ctx)
