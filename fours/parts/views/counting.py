"""Stocktake and write-off pages."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.views import FoursDetailView, error_text, perm_or_403, redirect_back, run, work_store
from fours.core.workflows import allowed_next

from .. import filters, selectors, services, tables, workflows
from ..choices import Responsible, StocktakeKind, VarianceReason, WriteOffReason
from ..forms import StocktakeForm
from ..models import Stocktake, WriteOff
from ._common import _scoped, action, doc_page, parse_lines, simple_list, step_view

StocktakeListView = simple_list(
    Stocktake,
    tables.StocktakeTable,
    filters.StocktakeFilter,
    gettext_lazy("盘点单"),
    related=("approved_by",),
    create=("parts:stocktake-create", "parts.add_stocktake"),
    create_label=gettext_lazy("新建盘点"),
)


WriteOffListView = simple_list(
    WriteOff,
    tables.WriteOffTable,
    filters.WriteOffFilter,
    gettext_lazy("报损单"),
    create=("parts:writeoff-create", "parts.add_writeoff"),
    create_label=gettext_lazy("新建报损"),
)


@login_required
def stocktake_create(request):
    perm_or_403(request, "parts.add_stocktake")
    form = StocktakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        st = run(
            request,
            services.stocktake_create,
            _("盘点清单已冻结"),
            store=work_store(request),
            **form.cleaned_data,
        )
        if st:
            return redirect(st)
    return render(
        request,
        "parts/form.html",
        {"form": form, "title": _("新建盘点（冻结盘点清单）"), "cancel_url": reverse("parts:stocktake-list")},
    )


class StocktakeDetailView(FoursDetailView):
    model = Stocktake
    template_name = "parts/stocktake_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        st = self.object
        lines = list(st.lines.select_related("part"))
        ctx["lines"] = lines
        ctx["reasons"] = [c for c in VarianceReason.choices if c[0]]
        ctx["counted"] = sum(1 for ln in lines if ln.counted_qty is not None)
        ctx["diff_lines"] = [ln for ln in lines if ln.variance]
        ctx["gain"] = sum(
            (ln.variance * ln.unit_cost for ln in ctx["diff_lines"] if ln.variance > 0), Decimal(0)
        )
        ctx["loss"] = sum(
            (-ln.variance * ln.unit_cost for ln in ctx["diff_lines"] if ln.variance < 0), Decimal(0)
        )
        ctx["accuracy"] = selectors.stocktake_accuracy(st)
        ctx["steps"] = steps = allowed_next(st, self.request.user)
        ctx["finance_needed"] = st.kind == StocktakeKind.QUARTERLY and st.finance_by_id is None
        # 财务参与: only the store's finance role confirms
        ctx["can_confirm_finance"] = (
            "finance" in steps
            and st.finance_by_id is None
            and (self.request.user.is_superuser or has_role(self.request.user, st.store, Role.FINANCE))
        )
        return ctx


@login_required
def stocktake_act(request, pk, step):
    st = _scoped(Stocktake, request, pk, ("store",))
    if request.method != "POST":
        return redirect(st)
    if step == "count":
        counts = {}
        for key, val in request.POST.items():
            if key.startswith("c_") and val.strip() != "":
                lid = key[2:]
                counts[lid] = (val.strip(), request.POST.get(f"r_{lid}") or None)
        n = run(request, services.stocktake_count, _("已保存盘点数量"), stocktake=st, counts=counts)
        if n is not None:
            return redirect_back(request, st)
    elif step == "submit":
        run(request, services.stocktake_submit, _("已提交审批"), stocktake=st)
    elif step == "finance":
        run(request, services.stocktake_finance_confirm, _("财务已确认盘点结果"), stocktake=st)
    elif step == "approve":
        run(request, services.stocktake_approve, _("盘点差异已审批并调整库存"), stocktake=st)
    elif step == "reopen":
        run(request, services.stocktake_reopen, _("已退回重盘"), stocktake=st)
    return redirect(st)


@login_required
def stocktake_sheet(request, pk):
    st = _scoped(Stocktake, request, pk, ("store",))
    lines = list(st.lines.select_related("part"))
    blind = request.GET.get("blind") == "1"
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("盘点表"),
            "object": st,
            "store": st.store,
            "header": [
                (_("单号"), st.number),
                (_("盘点类型"), st.get_kind_display()),
                (_("范围"), f"{st.get_scope_display()} {st.scope_value}"),
                (_("冻结时间"), st.frozen_at),
            ],
            "columns": [_("库位"), _("配件编号"), _("名称"), _("单位")]
            + ([] if blind else [_("账面")])
            + [_("实盘"), _("差异原因")],
            "rows": [
                [ln.bin_code or "—", ln.part.display_no, ln.part.name, ln.part.get_unit_display()]
                + ([] if blind else [ln.book_qty])
                + ["", ""]
                for ln in lines
            ],
            "signatures": [_("盘点人"), _("监盘人"), _("配件经理")]
            + ([_("财务")] if st.kind == StocktakeKind.QUARTERLY else []),
        },
    )


@login_required
def writeoff_create(request):
    perm_or_403(request, "parts.add_writeoff")
    store = work_store(request)
    if request.method == "POST":
        try:
            lines = parse_lines(request, store.group, "qty")
            shares = []
            for party, name, amount in zip(
                request.POST.getlist("party"),
                request.POST.getlist("party_name"),
                request.POST.getlist("amount"),
                strict=False,
            ):
                if party and amount.strip():
                    shares.append({"party": party, "name": name, "amount": amount})
            responsible = None
            if request.POST.get("responsible"):
                responsible = _store_staff(store).filter(pk=request.POST["responsible"]).first()
                if responsible is None:
                    raise ValidationError({"responsible": _("责任人须为本店员工")})
            wo = services.writeoff_create(
                actor=request.user,
                store=store,
                reason=request.POST.get("reason", ""),
                lines=lines,
                shares=shares or None,
                note=request.POST.get("note", ""),
                responsible=responsible,
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            return redirect(wo)
    return render(
        request,
        "parts/writeoff_form.html",
        {
            "title": _("新建报损"),
            "rows": range(5),
            "reasons": WriteOffReason.choices,
            "parties": Responsible.choices,
            "staff": _store_staff(store),
            "split": services.config_for(store).writeoff_split,
            "party_labels": dict(Responsible.choices),
        },
    )


def _store_staff(store):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__store=store, memberships__is_active=True, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _writeoff_split_rows(wo) -> list[tuple[str, str]]:
    """The loss split as header rows: party (%) → who, amount; then what is charged to whom."""
    from fours.core.templatetags.fours import staff, yuan

    out = []
    for s in wo.shares.select_related("user"):
        pct = f"（{s.pct}%）" if s.pct is not None else ""
        who = staff(s.user) if s.user_id else s.name
        out.append((_("责任分摊") + f"·{s.get_party_display()}{pct}", f"{who} {yuan(s.amount)}".strip()))
    for c in selectors.writeoff_charges(wo):  # posted in finance (员工赔偿), collected there
        out.append((_("员工赔偿"), f"{c.party.name} {yuan(c.amount)} · {c.get_status_display()}"))
    return out


class WriteOffDetailView(FoursDetailView):
    model = WriteOff

    def render_to_response(self, context, **kw):
        from fours.core.selectors import roles_of

        from ..services.counting import WRITE_OFF_ROLES

        wo = self.object
        have = {a.role: a for a in wo.approvals.select_related("user")}
        my_roles = roles_of(self.request.user, wo.store)
        steps = allowed_next(wo, self.request.user)
        actions = []
        if "approve" in steps:
            # each of the three roles confirms once, as one of the user's own roles
            for role in WRITE_OFF_ROLES:
                if role not in have and (role.value in my_roles or self.request.user.is_superuser):
                    actions.append(
                        action(
                            _("以%(r)s身份确认") % {"r": role.label},
                            reverse("parts:writeoff-act", args=[wo.pk, "approve"]) + f"?role={role.value}",
                            "btn-warning",
                        )
                    )
        if len(have) == len(WRITE_OFF_ROLES) and workflows.writeoff_post_step(wo) in steps:
            label = _("出库并记责任人赔偿") if wo.responsible_id else _("报损出库")
            actions.append(action(label, reverse("parts:writeoff-act", args=[wo.pk, "post"])))
        header = [
            (_("原因"), wo.get_reason_display()),
            (_("状态"), wo.get_status_display()),
            (_("损失金额"), wo.total_cost),
        ]
        if wo.responsible_id:
            header.append(
                (_("责任人（人为因素，不予报损）"), wo.responsible.get_full_name() or wo.responsible)
            )
        for role in WRITE_OFF_ROLES:
            a = have.get(role.value)
            header.append(
                (
                    role.label,
                    f"✔ {a.user.get_full_name() or a.user} {timezone.localtime(a.at):%m-%d %H:%M}"
                    if a
                    else _("待确认"),
                )
            )
        header += _writeoff_split_rows(wo)
        rows = [
            [ln.part.display_no, ln.part.name, ln.qty, ln.unit_cost] for ln in wo.lines.select_related("part")
        ]
        return doc_page(
            self.request,
            obj=wo,
            title=_("报损单 %(no)s") % {"no": wo.number},
            header=header,
            columns=[_("配件编号"), _("名称"), _("数量"), _("成本单价")],
            rows=rows,
            actions=actions,
            links=[(_("打印报损单"), reverse("parts:writeoff-print", args=[wo.pk]), "bi-printer")],
        )


@login_required
def writeoff_print(request, pk):
    wo = _scoped(WriteOff, request, pk, ("store", "responsible"))
    lines = list(wo.lines.select_related("part"))
    header = [
        (_("单号"), wo.number),
        (_("原因"), wo.get_reason_display()),
        (_("状态"), wo.get_status_display()),
        (_("说明"), wo.note or "—"),
    ]
    if wo.responsible_id:
        header.append((_("责任人（人为因素，不予报损）"), wo.responsible.get_full_name() or wo.responsible))
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("配件报损申请单"),
            "object": wo,
            "store": wo.store,
            "header": header + _writeoff_split_rows(wo),
            "columns": [_("序号"), _("配件编号"), _("名称"), _("数量"), _("成本单价"), _("金额")],
            "rows": [
                [i + 1, ln.part.display_no, ln.part.name, ln.qty, ln.unit_cost, ln.qty * ln.unit_cost]
                for i, ln in enumerate(lines)
            ],
            "totals": [(_("损失金额"), wo.total_cost)],
            "signatures": [_("服务经理"), _("索赔员"), _("配件经理")],
        },
    )


writeoff_act = step_view(
    WriteOff,
    "writeoff",
    {
        # the role confirmed is the button's (?role=…)
        "approve": ("writeoff_approve", gettext_lazy("已确认"), {"role": lambda r: r.GET.get("role", "")}),
        "post": ("writeoff_post", gettext_lazy("已报损出库"), {}),
    },
)


@login_required
def count_entry(request, pk):
    """Count entry on a phone: one bin group at a time, big inputs."""
    st = _scoped(Stocktake, request, pk)
    perm_or_403(request, "parts.change_stocktake")
    if "count" not in allowed_next(st, request.user):
        return redirect(st)  # counted already: nothing to enter
    prefix = request.GET.get("bin", "")
    lines = st.lines.select_related("part").order_by("bin_code", "part_id")
    if prefix:
        lines = lines.filter(bin_code__startswith=prefix)
    racks = sorted({"-".join(ln.split("-")[:2]) for ln in st.lines.values_list("bin_code", flat=True) if ln})
    return render(
        request,
        "parts/count_entry.html",
        {
            "title": _("盘点录入"),
            "st": st,
            "lines": lines[:200],
            "racks": racks,
            "prefix": prefix,
            "reasons": [c for c in VarianceReason.choices if c[0]],
        },
    )
