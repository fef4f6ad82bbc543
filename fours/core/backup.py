"""Backup and restore of a whole Fours installation in one ``.tar.gz``:

- ``db.sqlite3`` (SQLite's online backup API: a consistent copy while the app keeps running) or
  ``db.dump`` (``pg_dump -Fc`` taken in the same snapshot as the row counts);
- ``media/``: the uploaded files (``FOURS_MEDIA_ROOT``);
- ``manifest.json``: the engine, the applied migrations, and per table its row count and a
  checksum of its rows; the uploaded files with their sizes.

A restore reads the manifest first (format, engine, migrations this code knows), refuses a
database or media folder that already holds data unless forced, loads the database, and checks
every table's count and checksum and every file against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "fours-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DB_FILE = {"sqlite": "db.sqlite3", "postgresql": "db.dump"}


def _qn(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _hash_rows(cursor, sql: str) -> tuple[int, str]:
    cursor.execute(sql)
    h, n = hashlib.sha256(), 0
    while rows := cursor.fetchmany(2000):
        for row in rows:
            h.update(repr(tuple(row)).encode())
            h.update(b"\n")
            n += 1
    return n, h.hexdigest()


def _sqlite_state(cursor) -> dict:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    tables = [r[0] for r in cursor.fetchall()]
    state = {}
    for t in tables:
        rows, digest = _hash_rows(cursor, f"SELECT * FROM {_qn(t)} ORDER BY rowid")
        state[t] = {"rows": rows, "sha256": digest}
    return state


def _postgres_state(cursor) -> dict:
    intro = connection.introspection
    state = {}
    for t in sorted(intro.table_names(cursor)):
        order = intro.get_primary_key_columns(cursor, t) or [
            c.name for c in intro.get_table_description(cursor, t)
        ]
        rows, digest = _hash_rows(cursor, f"SELECT * FROM {_qn(t)} ORDER BY {', '.join(map(_qn, order))}")
        state[t] = {"rows": rows, "sha256": digest}
    return state


def table_state() -> dict:
    """{table: {"rows": n, "sha256": checksum of its rows}} of the default database, as it is now."""
    with connection.cursor() as c:
        return _sqlite_state(c) if connection.vendor == "sqlite" else _postgres_state(c)


def _sqlite_file_state(path: Path) -> dict:
    # the same converters Django's SQLite backend registers, so the values read alike
    db = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        return _sqlite_state(db.cursor())
    finally:
        db.close()


def _migrations_in(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(r) for r in cursor.fetchall()]


def _media_files(root: Path) -> dict[str, int]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.stat().st_size
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# --- PostgreSQL client tools -------------------------------------------------------------


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(
            f"{name} not found: install the PostgreSQL client tools (Debian: apt-get install -y "
            "postgresql-client, of the server's major version or newer)"
        )
    return path


def _pg_args() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["-h", s["HOST"]]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", s["USER"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    if (s.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = s["OPTIONS"]["sslmode"]
    return args + ["-d", s["NAME"]], env


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise CommandError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# --- backup ------------------------------------------------------------------------------


def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"fours-{stamp}.tar.gz"


def backup(path: Path) -> dict:
    """Write the archive to path (via a temporary file beside it) and return its manifest."""
    vendor = connection.vendor
    if vendor not in DB_FILE:
        raise CommandError(f"backup supports SQLite and PostgreSQL, not {vendor}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="fours-backup-") as tmp:
        db_path = Path(tmp) / DB_FILE[vendor]
        if vendor == "sqlite":
            state, migrations = _backup_sqlite(db_path)
        else:
            state, migrations = _backup_postgres(db_path)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": timezone.now().isoformat(),
            "vendor": vendor,
            "database": DB_FILE[vendor],
            "migrations": migrations,
            "tables": state,
            "media": _media_files(media_root),
        }
        (Path(tmp) / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(tmp) / MANIFEST, arcname=MANIFEST)
            tar.add(db_path, arcname=DB_FILE[vendor])
            for rel in manifest["media"]:
                tar.add(media_root / rel, arcname=f"{MEDIA}/{rel}", recursive=False)
        os.replace(partial, path)
    return manifest


def _backup_sqlite(db_path: Path):
    connection.ensure_connection()
    target = sqlite3.connect(db_path)
    try:
        connection.connection.backup(target)  # a consistent copy, also of a database in use
    finally:
        target.close()
    state = _sqlite_file_state(db_path)
    db = sqlite3.connect(db_path)
    try:
        migrations = _migrations_in(db.cursor())
    finally:
        db.close()
    return state, migrations


def _backup_postgres(db_path: Path):
    pg_dump = _pg_tool("pg_dump")
    args, env = _pg_args()
    if connection.in_atomic_block:
        raise CommandError("backup must run outside a transaction")
    with transaction.atomic(), connection.cursor() as c:
        # counts, checksums and the dump all read one snapshot
        c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        c.execute("SELECT pg_export_snapshot()")
        snapshot = c.fetchone()[0]
        _run(
            [pg_dump, "-Fc", "--no-owner", "--no-acl", f"--snapshot={snapshot}", "-f", str(db_path), *args],
            env,
        )
        state = _postgres_state(c)
        migrations = _migrations_in(c)
    return state, migrations


# --- restore -----------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except (KeyError, ValueError, AttributeError) as e:
        raise CommandError(f"not a Fours backup: no readable {MANIFEST} ({e})") from e
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise CommandError(
            f"not a Fours backup of version {VERSION}: format {manifest.get('format')!r} "
            f"version {manifest.get('version')!r}"
        )
    for key in ("vendor", "database", "migrations", "tables", "media"):
        if key not in manifest:
            raise CommandError(f"the backup's manifest has no {key!r}")
    return manifest


def check_manifest(manifest: dict, tar: tarfile.TarFile) -> list[list[str]]:
    """Refuse an archive this installation can't load; return the migrations the code has beyond it."""
    if manifest["vendor"] != connection.vendor:
        raise CommandError(
            f"the backup is of a {manifest['vendor']} database and this installation uses "
            f"{connection.vendor}: restore it into the same kind of database"
        )
    if manifest["database"] != DB_FILE[connection.vendor]:
        raise CommandError(f"unexpected database file {manifest['database']!r} in the backup")
    names = set(tar.getnames())
    missing = [
        m for m in [manifest["database"], *(f"{MEDIA}/{r}" for r in manifest["media"])] if m not in names
    ]
    if missing:
        raise CommandError(f"the archive lacks files its manifest lists: {', '.join(missing[:10])}")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    saved = {tuple(m) for m in manifest["migrations"]}
    unknown = sorted(saved - known)
    if unknown:
        shown = ", ".join(f"{a}.{n}" for a, n in unknown[:10])
        raise CommandError(
            f"the backup was made by a newer version of Fours (migrations unknown here: {shown})"
        )
    return [list(m) for m in sorted(known - saved)]


def holdings() -> dict[str, int]:
    """What the database and the media folder hold that a restore would overwrite (empty: nothing)."""
    from fours.core.models import AuditEvent, DealerGroup, Store

    found = {}
    tables = set(connection.introspection.table_names())
    for model in (get_user_model(), DealerGroup, Store, AuditEvent):
        if model._meta.db_table in tables:
            n = model._base_manager.count()
            if n:
                found[model._meta.db_table] = n
    files = len(_media_files(Path(settings.MEDIA_ROOT)))
    if files:
        found["media files"] = files
    return found


def restore(path: Path, *, force: bool = False, log=print) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"no such backup file: {path}")
    try:
        tar = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as e:
        raise CommandError(f"not a readable .tar.gz backup: {e}") from e
    with tar, tempfile.TemporaryDirectory(prefix="fours-restore-") as tmp:
        manifest = read_manifest(tar)
        newer = check_manifest(manifest, tar)
        held = holdings()
        if held and not force:
            what = ", ".join(f"{k}: {v}" for k, v in held.items())
            raise CommandError(
                f"the target already holds data ({what}); restore into an empty database and media "
                "folder, or pass --force to replace them"
            )
        tar.extract(manifest["database"], path=tmp, filter="data")
        db_file = Path(tmp) / manifest["database"]
        if connection.in_atomic_block:
            raise CommandError("restore must run outside a transaction")
        if connection.vendor == "sqlite":
            _restore_sqlite(db_file)
        else:
            _restore_postgres(db_file, manifest)
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
        _verify_tables(manifest)
        log(f"database restored: {len(manifest['tables'])} tables checked against the manifest")
        _restore_media(tar, manifest, Path(tmp))
        log(f"media restored: {len(manifest['media'])} files into {settings.MEDIA_ROOT}")
    if newer:
        log(f"this code has {len(newer)} migration(s) the backup predates: run `manage.py migrate`")
    return manifest


def _restore_sqlite(db_file: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(db_file)
    try:
        source.backup(connection.connection)  # replaces every page of the target database
    finally:
        source.close()


def _restore_postgres(db_file: Path, manifest: dict) -> None:
    pg_restore = _pg_tool("pg_restore")
    args, env = _pg_args()
    # tables the backup does not have (a newer schema) would be left beside the restored ones
    extra = sorted(set(connection.introspection.table_names()) - set(manifest["tables"]))
    if extra:
        with transaction.atomic(), connection.cursor() as c:
            for t in extra:
                c.execute(f"DROP TABLE IF EXISTS {_qn(t)} CASCADE")
    connection.close()
    _run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
         "--exit-on-error", *args, str(db_file)],
        env,
    )  # fmt: skip


def _verify_tables(manifest: dict) -> None:
    now = table_state()
    bad = [
        f"{t}: {now.get(t, {}).get('rows')} rows vs {want['rows']} in the backup"
        for t, want in manifest["tables"].items()
        if now.get(t) != want
    ]
    if bad:
        raise CommandError("the restored database differs from the backup's manifest: " + "; ".join(bad[:10]))


def _restore_media(tar: tarfile.TarFile, manifest: dict, tmp: Path) -> None:
    root = Path(settings.MEDIA_ROOT)
    members = [tar.getmember(f"{MEDIA}/{rel}") for rel in manifest["media"]]
    tar.extractall(path=tmp, members=members, filter="data")
    if root.exists():  # only reached when empty or forced
        for child in root.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    root.mkdir(parents=True, exist_ok=True)
    for rel in manifest["media"]:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(tmp / MEDIA / rel, dest)
    now = _media_files(root)
    if now != manifest["media"]:
        raise CommandError("the restored media files differ from the backup's manifest")
