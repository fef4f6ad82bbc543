"""Helpers shared by the service modules."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from fours.core.errors import BusinessError, field_error
from fours.core.permissions import require_perm

from ..models import RepairOrder

__all__ = ["BusinessError", "field_error", "lock_ro", "require_perm", "reserved_for", "release_all"]


def lock_ro(ro) -> RepairOrder:
    """The order re-read under a row lock (the serialisation point of every write to it)."""
    return (
        RepairOrder.objects.select_for_update(of=("self",))
        .select_related("store", "vehicle", "customer")
        .get(pk=ro.pk)
    )


def reserved_for(doc) -> dict[int, object]:
    """{part_id: qty} still reserved by a document (the reservation ledger summed)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.parts.models import StockReservation

    ct = ContentType.objects.get_for_model(doc, for_concrete_model=False)
    rows = (
        StockReservation.objects.filter(content_type=ct, object_id=str(doc.pk))
        .values("part_id")
        .annotate(q=Sum("qty"))
    )
    return {r["part_id"]: r["q"] for r in rows if r["q"] and r["q"] > 0}


def release_all(*, actor, store, doc) -> int:
    """Give back every reservation a document holds (no-show, cancel, hand-over to the order)."""
    from fours.parts.models import Part
    from fours.parts.services import stock_release

    held = reserved_for(doc)
    parts = {p.pk: p for p in Part.objects.filter(pk__in=held)}
    for part_id in sorted(held):
        stock_release(actor=actor, store=store, part=parts[part_id], qty=held[part_id], doc=doc)
    return len(held)


def require_text(value, field: str, message=None) -> str:
    value = (value or "").strip()
    if not value:
        raise field_error(field, message or _("此项为必填"), code="required")
    return value
