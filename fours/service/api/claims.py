"""API of warranty claims (索赔申请), the clerk's sign-off of warranty lines, old parts (旧件标签) and their
return shipments (旧件返厂), accident jobs (事故车) and insurer contacts. Writes call the services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from fours.core.api.viewsets import FoursAPIView, ScopedViewSetMixin
from fours.core.api.viewsets import request_store as _store
from fours.core.api.viewsets import validated as _valid
from fours.finance.choices import Method, PartyKind
from fours.finance.models import Party
from fours.parts.selectors import part_by_number

from .. import selectors
from .. import selectors_claims as sel
from ..choices import ClaimStatus, ContactKind, RejectReason
from ..models import (
    AccidentJob,
    AssessmentItem,
    ClaimLine,
    InsurerContact,
    OldPartTag,
    PartLine,
    RepairOrder,
    ReturnShipment,
    WarrantyClaim,
)
from ..services import accidents as acc
from ..services import claims as cs

# --- serializers ---------------------------------------------------------------------------------------


class ClaimLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimLine
        fields = [
            "id",
            "labour",
            "part_line",
            "code",
            "name",
            "hours",
            "qty",
            "unit_price",
            "amount",
            "approved_amount",
        ]


class OldPartTagSerializer(serializers.ModelSerializer):
    claim_number = serializers.CharField(source="claim.number", read_only=True)
    vin = serializers.CharField(source="claim.vin", read_only=True)
    part_no = serializers.CharField(source="part_line.part.part_no", read_only=True)
    part_name = serializers.CharField(source="part_line.part.name", read_only=True)
    shipment_number = serializers.CharField(
        source="shipment.number", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = OldPartTag
        fields = [
            "id",
            "tag_no",
            "claim",
            "claim_number",
            "vin",
            "part_line",
            "part_no",
            "part_name",
            "qty",
            "status",
            "location",
            "instruction",
            "shipment",
            "shipment_number",
            "tagged_at",
        ]


class WarrantyClaimSerializer(serializers.ModelSerializer):
    ro_number = serializers.CharField(source="ro.number", read_only=True)
    brand_name = serializers.CharField(source="brand.name", read_only=True)
    causal_part_no = serializers.CharField(
        source="causal_part.part_no", default=None, read_only=True, allow_null=True
    )
    lines = ClaimLineSerializer(many=True, read_only=True)
    tags = OldPartTagSerializer(many=True, read_only=True)

    class Meta:
        model = WarrantyClaim
        fields = [
            "id",
            "number",
            "store",
            "ro",
            "ro_number",
            "brand",
            "brand_name",
            "vin",
            "warranty_start",
            "odometer_km",
            "repaired_on",
            "deadline",
            "status",
            "failure",
            "fault_code",
            "causal_part",
            "causal_part_no",
            "labour_amount",
            "parts_amount",
            "amount",
            "approved_amount",
            "paid_amount",
            "reject_reason",
            "reject_note",
            "oem_ref",
            "submissions",
            "submitted_at",
            "decided_at",
            "paid_at",
            "lines",
            "tags",
        ]


class ClaimCreateSerializer(serializers.Serializer):
    ro = serializers.IntegerField()
    failure = serializers.CharField(required=False, allow_blank=True, default="")
    fault_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    causal_part_no = serializers.CharField(required=False, allow_blank=True, default="")


class ClaimUpdateSerializer(serializers.Serializer):
    failure = serializers.CharField(required=False, allow_blank=True)
    fault_code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    causal_part_no = serializers.CharField(required=False, allow_blank=True)
    oem_ref = serializers.CharField(required=False, allow_blank=True, max_length=40)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ClaimDecideSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[ClaimStatus.APPROVED, ClaimStatus.PARTLY, ClaimStatus.REJECTED])
    approved_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    reject_reason = serializers.ChoiceField(
        choices=RejectReason.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    oem_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)


class ClaimPaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.ChoiceField(choices=Method.choices, default=Method.TRANSFER)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    business_date = serializers.DateField(required=False, allow_null=True)


class ClaimsCollectionRowSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ClaimsCollectionSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    claims = ClaimsCollectionRowSerializer(many=True)
    method = serializers.ChoiceField(choices=Method.choices, default=Method.TRANSFER)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    business_date = serializers.DateField(required=False, allow_null=True)


class ClaimCollectionAnswerSerializer(serializers.Serializer):
    number = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=14, decimal_places=2)


class ClaimReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=200)


class OldPartTagCreateSerializer(serializers.Serializer):
    part_line = serializers.IntegerField()
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class OldPartScrapSerializer(serializers.Serializer):
    instruction = serializers.CharField(allow_blank=True, max_length=200)


class WarrantySignSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("labour", _("工时")), ("part", _("材料"))])
    line = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class WarrantySignAnswerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    line = serializers.IntegerField()
    warranty_signed_at = serializers.DateTimeField()


class ReturnShipmentSerializer(serializers.ModelSerializer):
    brand_name = serializers.CharField(source="brand.name", read_only=True)
    tags = OldPartTagSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnShipment
        fields = [
            "id",
            "number",
            "store",
            "brand",
            "brand_name",
            "status",
            "carrier",
            "waybill",
            "shipped_at",
            "tags",
        ]


class ReturnShipmentCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    brand = serializers.IntegerField()
    tags = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ShipmentShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(allow_blank=True, max_length=50)
    waybill = serializers.CharField(allow_blank=True, max_length=40)


class AssessmentItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentItem
        fields = ["id", "name", "kind", "qty", "assessed", "agreed"]


class AccidentJobSerializer(serializers.ModelSerializer):
    ro_number = serializers.CharField(source="ro.number", read_only=True)
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    items = AssessmentItemSerializer(many=True, read_only=True)

    class Meta:
        model = AccidentJob
        fields = [
            "id",
            "number",
            "store",
            "ro",
            "ro_number",
            "insurer",
            "insurer_name",
            "policy_no",
            "claim_no",
            "status",
            "assessor",
            "assessed_amount",
            "agreed_amount",
            "excess",
            "final_amount",
            "agreement_signed_at",
            "items",
        ]


class AccidentCreateSerializer(serializers.Serializer):
    ro = serializers.IntegerField()
    insurer_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    claim_no = serializers.CharField(allow_blank=True, max_length=40)
    policy_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    assessor = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class AccidentAssessRowSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=100)
    kind = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)
    qty = serializers.DecimalField(max_digits=12, decimal_places=3, required=False, default=1)
    assessed = serializers.DecimalField(max_digits=14, decimal_places=2)
    agreed = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class AccidentAssessSerializer(serializers.Serializer):
    items = AccidentAssessRowSerializer(many=True)
    assessor = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class AccidentAgreeSerializer(serializers.Serializer):
    signer_name = serializers.CharField(allow_blank=True, max_length=50)
    excess = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    agreed_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    signature = serializers.CharField(required=False, allow_blank=True, default="")


class InsurerContactSerializer(serializers.ModelSerializer):
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)

    class Meta:
        model = InsurerContact
        fields = ["id", "store", "insurer", "insurer_name", "kind", "at", "person", "subject"]


class InsurerContactCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    insurer = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    subject = serializers.CharField(allow_blank=True, max_length=300)
    person = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    at = serializers.DateTimeField(required=False, allow_null=True)


# --- views -----------------------------------------------------------------------------------------------


def _part(group, number):
    if not number:
        return None
    part = part_by_number(group, number)
    if part is None:
        raise ValidationError({"causal_part_no": [_("配件不存在")]})
    return part


class WarrantyClaimViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """索赔申请: made from a settled order's signed warranty lines; edit, tag the old parts, submit, the
    manufacturer's decision, its payment (finance), write-off of the difference, close."""

    queryset = WarrantyClaim.objects.all()
    serializer_class = WarrantyClaimSerializer
    filterset_fields = ["status", "brand", "ro"]
    action_perms = {
        "edit": ["service.change_warrantyclaim"],
        "submit": ["service.change_warrantyclaim"],
        "decide": ["service.decide_claim"],
        "pay": ["finance.add_payment"],
        "writeoff": ["service.decide_claim"],
        "close": ["service.decide_claim"],
        "tag": ["service.add_oldparttag"],
    }

    def get_queryset(self):
        return sel.claims_for(self.request.user).prefetch_related("lines", "tags__part_line__part")

    def _ok(self, claim, code=status.HTTP_200_OK):
        return Response(WarrantyClaimSerializer(self.get_queryset().get(pk=claim.pk)).data, status=code)

    @extend_schema(request=ClaimCreateSerializer, responses={201: WarrantyClaimSerializer})
    def create(self, request, *args, **kwargs):
        v = _valid(request, ClaimCreateSerializer)
        ro = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=v["ro"])
        claim = cs.claim_create(
            actor=request.user,
            ro=ro,
            failure=v["failure"],
            fault_code=v["fault_code"],
            causal_part=_part(ro.store.group, v["causal_part_no"]),
        )
        return self._ok(claim, status.HTTP_201_CREATED)

    @extend_schema(request=ClaimUpdateSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        claim = self.get_object()
        v = dict(_valid(request, ClaimUpdateSerializer))
        if "causal_part_no" in v:
            v["causal_part"] = (
                _part(claim.store.group, v.pop("causal_part_no")) if v["causal_part_no"] else None
            )
        return self._ok(cs.claim_update(actor=request.user, claim=claim, data=v))

    @extend_schema(request=None, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._ok(cs.claim_submit(actor=request.user, claim=self.get_object()))

    @extend_schema(request=ClaimDecideSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        v = _valid(request, ClaimDecideSerializer)
        return self._ok(cs.claim_decide(actor=request.user, claim=self.get_object(), **v))

    @extend_schema(request=ClaimPaySerializer, responses={201: ClaimCollectionAnswerSerializer})
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        v = _valid(request, ClaimPaySerializer)
        pay = cs.claim_payment(actor=request.user, claim=self.get_object(), **v)
        return Response(ClaimCollectionAnswerSerializer(pay).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClaimReasonSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def writeoff(self, request, pk=None):
        v = _valid(request, ClaimReasonSerializer)
        return self._ok(cs.claim_writeoff(actor=request.user, claim=self.get_object(), reason=v["reason"]))

    @extend_schema(request=ClaimReasonSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        v = _valid(request, ClaimReasonSerializer)
        return self._ok(cs.claim_close(actor=request.user, claim=self.get_object(), reason=v["reason"]))

    @extend_schema(request=OldPartTagCreateSerializer, responses={201: OldPartTagSerializer})
    @action(detail=True, methods=["post"])
    def tag(self, request, pk=None):
        claim = self.get_object()
        v = _valid(request, OldPartTagCreateSerializer)
        line = PartLine.objects.filter(ro=claim.ro, pk=v["part_line"]).first()
        if line is None:
            raise ValidationError({"part_line": [_("该配件不在本索赔申请中")]})
        tag = cs.old_part_tag(actor=request.user, claim=claim, part_line=line, location=v["location"])
        return Response(OldPartTagSerializer(tag).data, status=status.HTTP_201_CREATED)


class ClaimsCollectionView(FoursAPIView):
    """厂家索赔回款: one manufacturer payment matched to many claims (finance)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ClaimsCollectionSerializer, responses={201: ClaimCollectionAnswerSerializer})
    def post(self, request):
        v = _valid(request, ClaimsCollectionSerializer)
        store = _store(request, v.get("store"))
        claims = {c.pk: c for c in WarrantyClaim.objects.for_user(request.user).filter(store=store)}
        rows = []
        for i, r in enumerate(v["claims"]):
            if r["claim"] not in claims:
                raise ValidationError({f"claims.{i}.claim": [_("索赔申请不存在")]})
            rows.append((claims[r["claim"]], r["amount"]))
        pay = cs.claims_payment(
            actor=request.user,
            store=store,
            rows=rows,
            method=v["method"],
            reference=v["reference"],
            business_date=v.get("business_date"),
        )
        return Response(ClaimCollectionAnswerSerializer(pay).data, status=status.HTTP_201_CREATED)


class WarrantySignView(FoursAPIView):
    """索赔员签字认可 of a warranty labour or part line."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=WarrantySignSerializer, responses=WarrantySignAnswerSerializer)
    def post(self, request):
        v = _valid(request, WarrantySignSerializer)
        qs = (
            selectors.labour_lines_for(request.user)
            if v["kind"] == "labour"
            else selectors.part_lines_for(request.user)
        )
        line = get_object_or_404(qs, pk=v["line"])
        line = cs.warranty_sign(actor=request.user, line=line, note=v["note"])
        return Response({"kind": v["kind"], "line": line.pk, "warranty_signed_at": line.warranty_signed_at})


class OldPartTagViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """旧件台账: the tagged warranty old parts; scrap one on the manufacturer's instruction."""

    queryset = OldPartTag.objects.all()
    serializer_class = OldPartTagSerializer
    filterset_fields = ["status", "claim", "shipment"]
    action_perms = {"scrap": ["service.change_oldparttag"]}

    def get_queryset(self):
        return sel.tags_for(self.request.user)

    @extend_schema(request=OldPartScrapSerializer, responses=OldPartTagSerializer)
    @action(detail=True, methods=["post"])
    def scrap(self, request, pk=None):
        v = _valid(request, OldPartScrapSerializer)
        tag = cs.old_part_scrap(actor=request.user, tag=self.get_object(), instruction=v["instruction"])
        return Response(OldPartTagSerializer(sel.tags_for(request.user).get(pk=tag.pk)).data)


class ReturnShipmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """旧件返厂单: pack kept old parts of one brand, ship with carrier and waybill, the manufacturer signs."""

    queryset = ReturnShipment.objects.all()
    serializer_class = ReturnShipmentSerializer
    filterset_fields = ["status", "brand"]
    action_perms = {"ship": ["service.change_returnshipment"], "receive": ["service.change_returnshipment"]}

    def get_queryset(self):
        return (
            ReturnShipment.objects.for_user(self.request.user)
            .select_related("brand")
            .prefetch_related("tags__part_line__part", "tags__claim")
        )

    def _ok(self, shipment, code=status.HTTP_200_OK):
        return Response(ReturnShipmentSerializer(self.get_queryset().get(pk=shipment.pk)).data, status=code)

    @extend_schema(request=ReturnShipmentCreateSerializer, responses={201: ReturnShipmentSerializer})
    def create(self, request, *args, **kwargs):
        from fours.customers.models import Brand

        v = _valid(request, ReturnShipmentCreateSerializer)
        store = _store(request, v.get("store"))
        brand = Brand.objects.filter(pk=v["brand"]).first()
        if brand is None:
            raise ValidationError({"brand": [_("品牌不存在")]})
        tags = list(OldPartTag.objects.filter(store=store, pk__in=v["tags"]))
        if len(tags) != len(set(v["tags"])):
            raise ValidationError({"tags": [_("旧件不存在")]})
        shipment = cs.shipment_create(actor=request.user, store=store, brand=brand, tags=tags, note=v["note"])
        return self._ok(shipment, status.HTTP_201_CREATED)

    @extend_schema(request=ShipmentShipSerializer, responses=ReturnShipmentSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        v = _valid(request, ShipmentShipSerializer)
        return self._ok(cs.shipment_ship(actor=request.user, shipment=self.get_object(), **v))

    @extend_schema(request=None, responses=ReturnShipmentSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        return self._ok(cs.shipment_receive(actor=request.user, shipment=self.get_object()))


class AccidentJobViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """事故车: the insurer's job on a repair order; assess (定损, 补充定损), agree (维修协议), settle, collect from
    the insurer (finance), write off what the insurer will not pay."""

    queryset = AccidentJob.objects.all()
    serializer_class = AccidentJobSerializer
    filterset_fields = ["status", "insurer", "ro"]
    action_perms = {
        "assess": ["service.change_accidentjob"],
        "agree": ["service.change_accidentjob"],
        "settle": ["service.change_accidentjob"],
        "collect": ["finance.add_payment"],
        "writeoff": ["service.change_accidentjob"],
    }

    def get_queryset(self):
        return sel.accident_jobs_for(self.request.user).prefetch_related("items")

    def _ok(self, job, code=status.HTTP_200_OK):
        return Response(AccidentJobSerializer(self.get_queryset().get(pk=job.pk)).data, status=code)

    @extend_schema(request=AccidentCreateSerializer, responses={201: AccidentJobSerializer})
    def create(self, request, *args, **kwargs):
        v = _valid(request, AccidentCreateSerializer)
        ro = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=v["ro"])
        job = acc.accident_open(
            actor=request.user,
            ro=ro,
            insurer_name=v["insurer_name"],
            claim_no=v["claim_no"],
            policy_no=v["policy_no"],
            assessor=v["assessor"],
        )
        return self._ok(job, status.HTTP_201_CREATED)

    @extend_schema(request=AccidentAssessSerializer, responses=AccidentJobSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        v = _valid(request, AccidentAssessSerializer)
        return self._ok(
            acc.accident_assess(
                actor=request.user, job=self.get_object(), items=v["items"], assessor=v["assessor"]
            )
        )

    @extend_schema(request=AccidentAgreeSerializer, responses=AccidentJobSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        v = _valid(request, AccidentAgreeSerializer)
        return self._ok(acc.accident_agree(actor=request.user, job=self.get_object(), **v))

    @extend_schema(request=None, responses=AccidentJobSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        return self._ok(acc.accident_settle(actor=request.user, job=self.get_object()))

    @extend_schema(request=ClaimPaySerializer, responses={201: ClaimCollectionAnswerSerializer})
    @action(detail=True, methods=["post"])
    def collect(self, request, pk=None):
        v = _valid(request, ClaimPaySerializer)
        pay = acc.accident_collect(actor=request.user, job=self.get_object(), **v)
        return Response(ClaimCollectionAnswerSerializer(pay).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClaimReasonSerializer, responses=AccidentJobSerializer)
    @action(detail=True, methods=["post"])
    def writeoff(self, request, pk=None):
        v = _valid(request, ClaimReasonSerializer)
        return self._ok(acc.accident_writeoff(actor=request.user, job=self.get_object(), reason=v["reason"]))


class InsurerContactViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """保险公司联系记录 (seed 004: at least 4 a month per insurer, 8 with partner insurers)."""

    queryset = InsurerContact.objects.all()
    serializer_class = InsurerContactSerializer
    filterset_fields = ["insurer", "kind"]

    def get_queryset(self):
        return sel.contacts_for(self.request.user)

    @extend_schema(request=InsurerContactCreateSerializer, responses={201: InsurerContactSerializer})
    def create(self, request, *args, **kwargs):
        v = _valid(request, InsurerContactCreateSerializer)
        store = _store(request, v.get("store"))
        insurer = Party.objects.filter(store=store, kind=PartyKind.INSURER, pk=v["insurer"]).first()
        if insurer is None:
            raise ValidationError({"insurer": [_("请选择本店的保险公司")]})
        c = acc.insurer_contact_add(
            actor=request.user,
            store=store,
            insurer=insurer,
            kind=v["kind"],
            subject=v["subject"],
            person=v["person"],
            at=v.get("at"),
        )
        return Response(InsurerContactSerializer(c).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("service/claims", WarrantyClaimViewSet, "api-claim"),
    ("service/old-part-tags", OldPartTagViewSet, "api-old-part-tag"),
    ("service/return-shipments", ReturnShipmentViewSet, "api-return-shipment"),
    ("service/accident-jobs", AccidentJobViewSet, "api-accident-job"),
    ("service/insurer-contacts", InsurerContactViewSet, "api-insurer-contact"),
]


def register(router) -> list:
    """Register the viewsets on the service API's router; the paths of the two plain views."""
    from django.urls import path

    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
    return [
        path("service/claims-payment/", ClaimsCollectionView.as_view(), name="api-claims-payment"),
        path("service/warranty-sign/", WarrantySignView.as_view(), name="api-warranty-sign"),
    ]
