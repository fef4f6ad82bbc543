from rest_framework import serializers

from ..models import (
    CUSTOMER_FIELDS,
    VEHICLE_FIELDS,
    Brand,
    Configuration,
    Customer,
    OdometerReading,
    Ownership,
    PhoneKind,
    Series,
    Vehicle,
    VehicleModel,
)
from ..selectors import shown_id, shown_mobile


class MaskedField(serializers.CharField):
    """Mobile / ID numbers as the user may see them (masked without customers.see_sensitive)."""

    def __init__(self, kind="mobile", **kwargs):
        self.kind = kind
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        user = getattr(self.context.get("request"), "user", None)
        return (shown_mobile if self.kind == "mobile" else shown_id)(user, value or "")


class PhoneSerializer(serializers.Serializer):
    number = MaskedField()
    kind = serializers.CharField(read_only=True)
    is_primary = serializers.BooleanField(read_only=True)


class PhoneWriteSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=PhoneKind.choices, required=False)
    is_primary = serializers.BooleanField(required=False, default=False)


class CustomerSerializer(serializers.ModelSerializer):
    mobile = MaskedField()
    id_number = MaskedField(kind="id")
    phones = PhoneSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "number",
            *CUSTOMER_FIELDS,
            "phones",
            "consent_call_at",
            "consent_sms_at",
            "consent_marketing_at",
            "created_at",
            "updated_at",
        ]


class RevealSerializer(serializers.Serializer):
    """The unmasked numbers of one customer (POST …/reveal/, audited)."""

    id = serializers.IntegerField(read_only=True)
    mobile = serializers.CharField(read_only=True)
    id_number = serializers.CharField(read_only=True)
    phones = serializers.SerializerMethodField()

    def get_phones(self, obj) -> list[str]:
        return [p.number for p in obj.phones.all()]


class CustomerWriteSerializer(serializers.Serializer):
    """Input of POST/PATCH; the service validates (check digits, duplicates) and names bad fields."""

    kind = serializers.ChoiceField(choices=Customer._meta.get_field("kind").choices, required=False)
    name = serializers.CharField(max_length=100, required=False)
    gender = serializers.CharField(max_length=1, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phones = PhoneWriteSerializer(
        many=True, required=False, help_text="other numbers; replaces them on update"
    )
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    contact_person = serializers.CharField(max_length=50, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Customer._meta.get_field("source").choices, required=False)
    preferred_channel = serializers.ChoiceField(
        choices=Customer._meta.get_field("preferred_channel").choices, required=False
    )
    preferred_time = serializers.CharField(max_length=50, required=False, allow_blank=True)
    consent_call = serializers.BooleanField(required=False)
    consent_sms = serializers.BooleanField(required=False)
    consent_marketing = serializers.BooleanField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    store = serializers.IntegerField(required=False, help_text="store id; defaults to the user's only store")


class VehicleSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    model_label = serializers.CharField(read_only=True)

    class Meta:
        model = Vehicle
        fields = ["id", *VEHICLE_FIELDS, "model_label", "odometer_km", "odometer_date", "owner", "owner_name"]
        read_only_fields = ["odometer_km", "odometer_date", "owner"]


class VehicleWriteSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(write_only=True, required=False)
    odometer_km = serializers.IntegerField(required=False, min_value=0)
    store = serializers.IntegerField(required=False)
    vin = serializers.CharField(max_length=30, required=False)
    plate = serializers.CharField(max_length=12, required=False, allow_blank=True)

    class Meta:
        model = Vehicle
        fields = ["owner", "store", *VEHICLE_FIELDS, "odometer_km"]


class OwnershipSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Ownership
        fields = ["id", "vehicle", "customer", "customer_name", "role", "since", "until", "note"]


class OdometerSerializer(serializers.ModelSerializer):
    class Meta:
        model = OdometerReading
        fields = [
            "id",
            "vehicle",
            "value_km",
            "read_on",
            "source",
            "document",
            "is_correction",
            "reason",
            "created_at",
        ]
        read_only_fields = ["source", "created_at"]


class OdometerWriteSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField()
    value_km = serializers.IntegerField(min_value=0)
    read_on = serializers.DateField(required=False)
    document = serializers.CharField(max_length=40, required=False, allow_blank=True)
    correction = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TransferSerializer(serializers.Serializer):
    """Input of POST …/vehicles/{id}/transfer/ (过户)."""

    new_owner = serializers.IntegerField(help_text="customer id of the new owner")
    on = serializers.DateField(
        required=False, allow_null=True, help_text="date of the transfer; today if empty"
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "name", "code"]


class SeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Series
        fields = ["id", "brand", "name"]


class VehicleModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = VehicleModel
        fields = ["id", "series", "name", "code"]


class ConfigurationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Configuration
        fields = ["id", "model", "name", "code", "year", "engine", "fuel", "transmission", "msrp"]
