import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin, request_store, validated
from fours.core.validators import normalize_code, normalize_mobile

from .. import services
from ..models import Brand, Configuration, Customer, OdometerReading, Ownership, Series, Vehicle, VehicleModel
from ..selectors import customers_for, search_archive, vehicles_for
from . import serializers as s


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="by_search", label="name prefix or phone tail")
    q = django_filters.CharFilter(method="by_search", label="the one search box: plate, VIN, phone or name")
    phone = django_filters.CharFilter(method="by_phone", label="full phone or its last 4+ digits")

    class Meta:
        model = Customer
        fields = ["q", "search", "phone", "kind"]

    def by_search(self, qs, name, value):
        ids = [h.customer.pk for h in search_archive(self.request.user, value, limit=50)]
        return qs.filter(pk__in=ids)

    def by_phone(self, qs, name, value):
        return qs.filter(phones__number_rev__startswith=normalize_mobile(value)[::-1]).distinct()


class VehicleFilter(django_filters.FilterSet):
    plate = django_filters.CharFilter(method="by_plate", label="plate or its last characters")
    vin = django_filters.CharFilter(method="by_vin", label="VIN or its last 6-8 characters")
    phone = django_filters.CharFilter(method="by_phone", label="owner's phone or its last 4 digits")
    search = django_filters.CharFilter(method="by_search", label="plate, VIN tail, phone tail or name")
    q = django_filters.CharFilter(method="by_search", label="the one search box: plate, VIN, phone or name")

    class Meta:
        model = Vehicle
        fields = ["q", "plate", "vin", "phone", "search", "owner"]

    def by_plate(self, qs, name, value):
        code = normalize_code(value)
        return qs.filter(Q(plate__startswith=code) | Q(plate_rev__startswith=code[::-1]))

    def by_vin(self, qs, name, value):
        return qs.filter(vin_rev__startswith=normalize_code(value)[::-1])

    def by_phone(self, qs, name, value):
        return qs.filter(owner__phones__number_rev__startswith=normalize_mobile(value)[::-1]).distinct()

    def by_search(self, qs, name, value):
        hits = search_archive(self.request.user, value, limit=50)
        return qs.filter(
            Q(pk__in=[h.vehicle.pk for h in hits if h.vehicle]) | Q(owner__in=[h.customer.pk for h in hits])
        )


@extend_schema_view(partial_update=extend_schema(responses=s.CustomerSerializer))
class CustomerViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Customers of the user's dealer group. Mobile and ID numbers are masked without the
    customers.see_sensitive permission. Writes go through the archive's services."""

    queryset = Customer.objects.all()
    serializer_class = s.CustomerSerializer
    write_serializer_class = s.CustomerWriteSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["id", "name", "created_at"]
    action_perms = {"reveal": ["customers.see_sensitive"]}

    def get_queryset(self):
        return customers_for(self.request.user).prefetch_related("phones").order_by("-id")

    @extend_schema(request=s.CustomerWriteSerializer, responses={201: s.CustomerSerializer})
    def create(self, request, *args, **kwargs):
        v = dict(validated(request, s.CustomerWriteSerializer))
        store = request_store(request, v.pop("store", None))
        c = services.customer_create(actor=request.user, store=store, data=v)
        return Response(
            s.CustomerSerializer(c, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=s.RevealSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """显示完整: the full mobile, other numbers and ID number of one customer; audited ("reveal")
        in the store given by ``?store=<id>`` (default: the caller's store in the customer's group)."""
        c = self.get_object()
        store = request.query_params.get("store")
        services.customer_reveal(
            actor=request.user,
            customer=c,
            store=request_store(request, store) if store and store.isdigit() else None,
        )
        return Response(s.RevealSerializer(c).data)

    @extend_schema(request=s.CustomerWriteSerializer, responses=s.CustomerSerializer)
    def update(self, request, *args, **kwargs):
        c = self.get_object()
        v = dict(validated(request, s.CustomerWriteSerializer, partial=True))
        v.pop("store", None)
        c = services.customer_update(actor=request.user, customer=c, data=v)
        return Response(s.CustomerSerializer(c, context={"request": request}).data)


@extend_schema_view(partial_update=extend_schema(responses=s.VehicleSerializer))
class VehicleViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Vehicle.objects.all()
    serializer_class = s.VehicleSerializer
    write_serializer_class = s.VehicleWriteSerializer
    filterset_class = VehicleFilter
    ordering_fields = ["id", "plate", "next_maintenance_date"]
    action_perms = {"transfer": ["customers.transfer_vehicle"]}

    def get_queryset(self):
        return (
            vehicles_for(self.request.user)
            .select_related("owner", "model__series__brand", "configuration__model__series__brand")
            .order_by("-id")
        )

    @extend_schema(request=s.VehicleWriteSerializer, responses={201: s.VehicleSerializer})
    def create(self, request, *args, **kwargs):
        v = dict(validated(request, s.VehicleWriteSerializer))
        store = request_store(request, v.pop("store", None))
        owner = get_object_or_404(customers_for(request.user), pk=v.pop("owner", 0) or 0)
        vehicle = services.vehicle_create(actor=request.user, store=store, owner=owner, data=v)
        return Response(s.VehicleSerializer(vehicle).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VehicleWriteSerializer, responses=s.VehicleSerializer)
    def update(self, request, *args, **kwargs):
        vehicle = self.get_object()
        data = validated(request, s.VehicleWriteSerializer, partial=True)
        v = {k: val for k, val in data.items() if k not in ("owner", "store", "odometer_km")}
        vehicle = services.vehicle_update(actor=request.user, vehicle=vehicle, data=v)
        return Response(s.VehicleSerializer(vehicle).data)

    @extend_schema(request=s.TransferSerializer, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """过户: the vehicle passes to another customer of the group."""
        vehicle = self.get_object()
        v = validated(request, s.TransferSerializer)
        new_owner = get_object_or_404(customers_for(request.user), pk=v["new_owner"])
        vehicle = services.vehicle_transfer(
            actor=request.user, vehicle=vehicle, new_owner=new_owner, on=v.get("on"), note=v["note"]
        )
        return Response(s.VehicleSerializer(vehicle).data)


class OwnershipViewSet(ScopedReadOnlyViewSet):
    queryset = Ownership.objects.all()
    serializer_class = s.OwnershipSerializer
    filterset_fields = ["vehicle", "customer", "role"]

    def get_queryset(self):
        return (
            Ownership.objects.filter(vehicle__in=vehicles_for(self.request.user))
            .select_related("customer")
            .order_by("-id")
        )


class OdometerViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = OdometerReading.objects.all()
    serializer_class = s.OdometerSerializer
    write_serializer_class = s.OdometerWriteSerializer
    filterset_fields = ["vehicle"]

    def get_queryset(self):
        return OdometerReading.objects.filter(vehicle__in=vehicles_for(self.request.user)).order_by("-id")

    @extend_schema(request=s.OdometerWriteSerializer, responses={201: s.OdometerSerializer})
    def create(self, request, *args, **kwargs):
        v = validated(request, s.OdometerWriteSerializer)
        vehicle = get_object_or_404(vehicles_for(request.user), pk=v["vehicle"])
        reading = services.odometer_record(
            actor=request.user,
            vehicle=vehicle,
            value_km=v["value_km"],
            read_on=v.get("read_on"),
            document=v.get("document", ""),
            correction=v["correction"],
            reason=v["reason"],
        )
        return Response(s.OdometerSerializer(reading).data, status=status.HTTP_201_CREATED)


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """The shared model catalogue (read)."""

    permission_classes = [IsAuthenticated]


class BrandViewSet(CatalogueViewSet):
    queryset = Brand.objects.order_by("name")
    serializer_class = s.BrandSerializer


class SeriesViewSet(CatalogueViewSet):
    queryset = Series.objects.order_by("brand_id", "name")
    serializer_class = s.SeriesSerializer
    filterset_fields = ["brand"]


class VehicleModelViewSet(CatalogueViewSet):
    queryset = VehicleModel.objects.order_by("series_id", "name")
    serializer_class = s.VehicleModelSerializer
    filterset_fields = ["series"]


class ConfigurationViewSet(CatalogueViewSet):
    queryset = Configuration.objects.order_by("model_id", "-year", "name")
    serializer_class = s.ConfigurationSerializer
    filterset_fields = ["model", "fuel", "year"]
