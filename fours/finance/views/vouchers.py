"""凭证导出 and 科目对照: finance exports a date range's postings as vouchers in the Kingdee or Yonyou import
layout (only what was not exported yet, unless 重新导出), downloads past exports again, and keeps the
store's account codes per kind of voucher line."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.forms import bootstrap_widgets
from fours.core.registry import NavItem, Widget
from fours.core.stores import scope_to_current
from fours.core.views import attach_errors, perm_or_403, work_store

from .. import services
from ..choices import AccountKey, VoucherFormat
from ..selectors import vouchers as sel
from ..services.vouchers import clean_range, export_file

PREVIEW_MAX = 200


class ExportForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("起始日期"))
    date_to = forms.DateField(label=gettext_lazy("截止日期"))
    format = forms.ChoiceField(label=gettext_lazy("格式"), choices=VoucherFormat.choices)
    again = forms.BooleanField(label=gettext_lazy("重新导出（已导出的也再导出一次）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.fields.values(), col="col-md-3")


def _default_range() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today.replace(day=1), today


@login_required
def voucher_export(request):
    """GET: the form and a preview of the range's vouchers; POST: export, then download the file."""
    perm_or_403(request, "finance.export_voucher")
    store = work_store(request)
    start, end = _default_range()
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                exp = services.voucher_export(
                    actor=request.user,
                    store=store,
                    date_from=d["date_from"],
                    date_to=d["date_to"],
                    format=d["format"],
                    again=d["again"],
                )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(
                    request,
                    _("已导出 %(v)s 张凭证、%(l)s 条分录，借贷合计 ¥%(d)s")
                    % {"v": exp.vouchers, "l": exp.lines, "d": f"{exp.debit:,.2f}"},
                )
                return redirect(reverse("finance:voucher-list") + f"?download={exp.pk}")
    else:
        form = ExportForm(
            initial={
                "date_from": request.GET.get("date_from") or start,
                "date_to": request.GET.get("date_to") or end,
                "format": request.GET.get("format") or VoucherFormat.KINGDEE,
                "again": bool(request.GET.get("again")),
            }
        )
    preview, counts, error = [], None, ""
    try:
        p_from, p_to = clean_range(
            form.data.get("date_from") or form.initial.get("date_from"),
            form.data.get("date_to") or form.initial.get("date_to"),
        )
    except ValidationError as e:
        error = " ".join(m for ms in e.message_dict.values() for m in ms)
    else:
        again = bool(form.data.get("again") if form.is_bound else form.initial.get("again"))
        vouchers = sel.vouchers_between(store, p_from, p_to, pending=not again)
        counts = {
            "vouchers": len(vouchers),
            "lines": sum(len(v.lines) for v in vouchers),
            "debit": sum((v.debit for v in vouchers), 0),
            "credit": sum((v.credit for v in vouchers), 0),
        }
        preview = vouchers[:PREVIEW_MAX]
    return render(
        request,
        "finance/voucher_export.html",
        {
            "title": _("凭证导出"),
            "form": form,
            "preview": preview,
            "counts": counts,
            "more": counts and counts["vouchers"] > PREVIEW_MAX,
            "range_error": error,
            "store": store,
        },
    )


@login_required
def voucher_list(request):
    """导出记录: every export of the store, newest first, with its file to download again."""
    perm_or_403(request, "finance.view_voucherexport")
    qs = scope_to_current(request, sel.exports_for(request.user))  # a group user: every store's
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    download = request.GET.get("download")
    return render(
        request,
        "finance/voucher_list.html",
        {
            "title": _("凭证导出记录"),
            "page": page,
            "rows": page.object_list,
            "download": download if (download or "").isdigit() else "",
            "can_export": request.user.has_perm("finance.export_voucher"),
        },
    )


@login_required
def voucher_download(request, pk):
    perm_or_403(request, "finance.view_voucherexport")
    exp = get_object_or_404(sel.exports_for(request.user), pk=pk)
    name, data = export_file(exp)
    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    from urllib.parse import quote

    resp["Content-Disposition"] = (
        f"attachment; filename=\"vouchers-{exp.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return resp


class AccountsForm(forms.Form):
    """One code and one name per kind of voucher line (code_<key>, name_<key>)."""

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for r in self.rows:
            self.fields[f"code_{r['key']}"] = forms.CharField(
                label=r["label"], max_length=30, initial=r["code"], required=False
            )
            self.fields[f"name_{r['key']}"] = forms.CharField(
                label=_("科目名称"), max_length=60, initial=r["name"], required=False
            )
        bootstrap_widgets(self.fields.values(), small=True)

    def table(self):
        for r in self.rows:
            yield {**r, "code_field": self[f"code_{r['key']}"], "name_field": self[f"name_{r['key']}"]}


@login_required
def accounts(request):
    """科目对照: the store's account code and name per kind of voucher line; finance edits them."""
    perm_or_403(request, "finance.view_accountmapping")
    store = work_store(request)
    rows = sel.account_rows(store)
    can_edit = request.user.has_perm("finance.change_accountmapping")
    if request.method == "POST":
        perm_or_403(request, "finance.change_accountmapping")
        form = AccountsForm(request.POST, rows=rows)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.accounts_set(
                    actor=request.user,
                    store=store,
                    rows={k: (d.get(f"code_{k}", ""), d.get(f"name_{k}", "")) for k in AccountKey.values},
                )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("科目对照已保存"))
                return redirect("finance:accounts")
    else:
        form = AccountsForm(rows=rows)
    return render(
        request,
        "finance/accounts.html",
        {"title": _("科目对照"), "form": form, "can_edit": can_edit, "store": store},
    )


urlpatterns = [
    path("vouchers/export/", voucher_export, name="voucher-export"),
    path("vouchers/", voucher_list, name="voucher-list"),
    path("vouchers/<int:pk>/download/", voucher_download, name="voucher-download"),
    path("account-mapping/", accounts, name="accounts"),
]

NAV = [
    NavItem(
        "management",
        gettext_lazy("凭证导出"),
        "finance:voucher-export",
        perm="finance.export_voucher",
        icon="bi-journal-arrow-up",
        order=80,
    ),
    NavItem(
        "management",
        gettext_lazy("凭证导出记录"),
        "finance:voucher-list",
        perm="finance.view_voucherexport",
        icon="bi-journals",
        order=81,
    ),
    NavItem(
        "management",
        gettext_lazy("科目对照"),
        "finance:accounts",
        perm="finance.view_accountmapping",
        icon="bi-diagram-3",
        order=82,
    ),
]


def widgets(request, store):
    """待导出凭证 for finance: this month's postings not exported yet."""
    if store is None or not request.user.has_perm("finance.export_voucher"):
        return []
    start, end = _default_range()
    c = sel.pending_counts(store, start, end)
    n = sum(c.values())
    return [
        Widget(
            "management",
            _("本月待导出凭证"),
            n,
            _("笔"),
            reverse("finance:voucher-export"),
            tone="warning" if n else "success",
        )
    ]
