"""The daily job's body, shared by the task and the ``care_daily`` command."""

from __future__ import annotations

from fours.core.models import Store


def run_daily(store_id: int | None = None, today=None) -> dict:
    from .services import care_tasks_queue, complaints_escalate, messages_send_queued
    from .services.messages import notices_send

    stores = Store.objects.select_related("group").order_by("pk")
    if store_id is not None:
        stores = stores.filter(pk=store_id)
    out = {}
    for store in stores:
        made = care_tasks_queue(store=store, today=today)
        out[store.code] = {
            "tasks": sum(made.values()),
            "by_kind": made,
            "escalated": complaints_escalate(store=store),
            "sent": messages_send_queued(store=store),
            "notices": notices_send(store=store),
        }
    return out
