from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.fields import COST, MONEY, QTY, RATE, StoreRecord, user_fk
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


class DocumentMixin(StoreRecord):
    """A numbered per-store document with creator and timestamps, newest first, whose page is the
    URL named ``detail_view``."""

    number = models.CharField(_("单号"), max_length=30, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = user_fk(_("制单人"))
    note = models.CharField(_("备注"), max_length=500, blank=True)

    detail_view = ""

    class Meta:
        abstract = True
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number or f"{self._meta.verbose_name} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse(self.detail_view, args=[self.pk])


class DocumentLine(models.Model):
    """A line of a parts document: a part and its quantity (``qty``, named by each document)."""

    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part} × {self.qty}"
