"""Base API classes: store-scoped querysets, idempotent POSTs, service-backed writes."""

from __future__ import annotations

from rest_framework import mixins, viewsets
from rest_framework.views import APIView

from .idempotency import IdempotencyMixin


class FoursAPIView(IdempotencyMixin, APIView):
    pass


class ScopedViewSetMixin(IdempotencyMixin):
    """get_queryset goes through the model's ``for_user`` scoping: other stores' rows are 404."""

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return self.base_queryset().for_user(self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Writes must go through services: override perform_create/perform_update to call them."""
