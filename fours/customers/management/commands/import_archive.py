"""manage.py import_archive customers|vehicles|catalogue FILE.xlsx --store CODE --user USERNAME

All rows or none; a progress bar on the console; every bad row listed (row, column, reason)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fours.core.models import Store
from fours.customers.imports import import_job_start, run_import
from fours.customers.models import ImportJob, ImportKind


class Command(BaseCommand):
    help = "Import customers, vehicles or the model catalogue from an Excel file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument("--store", required=True, help="store code")
        parser.add_argument("--user", required=True, help="username recorded as the importer")

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
        job = import_job_start(actor=actor, store=st, kind=kind, file_name=path.name)
        bar = tqdm(total=0, unit="row", desc=kind, disable=opts.get("verbosity", 1) == 0)

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        job = run_import(job, path.read_bytes(), on_progress=progress)
        bar.close()
        if job.status != ImportJob.Status.DONE:
            for e in job.errors:
                self.stderr.write(f"row {e['row']}  {e['column']}: {e['message']}")
            raise CommandError(f"{len(job.errors)} errors; nothing imported")
        self.stdout.write(self.style.SUCCESS(f"imported {job.created_rows} rows"))
