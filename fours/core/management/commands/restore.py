from django.core.management.base import BaseCommand

from fours.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by the backup command into an empty database and media folder "
        "(--force replaces what they hold), then check every table and file against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive written by backup (.tar.gz)")
        parser.add_argument(
            "--force", action="store_true", help="replace a database and media folder that hold data"
        )

    def handle(self, *args, **opts):
        manifest = backup.restore(opts["file"], force=opts["force"], log=self.stdout.write)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {opts['file']} (made {manifest['created']}): {len(manifest['tables'])} tables, "
                f"{rows} rows, {len(manifest['media'])} media files, all equal to the manifest"
            )
        )
