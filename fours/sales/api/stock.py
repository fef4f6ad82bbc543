"""API of vehicle stock (/api/v1/sales/vehicles/…): the vehicles by status, model and stock age (库龄),
with the arrival (VIN check digit), PDI and custody steps going through the stock services."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedReadOnlyViewSet, validated

from ..choices import CustodyItem, Funding, VehicleStatus
from ..filters_stock import AGE_CHOICES
from ..models import StockVehicle
from ..selectors import stock as sel
from ..services import stock as svc


class StockVehicleSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    configuration_name = serializers.CharField(source="configuration.__str__", read_only=True)
    model = serializers.IntegerField(source="configuration.model_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    age_days = serializers.SerializerMethodField(help_text="库龄（天），入库至今或至交车")
    outlet_name = serializers.CharField(source="outlet.name", read_only=True, default=None)

    class Meta:
        model = StockVehicle
        fields = [
            "id",
            "store",
            "number",
            "vin",
            "engine_no",
            "configuration",
            "configuration_name",
            "model",
            "colour",
            "interior",
            "status",
            "status_label",
            "location",
            "dispatched_on",
            "arrived_on",
            "age_days",
            "funding",
            "floor_plan_due",
            "certificate_no",
            "certificate_at",
            "key_count",
            "keys_out_to",
            "pdi_passed_at",
            "outlet",
            "outlet_name",
            "clearance_plan",
            "delivered_on",
        ]

    def get_age_days(self, obj) -> int | None:
        return sel.age_days(obj)


class VehicleApiFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=VehicleStatus.choices)
    model = django_filters.NumberFilter(label=_("车型"), field_name="configuration__model_id")
    configuration = django_filters.NumberFilter(label=_("配置"), field_name="configuration_id")
    colour = django_filters.CharFilter(label=_("颜色"))
    funding = django_filters.ChoiceFilter(label=_("资金来源"), choices=Funding.choices)
    age = django_filters.ChoiceFilter(label=_("库龄"), choices=AGE_CHOICES, method="by_age")
    min_age = django_filters.NumberFilter(label=_("库龄不少于（天）"), method="by_min_age")
    vin = django_filters.CharFilter(label=_("车架号"), lookup_expr="icontains")

    class Meta:
        model = StockVehicle
        fields = ["status", "model", "configuration", "colour", "funding", "age", "min_age", "vin"]

    def by_age(self, qs, name, value):
        return sel.age_filter(qs, value)

    def by_min_age(self, qs, name, value):
        import datetime as dt

        from django.utils import timezone

        return qs.filter(arrived_on__lte=timezone.localdate() - dt.timedelta(days=int(value)))


class ArriveBody(serializers.Serializer):
    vin = serializers.CharField(max_length=20)
    certificate_no = serializers.CharField(max_length=40)
    key_count = serializers.IntegerField(default=2)
    engine_no = serializers.CharField(max_length=30, required=False, default="")
    location = serializers.CharField(max_length=50, required=False, default="")
    arrived_on = serializers.DateField(required=False, allow_null=True, default=None)
    checklist = serializers.DictField(required=False, default=dict)


class PdiBody(serializers.Serializer):
    checklist = serializers.DictField(help_text="检查项目 → true 或问题描述")
    defects = serializers.CharField(required=False, default="", allow_blank=True)
    odometer_km = serializers.IntegerField(required=False, default=0)


class IssueBody(serializers.Serializer):
    item = serializers.ChoiceField(choices=CustodyItem.choices)
    person = serializers.CharField(max_length=50)
    signature = serializers.CharField(help_text="签名图片 data:image/png;base64,…")
    purpose = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class ReturnBody(serializers.Serializer):
    item = serializers.ChoiceField(choices=CustodyItem.choices)


class VehicleViewSet(ScopedReadOnlyViewSet):
    """整车库存: filter by status (repeatable), model, configuration, colour, funding, age bucket
    (0_30 / 31_60 / 61_90 / over_90) or min_age in days."""

    queryset = StockVehicle.objects.all()
    serializer_class = StockVehicleSerializer
    filterset_class = VehicleApiFilter

    def get_queryset(self):
        return sel.vehicles(self.request.user).order_by("arrived_on", "id")

    def _done(self, vehicle):
        vehicle.refresh_from_db()
        return Response(StockVehicleSerializer(vehicle).data)

    @extend_schema(request=ArriveBody, responses=StockVehicleSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        """到车入库: the VIN read on the vehicle (check digit), the certificate and keys into custody."""
        v = self.get_object()
        d = validated(request, ArriveBody)
        svc.vehicle_arrive(actor=request.user, vehicle=v, **d)
        return self._done(v)

    @extend_schema(request=PdiBody, responses=StockVehicleSerializer)
    @action(detail=True, methods=["post"])
    def pdi(self, request, pk=None):
        v = self.get_object()
        svc.vehicle_pdi(actor=request.user, vehicle=v, **validated(request, PdiBody))
        return self._done(v)

    @extend_schema(request=IssueBody, responses=StockVehicleSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """领用 keys or the certificate against signature (refused when already out: ``already_out``)."""
        v = self.get_object()
        svc.custody_issue(actor=request.user, vehicle=v, **validated(request, IssueBody))
        return self._done(v)

    @extend_schema(request=ReturnBody, responses=StockVehicleSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def give_back(self, request, pk=None):
        v = self.get_object()
        svc.custody_return(actor=request.user, vehicle=v, **validated(request, ReturnBody))
        return self._done(v)


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
    router.register("sales/vehicles", VehicleViewSet, basename="api-sales-vehicles")
