"""API of 金融保险 (/api/v1/sales/loans/, /api/v1/sales/policies/): loan applications with their file and
their steps (submit, approve, reject, disburse, cancel), and new-car policies (list, detail, 录入). Every
write is the F&I service the pages call; a refusal is a 400 with its code."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fours.core.api.viewsets import ScopedViewSetMixin, request_store, validated

from ..choices import CoverKind, LoanDoc, LoanStatus, PolicyStatus
from ..models import LoanApplication, LoanDocument, Policy, Product, VehicleOrder
from ..services import fi as services

# --- serializers -----------------------------------------------------------------------------------


class LoanDocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = LoanDocument
        fields = ["id", "kind", "kind_label", "checked", "at", "url"]

    def get_url(self, obj) -> str:
        return obj.file.url if obj.file else ""


class LoanSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer = serializers.CharField(source="order.customer.name", read_only=True)
    partner = serializers.CharField(source="product.partner.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    documents = LoanDocumentSerializer(many=True, read_only=True)
    missing = serializers.SerializerMethodField()

    class Meta:
        model = LoanApplication
        fields = [
            "id",
            "store",
            "number",
            "order",
            "order_number",
            "customer",
            "product",
            "partner",
            "amount",
            "term_months",
            "approved_amount",
            "status",
            "status_label",
            "specialist",
            "submitted_at",
            "decided_at",
            "reject_reason",
            "disbursed_at",
            "commission",
            "note",
            "created_at",
            "documents",
            "missing",
        ]

    def get_missing(self, obj) -> list[str]:
        return services.missing_papers(obj) if obj.status == LoanStatus.COLLECTING else []


class LoanCreateSerializer(serializers.Serializer):
    order = serializers.IntegerField(help_text=_("车辆订单ID"))
    product = serializers.IntegerField(help_text=_("贷款产品ID"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    term_months = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class LoanDocumentCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LoanDoc.choices)
    file = serializers.FileField()
    checked = serializers.BooleanField(required=False, default=True)


class LoanApproveSerializer(serializers.Serializer):
    approved_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LoanReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class PolicyCoverSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CoverKind.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class PolicySerializer(serializers.ModelSerializer):
    insurer = serializers.CharField(source="product.partner.name", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, default="")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "store",
            "policy_no",
            "order",
            "order_number",
            "vehicle",
            "product",
            "insurer",
            "covers",
            "premium",
            "commission",
            "starts_on",
            "expires_on",
            "status",
            "status_label",
            "specialist",
            "created_at",
        ]


class PolicyCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    order = serializers.IntegerField(help_text=_("车辆订单ID"))
    product = serializers.IntegerField(help_text=_("保险产品ID"))
    policy_no = serializers.CharField(max_length=40)
    covers = PolicyCoverSerializer(many=True)
    premium = serializers.DecimalField(max_digits=14, decimal_places=2)
    starts_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


# --- viewsets --------------------------------------------------------------------------------------


class LoanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=LoanStatus.choices)

    class Meta:
        model = LoanApplication
        fields = ["status", "order", "product", "specialist"]


class PolicyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PolicyStatus.choices)
    expires_on = django_filters.DateFromToRangeFilter(label=_("到期日期"))

    class Meta:
        model = Policy
        fields = ["status", "order", "product", "expires_on"]


STEP = "sales.change_loanapplication"


class LoanViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """按揭申请 with its 五大件 file (``missing``: the papers still lacking). POST creates one for an authorised
    order; the steps are POST actions: ``documents`` (multipart upload), ``submit`` (refused with code
    ``documents_missing``), ``approve`` (splits the order's receivable between customer and bank),
    ``reject``, ``disburse`` (refused with code ``unpaid`` until finance shows the bank paid), ``cancel``."""

    queryset = LoanApplication.objects.all()
    serializer_class = LoanSerializer
    filterset_class = LoanFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_perms = {
        "documents": ["sales.add_loandocument"],
        "submit": [STEP],
        "approve": [STEP],
        "reject": [STEP],
        "disburse": [STEP],
        "cancel": [STEP],
    }

    def get_queryset(self):
        return (
            LoanApplication.objects.for_user(self.request.user)
            .select_related("order__customer", "product__partner")
            .prefetch_related("documents")
            .order_by("-id")
        )

    def _answer(self, loan, code=status.HTTP_200_OK):
        return Response(LoanSerializer(self.get_queryset().get(pk=loan.pk)).data, status=code)

    @extend_schema(request=LoanCreateSerializer, responses={201: LoanSerializer})
    def create(self, request, *args, **kwargs):
        v = validated(request, LoanCreateSerializer)
        order = get_object_or_404(VehicleOrder.objects.for_user(request.user), pk=v["order"])
        product = get_object_or_404(Product.objects.filter(store_id=order.store_id), pk=v["product"])
        loan = services.loan_create(
            actor=request.user,
            order=order,
            product=product,
            amount=v["amount"],
            term_months=v.get("term_months"),
            note=v.get("note", ""),
        )
        return self._answer(loan, status.HTTP_201_CREATED)

    @extend_schema(request=LoanDocumentCreateSerializer, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        loan = self.get_object()
        v = validated(request, LoanDocumentCreateSerializer)
        services.loan_document_add(
            actor=request.user, loan=loan, kind=v["kind"], file=v["file"], checked=v["checked"]
        )
        return self._answer(loan)

    @extend_schema(request=None, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.loan_submit(actor=request.user, loan=self.get_object()))

    @extend_schema(request=LoanApproveSerializer, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        v = validated(request, LoanApproveSerializer)
        loan = services.loan_approve(
            actor=request.user,
            loan=self.get_object(),
            approved_amount=v.get("approved_amount"),
            note=v.get("note", ""),
        )
        return self._answer(loan)

    @extend_schema(request=LoanReasonSerializer, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        v = validated(request, LoanReasonSerializer)
        return self._answer(
            services.loan_reject(actor=request.user, loan=self.get_object(), reason=v["reason"])
        )

    @extend_schema(request=None, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def disburse(self, request, pk=None):
        return self._answer(services.loan_disburse(actor=request.user, loan=self.get_object()))

    @extend_schema(request=LoanReasonSerializer, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        v = validated(request, LoanReasonSerializer)
        return self._answer(
            services.loan_cancel(actor=request.user, loan=self.get_object(), reason=v["reason"])
        )


class PolicyViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """新车保险: filter by status, order, product and expiry (expires_on_after/_before: 续保 due). POST 录入
    a policy for an order: its commission is posted as a receivable from the insurer."""

    queryset = Policy.objects.all()
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter

    def get_queryset(self):
        return (
            Policy.objects.for_user(self.request.user)
            .select_related("order", "product__partner")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=PolicyCreateSerializer, responses={201: PolicySerializer})
    def create(self, request, *args, **kwargs):
        v = validated(request, PolicyCreateSerializer)
        store = request_store(request, v.get("store"))
        order = get_object_or_404(VehicleOrder.objects.filter(store=store), pk=v["order"])
        product = get_object_or_404(Product.objects.filter(store=store), pk=v["product"])
        policy = services.policy_create(
            actor=request.user,
            store=store,
            product=product,
            order=order,
            policy_no=v["policy_no"],
            covers=[{"kind": c["kind"], "amount": c.get("amount") or ""} for c in v["covers"]],
            premium=v["premium"],
            starts_on=v["starts_on"],
            expires_on=v.get("expires_on"),
            note=v.get("note", ""),
        )
        return Response(
            PolicySerializer(self.get_queryset().get(pk=policy.pk)).data, status=status.HTTP_201_CREATED
        )


def register(router) -> None:
    """Add this area's viewsets to the sales API router."""
    router.register("sales/loans", LoanViewSet, basename="api-sales-loan")
    router.register("sales/policies", PolicyViewSet, basename="api-sales-policy")
