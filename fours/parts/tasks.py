"""Background tasks of the parts department (Django Tasks: enqueued by the pages, run by the worker,
``./dev worker``; the backend is the TASKS setting)."""

from django_tasks import task


@task()
def run_price_import(job_id: int, commit: bool) -> str:
    """Check (commit=False) or write (commit=True) one uploaded OEM price file."""
    from .services.imports import price_import_run

    return price_import_run(job_id, commit=commit)
