"""Tables of the finance lists: money with the yuan formatter, people by name, documents linked."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.tables import DateTimeColumn, MoneyColumn

from .models import Invoice, OpenItem, Party, PaymentRequest


class PersonColumn(tables.Column):
    def render(self, value):
        return display_name(value)


def _link(name):
    return lambda record: reverse(name, args=[record.pk])


class PartyTable(tables.Table):
    name = tables.Column(verbose_name=_("名称"), linkify=_link("finance:party-detail"))
    ar_balance = MoneyColumn(verbose_name=_("应收余额"))
    ap_balance = MoneyColumn(verbose_name=_("应付余额"))
    credit_limit = MoneyColumn(verbose_name=_("信用额度"))

    class Meta:
        model = Party
        fields = ("name", "kind", "phone", "credit_limit", "payment_days", "ar_balance", "ap_balance")

    def render_credit_limit(self, value):
        from fours.core.templatetags.fours import yuan

        return yuan(value) if value else _("无（先款后货）")

    def value_credit_limit(self, value):
        return value


class RequestTable(tables.Table):
    number = tables.Column(verbose_name=_("单号"), linkify=_link("finance:request-detail"))
    requested_by = PersonColumn(verbose_name=_("申请人"))
    approved_by = PersonColumn(verbose_name=_("审批人"))
    at = DateTimeColumn(verbose_name=_("申请时间"), format="Y-m-d H:i")

    class Meta:
        model = PaymentRequest
        fields = (
            "number",
            "party",
            "amount",
            "paid",
            "reason",
            "status",
            "requested_by",
            "at",
            "approved_by",
        )


INVOICE_FORM = (
    '<form method="post" action="{}" class="d-flex gap-1 d-print-none">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '<input name="invoice_no" class="form-control form-control-sm" style="width:9rem" aria-label="{}"'
    ' placeholder="{}">'
    '<input name="invoice_date" type="date" class="form-control form-control-sm" style="width:9rem"'
    ' aria-label="{}">'
    '<button class="btn btn-sm btn-outline-primary text-nowrap" type="submit">{}</button></form>'
)


def _doc_url(record) -> str | None:
    """The page of the document an open item comes from (a purchase receipt), when it has one."""
    doc = record.doc if record.doc_type_id else None
    return doc.get_absolute_url() if doc is not None and hasattr(doc, "get_absolute_url") else None


class PendingInvoiceTable(tables.Table):
    party = tables.Column(
        verbose_name=_("供应商"),
        linkify=lambda record: reverse("finance:party-detail", args=[record.party_id]),
    )
    doc_number = tables.Column(verbose_name=_("单据号"), linkify=lambda record: _doc_url(record))
    age = tables.Column(
        verbose_name=_("已过天数"),
        empty_values=(),
        order_by=("-posted_on",),
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    record_invoice = tables.Column(
        verbose_name=_("登记发票"), empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        model = OpenItem
        fields = ("party", "doc_number", "source", "posted_on", "amount", "age", "record_invoice")

    def render_record_invoice(self, record):
        """The invoice form of the row, built in Python (no template per cell), for a user who may
        record it."""
        request = getattr(self, "request", None)
        if request is None or not request.user.has_perm("finance.change_openitem"):
            return ""
        from django.middleware.csrf import get_token

        no_label = _("发票号")
        return format_html(
            INVOICE_FORM,
            reverse("finance:pending-invoice-record", args=[record.pk]),
            get_token(request),
            no_label,
            no_label,
            _("发票日期"),
            _("登记"),
        )

    def render_age(self, record):
        return (timezone.localdate() - record.posted_on).days

    def value_age(self, record):
        return self.render_age(record)


class InvoiceTable(tables.Table):
    number = tables.Column(verbose_name=_("登记号"), linkify=_link("finance:invoice-detail"))
    red_of = tables.Column(verbose_name=_("红冲原票"), accessor="red_of__number")
    at = DateTimeColumn(verbose_name=_("登记时间"), format="Y-m-d H:i")

    class Meta:
        model = Invoice
        fields = (
            "number",
            "kind",
            "party",
            "doc_number",
            "amount",
            "tax_amount",
            "tax_number",
            "tax_date",
            "status",
            "red_of",
            "at",
        )
