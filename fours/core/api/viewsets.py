"""Base API classes: store-scoped querysets, idempotent POSTs, service-backed writes."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from fours.core.models import Store
from fours.core.selectors import store_ids_for

from .idempotency import IdempotencyMixin


class FoursAPIView(IdempotencyMixin, APIView):
    pass


class ScopedViewSetMixin(IdempotencyMixin):
    """get_queryset goes through the model's ``for_user`` scoping: other stores' rows are 404.
    ``write_serializer_class``, when set, is the input of create and update (the answer keeps
    ``serializer_class``)."""

    write_serializer_class = None

    def get_serializer_class(self):
        if self.write_serializer_class and self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return super().get_serializer_class()

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


def request_store(request, store_id=None):
    """The store a write applies to: the given one if it is the user's, else the user's only store."""
    ids = store_ids_for(request.user)
    if store_id is None:
        if len(ids) != 1:
            raise ValidationError({"store": [_("请指定门店")]})
        store_id = next(iter(ids))
    if int(store_id) not in ids:
        raise ValidationError({"store": [_("门店不在您的范围内")]})
    return Store.objects.select_related("group").get(pk=store_id)


def validated(request, serializer_class, **kwargs) -> dict:
    """The request body checked by an action's serializer (a 400 naming the fields when it is not valid)."""
    d = serializer_class(data=request.data, **kwargs)
    d.is_valid(raise_exception=True)
    return d.validated_data
