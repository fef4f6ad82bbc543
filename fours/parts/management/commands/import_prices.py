from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fours.core.models import DealerGroup
from fours.parts.services import price_import, read_rows


class Command(BaseCommand):
    help = "Import an OEM price file (CSV or .xlsx): new parts, price changes, supersessions. Dry run unless --commit."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--group", required=True, help="dealer group code")
        parser.add_argument("--user", default="admin", help="username recorded as the actor")
        parser.add_argument("--commit", action="store_true", help="write (otherwise only the summary)")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        group = DealerGroup.objects.filter(code=opts["group"]).first()
        if group is None:
            raise CommandError(f"unknown group {opts['group']}")
        actor = get_user_model().objects.filter(username=opts["user"]).first()
        if actor is None:
            raise CommandError(f"unknown user {opts['user']}")
        with path.open("rb") as fh, tqdm(unit=" rows", desc=path.name) as bar:
            try:
                res = price_import(
                    actor=actor,
                    group=group,
                    rows=read_rows(fh, path.name),
                    commit=opts["commit"],
                    source=path.name,
                    progress=bar.update,
                )
            except ValidationError as e:
                raise CommandError("; ".join(e.messages)) from None
        for n, msg in res.errors:
            self.stderr.write(f"row {n}: {msg}")
        self.stdout.write(
            f"rows {res.rows}: added {res.added}, changed {res.changed}, superseded {res.superseded}, "
            f"unchanged {res.unchanged}, errors {len(res.errors)}"
        )
        if res.errors:
            raise CommandError("nothing imported: fix the rows above")
        self.stdout.write(
            self.style.SUCCESS("committed" if res.committed else "dry run: use --commit to write")
        )
