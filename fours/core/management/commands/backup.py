from pathlib import Path

from django.core.management.base import BaseCommand

from fours.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump) and the uploaded files into one .tar.gz "
        "with a manifest of migrations, row counts and checksums (default: var/backups/fours-<time>.tar.gz)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the archive to write (.tar.gz)")

    def handle(self, *args, **opts):
        path = Path(opts["file"]) if opts.get("file") else backup.default_path()
        manifest = backup.backup(path)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {path} ({size / 1e6:.1f} MB): {manifest['vendor']}, "
                f"{len(manifest['tables'])} tables, {rows} rows, {len(manifest['media'])} media files"
            )
        )
