"""manage.py import_archive customers|vehicles|catalogue FILE.xlsx --store CODE --user USERNAME

All rows or none; every bad row listed (row, column, reason). The import is the same background
task the upload page starts (run by ``./dev worker``); the command follows its progress on the
console, or with --no-wait only queues it and prints the job's number."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fours.core.models import Store
from fours.customers.imports import import_job_start
from fours.customers.models import ImportJob, ImportKind

WAITING = (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)


class Command(BaseCommand):
    help = "Import customers, vehicles or the model catalogue from an Excel file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument("--store", required=True, help="store code")
        parser.add_argument("--user", required=True, help="username recorded as the importer")
        parser.add_argument("--no-wait", action="store_true", help="queue the import and return at once")
        parser.add_argument("--poll", type=float, default=0.5, help="seconds between progress reads")

    def handle(self, kind, file, store, user, **opts):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        st = Store.objects.select_related("group").filter(code=store).first()
        if st is None:
            raise CommandError(f"no store with code {store}")
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"no user {user}")
        job = import_job_start(
            actor=actor, store=st, kind=kind, file_name=path.name, content=path.read_bytes()
        )
        if opts["no_wait"]:
            self.stdout.write(f"import job {job.pk} queued: run ./dev worker to process it")
            return
        bar = tqdm(total=0, unit="row", desc=kind, disable=opts.get("verbosity", 1) == 0)
        jobs = ImportJob.objects.filter(pk=job.pk).defer("content")
        started, warned = time.monotonic(), False
        while True:
            bar.total, bar.n = job.total_rows, job.done_rows
            bar.refresh()
            if job.status not in WAITING:
                break
            if job.status == ImportJob.Status.PENDING and not warned and time.monotonic() - started > 5:
                self.stderr.write(f"job {job.pk} is waiting for a worker (./dev worker)")
                warned = True
            time.sleep(opts["poll"])
            job = jobs.get()
        bar.close()
        if job.status != ImportJob.Status.DONE:
            for e in job.errors:
                self.stderr.write(f"row {e['row']}  {e['column']}: {e['message']}")
            raise CommandError(f"{len(job.errors)} errors; nothing imported")
        self.stdout.write(self.style.SUCCESS(f"imported {job.created_rows} rows"))
