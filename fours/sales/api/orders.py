"""API of 车辆订单 (/api/v1/sales/orders/): the list (filters of the order list: status, consultant, model,
dates), an order with its accessories, money (due/paid from finance) and ``allowed`` (the caller's next
steps), the quote (POST), and each step as a POST action calling the same service as the page; a refusal
is a 400 with its code (``unpaid``, ``discount_limit``, ``already_allocated`` …)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedViewSetMixin, request_store, validated
from fours.core.money import round_money
from fours.core.workflows import allowed_next

from ..choices import PayPlan
from ..filters_orders import OrderFilter
from ..models import OrderAccessory, StockVehicle, VehicleOrder
from ..selectors import orders as sel
from ..services import orders as services

# --- serializers -----------------------------------------------------------------------------------


class OrderAccessorySerializer(serializers.ModelSerializer):
    part_name = serializers.CharField(source="part.name", read_only=True)

    class Meta:
        model = OrderAccessory
        fields = ["id", "part", "part_name", "qty", "unit_price", "amount", "is_gift"]


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    configuration_name = serializers.CharField(source="configuration.__str__", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    vin = serializers.CharField(source="vehicle.vin", read_only=True, default="")
    due = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField()
    accessories = OrderAccessorySerializer(many=True, read_only=True)

    class Meta:
        model = VehicleOrder
        fields = [
            "id",
            "store",
            "number",
            "status",
            "status_label",
            "lead",
            "customer",
            "customer_name",
            "consultant",
            "configuration",
            "configuration_name",
            "colour",
            "pay_plan",
            "list_price",
            "discount",
            "discount_pct",
            "discount_reason",
            "needs_approval",
            "gifts",
            "gift_value",
            "accessories_amount",
            "registration_fee",
            "other_fees",
            "trade_in_vehicle",
            "trade_in_value",
            "total",
            "deposit",
            "loan_amount",
            "expected_delivery",
            "authorised_by",
            "authorised_at",
            "ordered_at",
            "vehicle",
            "vin",
            "fitting_order",
            "delivered_at",
            "archive_vehicle",
            "cancel_reason",
            "cancel_refund",
            "cancelled_at",
            "created_at",
            "due",
            "paid",
            "allowed",
            "accessories",
        ]

    def _money(self, obj):
        if not hasattr(obj, "_money_pair"):
            obj._money_pair = (
                (obj.due, obj.paid) if hasattr(obj, "due") and hasattr(obj, "paid") else sel.order_paid(obj)
            )
        return obj._money_pair

    def get_due(self, obj) -> str:
        return str(round_money(self._money(obj)[0]))

    def get_paid(self, obj) -> str:
        return str(round_money(self._money(obj)[1]))

    def get_allowed(self, obj) -> list[str]:
        request = self.context.get("request")
        return sorted(allowed_next(obj, request.user)) if request else []


class OrderQuoteSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    customer = serializers.IntegerField(required=False, help_text=_("客户档案ID"))
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=11)
    lead = serializers.IntegerField(required=False)
    configuration = serializers.IntegerField(help_text=_("配置ID（指导价取自配置）"))
    colour = serializers.CharField(max_length=30)
    pay_plan = serializers.ChoiceField(choices=PayPlan.choices, required=False, default=PayPlan.CASH)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    discount_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    gifts = serializers.CharField(required=False, allow_blank=True, max_length=300)
    gift_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    registration_fee = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    other_fees = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    other_fees_note = serializers.CharField(required=False, allow_blank=True, max_length=100)
    trade_in_vehicle = serializers.CharField(required=False, allow_blank=True, max_length=100)
    trade_in_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    deposit = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    expected_delivery = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class OrderNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class OrderAllocateSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField(help_text=_("整车库存ID（先进先出建议见 fifo）"))


class OrderAccessoryAddSerializer(serializers.Serializer):
    part = serializers.IntegerField(help_text=_("精品附件（配件）ID"))
    qty = serializers.DecimalField(max_digits=12, decimal_places=3, required=False, default=1)
    is_gift = serializers.BooleanField(required=False, default=False)


class OrderDeliverSerializer(serializers.Serializer):
    checklist = serializers.DictField(
        child=serializers.BooleanField(), help_text=_("交车检查：项目 → 是否完成")
    )


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    refund = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class OrderCandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockVehicle
        fields = ["id", "vin", "colour", "arrived_on", "location"]


# --- the viewset -----------------------------------------------------------------------------------

VIEW = "sales.view_vehicleorder"
QUOTE_DATA = tuple(services.QUOTE_FIELDS)


class OrderViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """车辆订单. Steps (POST): ``send``, ``send_back`` (note), ``authorise`` (note), ``confirm`` (确认下定, code
    ``unpaid`` until the deposit is paid), ``allocate`` (vehicle; ``fifo`` lists the suggestion first),
    ``unallocate``, ``accessories`` (part, qty, is_gift), ``fitting``, ``ready``, ``deliver`` (checklist; code
    ``unpaid``), ``invoice``, ``cancel`` (reason, refund), ``cancel_approve``, ``drop``. The service checks
    each step's permission; ``allowed`` lists the caller's."""

    queryset = VehicleOrder.objects.all()
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    action_perms = {
        name: [VIEW]
        for name in (
            "send",
            "send_back",
            "authorise",
            "confirm",
            "allocate",
            "unallocate",
            "accessories",
            "fitting",
            "ready",
            "deliver",
            "invoice",
            "cancel",
            "cancel_approve",
            "drop",
            "fifo",
        )
    }

    def get_queryset(self):
        return (
            sel.with_money(sel.orders_for(self.request.user))
            .prefetch_related("accessories__part")
            .order_by("-id")
        )

    def _answer(self, order, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=order.pk)
        return Response(OrderSerializer(obj, context={"request": self.request}).data, status=code)

    @extend_schema(request=OrderQuoteSerializer, responses={201: OrderSerializer})
    def create(self, request, *args, **kwargs):
        from fours.customers.models import Configuration, Customer

        from ..models import Lead

        v = validated(request, OrderQuoteSerializer)
        store = request_store(request, v.get("store"))
        conf = get_object_or_404(Configuration, pk=v["configuration"])
        customer = None
        if v.get("customer"):
            customer = get_object_or_404(Customer.objects.for_user(request.user), pk=v["customer"])
        lead = get_object_or_404(Lead.objects.filter(store=store), pk=v["lead"]) if v.get("lead") else None
        order = services.order_quote(
            actor=request.user,
            store=store,
            configuration=conf,
            customer=customer,
            customer_data={"name": v.get("customer_name", ""), "mobile": v.get("mobile", "")},
            lead=lead,
            data={k: v[k] for k in QUOTE_DATA if k in v},
        )
        return self._answer(order, status.HTTP_201_CREATED)

    def _step(self, fn, **kw):
        return self._answer(fn(actor=self.request.user, order=self.get_object(), **kw))

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._step(services.order_send)

    @extend_schema(request=OrderNoteSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def send_back(self, request, pk=None):
        return self._step(
            services.order_send_back, note=validated(request, OrderNoteSerializer).get("note", "")
        )

    @extend_schema(request=OrderNoteSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def authorise(self, request, pk=None):
        return self._step(
            services.order_authorise, note=validated(request, OrderNoteSerializer).get("note", "")
        )

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._step(services.order_confirm)

    @extend_schema(request=None, responses={200: OrderCandidateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def fifo(self, request, pk=None):
        from ..selectors.stock import fifo_candidates

        return Response(OrderCandidateSerializer(fifo_candidates(self.get_object())[:20], many=True).data)

    @extend_schema(request=OrderAllocateSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        order = self.get_object()
        v = validated(request, OrderAllocateSerializer)
        vehicle = get_object_or_404(StockVehicle.objects.filter(store_id=order.store_id), pk=v["vehicle"])
        return self._answer(services.order_allocate(actor=request.user, order=order, vehicle=vehicle))

    @extend_schema(request=OrderNoteSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def unallocate(self, request, pk=None):
        return self._step(
            services.order_unallocate, reason=validated(request, OrderNoteSerializer).get("note", "")
        )

    @extend_schema(request=OrderAccessoryAddSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def accessories(self, request, pk=None):
        from fours.parts.models import Part

        order = self.get_object()
        v = validated(request, OrderAccessoryAddSerializer)
        part = get_object_or_404(Part.objects.filter(group_id=order.store.group_id), pk=v["part"])
        services.accessory_add(actor=request.user, order=order, part=part, qty=v["qty"], is_gift=v["is_gift"])
        return self._answer(order)

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def fitting(self, request, pk=None):
        return self._step(services.order_fitting)

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def ready(self, request, pk=None):
        return self._step(services.order_ready)

    @extend_schema(request=OrderDeliverSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._step(
            services.order_deliver, checklist=validated(request, OrderDeliverSerializer)["checklist"]
        )

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        order = self.get_object()
        services.order_invoice(actor=request.user, order=order)
        return self._answer(order)

    @extend_schema(request=OrderCancelSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        v = validated(request, OrderCancelSerializer)
        return self._step(services.order_cancel_request, reason=v["reason"], refund=v.get("refund"))

    @extend_schema(request=OrderNoteSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def cancel_approve(self, request, pk=None):
        return self._step(
            services.order_cancel_approve, note=validated(request, OrderNoteSerializer).get("note", "")
        )

    @extend_schema(request=OrderNoteSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def drop(self, request, pk=None):
        return self._step(services.order_drop, reason=validated(request, OrderNoteSerializer).get("note", ""))


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
    router.register("sales/orders", OrderViewSet, basename="api-sales-order")
