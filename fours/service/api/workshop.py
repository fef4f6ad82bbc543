"""API of the special tools (专用工具: register, lend, return, lost), their loans, the equipment (设备) with
upkeep cards, and the parts-shortage tracker (缺料跟踪). Writes call the services; reads are store-scoped."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedViewSetMixin
from fours.core.api.viewsets import request_store as _store
from fours.core.api.viewsets import validated as _valid

from ..choices import CardKind
from ..models import Equipment, EquipmentCard, PartShortage, RepairOrder, Tool, ToolLoan
from ..selectors_workshop import shortages_with_orders
from ..services import shortages as sh_svc
from ..services import tools as svc

# --- serializers ---------------------------------------------------------------------------------------


class ToolSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tool
        fields = ["id", "store", "code", "name", "brand", "location", "value", "status"]
        read_only_fields = ["store", "status"]


class ToolCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=100)
    location = serializers.CharField(max_length=50, required=False, allow_blank=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)


class ToolLoanSerializer(serializers.ModelSerializer):
    tool_code = serializers.CharField(source="tool.code", read_only=True)
    ro_number = serializers.CharField(source="ro.number", read_only=True, default="")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ToolLoan
        fields = [
            "id",
            "tool",
            "tool_code",
            "technician",
            "ro",
            "ro_number",
            "lent_at",
            "due_at",
            "returned_at",
            "condition",
            "lost",
            "charge",
            "lent_by",
            "overdue",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.returned_at is None and not obj.lost and obj.due_at < timezone.now()


class LendSerializer(serializers.Serializer):
    technician = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    ro = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class ReturnSerializer(serializers.Serializer):
    condition = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    damaged = serializers.BooleanField(required=False, default=False)


class LostSerializer(serializers.Serializer):
    charge = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class EquipmentCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = EquipmentCard
        fields = ["id", "kind", "done_on", "result", "cost", "actor"]


class EquipmentSerializer(serializers.ModelSerializer):
    cards = EquipmentCardSerializer(many=True, read_only=True)

    class Meta:
        model = Equipment
        fields = [
            "id",
            "store",
            "code",
            "name",
            "location",
            "upkeep_days",
            "calibration_days",
            "next_upkeep",
            "next_calibration",
            "keeper",
            "active",
            "cards",
        ]
        read_only_fields = ["store", "cards"]


class EquipmentCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=100)
    location = serializers.CharField(max_length=50, required=False, allow_blank=True)
    upkeep_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    calibration_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3650)
    next_upkeep = serializers.DateField(required=False, allow_null=True)
    next_calibration = serializers.DateField(required=False, allow_null=True)


class CardCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CardKind.choices)
    done_on = serializers.DateField()
    result = serializers.CharField(max_length=300)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)


class ShortageSerializer(serializers.ModelSerializer):
    ro_number = serializers.CharField(source="ro.number", read_only=True)
    part_no = serializers.CharField(source="part.part_no", read_only=True)
    po_number = serializers.SerializerMethodField()
    expected = serializers.SerializerMethodField()

    class Meta:
        model = PartShortage
        fields = [
            "id",
            "ro",
            "ro_number",
            "part_line",
            "part",
            "part_no",
            "purchase_order",
            "po_number",
            "expected_on",
            "expected",
            "status",
            "arrived_at",
            "note",
            "created_at",
        ]

    def get_po_number(self, obj) -> str:
        return getattr(obj, "po_number", "") or (obj.purchase_order.number if obj.purchase_order_id else "")

    def get_expected(self, obj) -> str | None:
        d = getattr(obj, "expected", None) or obj.expected_on
        return d.isoformat() if d else None


class TrackSerializer(serializers.Serializer):
    purchase_order = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1
    )
    expected_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, allow_null=True)


# --- viewsets -----------------------------------------------------------------------------------------------


class ToolViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """专用工具: the register; lend to a technician against an order (due back at the end of the working day),
    return, lost (charged to the person)."""

    queryset = Tool.objects.select_related("brand")
    serializer_class = ToolSerializer
    filterset_fields = ["status", "code"]
    action_perms = {
        "lend": ["service.add_toolloan"],
        "give_back": ["service.change_toolloan"],
        "lost": ["service.change_toolloan"],
    }

    @extend_schema(request=ToolCreateSerializer, responses={201: ToolSerializer})
    def create(self, request, *args, **kwargs):
        v = _valid(request, ToolCreateSerializer)
        store = _store(request, v.pop("store", None))
        tool = svc.tool_save(actor=request.user, store=store, data=v)
        return Response(ToolSerializer(tool).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LendSerializer, responses={201: ToolLoanSerializer})
    @action(detail=True, methods=["post"])
    def lend(self, request, pk=None):
        tool = self.get_object()
        v = _valid(request, LendSerializer)
        tech = get_user_model().objects.filter(pk=v["technician"]).first()
        ro = RepairOrder.objects.for_user(request.user).filter(pk=v["ro"]).first()
        loan = svc.tool_lend(actor=request.user, tool=tool, technician=tech, ro=ro)
        return Response(ToolLoanSerializer(loan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReturnSerializer, responses=ToolLoanSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def give_back(self, request, pk=None):
        v = _valid(request, ReturnSerializer)
        loan = svc.tool_return(actor=request.user, tool=self.get_object(), **v)
        return Response(ToolLoanSerializer(loan).data)

    @extend_schema(request=LostSerializer, responses=ToolLoanSerializer)
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        v = _valid(request, LostSerializer)
        loan = svc.tool_lost(
            actor=request.user, tool=self.get_object(), charge=v.get("charge"), note=v["note"]
        )
        return Response(ToolLoanSerializer(loan).data)


class ToolLoanViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """借用登记: ?open=true for the tools out, ?overdue=true for those past their due time."""

    queryset = ToolLoan.objects.select_related("tool", "ro")
    serializer_class = ToolLoanSerializer
    filterset_fields = ["tool", "technician", "ro", "lost"]

    def get_queryset(self):
        qs = super().get_queryset()
        flag = self.request.query_params
        if flag.get("open") in ("1", "true") or flag.get("overdue") in ("1", "true"):
            qs = qs.filter(returned_at__isnull=True, lost=False)
        if flag.get("overdue") in ("1", "true"):
            qs = qs.filter(due_at__lt=timezone.now())
        return qs


class EquipmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """设备台账 with the upkeep and calibration cards (设备保养卡); ``card`` records one and moves the due date."""

    queryset = Equipment.objects.prefetch_related("cards")
    serializer_class = EquipmentSerializer
    filterset_fields = ["active", "code"]
    action_perms = {"card": ["service.add_equipmentcard"]}

    @extend_schema(request=EquipmentCreateSerializer, responses={201: EquipmentSerializer})
    def create(self, request, *args, **kwargs):
        v = _valid(request, EquipmentCreateSerializer)
        store = _store(request, v.pop("store", None))
        eq = svc.equipment_save(actor=request.user, store=store, data=v)
        return Response(EquipmentSerializer(eq).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CardCreateSerializer, responses={201: EquipmentCardSerializer})
    @action(detail=True, methods=["post"])
    def card(self, request, pk=None):
        v = _valid(request, CardCreateSerializer)
        card = svc.equipment_card_add(actor=request.user, equipment=self.get_object(), **v)
        return Response(EquipmentCardSerializer(card).data, status=status.HTTP_201_CREATED)


class ShortageViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """缺料跟踪: a car waiting for a part, its purchase order and expected date; closed by the part's receipt."""

    queryset = PartShortage.objects.select_related("ro", "part", "purchase_order")
    serializer_class = ShortageSerializer
    filterset_fields = ["status", "ro"]
    action_perms = {"track": ["service.change_partshortage"]}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = shortages_with_orders(list(page))
        return self.get_paginated_response(ShortageSerializer(rows, many=True).data)

    @extend_schema(request=TrackSerializer, responses=ShortageSerializer)
    @action(detail=True, methods=["post"])
    def track(self, request, pk=None):
        from fours.parts.models import PurchaseOrder

        sh = self.get_object()
        v = _valid(request, TrackSerializer)
        po = None
        if v.get("purchase_order"):
            po = get_object_or_404(PurchaseOrder.objects.for_user(request.user), pk=v["purchase_order"])
        sh = sh_svc.shortage_track(
            actor=request.user,
            shortage=sh,
            purchase_order=po,
            expected_on=v.get("expected_on"),
            note=v.get("note"),
        )
        return Response(ShortageSerializer(shortages_with_orders([sh])[0]).data)


ROUTES = [
    ("service/tools", ToolViewSet, "api-tool"),
    ("service/tool-loans", ToolLoanViewSet, "api-tool-loan"),
    ("service/equipment", EquipmentViewSet, "api-equipment"),
    ("service/part-shortages", ShortageViewSet, "api-part-shortage"),
]


def register(router) -> list:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
    return []
