from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from fours.core.api.viewsets import request_store as _store

from .. import selectors, services
from ..filters import MoveFilter, PartFilter
from ..models import (
    Part,
    PurchaseOrder,
    Receipt,
    Sale,
    StockBalance,
    StockMove,
    Supplier,
    TradeCustomer,
)
from . import serializers as s


def _parts(user, lines):
    allowed = selectors.parts_for(user)
    out = []
    for ln in lines:
        if not allowed.filter(pk=ln["part"].pk).exists():
            raise ValidationError({"lines": [_("配件不存在")]})
        out.append(ln)
    return out


class PartViewSet(ScopedReadOnlyViewSet):
    queryset = Part.objects.all()
    serializer_class = s.PartSerializer
    filterset_class = PartFilter

    def get_queryset(self):
        return selectors.catalog_for(self.request.user)


class BalanceViewSet(ScopedReadOnlyViewSet):
    queryset = StockBalance.objects.all()
    serializer_class = s.BalanceSerializer
    filterset_fields = ["store", "part"]

    def get_queryset(self):
        return selectors.balances_for(self.request.user)


class MoveViewSet(ScopedReadOnlyViewSet):
    queryset = StockMove.objects.all()
    serializer_class = s.MoveSerializer
    filterset_class = MoveFilter

    def get_queryset(self):
        return selectors.moves_for(self.request.user)


class PurchaseOrderViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PurchaseOrder.objects.all()
    serializer_class = s.PurchaseOrderSerializer
    filterset_fields = ["status", "kind"]
    action_perms = {"receive": ["parts.add_receipt"], "approve": ["parts.approve_purchaseorder"]}

    def get_queryset(self):
        return selectors.purchase_orders_for(self.request.user)

    @extend_schema(request=s.POCreateSerializer, responses={201: s.PurchaseOrderSerializer})
    def create(self, request, *args, **kwargs):
        data = s.POCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        store = _store(request, data.validated_data.get("store"))
        supplier = get_object_or_404(
            Supplier.objects.filter(group=store.group), pk=data.validated_data["supplier"]
        )
        po = services.po_create(
            actor=request.user,
            store=store,
            supplier=supplier,
            lines=_parts(request.user, data.validated_data["lines"]),
        )
        return Response(s.PurchaseOrderSerializer(po).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """复核: an order waiting above its author's purchase limit is reviewed and sent."""
        po = services.po_approve(actor=request.user, po=self.get_object())
        return Response(s.PurchaseOrderSerializer(self.get_queryset().get(pk=po.pk)).data)

    @extend_schema(request=s.POReceiveSerializer, responses={201: s.ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        po = self.get_object()
        data = s.POReceiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = [dict(ln, po_line=ln["po_line"]) for ln in data.validated_data["lines"]]
        receipt = services.receipt_post(
            actor=request.user,
            order=po,
            lines=lines,
            delivery_note=data.validated_data.get("delivery_note", ""),
            freight=data.validated_data.get("freight") or 0,
        )
        return Response(s.ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class ReceiptViewSet(ScopedReadOnlyViewSet):
    queryset = Receipt.objects.all()
    serializer_class = s.ReceiptSerializer

    def get_queryset(self):
        return selectors.receipts_for(self.request.user)


class SaleViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Sale.objects.all()
    serializer_class = s.SaleSerializer
    filterset_fields = ["channel", "status"]
    action_perms = {"issue": ["parts.issue_sale"], "cancel": ["parts.change_sale"]}

    def get_queryset(self):
        return selectors.with_payment(selectors.sales_for(self.request.user))

    @extend_schema(request=None, responses=s.SaleSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """出库: refused (not_settled) until the slip's open item is paid at the cashier's desk."""
        sale = services.sale_issue(actor=request.user, sale=self.get_object())
        return Response(s.SaleSerializer(self.get_queryset().get(pk=sale.pk)).data)

    @extend_schema(request=s.SaleCancelSerializer, responses=s.SaleSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """作废 an unpaid slip: its open item is reversed in finance, its reservation released."""
        data = s.SaleCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sale = services.sale_cancel(
            actor=request.user, sale=self.get_object(), reason=data.validated_data.get("reason", "")
        )
        return Response(s.SaleSerializer(self.get_queryset().get(pk=sale.pk)).data)

    @extend_schema(request=s.SaleCreateSerializer, responses={201: s.SaleSerializer})
    def create(self, request, *args, **kwargs):
        data = s.SaleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store = _store(request, v.get("store"))
        customer = None
        if v.get("customer"):
            customer = get_object_or_404(TradeCustomer.objects.filter(store=store), pk=v["customer"])
        sale = services.counter_sale_create(
            actor=request.user,
            store=store,
            channel=v["channel"],
            customer=customer,
            customer_name=v.get("customer_name", ""),
            customer_phone=v.get("customer_phone", ""),
            terms=v["terms"],
            lines=_parts(request.user, v["lines"]),
        )
        return Response(
            s.SaleSerializer(self.get_queryset().get(pk=sale.pk)).data,
            status=status.HTTP_201_CREATED,
        )
