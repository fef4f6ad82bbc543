"""The customer care API's bodies: care tasks, calls, complaints, survey results and campaigns."""

from rest_framework import serializers

from fours.customers.models import CareTask

from ..choices import CallResult, ComplaintChannel, ConfirmMethod, Satisfaction, Severity
from ..models import Call, Campaign, Complaint, SurveyResponse

MONEY = {"max_digits": 14, "decimal_places": 2}


class CareTaskSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee_name = serializers.SerializerMethodField()

    class Meta:
        model = CareTask
        fields = [
            "id",
            "store",
            "kind",
            "key",
            "customer",
            "customer_name",
            "vehicle",
            "doc_number",
            "due_date",
            "assignee",
            "assignee_name",
            "status",
            "attempts",
            "next_try_at",
            "parent",
            "subject",
            "done_at",
        ]

    def get_assignee_name(self, obj) -> str:
        from fours.core.audit import display_name

        return display_name(obj.assignee) if obj.assignee_id else ""


class CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = [
            "id",
            "task",
            "at",
            "result",
            "call_back_at",
            "satisfaction",
            "answers",
            "note",
            "problem",
            "problem_department",
            "recording",
            "actor",
        ]


class CallCreateSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=CallResult.choices)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_blank=True)
    answers = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    problem = serializers.CharField(max_length=300, required=False, allow_blank=True)
    problem_department = serializers.CharField(max_length=12, required=False, allow_blank=True)
    call_back_at = serializers.DateTimeField(required=False, allow_null=True)
    recording = serializers.CharField(max_length=60, required=False, allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField()


class ComplaintSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "store",
            "number",
            "channel",
            "customer",
            "customer_name",
            "vehicle",
            "doc_number",
            "call",
            "content",
            "severity",
            "status",
            "category",
            "department",
            "person",
            "cause",
            "solution",
            "compensation",
            "approved_by",
            "approved_at",
            "approval_note",
            "done_at",
            "confirm_method",
            "confirmed_at",
            "closed_at",
            "due_at",
            "escalated_at",
            "created_at",
        ]


class ComplaintCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    customer = serializers.IntegerField()
    vehicle = serializers.IntegerField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    content = serializers.CharField(max_length=5000)
    department = serializers.CharField(max_length=12, required=False, allow_blank=True)


class ComplaintJudgeSerializer(serializers.Serializer):
    """判定: valid or not, the department it goes to."""

    valid = serializers.BooleanField(required=False, default=True)
    department = serializers.CharField(max_length=12, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ComplaintProposeSerializer(serializers.Serializer):
    """调查与处理方案: cause, category, solution, compensation, the person responsible."""

    cause = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category = serializers.CharField(max_length=10, required=False, allow_blank=True)
    solution = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    compensation = serializers.DecimalField(required=False, min_value=0, **MONEY)
    person = serializers.IntegerField(required=False, allow_null=True)


class ComplaintApproveSerializer(serializers.Serializer):
    """审批: approve or send back, with a note."""

    approve = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ComplaintNoteSerializer(serializers.Serializer):
    """A step with only a note (处理完成, 结案)."""

    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ComplaintConfirmSerializer(serializers.Serializer):
    """客户确认: how the customer confirmed, the signature or the recording."""

    method = serializers.ChoiceField(choices=ConfirmMethod.choices, required=False)
    signature = serializers.CharField(max_length=500000, required=False, allow_blank=True)
    recording = serializers.CharField(max_length=60, required=False, allow_blank=True)


class SurveyResponseSerializer(serializers.ModelSerializer):
    survey_name = serializers.CharField(source="survey.name", read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "survey",
            "survey_name",
            "customer",
            "doc_number",
            "source",
            "answers",
            "score",
            "advisor",
            "consultant",
            "technician",
            "answered_on",
        ]


class CampaignSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    result = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "store",
            "number",
            "name",
            "channel",
            "department",
            "starts_on",
            "ends_on",
            "budget",
            "actual_cost",
            "oem_support",
            "segment",
            "status",
            "report",
            "result",
        ]

    def get_result(self, obj) -> dict:
        from ..selectors import campaign_result

        r = campaign_result(obj)
        return {
            "members": r.members,
            "invited": r.invited,
            "responded": r.responded,
            "attended": r.attended,
            "leads": r.leads,
            "orders": r.orders,
            "repair_orders": r.repair_orders,
            "net_cost": str(r.net_cost),
            "cost_per_lead": str(r.cost_per_lead) if r.cost_per_lead is not None else None,
            "cost_per_sale": str(r.cost_per_sale) if r.cost_per_sale is not None else None,
            "roi": str(r.roi) if r.roi is not None else None,
        }


class CampaignCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=100)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    channel = serializers.CharField(max_length=30, required=False, allow_blank=True)
    department = serializers.ChoiceField(choices=[("sales", "销售"), ("service", "售后")], required=False)
    budget = serializers.DecimalField(required=False, min_value=0, **MONEY)
    segment = serializers.DictField(required=False)


class InviteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=500, required=False, allow_blank=True)
    send = serializers.BooleanField(required=False, default=True)
