"""应收应付 pages: 往来单位 (parties with their balances and credit terms), 账龄分析 (AR and AP, and the
insurer and manufacturer receivables as a filter of it) and 对账单 (on screen, printed on A4, in Excel)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.registry import NavItem
from fours.core.selectors import stores_for
from fours.core.stores import current_store
from fours.core.views import FoursListView, attach_errors, perm_or_403

from .. import filters, tables
from ..choices import Direction, PartyKind
from ..forms_accounts import PartyTermsForm, StatementForm
from ..models import Party
from ..selectors import accounts as sel

# the cashier desk's collection page (收款), linked from the ageing once the desk exists
DESK_URL = "finance:desk"
CLAIM_KINDS = (PartyKind.INSURER, PartyKind.MANUFACTURER)


def desk_url(party_id: int) -> str | None:
    try:
        return f"{reverse(DESK_URL)}?party={party_id}"
    except NoReverseMatch:
        return None


def _direction(value) -> str:
    return value if value in Direction.values else Direction.RECEIVABLE


def _date(value, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


# --- 往来单位 --------------------------------------------------------------------------------------


class PartyListView(FoursListView):
    model = Party
    table_class = tables.PartyTable
    filterset_class = filters.PartyFilter
    title = gettext_lazy("往来单位")

    def base_queryset(self):
        return sel.parties_with_balances()


@login_required
def party_detail(request, pk):
    perm_or_403(request, "finance.view_party")
    party = get_object_or_404(sel.with_balances(Party.objects.for_user(request.user)), pk=pk)
    can_edit = request.user.has_perm("finance.change_party")
    initial = {"credit_limit": party.credit_limit, "payment_days": party.payment_days}
    form = PartyTermsForm(initial=initial)
    if request.method == "POST":
        perm_or_403(request, "finance.change_party")
        form = PartyTermsForm(request.POST)
        if form.is_valid():
            from ..services import party_update

            try:
                party_update(actor=request.user, party=party, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("已保存"))
                return redirect("finance:party-detail", pk=party.pk)
    items = list(sel.party_open_items(party).select_related("party")[:100])
    ageing_rows = []
    for direction, label in Direction.choices:
        if any(i.direction == direction for i in items):
            report = sel.ageing(stores=[party.store], direction=direction, party=party)
            if report.rows:
                ageing_rows.append((label, report.rows[0]))
    columns = [label for _k, label, _lo, _hi in sel.BUCKETS]
    return render(
        request,
        "finance/party_detail.html",
        {
            "title": party.name,
            "party": party,
            "form": form if can_edit else None,
            "items": items,
            "ageing_rows": ageing_rows,
            "ageing_columns": columns,
            "desk_url": desk_url(party.pk) if request.user.has_perm("finance.add_payment") else None,
            "timeline": timeline_for(party)[:50],
        },
    )


# --- 账龄分析 --------------------------------------------------------------------------------------


def _ageing_stores(request):
    store = current_store(request)
    return [store] if store else list(stores_for(request.user))


@login_required
def ageing(request, claims: bool = False):
    """账龄分析 (``?direction=ar|ap``, ``?as_of=``, ``?basis=posted|due``, ``?kind=…`` repeatable). The
    保险/厂家应收 page is this one with the insurers and manufacturers."""
    perm_or_403(request, "finance.view_openitem")
    direction = _direction(request.GET.get("direction"))
    as_of = _date(request.GET.get("as_of"), timezone.localdate())
    basis = request.GET.get("basis") if request.GET.get("basis") in sel.BASIS else "posted"
    kinds = [k for k in request.GET.getlist("kind") if k in PartyKind.values]
    if claims and not kinds:
        kinds = list(CLAIM_KINDS)
        direction = Direction.RECEIVABLE
    report = sel.ageing(
        stores=_ageing_stores(request), direction=direction, as_of=as_of, basis=basis, kinds=kinds
    )
    if request.GET.get("_export") == "xlsx":
        return _ageing_xlsx(report)
    collect = direction == Direction.RECEIVABLE and request.user.has_perm("finance.add_payment")
    desk = desk_url(0) if collect else None
    rows = [
        {
            "row": r,
            "detail": reverse("finance:party-detail", args=[r.party_id]),
            "statement": reverse("finance:statement", args=[r.party_id])
            + f"?direction={direction}&date_to={as_of.isoformat()}",
            "collect": desk.replace("party=0", f"party={r.party_id}") if desk else None,
        }
        for r in report.rows
    ]
    title = _("保险/厂家应收") if set(kinds) == set(CLAIM_KINDS) else _("账龄分析")
    return render(
        request,
        "finance/ageing.html",
        {
            "title": title,
            "report": report,
            "rows": rows,
            "direction": direction,
            "directions": Direction.choices,
            "kinds": kinds,
            "kind_names": "、".join(str(PartyKind(k).label) for k in kinds),
            "kind_choices": [(k, label) for k, label in PartyKind.choices if k != PartyKind.WALK_IN],
            "bases": list(sel.BASIS.items()),
            "claims": claims,
        },
    )


def _ageing_xlsx(report):
    """The ageing as a workbook: one row per party, the totals row last."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    adv = _("预付") if report.direction == Direction.PAYABLE else _("预收")
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("账龄分析"))
    ws.append([str(_("账龄分析")), str(Direction(report.direction).label), report.as_of])
    ws.append([str(_("账龄计算依据")), str(report.basis_label)])
    lead = [_("门店")] if report.several_stores else []
    head = [*lead, _("往来单位"), _("类型"), *report.columns, _("未结合计"), adv, _("余额")]
    ws.append([str(h) for h in head])
    for r in report.rows:
        ws.append([*([r.store] if lead else []), r.name, r.kind_label, *r.buckets, r.open, r.advance, r.net])
    ws.append(
        [
            *([""] if lead else []),
            str(_("合计")),
            "",
            *report.totals,
            report.total_open,
            report.total_advance,
            report.total_net,
        ]
    )
    for cell in ws[3] + ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=4, min_col=3):
        for c in row:
            c.number_format = "#,##0.00"
    ws["C1"].number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 28
    buf = BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = (
        f'attachment; filename="ageing-{report.direction}-{report.as_of.isoformat()}.xlsx"'
    )
    return resp


def claims_ageing(request):
    return ageing(request, claims=True)


# --- 对账单 ----------------------------------------------------------------------------------------


def _statement(request, pk):
    perm_or_403(request, "finance.view_openitem")
    party = get_object_or_404(Party.objects.for_user(request.user), pk=pk)
    form = StatementForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    default_dir = Direction.PAYABLE if party.kind == PartyKind.SUPPLIER else Direction.RECEIVABLE
    direction = data.get("direction") or default_dir
    date_to = data.get("date_to") or today
    date_from = data.get("date_from") or date_to.replace(day=1)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    st = sel.statement(party=party, direction=direction, date_from=date_from, date_to=date_to)
    query = f"?direction={direction}&date_from={date_from.isoformat()}&date_to={date_to.isoformat()}"
    return party, st, form, query


def _labels(direction):
    if direction == Direction.PAYABLE:
        return _("应付（贷）"), _("付款（借）")
    return _("应收（借）"), _("收款（贷）")


@login_required
def statement(request, pk):
    party, st, form, query = _statement(request, pk)
    debit_label, credit_label = _labels(st.direction)
    return render(
        request,
        "finance/statement.html",
        {
            "title": _("对账单"),
            "party": party,
            "st": st,
            "form": form,
            "debit_label": debit_label,
            "credit_label": credit_label,
            "print_url": reverse("finance:statement-print", args=[party.pk]) + query,
            "xlsx_url": reverse("finance:statement-xlsx", args=[party.pk]) + query,
            "directions": Direction.choices,
        },
    )


@login_required
def statement_print(request, pk):
    party, st, _form, query = _statement(request, pk)
    debit_label, credit_label = _labels(st.direction)
    return render(
        request,
        "finance/statement_print.html",
        {
            "title": _("对账单"),
            "party": party,
            "st": st,
            "store": party.store,
            "debit_label": debit_label,
            "credit_label": credit_label,
            "back_url": reverse("finance:statement", args=[party.pk]) + query,
        },
    )


@login_required
def statement_xlsx(request, pk):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    party, st, _form, _query = _statement(request, pk)
    debit_label, credit_label = _labels(st.direction)
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("对账单"))
    ws.append([f"{party.store.name} {_('对账单')}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([str(_("往来单位")), party.name, str(_("方向")), str(Direction(st.direction).label)])
    ws.append([str(_("期间")), f"{st.date_from.isoformat()} — {st.date_to.isoformat()}"])
    ws.append([])
    header = [_("日期"), _("单据号"), _("摘要"), debit_label, credit_label, _("余额"), _("核销/说明")]
    ws.append([str(h) for h in header])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append([st.date_from, "", str(_("期初余额")), None, None, st.opening, ""])
    for ln in st.lines:
        ws.append(
            [
                ln.day,
                ln.number,
                f"{ln.label} {ln.memo}".strip(),
                ln.debit or None,
                ln.credit or None,
                ln.balance,
                ln.detail,
            ]
        )
    ws.append([st.date_to, "", str(_("期末余额")), st.debit, st.credit, st.closing, ""])
    for row in ws.iter_rows(min_row=6):
        row[0].number_format = "yyyy-mm-dd"
        for c in row[3:6]:
            c.number_format = "#,##0.00"
    for col, width in zip("ABCDEFG", (12, 18, 30, 14, 14, 14, 40), strict=True):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"statement-{party.pk}-{st.date_from.isoformat()}-{st.date_to.isoformat()}.xlsx"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


# --- routes, sidebar, home -------------------------------------------------------------------------

urlpatterns = [
    path("parties/", PartyListView.as_view(), name="party-list"),
    path("parties/<int:pk>/", party_detail, name="party-detail"),
    path("parties/<int:pk>/statement/", statement, name="statement"),
    path("parties/<int:pk>/statement/print/", statement_print, name="statement-print"),
    path("parties/<int:pk>/statement/xlsx/", statement_xlsx, name="statement-xlsx"),
    path("ageing/", ageing, name="ageing"),
    path("ageing/claims/", claims_ageing, name="ageing-claims"),
]

NAV = [
    NavItem(
        "management", gettext_lazy("往来单位"), "finance:party-list", "finance.view_party", "bi-people", 40
    ),
    NavItem(
        "management",
        gettext_lazy("账龄分析"),
        "finance:ageing",
        "finance.view_payment",
        "bi-hourglass-split",
        41,
    ),
    NavItem(
        "management",
        gettext_lazy("保险/厂家应收"),
        "finance:ageing-claims",
        "finance.view_payment",
        "bi-shield-check",
        42,
    ),
]


def widgets(request, store):
    return []
