from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import AuditEvent, Store


class StoreSerializer(serializers.ModelSerializer):
    group = serializers.StringRelatedField()

    class Meta:
        model = Store
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "group",
            "brands",
            "city",
            "address",
            "phone",
            "vat_rate",
        ]


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name")
    roles = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "roles"]

    def get_roles(self, user) -> list[dict]:
        return [
            {
                "role": m.role.name,
                "store": m.store.code if m.store else None,
                "group": m.dealer_group.code if m.dealer_group else None,
            }
            for m in user.memberships.filter(is_active=True).select_related("role", "store", "dealer_group")
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    store = serializers.CharField(source="store.code", default=None, allow_null=True)
    object_type = serializers.CharField(source="content_type.model")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "store",
            "object_type",
            "object_id",
            "object_repr",
            "verb",
            "changes",
            "note",
            "ip",
            "request_id",
        ]
