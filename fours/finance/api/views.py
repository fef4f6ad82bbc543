"""The finance API (/api/v1/finance/…): parties with their balances, open items, payments (list, detail,
and 收款 through ``payment_take``), day closes, voucher exports and the vouchers of a date range. Store
scoped (another store's row is a 404) and permitted by the user's roles like the other APIs."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin, request_store, validated

from .. import services
from ..choices import Direction, ItemSource, ItemStatus, PartyKind, PaymentKind
from ..models import Allocation, DayClose, OpenItem, Party, Payment, PaymentLine, VoucherExport
from ..selectors import vouchers as voucher_sel
from ..selectors.accounts import with_balances
from ..services.vouchers import clean_range
from . import serializers as s


class PartyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PartyKind.choices)
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")

    class Meta:
        model = Party
        fields = ["kind", "active", "q"]


class OpenItemFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(label=_("方向"), choices=Direction.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ItemStatus.choices)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=ItemSource.choices)
    posted_on = django_filters.DateFromToRangeFilter(label=_("记账日期"))

    class Meta:
        model = OpenItem
        fields = ["party", "direction", "status", "source", "posted_on"]


class PaymentFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(label=_("方向"), choices=Direction.choices)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PaymentKind.choices)
    business_date = django_filters.DateFromToRangeFilter(label=_("营业日"))

    class Meta:
        model = Payment
        fields = ["party", "direction", "kind", "business_date"]


class PartyViewSet(ScopedReadOnlyViewSet):
    """往来单位 with ``ar_balance`` / ``ap_balance``: open items less allocations less the advance."""

    queryset = Party.objects.all()
    serializer_class = s.PartySerializer
    filterset_class = PartyFilter

    def get_queryset(self):
        return with_balances(Party.objects.for_user(self.request.user).select_related("store")).order_by(
            "kind", "name", "id"
        )


class OpenItemViewSet(ScopedReadOnlyViewSet):
    """应收应付: filter by party, direction, status, source and posting date (posted_on_after/_before)."""

    queryset = OpenItem.objects.all()
    serializer_class = s.OpenItemSerializer
    filterset_class = OpenItemFilter

    def get_queryset(self):
        return (
            OpenItem.objects.for_user(self.request.user)
            .select_related("store", "party")
            .order_by("-posted_on", "-id")
        )


def _payments(user):
    return (
        Payment.objects.for_user(user)
        .select_related("store", "party")
        .prefetch_related(
            Prefetch("lines", queryset=PaymentLine.objects.order_by("pk")),
            Prefetch("allocations", queryset=Allocation.objects.select_related("item").order_by("pk")),
        )
        .order_by("-at", "-id")
    )


class PaymentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """收付款 with their method lines and allocations (核销). POST takes a receipt (收款) from a party:
    its methods, the open items it settles; the rest is the party's advance (预收). Bad input is a 400
    naming the field and nothing is saved; an ``Idempotency-Key`` replays the first answer."""

    queryset = Payment.objects.all()
    serializer_class = s.PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        return _payments(self.request.user)

    @extend_schema(request=s.PaymentCreateSerializer, responses={201: s.PaymentSerializer})
    def create(self, request, *args, **kwargs):
        v = validated(request, s.PaymentCreateSerializer)
        store = request_store(request, v.get("store"))
        party = get_object_or_404(Party.objects.filter(store=store), pk=v["party"])
        pay = services.payment_take(
            actor=request.user,
            store=store,
            party=party,
            lines=[dict(ln) for ln in v["lines"]],
            allocations=[(a["item"], a["amount"]) for a in v["allocations"]],
            business_date=v.get("business_date"),
            note=v.get("note", ""),
        )
        return Response(
            s.PaymentSerializer(self.get_queryset().get(pk=pay.pk)).data, status=status.HTTP_201_CREATED
        )


class DayCloseViewSet(ScopedReadOnlyViewSet):
    """日结: the store's closed business days with their totals by method."""

    queryset = DayClose.objects.all()
    serializer_class = s.DayCloseSerializer
    filterset_fields = ["business_date"]

    def get_queryset(self):
        return DayClose.objects.for_user(self.request.user).select_related("store").order_by("-business_date")


class VoucherExportViewSet(ScopedReadOnlyViewSet):
    """凭证导出: the store's past exports; ``rows`` gives the vouchers of a date range as JSON."""

    queryset = VoucherExport.objects.all()
    serializer_class = s.VoucherExportSerializer
    filterset_fields = ["format"]
    action_perms = {"rows": ["finance.view_voucherexport"]}

    def get_queryset(self):
        return voucher_sel.exports_for(self.request.user)

    @extend_schema(parameters=[s.VoucherQuerySerializer], responses=s.VoucherSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def rows(self, request):
        """The vouchers (debit and credit lines) of the store's postings in a date range; ``pending``:
        only what was not exported yet."""
        q = s.VoucherQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        store = request_store(request, v.get("store"))
        start, end = clean_range(v["date_from"], v["date_to"])
        vouchers = voucher_sel.vouchers_between(store, start, end, pending=v["pending"])
        return Response(s.VoucherSerializer([x.as_dict() for x in vouchers], many=True).data)
