"""The audit trail. Services call audit_record inside their transaction."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .context import current_request
from .models import AuditEvent


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def diff(obj: models.Model, **new_values) -> dict:
    """{field: [old, new]} for the fields whose value changes; use before assigning them."""
    out = {}
    for name, new in new_values.items():
        old = getattr(obj, name)
        if old != new:
            out[name] = [_plain(old), _plain(new)]
    return out


def audit_record(
    *, actor, obj: models.Model, verb: str, changes: dict | None = None, store=None, note: str = ""
) -> AuditEvent:
    info = current_request.get()
    if store is None:
        from .models import Store

        store = (
            obj
            if isinstance(obj, Store)
            else getattr(obj, "store", None)
            if hasattr(obj, "store_id")
            else None
        )
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        store=store,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        verb=verb,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        note=note[:500],
        ip=info.ip,
        request_id=info.request_id,
    )


def timeline_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
