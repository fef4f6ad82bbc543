from rest_framework import serializers

from fours.finance.choices import InvoiceKind

from ..choices import ConfirmMethod, PauseReason, Payer
from ..models import Appointment, LabourLine, PartLine, RepairOrder, Settlement


class LabourLineSerializer(serializers.ModelSerializer):
    technician = serializers.CharField(
        source="technician.username", default=None, read_only=True, allow_null=True
    )
    bay = serializers.CharField(source="bay.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = LabourLine
        fields = [
            "id",
            "code",
            "name",
            "payer",
            "hours",
            "rate",
            "amount",
            "is_added",
            "approval",
            "status",
            "technician",
            "bay",
            "actual_hours",
            "self_checked_at",
            "rework_count",
        ]


class PartLineSerializer(serializers.ModelSerializer):
    part_no = serializers.CharField(source="part.part_no", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)

    class Meta:
        model = PartLine
        fields = [
            "id",
            "part",
            "part_no",
            "part_name",
            "payer",
            "qty",
            "unit_price",
            "amount",
            "is_added",
            "approval",
            "status",
            "qty_issued",
            "qty_returned",
            "old_part",
        ]


class RepairOrderSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    advisor = serializers.CharField(source="advisor.username", read_only=True)
    labour = LabourLineSerializer(many=True, read_only=True)
    parts = PartLineSerializer(many=True, read_only=True)
    # from the order's finance items (selectors.with_money): the customer's share and what the desk took
    customer_due = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = RepairOrder
        fields = [
            "id",
            "number",
            "store",
            "status",
            "kind",
            "vehicle",
            "plate",
            "customer",
            "customer_name",
            "advisor",
            "received_at",
            "promised_at",
            "odometer_km",
            "fuel_level",
            "complaint",
            "estimate_amount",
            "estimate_confirmed_at",
            "labour_discount_pct",
            "parts_discount_pct",
            "total",
            "customer_due",
            "paid",
            "on_account",
            "invoice_no",
            "settled_at",
            "delivered_at",
            "gate_pass_no",
            "labour",
            "parts",
        ]


class RepairOrderListSerializer(RepairOrderSerializer):
    class Meta(RepairOrderSerializer.Meta):
        fields = [f for f in RepairOrderSerializer.Meta.fields if f not in ("labour", "parts")]


class ReceiveSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False)
    vehicle = serializers.IntegerField()
    odometer_km = serializers.IntegerField(min_value=0)
    complaint = serializers.CharField(required=False, allow_blank=True)
    fuel_level = serializers.CharField(required=False)
    promised_at = serializers.DateTimeField(required=False, allow_null=True)
    package = serializers.IntegerField(required=False, allow_null=True)
    appointment = serializers.IntegerField(required=False, allow_null=True)
    damage_marks = serializers.ListField(child=serializers.DictField(), required=False)
    warning_lights = serializers.ListField(child=serializers.CharField(), required=False)
    belongings = serializers.ListField(child=serializers.CharField(), required=False)


class LabourAddSerializer(serializers.Serializer):
    operation = serializers.CharField(required=False, help_text="工时代码")
    name = serializers.CharField(required=False, allow_blank=True)
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    payer = serializers.ChoiceField(choices=Payer.choices, default=Payer.CUSTOMER)


class PartAddSerializer(serializers.Serializer):
    part_no = serializers.CharField()
    qty = serializers.DecimalField(max_digits=12, decimal_places=3)
    payer = serializers.ChoiceField(choices=Payer.choices, default=Payer.CUSTOMER)


class ConfirmSerializer(serializers.Serializer):
    signer_name = serializers.CharField()
    method = serializers.ChoiceField(choices=ConfirmMethod.choices)
    signature = serializers.CharField(required=False, allow_blank=True)
    approved = serializers.BooleanField(default=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SettleSerializer(serializers.Serializer):
    on_account = serializers.BooleanField(default=False)
    invoice_kind = serializers.ChoiceField(
        choices=[c for c in InvoiceKind.choices if c[0] != InvoiceKind.VEHICLE],
        default=InvoiceKind.VAT_ORDINARY,
    )


class DeliverSerializer(serializers.Serializer):
    next_date = serializers.DateField(required=False, allow_null=True)
    next_km = serializers.IntegerField(required=False, allow_null=True)


class QCSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    checklist = serializers.DictField(child=serializers.BooleanField())
    reason = serializers.CharField(required=False, allow_blank=True)
    rework_lines = serializers.ListField(child=serializers.IntegerField(), required=False)


class ClockSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("on", "on"), ("off", "off"), ("pause", "pause")])
    reason = serializers.ChoiceField(choices=PauseReason.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True)


class DispatchSerializer(serializers.Serializer):
    technician = serializers.IntegerField()
    bay = serializers.IntegerField(required=False, allow_null=True)


class IssueAllSerializer(serializers.Serializer):
    old_part_handed_in = serializers.BooleanField(default=False)


class IssueSerializer(IssueAllSerializer):
    qty = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)


class SettlementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Settlement
        fields = [
            "id",
            "number",
            "kind",
            "invoice_no",
            "labour_total",
            "parts_total",
            "discount_total",
            "total",
            "net_total",
            "vat",
            "customer_amount",
            "warranty_amount",
            "insurance_amount",
            "internal_amount",
            "on_account",
            "advance",
            "at",
        ]


class StoreUserField(serializers.PrimaryKeyRelatedField):
    """A user of the caller's stores: another store's user is answered like an id that does not exist."""

    def get_queryset(self):
        from django.contrib.auth import get_user_model

        from fours.core.selectors import store_ids_for

        request = self.context.get("request")
        users = get_user_model().objects.filter(is_active=True)
        if request is None:
            return users.none()
        return users.filter(
            memberships__store_id__in=store_ids_for(request.user), memberships__is_active=True
        ).distinct()


class AppointmentSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    advisor = StoreUserField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "number",
            "status",
            "vehicle",
            "plate",
            "customer",
            "advisor",
            "date",
            "slot",
            "package",
            "jobs",
            "channel",
            "parts_reserved",
            "reminded_at",
            "cancel_reason",
        ]
        read_only_fields = ["number", "status", "customer", "parts_reserved", "reminded_at", "cancel_reason"]


class AppointmentCreateSerializer(AppointmentSerializer):
    """Input of POST …/appointments/: the booking and the store it is for."""

    store = serializers.IntegerField(
        required=False, write_only=True, help_text="store id; defaults to the user's only store"
    )

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "store"]
