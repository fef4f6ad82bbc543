"""市场活动 and 关怀礼品: the campaigns with their segment, invitations and results (cost per lead, per sale,
投入产出, the OEM's support), and the care gifts approved by the GM within the month's quota."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import display_name, timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.tables import DateColumn, DateTimeColumn, MoneyColumn
from fours.core.views import FoursListView, error_text, perm_or_403, run, work_store
from fours.customers.models import Customer, VehicleModel

from .. import selectors as sel
from .. import services
from ..choices import CampaignStatus, GiftStatus
from ..models import Campaign, CareGift
from ..services.campaigns import gifts_month_total
from ..workflows import CAMPAIGN, GIFT


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=CampaignStatus.choices)

    class Meta:
        model = Campaign
        fields = ["status"]


class CampaignTable(tables.Table):
    number = tables.Column(linkify=True)
    budget = MoneyColumn(verbose_name=gettext_lazy("预算"))
    actual_cost = MoneyColumn(verbose_name=gettext_lazy("实际费用"))
    starts_on = DateColumn(verbose_name=gettext_lazy("开始日期"), format="Y-m-d")
    ends_on = DateColumn(verbose_name=gettext_lazy("结束日期"), format="Y-m-d")

    class Meta:
        model = Campaign
        fields = ("number", "name", "channel", "starts_on", "ends_on", "budget", "actual_cost", "status")


class CampaignListView(FoursListView):
    model = Campaign
    table_class = CampaignTable
    filterset_class = CampaignFilter
    title = gettext_lazy("市场活动")
    create_url_name = "crm:campaign_create"
    create_label = gettext_lazy("新建活动")


SEGMENT_FIELDS = ("age_min", "age_max", "no_visit_months", "kind", "tag")


@login_required
def campaign_create(request):
    perm_or_403(request, "crm.add_campaign")
    store = work_store(request)
    p = request.POST
    errors = {}
    models = list(VehicleModel.objects.select_related("series").order_by("series__name", "name")[:200])
    if request.method == "POST":
        try:
            c = services.campaign_create(
                actor=request.user,
                store=store,
                name=p.get("name", ""),
                starts_on=parse_date(p.get("starts_on") or ""),
                ends_on=parse_date(p.get("ends_on") or ""),
                channel=p.get("channel", ""),
                department=p.get("department", "sales"),
                budget=p.get("budget") or 0,
                segment={k: p.get(k) for k in SEGMENT_FIELDS} | {"models": p.getlist("models")},
                target_models=[m for m in models if str(m.pk) in p.getlist("models")],
            )
        except ValidationError as e:
            errors = {k: "；".join(v) for k, v in e.message_dict.items()}
        else:
            messages.success(request, _("活动已创建 %(n)s") % {"n": c.number})
            return redirect("crm:campaign_detail", pk=c.pk)
    return render(
        request,
        "crm/campaign_form.html",
        {"title": _("新建活动"), "form": p, "errors": errors, "models": models},
        status=400 if errors else 200,
    )


def _campaign(request, pk) -> Campaign:
    return get_object_or_404(sel.campaigns_for(request.user), pk=pk)


@login_required
def campaign_detail(request, pk):
    perm_or_403(request, "crm.view_campaign")
    c = _campaign(request, pk)
    steps = CAMPAIGN.allowed_next(c, request.user)
    segment_n = services.segment_customers(c.store, c.segment).count() if "invite" in steps else None
    return render(
        request,
        "crm/campaign_detail.html",
        {
            "title": _("市场活动 %(n)s") % {"n": c.number},
            "c": c,
            "r": sel.campaign_result(c),
            "steps": steps,
            "segment_n": segment_n,
            "members": list(c.members.select_related("customer").order_by("id")[:200]),
            "timeline": timeline_for(c)[:30],
        },
    )


@login_required
def campaign_act(request, pk, step):
    c = _campaign(request, pk)
    if request.method != "POST":
        return redirect("crm:campaign_detail", pk=c.pk)
    p = request.POST
    if step == "start":
        run(request, services.campaign_step, _("活动已开始"), campaign=c, to=CampaignStatus.RUNNING)
    elif step == "finish":
        run(
            request,
            services.campaign_step,
            _("活动已结束"),
            campaign=c,
            to=CampaignStatus.DONE,
            report=p.get("report", ""),
        )
    elif step == "invite":
        try:
            r = services.campaign_invite(
                actor=request.user, campaign=c, body=p.get("body", ""), send=p.get("send") == "1"
            )
        except (ValidationError, PermissionDenied) as e:
            messages.error(
                request, error_text(e) if isinstance(e, ValidationError) else _("您没有此操作的权限")
            )
        else:
            messages.success(
                request,
                _("新增活动客户 %(a)s 位，已发送邀约 %(m)s 条，%(s)s 位未同意营销信息未发送")
                % {"a": r["added"], "m": r["messaged"], "s": r["skipped"]},
            )
    elif step == "record":
        ids = lambda name: [int(x) for x in p.getlist(name) if x.isdigit()]  # noqa: E731
        run(
            request,
            services.campaign_record,
            _("活动结果已保存"),
            campaign=c,
            actual_cost=p.get("actual_cost") or None,
            oem_support=p.get("oem_support") or None,
            responded=ids("responded"),
            attended=ids("attended"),
        )
    else:
        raise Http404
    return redirect("crm:campaign_detail", pk=c.pk)


# --- 关怀礼品 ---------------------------------------------------------------------------------------


class GiftTable(tables.Table):
    created_at = DateTimeColumn(verbose_name=gettext_lazy("申请时间"), format="Y-m-d H:i")
    value = MoneyColumn(verbose_name=gettext_lazy("价值"))
    requested_by = tables.Column(verbose_name=gettext_lazy("申请人"))
    approved_by = tables.Column(verbose_name=gettext_lazy("审批人"))
    act = tables.TemplateColumn(
        template_name="crm/_gift_actions.html",
        verbose_name=gettext_lazy("操作"),
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = CareGift
        fields = (
            "created_at",
            "customer",
            "reason",
            "part",
            "qty",
            "value",
            "status",
            "requested_by",
            "approved_by",
        )

    def render_requested_by(self, value):
        return display_name(value)

    def render_approved_by(self, value):
        return display_name(value)


class GiftFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=GiftStatus.choices)

    class Meta:
        model = CareGift
        fields = ["status"]


class GiftListView(FoursListView):
    model = CareGift
    table_class = GiftTable
    filterset_class = GiftFilter
    title = gettext_lazy("关怀礼品")
    create_url_name = "crm:gift_create"
    create_label = gettext_lazy("申请礼品")
    template_name = "crm/gift_list.html"

    def base_queryset(self):
        return CareGift.objects.select_related("customer", "part", "requested_by", "approved_by")

    def get_context_data(self, **kwargs):
        from fours.core.roles import LimitKind
        from fours.core.selectors import limit_for

        ctx = super().get_context_data(**kwargs)
        store = work_store(self.request)
        ctx["used"] = gifts_month_total(store)
        ctx["quota"] = limit_for(self.request.user, store, LimitKind.CARE_GIFT_MONTHLY)
        return ctx


@login_required
def gift_create(request):
    perm_or_403(request, "crm.add_caregift")
    store = work_store(request)
    p = request.POST
    errors = {}
    cid = p.get("customer") or request.GET.get("customer") or ""
    customer = Customer.objects.filter(group=store.group, pk=cid).first() if cid.isdigit() else None
    q = request.GET.get("q", "").strip()
    found = (
        list(Customer.objects.filter(group=store.group, name__icontains=q)[:20]) if q and not customer else []
    )
    if request.method == "POST":
        try:
            if customer is None:
                from fours.core.errors import field_error

                raise field_error("customer", _("请选择客户"), code="required")
            services.gift_request(
                actor=request.user,
                store=store,
                customer=customer,
                reason=p.get("reason", ""),
                value=p.get("value") or 0,
                qty=p.get("qty") or 1,
            )
        except ValidationError as e:
            errors = {k: "；".join(v) for k, v in e.message_dict.items()}
        else:
            messages.success(request, _("礼品申请已提交总经理审批"))
            return redirect("crm:gift_list")
    return render(
        request,
        "crm/gift_form.html",
        {
            "title": _("申请关怀礼品"),
            "customer": customer,
            "found": found,
            "q": q,
            "form": p,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def gift_act(request, pk, step):
    g = get_object_or_404(CareGift.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        if step == "approve":
            run(request, services.gift_decide, _("已批准"), gift=g, approve=True)
        elif step == "reject":
            run(
                request,
                services.gift_decide,
                _("已驳回"),
                gift=g,
                approve=False,
                note=request.POST.get("note", ""),
            )
        elif step == "give":
            run(request, services.gift_give, _("已赠送"), gift=g)
        else:
            raise Http404
    return redirect("crm:gift_list")


urlpatterns = [
    path("campaigns/", CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/<str:step>/", campaign_act, name="campaign_act"),
    path("gifts/", GiftListView.as_view(), name="gift_list"),
    path("gifts/new/", gift_create, name="gift_create"),
    path("gifts/<int:pk>/<str:step>/", gift_act, name="gift_act"),
]

NAV = [
    NavItem("crm", gettext_lazy("市场活动"), "crm:campaign_list", "crm.view_campaign", "bi-megaphone", 50),
    NavItem("crm", gettext_lazy("关怀礼品"), "crm:gift_list", "crm.view_caregift", "bi-gift", 51),
]


def widgets(request, store):
    from fours.core.roles import Role
    from fours.core.selectors import has_role

    user = request.user
    out = []
    if store is None:
        return out
    if has_role(user, store, Role.MARKETING) and CAMPAIGN.can_ever(user, CampaignStatus.RUNNING):
        campaigns = Campaign.objects.filter(store=store)
        for status, title in (
            (CampaignStatus.RUNNING, _("进行中的市场活动")),
            (CampaignStatus.PLANNED, _("计划中的市场活动")),
        ):
            out.append(
                Widget(
                    "crm",
                    title,
                    campaigns.filter(status=status).count(),
                    _("个"),
                    reverse("crm:campaign_list") + f"?status={status}",
                    mine=True,
                )
            )
    if not GIFT.can_ever(user, GiftStatus.APPROVED):
        return out
    n = CareGift.objects.filter(store=store, status=GiftStatus.PENDING).count()
    if not n:
        return out
    out.append(
        Widget(
            "crm",
            _("待审批关怀礼品"),
            n,
            _("份"),
            reverse("crm:gift_list") + "?status=pending",
            tone="warning",
            mine=True,
        )
    )
    return out
