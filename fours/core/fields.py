"""Model declarations every app repeats, written once: the decimal sizes, optional links, and the
abstract rows of a store or of a dealer group (their link and their scoped manager)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import GroupScopedManager, StoreScopedManager

# decimal sizes: money to the fen, quantities to 0.001, unit costs to 0.0001, rates like 0.1300,
# hours to 0.01 and percentages like 12.50
MONEY = {"max_digits": 14, "decimal_places": 2}
QTY = {"max_digits": 12, "decimal_places": 3}
COST = {"max_digits": 14, "decimal_places": 4}
RATE = {"max_digits": 5, "decimal_places": 4}
HOURS = {"max_digits": 7, "decimal_places": 2}
PCT = {"max_digits": 5, "decimal_places": 2}


def optional_fk(to, verbose_name=None, *, field=models.ForeignKey, **options) -> models.ForeignKey:
    """A link that may be empty: null and blank, the target protected, no reverse accessor ("+");
    each of these can be given otherwise (``on_delete=models.SET_NULL``, ``related_name="…"``), and
    ``field=models.OneToOneField`` makes it a one-to-one link."""
    options = {"null": True, "blank": True, "on_delete": models.PROTECT, "related_name": "+", **options}
    return field(to, verbose_name=verbose_name, **options)


def user_fk(verbose_name=None, **options) -> models.ForeignKey:
    """Who made, approved or did something (制单人, 审批人, 操作人 …): an optional link to a user (see
    ``optional_fk``); a user who has done something is never deleted, only deactivated."""
    return optional_fk(settings.AUTH_USER_MODEL, verbose_name, **options)


def now():
    """The default of a timestamp column: ``timezone.now`` looked up when the row is made (so a demo or a
    test that moves the clock moves the rows' times too; ``default=timezone.now`` keeps the function of
    import time)."""
    return timezone.now()


class StoreRecord(models.Model):
    """A business record of one store (a document, a ledger row): the store is protected while it
    has records, and lists read it through ``StoreScopedManager``."""

    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, verbose_name=_("门店"))

    objects = StoreScopedManager()

    class Meta:
        abstract = True


class StoreSetting(models.Model):
    """A store's own set-up row (warehouses, bins, bays, rates, capacities): deleted with the store."""

    store = models.ForeignKey("core.Store", on_delete=models.CASCADE, verbose_name=_("门店"))

    objects = StoreScopedManager()

    class Meta:
        abstract = True


class GroupRecord(models.Model):
    """A row shared by every store of a dealer group (part master, suppliers, catalogues, archive)."""

    group = models.ForeignKey("core.DealerGroup", on_delete=models.PROTECT, verbose_name=_("集团"))

    objects = GroupScopedManager()

    class Meta:
        abstract = True


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


class DocumentLink(models.Model):
    """The document a row comes from or is about: any model of any module, by content type and id, with
    its number as the user knows it (RO-2026-000123)."""

    doc_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    doc_id = models.PositiveBigIntegerField(null=True, blank=True)
    doc = GenericForeignKey("doc_type", "doc_id")
    doc_number = models.CharField(_("单据号"), max_length=40, blank=True)

    class Meta:
        abstract = True
