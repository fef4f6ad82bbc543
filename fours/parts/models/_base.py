from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.scoping import StoreScopedManager, StoreScopedQuerySet

QTY = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}
COST = {"max_digits": 14, "decimal_places": 4}
RATE = {"max_digits": 5, "decimal_places": 4}


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


class DocumentMixin(models.Model):
    """A numbered per-store document with creator and timestamps."""

    number = models.CharField(_("单号"), max_length=30, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("制单人"),
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)

    objects = StoreScopedManager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number or f"{self._meta.verbose_name} #{self.pk}"
