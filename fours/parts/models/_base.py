from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.fields import COST, MONEY, QTY, RATE, DocumentMixin
from fours.core.scoping import StoreScopedQuerySet

__all__ = ["COST", "MONEY", "QTY", "RATE", "DocumentLine", "DocumentMixin", "TwoStoreManager"]


class TwoStoreQuerySet(StoreScopedQuerySet):
    """Documents between two stores (transfers): both stores see them."""

    def for_user(self, user):
        from fours.core.selectors import store_ids_for

        if getattr(user, "is_superuser", False):
            return self
        ids = store_ids_for(user)
        return self.filter(Q(store__in=ids) | Q(to_store__in=ids))


class TwoStoreManager(models.Manager.from_queryset(TwoStoreQuerySet)):
    pass


class DocumentLine(models.Model):
    """A line of a parts document: a part and its quantity (``qty``, named by each document)."""

    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part} × {self.qty}"
