from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import selectors
from ..models import AuditEvent, Store
from .serializers import AuditEventSerializer, MeSerializer, StoreSerializer
from .viewsets import FoursAPIView


class MeView(FoursAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        return Response(MeSerializer(request.user).data)


class StoreViewSet(viewsets.ReadOnlyModelViewSet):
    """The stores the user works in (group users: every store of their group)."""

    permission_classes = [IsAuthenticated]
    serializer_class = StoreSerializer
    queryset = Store.objects.none()

    def get_queryset(self):
        return Store.objects.for_user(self.request.user).select_related("group").order_by("code")


class AuditEventListView(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()
    filterset_fields = ["verb", "object_id"]

    def get_queryset(self):
        qs = AuditEvent.objects.select_related("actor", "store", "content_type")
        if not self.request.user.is_superuser:
            qs = qs.filter(store_id__in=selectors.store_ids_for(self.request.user))
        return qs
