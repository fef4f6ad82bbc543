"""Filter bars of the finance lists: 往来单位, 付款通知书, 发票未到, 发票登记."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import InvoiceKind, InvoiceStatus, PartyKind, RequestStatus
from .models import Invoice, OpenItem, Party, PaymentRequest


class PartyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称/电话"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PartyKind.choices)

    class Meta:
        model = Party
        fields = ["q", "kind"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(phone__icontains=value) | Q(tax_id__icontains=value))


class RequestFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(label=_("单号"), lookup_expr="icontains")
    party = django_filters.CharFilter(label=_("收款单位"), field_name="party__name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=RequestStatus.choices)
    approver = django_filters.ChoiceFilter(
        label=_("审批"), choices=[("me", _("待我审批"))], method="by_approver"
    )

    class Meta:
        model = PaymentRequest
        fields = ["number", "party", "status", "approver"]

    def by_approver(self, qs, name, value):
        from fours.core.stores import current_store

        from .selectors.payables import approvable_by

        store = current_store(self.request)
        return approvable_by(qs, self.request.user, store) if store is not None else qs.none()


class PendingInvoiceFilter(django_filters.FilterSet):
    party = django_filters.CharFilter(label=_("供应商"), field_name="party__name", lookup_expr="icontains")
    doc_number = django_filters.CharFilter(label=_("单据号"), lookup_expr="icontains")
    posted_on = django_filters.DateFromToRangeFilter(
        label=_("记账日期"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = OpenItem
        fields = ["party", "doc_number", "posted_on"]


def _years():
    from django.utils import timezone

    this = timezone.localdate().year
    return [(y, str(y)) for y in range(this, this - 6, -1)]


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("登记号/税控号码/单据号"), method="search")
    kind = django_filters.ChoiceFilter(label=_("发票类型"), choices=InvoiceKind.choices)
    year = django_filters.TypedChoiceFilter(
        label=_("年度"), choices=_years, coerce=int, field_name="at__year", method="by_year"
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=InvoiceStatus.choices)
    party = django_filters.CharFilter(label=_("购方"), field_name="party__name", lookup_expr="icontains")

    class Meta:
        model = Invoice
        fields = ["q", "kind", "year", "status", "party"]

    def search(self, qs, name, value):
        return qs.filter(
            Q(number__icontains=value) | Q(tax_number__icontains=value) | Q(doc_number__icontains=value)
        )

    def by_year(self, qs, name, value):
        """The invoice's year is its number's year (the series restarts each year)."""
        return qs.filter(number__contains=f"-{int(value)}-")
