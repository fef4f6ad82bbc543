"""Warranty and accident pages: the warranty clerk's desk (索赔工作台: lines to sign, orders to claim, claims
due and rejected), claims with their steps, the claim KPIs, the manufacturer's payment matched to claims,
the old-parts ledger with return shipments and their packing list, accident jobs, the insurers' receivables
and contacts with the statement export. Thin: parse, call the service, say what happened."""

from __future__ import annotations

import datetime as dt

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import display_name, timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.tables import DateColumn, DateTimeColumn, MoneyColumn
from fours.core.views import FoursListView, perm_or_403, redirect_back, run, work_store
from fours.finance.choices import Method, PartyKind
from fours.parts.selectors import part_by_number

from .. import selectors_claims as sel
from .. import workflows_claims as wf
from ..choices import AccidentStatus, ClaimStatus, ContactKind, RejectReason, ShipmentStatus, TagStatus
from ..models import AccidentJob, LabourLine, OldPartTag, PartLine, RepairOrder, ReturnShipment, WarrantyClaim
from ..services import accidents as acc
from ..services import claims as cs

PAY_METHODS = [(m.value, m.label) for m in Method]

# --- lists -----------------------------------------------------------------------------------------------


def _link(name):
    return lambda record: reverse(name, args=[record.pk])


class PersonColumn(tables.Column):
    def render(self, value):
        return display_name(value)


class ClaimTable(tables.Table):
    number = tables.Column(verbose_name=gettext_lazy("索赔单号"), linkify=_link("service:claim-detail"))
    ro = tables.Column(verbose_name=gettext_lazy("工单"), accessor="ro__number")
    vin = tables.Column(verbose_name=gettext_lazy("车架号（VIN）"))
    amount = MoneyColumn(verbose_name=gettext_lazy("索赔金额"))
    approved_amount = MoneyColumn(verbose_name=gettext_lazy("批准金额"))
    paid_amount = MoneyColumn(verbose_name=gettext_lazy("回款金额"))
    deadline = DateColumn(verbose_name=gettext_lazy("申报截止日"), format="Y-m-d")
    clerk = PersonColumn(verbose_name=gettext_lazy("索赔员"))

    class Meta:
        model = WarrantyClaim
        fields = (
            "number",
            "ro",
            "vin",
            "brand",
            "status",
            "repaired_on",
            "deadline",
            "amount",
            "approved_amount",
            "paid_amount",
            "reject_reason",
            "submissions",
            "clerk",
        )


class ClaimFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(label=gettext_lazy("索赔单号"), lookup_expr="icontains")
    vin = django_filters.CharFilter(label=gettext_lazy("车架号（VIN）"), lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=ClaimStatus.choices)
    reject_reason = django_filters.ChoiceFilter(label=gettext_lazy("拒赔原因"), choices=RejectReason.choices)

    class Meta:
        model = WarrantyClaim
        fields = ["number", "vin", "status", "reject_reason"]


class ClaimListView(FoursListView):
    model = WarrantyClaim
    table_class = ClaimTable
    filterset_class = ClaimFilter
    title = gettext_lazy("索赔申请")

    def base_queryset(self):
        return WarrantyClaim.objects.select_related("ro", "brand", "clerk")


class AccidentTable(tables.Table):
    number = tables.Column(verbose_name=gettext_lazy("单号"), linkify=_link("service:accident-detail"))
    ro = tables.Column(verbose_name=gettext_lazy("工单"), accessor="ro__number")
    plate = tables.Column(verbose_name=gettext_lazy("车牌"), accessor="ro__vehicle__plate")
    insurer = tables.Column(verbose_name=gettext_lazy("保险公司"), accessor="insurer__name")
    assessed_amount = MoneyColumn(verbose_name=gettext_lazy("定损金额"))
    agreed_amount = MoneyColumn(verbose_name=gettext_lazy("协议金额"))
    final_amount = MoneyColumn(verbose_name=gettext_lazy("结算金额"))
    excess = MoneyColumn(verbose_name=gettext_lazy("客户自付（免赔）"))
    specialist = PersonColumn(verbose_name=gettext_lazy("事故专员"))

    class Meta:
        model = AccidentJob
        fields = (
            "number",
            "ro",
            "plate",
            "insurer",
            "claim_no",
            "status",
            "assessed_amount",
            "agreed_amount",
            "excess",
            "final_amount",
            "specialist",
        )


class AccidentFilter(django_filters.FilterSet):
    claim_no = django_filters.CharFilter(label=gettext_lazy("报案号"), lookup_expr="icontains")
    insurer = django_filters.CharFilter(
        label=gettext_lazy("保险公司"), field_name="insurer__name", lookup_expr="icontains"
    )
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=AccidentStatus.choices)

    class Meta:
        model = AccidentJob
        fields = ["claim_no", "insurer", "status"]


class AccidentListView(FoursListView):
    model = AccidentJob
    table_class = AccidentTable
    filterset_class = AccidentFilter
    title = gettext_lazy("事故车")
    create_url_name = "service:accident-create"
    create_label = gettext_lazy("登记事故车")

    def base_queryset(self):
        return AccidentJob.objects.select_related("ro__vehicle", "insurer", "specialist")


class ShipmentTable(tables.Table):
    number = tables.Column(verbose_name=gettext_lazy("返厂单号"), linkify=_link("service:shipment-detail"))
    n_tags = tables.Column(verbose_name=gettext_lazy("旧件数"))
    shipped_at = DateTimeColumn(verbose_name=gettext_lazy("发运时间"), format="Y-m-d H:i")

    class Meta:
        model = ReturnShipment
        fields = ("number", "brand", "status", "n_tags", "carrier", "waybill", "shipped_at")


class ShipmentListView(FoursListView):
    model = ReturnShipment
    table_class = ShipmentTable
    title = gettext_lazy("旧件返厂单")

    def base_queryset(self):
        from django.db.models import Count

        return ReturnShipment.objects.select_related("brand").annotate(n_tags=Count("tags")).order_by("-id")


# --- the clerk's desk ------------------------------------------------------------------------------------


@login_required
def warranty_desk(request):
    """索赔工作台: what waits for the warranty clerk."""
    perm_or_403(request, "service.view_warrantyclaim")
    store = work_store(request)
    today = timezone.localdate()
    return render(
        request,
        "service/claims/desk.html",
        {
            "title": _("索赔工作台"),
            "to_sign": sel.lines_to_sign(store),
            "may_sign": request.user.has_perm(wf.SIGN),
            "to_claim": sel.orders_to_claim(store),
            "may_claim": request.user.has_perm(wf.ADD_CLAIM),
            "due": sel.claims_due(store),
            "rejected": sel.claims_rejected(store),
            "today": today,
        },
    )


@login_required
def warranty_sign(request, kind, pk):
    if request.method != "POST":
        return redirect("service:warranty-desk")
    perm_or_403(request, wf.SIGN)
    model = {"labour": LabourLine, "part": PartLine}.get(kind)
    if model is None:
        raise Http404
    line = get_object_or_404(
        model.objects.filter(ro__in=RepairOrder.objects.for_user(request.user)).select_related("ro"), pk=pk
    )
    run(request, cs.warranty_sign, _("已签字认可"), line=line, note=request.POST.get("note", ""))
    return redirect_back(request, "service:warranty-desk")


@login_required
def warranty_decline(request, kind, pk):
    if request.method != "POST":
        return redirect("service:warranty-desk")
    perm_or_403(request, wf.SIGN)
    model = {"labour": LabourLine, "part": PartLine}.get(kind)
    if model is None:
        raise Http404
    line = get_object_or_404(
        model.objects.filter(ro__in=RepairOrder.objects.for_user(request.user)).select_related("ro"), pk=pk
    )
    run(
        request,
        cs.warranty_decline,
        _("已改为自费，请向客户解释"),
        line=line,
        reason=request.POST.get("note", ""),
    )
    return redirect_back(request, "service:warranty-desk")


# --- claims ------------------------------------------------------------------------------------------------


@login_required
def claim_create(request):
    perm_or_403(request, wf.ADD_CLAIM)
    if request.method != "POST":
        return redirect("service:warranty-desk")
    ro = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=request.POST.get("ro") or 0)
    claim = run(request, cs.claim_create, _("已生成索赔申请"), ro=ro)
    if claim is None:
        return redirect_back(request, "service:warranty-desk")
    return redirect("service:claim-detail", pk=claim.pk)


def _claim(request, pk):
    return get_object_or_404(
        WarrantyClaim.objects.for_user(request.user).select_related(
            "ro__vehicle", "brand", "clerk", "causal_part"
        ),
        pk=pk,
    )


@login_required
def claim_detail(request, pk):
    perm_or_403(request, "service.view_warrantyclaim")
    claim = _claim(request, pk)
    steps = wf.CLAIM.allowed_next(claim, request.user)
    lines = list(claim.lines.select_related("part_line__part", "labour"))
    tags = {t.part_line_id: t for t in claim.tags.select_related("shipment")}
    for ln in lines:
        ln.tag = tags.get(ln.part_line_id)
        ln.needs_tag = bool(ln.part_line_id and ln.part_line.part.needs_old_part and ln.tag is None)
    owed, open_ = cs.claim_receivable(claim)
    gap = cs.claim_gap(claim) if "writeoff" in steps else 0
    return render(
        request,
        "service/claims/claim_detail.html",
        {
            "title": _("索赔申请 %(n)s") % {"n": claim.number},
            "claim": claim,
            "steps": steps,
            "lines": lines,
            "checks": cs.claim_checks(claim)
            if claim.status in (ClaimStatus.DRAFT, ClaimStatus.REJECTED)
            else [],
            "owed": owed,
            "open": open_,
            "gap": gap,
            "left": (claim.approved_amount or 0) - claim.paid_amount,
            "ro_parts": sorted(
                {ln.part for ln in claim.ro.parts.select_related("part")}, key=lambda p: p.part_no
            ),
            "reasons": RejectReason.choices,
            "methods": PAY_METHODS,
            "today": timezone.localdate(),
            "timeline": timeline_for(claim)[:50],
        },
    )


def _claim_step(request, claim, step):
    p = request.POST
    if step == "edit":
        data = {f: p.get(f, "") for f in ("failure", "fault_code", "oem_ref", "note") if f in p}
        if "causal_part_no" in p:
            number = p.get("causal_part_no", "").strip()
            part = part_by_number(claim.store.group, number) if number else None
            if number and part is None:
                messages.error(request, _("配件编号 %(no)s 不存在") % {"no": number})
                return
            data["causal_part"] = part
        run(request, cs.claim_update, _("已保存"), claim=claim, data=data)
    elif step == "tag":
        line = get_object_or_404(PartLine, ro=claim.ro, pk=p.get("part_line") or 0)
        run(
            request, cs.old_part_tag, _("已挂签"), claim=claim, part_line=line, location=p.get("location", "")
        )
    elif step == "submitted":
        run(request, cs.claim_submit, _("已提交厂家"), claim=claim)
    elif step in ("approved", "partly", "rejected"):
        run(
            request,
            cs.claim_decide,
            _("已登记厂家审核结果"),
            claim=claim,
            result=step,
            approved_amount=p.get("approved_amount") or None,
            reject_reason=p.get("reject_reason", ""),
            note=p.get("note", ""),
            oem_ref=p.get("oem_ref", ""),
        )
    elif step == "pay":
        run(
            request,
            cs.claim_payment,
            _("已登记厂家回款"),
            claim=claim,
            amount=p.get("amount", ""),
            method=p.get("method") or Method.TRANSFER,
            reference=p.get("reference", ""),
            business_date=parse_date(p.get("business_date") or "") or None,
        )
    elif step == "writeoff":
        run(request, cs.claim_writeoff, _("差额已核销"), claim=claim, reason=p.get("reason", ""))
    elif step == "closed":
        run(request, cs.claim_close, _("索赔申请已关闭"), claim=claim, reason=p.get("reason", ""))
    else:
        raise Http404


@login_required
def claim_act(request, pk, step):
    claim = _claim(request, pk)
    if request.method == "POST":
        _claim_step(request, claim, step)
    return redirect("service:claim-detail", pk=claim.pk)


@login_required
def claim_kpi(request):
    perm_or_403(request, "service.view_warrantyclaim")
    store = work_store(request)
    end = parse_date(request.GET.get("end") or "") or timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or end - dt.timedelta(days=365)
    return render(
        request,
        "service/claims/kpi.html",
        {
            "title": _("索赔指标"),
            "k": sel.claim_kpis(store, start=start, end=end),
            "start": start,
            "end": end,
        },
    )


@login_required
def claims_payment(request):
    """厂家索赔回款: finance matches one manufacturer payment to several approved claims."""
    perm_or_403(request, wf.PAY)
    store = work_store(request)
    open_claims = list(
        WarrantyClaim.objects.filter(store=store, status__in=[ClaimStatus.APPROVED, ClaimStatus.PARTLY])
        .select_related("brand", "ro")
        .order_by("brand__name", "deadline")
    )
    if request.method == "POST":
        rows = []
        for c in open_claims:
            amount = (request.POST.get(f"amount_{c.pk}") or "").strip()
            if amount and amount not in ("0", "0.00"):
                rows.append((c, amount))
        p = request.POST
        pay = run(
            request,
            cs.claims_payment,
            _("已登记厂家回款"),
            store=store,
            rows=rows,
            method=p.get("method") or Method.TRANSFER,
            reference=p.get("reference", ""),
            business_date=parse_date(p.get("business_date") or "") or None,
        )
        if pay is not None:
            return redirect("service:claim-list")
    for c in open_claims:
        c.left = (c.approved_amount or 0) - c.paid_amount
    return render(
        request,
        "service/claims/claims_payment.html",
        {
            "title": _("厂家索赔回款"),
            "claims": open_claims,
            "methods": PAY_METHODS,
            "today": timezone.localdate(),
        },
    )


# --- old parts and return shipments --------------------------------------------------------------------------


@login_required
def old_part_tags(request):
    """索赔旧件台账: tagged warranty old parts, kept until shipped back or scrapped; pack a return shipment."""
    perm_or_403(request, "service.view_oldparttag")
    store = work_store(request)
    status = request.GET.get("status") or TagStatus.KEPT
    tags = (
        OldPartTag.objects.filter(store=store, status=status)
        .select_related("claim__ro__vehicle", "claim__brand", "part_line__part", "shipment", "tagged_by")
        .order_by("-tagged_at")[:500]
    )
    if request.method == "POST":
        perm_or_403(request, "service.add_returnshipment")
        ids = [int(i) for i in request.POST.getlist("tag") if i.isdigit()]
        chosen = list(OldPartTag.objects.filter(store=store, pk__in=ids).select_related("claim__brand"))
        brand = chosen[0].claim.brand if chosen else None
        if brand is None:
            messages.error(request, _("请选择要返厂的旧件"))
        else:
            shipment = run(
                request, cs.shipment_create, _("已生成旧件返厂单"), store=store, brand=brand, tags=chosen
            )
            if shipment is not None:
                return redirect("service:shipment-detail", pk=shipment.pk)
    return render(
        request,
        "service/claims/tags.html",
        {
            "title": _("索赔旧件台账"),
            "tags": tags,
            "status": status,
            "statuses": TagStatus.choices,
            "may_pack": request.user.has_perm("service.add_returnshipment") and status == TagStatus.KEPT,
            "may_scrap": request.user.has_perm(wf.SCRAP) and status == TagStatus.KEPT,
        },
    )


@login_required
def old_part_scrap(request, pk):
    perm_or_403(request, wf.SCRAP)
    tag = get_object_or_404(OldPartTag.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        run(
            request,
            cs.old_part_scrap,
            _("已按指令报废"),
            tag=tag,
            instruction=request.POST.get("instruction", ""),
        )
    return redirect_back(request, "service:oldpart-tags")


def _shipment(request, pk):
    return get_object_or_404(
        ReturnShipment.objects.for_user(request.user).select_related("brand", "store"), pk=pk
    )


@login_required
def shipment_detail(request, pk, printing=False):
    perm_or_403(request, "service.view_returnshipment")
    shipment = _shipment(request, pk)
    tags = shipment.tags.select_related("claim__ro__vehicle", "part_line__part").order_by("tag_no")
    return render(
        request,
        "service/claims/shipment_print.html" if printing else "service/claims/shipment_detail.html",
        {
            "title": _("旧件返厂单 %(n)s") % {"n": shipment.number},
            "shipment": shipment,
            "tags": tags,
            "steps": wf.SHIPMENT.allowed_next(shipment, request.user),
            "timeline": timeline_for(shipment)[:30],
        },
    )


@login_required
def shipment_print(request, pk):
    return shipment_detail(request, pk, printing=True)


@login_required
def shipment_act(request, pk, step):
    shipment = _shipment(request, pk)
    if request.method == "POST":
        if step == ShipmentStatus.SHIPPED:
            run(
                request,
                cs.shipment_ship,
                _("已发运"),
                shipment=shipment,
                carrier=request.POST.get("carrier", ""),
                waybill=request.POST.get("waybill", ""),
            )
        elif step == ShipmentStatus.RECEIVED:
            run(request, cs.shipment_receive, _("厂家已签收"), shipment=shipment)
        else:
            raise Http404
    return redirect("service:shipment-detail", pk=shipment.pk)


# --- accident jobs ---------------------------------------------------------------------------------------


@login_required
def accident_create(request):
    perm_or_403(request, "service.add_accidentjob")
    store = work_store(request)
    p = request.POST if request.method == "POST" else request.GET
    ro = None
    if p.get("ro_number"):
        ro = RepairOrder.objects.filter(store=store, number=p.get("ro_number", "").strip()).first()
    elif p.get("ro"):
        ro = (
            RepairOrder.objects.for_user(request.user)
            .filter(pk=p.get("ro") if str(p.get("ro")).isdigit() else 0)
            .first()
        )
    error = ""
    if request.method == "POST":
        if ro is None:
            error = _("工单不存在")
        else:
            job = run(
                request,
                acc.accident_open,
                _("已登记事故车"),
                ro=ro,
                insurer_name=p.get("insurer_name", ""),
                claim_no=p.get("claim_no", ""),
                policy_no=p.get("policy_no", ""),
                assessor=p.get("assessor", ""),
            )
            if job is not None:
                return redirect("service:accident-detail", pk=job.pk)
    from fours.finance.models import Party

    return render(
        request,
        "service/claims/accident_form.html",
        {
            "title": _("登记事故车"),
            "ro": ro,
            "error": error,
            "values": {
                "ro_number": p.get("ro_number") or (ro.number if ro else ""),
                "insurer_name": p.get("insurer_name") or (ro.insurer if ro else ""),
                "claim_no": p.get("claim_no") or (ro.claim_no if ro else ""),
                "policy_no": p.get("policy_no", ""),
                "assessor": p.get("assessor", ""),
            },
            "insurers": Party.objects.filter(store=store, kind=PartyKind.INSURER).order_by("name"),
        },
    )


def _job(request, pk):
    return get_object_or_404(
        AccidentJob.objects.for_user(request.user).select_related(
            "ro__vehicle", "insurer", "specialist", "store"
        ),
        pk=pk,
    )


@login_required
def accident_detail(request, pk):
    perm_or_403(request, "service.view_accidentjob")
    job = _job(request, pk)
    items = list(job.items.all())
    return render(
        request,
        "service/claims/accident_detail.html",
        {
            "title": _("事故车 %(n)s") % {"n": job.number},
            "job": job,
            "items": items,
            "blank_rows": range(max(3, 6 - len(items))),
            "kinds": acc.ITEM_KINDS,
            "steps": wf.ACCIDENT.allowed_next(job, request.user),
            "money": acc.job_money(job),
            "methods": PAY_METHODS,
            "today": timezone.localdate(),
            "timeline": timeline_for(job)[:50],
        },
    )


def _assessment_rows(post) -> list[dict]:
    rows = []
    names = post.getlist("item_name")
    for i, name in enumerate(names):
        row = {
            "name": name,
            "kind": (post.getlist("item_kind") + [""] * len(names))[i],
            "qty": (post.getlist("item_qty") + [""] * len(names))[i] or 1,
            "assessed": (post.getlist("item_assessed") + [""] * len(names))[i],
            "agreed": (post.getlist("item_agreed") + [""] * len(names))[i],
        }
        if name.strip() or row["assessed"]:
            rows.append(row)
    return rows


@login_required
def accident_act(request, pk, step):
    job = _job(request, pk)
    if request.method != "POST":
        return redirect("service:accident-detail", pk=job.pk)
    p = request.POST
    if step == "assess":
        run(
            request,
            acc.accident_assess,
            _("定损已保存"),
            job=job,
            items=_assessment_rows(p),
            assessor=p.get("assessor", ""),
        )
    elif step == AccidentStatus.AGREED:
        run(
            request,
            acc.accident_agree,
            _("维修协议已签订"),
            job=job,
            signer_name=p.get("signer_name", ""),
            excess=p.get("excess") or 0,
            agreed_amount=p.get("agreed_amount") or None,
            signature=p.get("signature", ""),
        )
    elif step == AccidentStatus.SETTLED:
        run(request, acc.accident_settle, _("已取结算金额"), job=job)
    elif step == "collect":
        run(
            request,
            acc.accident_collect,
            _("已登记保险回款"),
            job=job,
            amount=p.get("amount", ""),
            method=p.get("method") or Method.TRANSFER,
            reference=p.get("reference", ""),
            business_date=parse_date(p.get("business_date") or "") or None,
        )
    elif step == "writeoff":
        run(request, acc.accident_writeoff, _("差额已核销"), job=job, reason=p.get("reason", ""))
    else:
        raise Http404
    return redirect("service:accident-detail", pk=job.pk)


# --- insurers ------------------------------------------------------------------------------------------------


@login_required
def insurers(request):
    """保险公司: receivables per insurer, this month's contacts against the minimum, the contact log."""
    if not (
        request.user.has_perm("service.view_accidentjob")
        or request.user.has_perm("service.view_insurercontact")
    ):
        raise PermissionDenied
    store = work_store(request)
    from fours.finance.models import Party

    if request.method == "POST":
        perm_or_403(request, wf.CONTACT)
        insurer = Party.objects.filter(
            store=store, kind=PartyKind.INSURER, pk=request.POST.get("insurer") or 0
        ).first()
        if insurer is None:
            messages.error(request, _("请选择本店的保险公司"))
        else:
            at = request.POST.get("at") or None
            run(
                request,
                acc.insurer_contact_add,
                _("已记录联系"),
                store=store,
                insurer=insurer,
                kind=request.POST.get("kind", ""),
                subject=request.POST.get("subject", ""),
                person=request.POST.get("person", ""),
                at=at.replace("T", " ") if at else None,
            )
        return redirect("service:insurer-list")
    return render(
        request,
        "service/claims/insurers.html",
        {
            "title": _("保险公司"),
            "rows": sel.insurers_overview(store),
            "contacts": sel.contacts_for(request.user).filter(store=store)[:50],
            "kinds": ContactKind.choices,
            "may_contact": request.user.has_perm(wf.CONTACT),
        },
    )


@login_required
def insurer_statement(request, pk):
    """保险公司对账单 (Excel)."""
    perm_or_403(request, "service.view_accidentjob")
    store = work_store(request)
    from fours.finance.models import Party

    insurer = get_object_or_404(Party, store=store, kind=PartyKind.INSURER, pk=pk)
    start = parse_date(request.GET.get("start") or "")
    end = parse_date(request.GET.get("end") or "")
    data = sel.insurer_statement_xlsx(store, insurer, start=start, end=end)
    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    from urllib.parse import quote

    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(insurer.name + '对账单.xlsx')}"
    return resp


# --- routes, sidebar, home ------------------------------------------------------------------------------------

urlpatterns = [
    path("warranty/", warranty_desk, name="warranty-desk"),
    path("warranty/sign/<str:kind>/<int:pk>/", warranty_sign, name="warranty-sign"),
    path("warranty/decline/<str:kind>/<int:pk>/", warranty_decline, name="warranty-decline"),
    path("claims/", ClaimListView.as_view(), name="claim-list"),
    path("claims/new/", claim_create, name="claim-create"),
    path("claims/kpi/", claim_kpi, name="claim-kpi"),
    path("claims/payment/", claims_payment, name="claim-payment"),
    path("claims/<int:pk>/", claim_detail, name="claim-detail"),
    path("claims/<int:pk>/<str:step>/", claim_act, name="claim-act"),
    path("old-part-tags/", old_part_tags, name="oldpart-tags"),
    path("old-part-tags/<int:pk>/scrap/", old_part_scrap, name="oldpart-scrap"),
    path("shipments/", ShipmentListView.as_view(), name="shipment-list"),
    path("shipments/<int:pk>/", shipment_detail, name="shipment-detail"),
    path("shipments/<int:pk>/print/", shipment_print, name="shipment-print"),
    path("shipments/<int:pk>/<str:step>/", shipment_act, name="shipment-act"),
    path("accidents/", AccidentListView.as_view(), name="accident-list"),
    path("accidents/new/", accident_create, name="accident-create"),
    path("accidents/<int:pk>/", accident_detail, name="accident-detail"),
    path("accidents/<int:pk>/<str:step>/", accident_act, name="accident-act"),
    path("insurers/", insurers, name="insurer-list"),
    path("insurers/<int:pk>/statement/", insurer_statement, name="insurer-statement"),
]

NAV = [
    NavItem(
        "service",
        gettext_lazy("索赔工作台"),
        "service:warranty-desk",
        "service.sign_warranty",
        "bi-shield-check",
        66,
    ),
    NavItem(
        "service",
        gettext_lazy("索赔申请"),
        "service:claim-list",
        "service.view_warrantyclaim",
        "bi-file-earmark-medical",
        67,
    ),
    NavItem(
        "service", gettext_lazy("索赔旧件"), "service:oldpart-tags", "service.view_oldparttag", "bi-tags", 68
    ),
    NavItem(
        "service",
        gettext_lazy("旧件返厂"),
        "service:shipment-list",
        "service.view_returnshipment",
        "bi-truck",
        69,
    ),
    NavItem(
        "service", gettext_lazy("索赔指标"), "service:claim-kpi", "service.decide_claim", "bi-graph-up", 70
    ),
    NavItem(
        "service",
        gettext_lazy("事故车"),
        "service:accident-list",
        "service.view_accidentjob",
        "bi-car-front",
        71,
    ),
    NavItem(
        "service",
        gettext_lazy("保险公司"),
        "service:insurer-list",
        "service.view_accidentjob",
        "bi-building",
        72,
    ),
    NavItem(
        "management",
        gettext_lazy("厂家索赔回款"),
        "service:claim-payment",
        "finance.add_payment",
        "bi-bank",
        46,
    ),
]


def widgets(request, store):
    """The warranty clerk's own work first: lines to sign, claims due, rejected claims to resubmit."""
    user = request.user
    if store is None or not user.has_perm(wf.SIGN):
        return []
    desk = reverse("service:warranty-desk")
    due = sel.claims_due(store)
    late = sum(1 for r in due if r["days_left"] < 0)
    return [
        Widget(
            "service",
            _("待签字索赔项目"),
            len(sel.lines_to_sign(store)),
            _("项"),
            desk + "#to-sign",
            mine=True,
        ),
        Widget(
            "service",
            _("即将到期索赔"),
            len(due),
            _("单"),
            desk + "#due",
            tone="danger" if late else "warning",
            note=_("已超期 %(n)s") % {"n": late},
            mine=True,
        ),
        Widget(
            "service",
            _("拒赔待重报"),
            sel.claims_rejected(store).count(),
            _("单"),
            reverse("service:claim-list") + "?status=rejected",
            tone="danger",
            mine=True,
        ),
    ]
