"""Background tasks of customer care (Django Tasks: enqueued by the daily command or the pages, run by
the worker, ``./dev worker``; the backend is the TASKS setting)."""

from django_tasks import task


@task()
def care_daily(store_id: int | None = None) -> dict:
    """The daily job: queue the care tasks of every store (or one), escalate late complaints and send
    the messages that waited for the quiet hours to end."""
    from .jobs import run_daily

    return run_daily(store_id)


@task()
def send_queued_messages(store_id: int) -> int:
    """Send a store's messages held back by the quiet hours."""
    from fours.core.models import Store

    from .services import messages_send_queued

    return messages_send_queued(store=Store.objects.get(pk=store_id))
