"""API of the sales desk: showroom — traffic (visits), leads with their follow-ups and defeats, test drives.
Every write calls the same service as the pages."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin, validated
from fours.core.api.viewsets import request_store as _store
from fours.customers.models import Configuration, VehicleModel

from ..choices import (
    DefeatReason,
    DriveStatus,
    FollowUpChannel,
    Grade,
    LeadSource,
    LeadStatus,
    PayPlan,
    VisitKind,
)
from ..models import FollowUp, Lead, StockVehicle, TestDrive, Visit
from ..selectors import showroom as sel
from ..services import showroom as svc

MONEY = {"max_digits": 14, "decimal_places": 2}


def _name(user) -> str:
    from fours.core.audit import display_name

    return display_name(user) if user else ""


# --- bodies --------------------------------------------------------------------------------------


class VisitSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    consultant_name = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "store",
            "kind",
            "arrived_at",
            "left_at",
            "consultant",
            "consultant_name",
            "source",
            "name",
            "mobile",
            "intended_model",
            "first_visit",
            "party_size",
            "lead",
            "note",
        ]

    def get_consultant_name(self, obj) -> str:
        return _name(obj.consultant)


class VisitCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.WALK_IN)
    consultant = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False)
    arrived_at = serializers.DateTimeField(required=False)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    intended_model = serializers.PrimaryKeyRelatedField(queryset=VehicleModel.objects.all(), required=False)
    first_visit = serializers.BooleanField(required=False, allow_null=True, default=None)
    party_size = serializers.IntegerField(min_value=1, max_value=50, default=1)
    grade = serializers.ChoiceField(choices=Grade.choices, default=Grade.B)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    make_lead = serializers.BooleanField(default=True)


class LeadSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    owner_name = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Lead
        fields = [
            "id",
            "number",
            "store",
            "kind",
            "name",
            "mobile",
            "contact_person",
            "customer",
            "intended_model",
            "configuration",
            "colour",
            "budget",
            "pay_plan",
            "trade_in",
            "trade_in_vehicle",
            "source",
            "campaign",
            "grade",
            "owner",
            "owner_name",
            "status",
            "next_follow_up",
            "last_follow_up_at",
            "follow_up_count",
            "overdue",
            "is_key_account",
            "fleet_size",
            "competitor_model",
            "defeat_reason",
            "defeat_note",
            "defeat_requested_at",
            "defeat_decided_at",
            "defeat_decision_note",
            "created_at",
            "note",
        ]

    def get_owner_name(self, obj) -> str:
        return _name(obj.owner)


class LeadWriteSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False)
    kind = serializers.ChoiceField(choices=[("person", "个人"), ("company", "单位")], default="person")
    name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=20)
    contact_person = serializers.CharField(max_length=50, required=False, allow_blank=True)
    intended_model = serializers.PrimaryKeyRelatedField(
        queryset=VehicleModel.objects.all(), required=False, allow_null=True
    )
    configuration = serializers.PrimaryKeyRelatedField(
        queryset=Configuration.objects.all(), required=False, allow_null=True
    )
    colour = serializers.CharField(max_length=30, required=False, allow_blank=True)
    budget = serializers.DecimalField(required=False, allow_null=True, min_value=0, **MONEY)
    pay_plan = serializers.ChoiceField(choices=PayPlan.choices, default=PayPlan.CASH)
    trade_in = serializers.BooleanField(default=False)
    trade_in_vehicle = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=LeadSource.choices, default=LeadSource.WALK_IN)
    campaign = serializers.CharField(max_length=100, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=Grade.choices, default=Grade.B)
    is_key_account = serializers.BooleanField(default=False)
    fleet_size = serializers.IntegerField(min_value=1, max_value=10000, default=1)
    competitor_model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class FollowUpSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = ["id", "lead", "at", "channel", "result", "grade", "next_follow_up", "actor", "actor_name"]

    def get_actor_name(self, obj) -> str:
        return _name(obj.actor)


class FollowUpCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=FollowUpChannel.choices)
    result = serializers.CharField(max_length=500)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    next_follow_up = serializers.DateField(required=False, allow_null=True)


class AssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DefeatSerializer(serializers.Serializer):
    defeat_reason = serializers.ChoiceField(choices=DefeatReason.choices)
    competitor_model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DriveSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    vin = serializers.CharField(source="vehicle.vin", read_only=True)
    consultant_name = serializers.SerializerMethodField()

    class Meta:
        model = TestDrive
        fields = [
            "id",
            "number",
            "store",
            "lead",
            "vehicle",
            "vin",
            "consultant",
            "consultant_name",
            "starts_at",
            "ends_at",
            "status",
            "driver_name",
            "licence_no",
            "licence_expiry",
            "agreement_signed_at",
            "started_at",
            "finished_at",
            "odometer_out",
            "odometer_in",
            "rating",
            "feedback",
        ]

    def get_consultant_name(self, obj) -> str:
        return _name(obj.consultant)


class DriveCreateSerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    vehicle = serializers.PrimaryKeyRelatedField(queryset=StockVehicle.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    driver_name = serializers.CharField(max_length=50)
    licence_no = serializers.CharField(max_length=20)
    licence_expiry = serializers.DateField()
    consultant = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False)


class DriveStartSerializer(serializers.Serializer):
    signature = serializers.CharField(help_text="签名图像 data URL（data:image/png;base64,…）")
    odometer_out = serializers.IntegerField(min_value=0, max_value=2_000_000)


class DriveFinishSerializer(serializers.Serializer):
    odometer_in = serializers.IntegerField(min_value=0, max_value=2_000_000)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    feedback = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DriveCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


# --- filters -------------------------------------------------------------------------------------


class LeadApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    owner = django_filters.NumberFilter(field_name="owner_id")
    mine = django_filters.BooleanFilter(method="by_mine", label="只看我的")
    overdue = django_filters.BooleanFilter(method="by_overdue", label="逾期未跟进")

    class Meta:
        model = Lead
        fields = ["status", "grade", "owner", "source", "is_key_account"]

    def by_mine(self, qs, name, value):
        return qs.filter(owner=self.request.user) if value else qs

    def by_overdue(self, qs, name, value):
        return qs.filter(overdue=value)


class DriveApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DriveStatus.choices)
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = TestDrive
        fields = ["status", "vehicle", "lead", "consultant"]


# --- viewsets ------------------------------------------------------------------------------------


class _Create(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


class VisitViewSet(_Create, mixins.CreateModelMixin):
    """展厅客流: walk-ins and calls; a POST logs one (and makes or joins its lead)."""

    queryset = Visit.objects.all()
    serializer_class = VisitSerializer
    filterset_fields = ["kind", "source", "consultant", "lead"]

    def get_queryset(self):
        return sel.visits_for(self.request.user).order_by("-arrived_at", "-id")

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        d = dict(validated(request, VisitCreateSerializer))
        store = _store(request, d.pop("store", None))
        visit = svc.visit_log(actor=request.user, store=store, **d)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class LeadViewSet(_Create, mixins.CreateModelMixin):
    """潜客: a consultant's own, every lead of the store for the manager; follow-ups, assignment and the
    defeat steps as actions."""

    queryset = Lead.objects.all()
    serializer_class = LeadSerializer
    filterset_class = LeadApiFilter
    action_perms = {
        "follow_up": ["sales.add_followup"],
        "assign": ["sales.assign_lead"],
        "defeat": ["sales.change_lead"],
        "approve_defeat": ["sales.approve_defeat"],
        "return_defeat": ["sales.approve_defeat"],
    }

    def get_queryset(self):
        user = self.request.user
        mine = user.has_perm("sales.add_lead") and not user.has_perm("sales.assign_lead")
        return sel.lead_list(user, mine=mine).order_by("-id")

    def _answer(self, lead, code=status.HTTP_200_OK):
        return Response(LeadSerializer(self.get_queryset().get(pk=lead.pk)).data, status=code)

    @extend_schema(request=LeadWriteSerializer, responses={201: LeadSerializer})
    def create(self, request, *args, **kwargs):
        d = dict(validated(request, LeadWriteSerializer))
        store = _store(request, d.pop("store", None))
        owner = d.pop("owner", None)
        lead = svc.lead_create(actor=request.user, store=store, owner=owner, **d)
        return Response(LeadSerializer(sel.lead_list(request.user).get(pk=lead.pk)).data, status=201)

    @extend_schema(request=FollowUpCreateSerializer, responses={201: FollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        d = validated(request, FollowUpCreateSerializer)
        fu = svc.followup_add(actor=request.user, lead=self.get_object(), **d)
        return Response(FollowUpSerializer(fu).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        d = validated(request, AssignSerializer)
        return self._answer(svc.lead_assign(actor=request.user, lead=self.get_object(), **d))

    @extend_schema(request=DefeatSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def defeat(self, request, pk=None):
        """战败申请"""
        d = dict(validated(request, DefeatSerializer))
        d["reason"] = d.pop("defeat_reason")
        return self._answer(svc.lead_defeat_request(actor=request.user, lead=self.get_object(), **d))

    @extend_schema(request=DecisionSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"], url_path="approve-defeat")
    def approve_defeat(self, request, pk=None):
        d = validated(request, DecisionSerializer)
        return self._answer(svc.lead_defeat_approve(actor=request.user, lead=self.get_object(), **d))

    @extend_schema(request=DecisionSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"], url_path="return-defeat")
    def return_defeat(self, request, pk=None):
        d = validated(request, DecisionSerializer)
        lead = svc.lead_defeat_return(actor=request.user, lead=self.get_object(), note=d.get("note", ""))
        return self._answer(lead)


class FollowUpViewSet(ScopedReadOnlyViewSet):
    queryset = FollowUp.objects.all()
    serializer_class = FollowUpSerializer
    filterset_fields = ["lead", "channel", "actor"]

    def get_queryset(self):
        return sel.follow_ups_for(self.request.user).order_by("-at", "-id")


class DriveViewSet(_Create, mixins.CreateModelMixin):
    """试乘试驾: booked (a demo car, refusing double booking and an expired licence), started with the
    signed agreement, finished with the odometer and feedback, or cancelled."""

    queryset = TestDrive.objects.all()
    serializer_class = DriveSerializer
    filterset_class = DriveApiFilter
    action_perms = {
        "start": ["sales.change_testdrive"],
        "finish": ["sales.change_testdrive"],
        "cancel": ["sales.change_testdrive"],
    }

    def get_queryset(self):
        return sel.drives_for(self.request.user).order_by("-starts_at", "-id")

    @extend_schema(request=DriveCreateSerializer, responses={201: DriveSerializer})
    def create(self, request, *args, **kwargs):
        d = dict(validated(request, DriveCreateSerializer))
        lead = get_object_or_404(Lead.objects.for_user(request.user), pk=d.pop("lead"))
        drive = svc.drive_book(actor=request.user, lead=lead, **d)
        return Response(DriveSerializer(drive).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DriveStartSerializer, responses=DriveSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        d = validated(request, DriveStartSerializer)
        drive = svc.drive_start(actor=request.user, drive=self.get_object(), **d)
        return Response(DriveSerializer(drive).data)

    @extend_schema(request=DriveFinishSerializer, responses=DriveSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        d = validated(request, DriveFinishSerializer)
        drive = svc.drive_finish(actor=request.user, drive=self.get_object(), **d)
        return Response(DriveSerializer(drive).data)

    @extend_schema(request=DriveCancelSerializer, responses=DriveSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        d = validated(request, DriveCancelSerializer)
        drive = svc.drive_cancel(actor=request.user, drive=self.get_object(), **d)
        return Response(DriveSerializer(drive).data)


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
    router.register("sales/visits", VisitViewSet, basename="api-sales-visit")
    router.register("sales/leads", LeadViewSet, basename="api-sales-lead")
    router.register("sales/follow-ups", FollowUpViewSet, basename="api-sales-followup")
    router.register("sales/test-drives", DriveViewSet, basename="api-sales-testdrive")
