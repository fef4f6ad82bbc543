"""Background tasks of the archive (Django Tasks: enqueued by the pages and commands, run by the
worker, ``./dev worker``; the backend is the TASKS setting)."""

from django_tasks import task


@task()
def run_archive_import(job_id: int) -> str:
    """Check and write one uploaded archive file (customers, vehicles or the model catalogue)."""
    from .imports import run_job

    return run_job(job_id)
