"""Backup and restore: the demo is backed up and restored into an empty database (a second SQLite
file; a second PostgreSQL database) and a second media folder; every table has the same rows (count
and checksum), the stock ledger is clean, the audit trail whole and the uploads are back (the demo's
own, such as the loans' papers, and the files added here). A restore
refuses a target that holds data, and an archive it can't load, and changes nothing then."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
UPLOADS = {
    "service/A01/1/前轮.jpg": bytes(range(256)) * 40,
    "service/A01/1/note.txt": "旧件照片".encode(),
    "parts_import/prices.xlsx": b"PK\x03\x04" + b"\0" * 100,
}


def snapshot() -> dict:
    """Per table its row count and a checksum of its rows (in key order), the audit trail's count and
    last ids, and what check_stock says: computed here, independently of the backup code."""
    from django.db import connection

    from fours.core.models import AuditEvent

    intro = connection.introspection
    tables = {}
    with connection.cursor() as c:
        for t in sorted(intro.table_names(c)):
            order = intro.get_primary_key_columns(c, t) or [d.name for d in intro.get_table_description(c, t)]
            c.execute(f"SELECT * FROM {t} ORDER BY {', '.join(order)}")
            rows = c.fetchall()
            tables[t] = [len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()]
    out = io.StringIO()
    try:
        call_command("check_stock", stdout=out)
        stock = "clean"
    except CommandError as e:
        stock = f"{e}: {out.getvalue()}"
    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:5])
    return {"tables": tables, "stock": stock, "audit": [AuditEvent.objects.count(), ids]}


def _media(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _manage(*args, database_url, media_root):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FOURS_MEDIA_ROOT": str(media_root),
        "FOURS_DEBUG": "1",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _snapshot_of(database_url, media_root):
    code = (
        "import json, django; django.setup()\n"
        "from fours.core.tests.test_backup import snapshot\n"
        "print('SNAPSHOT' + json.dumps(snapshot()))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FOURS_MEDIA_ROOT": str(media_root),
        "FOURS_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "fours.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.split("SNAPSHOT", 1)[1])


def _demo_with_uploads(settings, tmp_path):
    from fours.core.tests.factories import ensure_roles

    ensure_roles()  # the roles the migrations seed, gone when an earlier test flushed the tables
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_load", stdout=io.StringIO())
    for rel, data in UPLOADS.items():
        (settings.MEDIA_ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings.MEDIA_ROOT / rel).write_bytes(data)
    source = json.loads(json.dumps(snapshot()))
    assert source["stock"] == "clean" and source["audit"][0] > 100
    assert source["tables"]["core_store"][0] == 2 and source["tables"]["parts_stockmove"][0] > 100
    # what the store's media folder holds: the demo's own uploads (the loans' papers) and the files above
    media = _media(settings.MEDIA_ROOT)
    assert UPLOADS.items() <= media.items()
    assert any(rel.startswith("sales/loans/") for rel in media), sorted(media)[:5]
    return source, media


@pytest.mark.django_db(transaction=True)
def test_sqlite_demo_backup_restores_into_an_empty_database(settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite online backup")
    source, media = _demo_with_uploads(settings, tmp_path)
    archive = tmp_path / "demo.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    target_media = tmp_path / "media2"
    _manage("migrate", "--noinput", "-v", "0", database_url=target_url, media_root=target_media)
    said = _manage("restore", str(archive), database_url=target_url, media_root=target_media)
    assert "all equal to the manifest" in said
    restored = _snapshot_of(target_url, target_media)
    diff = {
        t: (v, restored["tables"].get(t))
        for t, v in source["tables"].items()
        if restored["tables"].get(t) != v
    }
    assert not diff and restored["tables"].keys() == source["tables"].keys()
    assert restored["stock"] == "clean"
    assert restored["audit"] == source["audit"]
    assert _media(target_media) == media

    # the source holds data: a restore into it is refused and changes nothing
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert json.loads(json.dumps(snapshot())) == source
    assert _media(settings.MEDIA_ROOT) == media

    # --force replaces what is there: a row and a file added after the backup are gone
    from fours.core.models import DealerGroup

    DealerGroup.objects.create(code="ZZ", name="后加的集团")
    (settings.MEDIA_ROOT / "later.jpg").write_bytes(b"x")
    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert json.loads(json.dumps(snapshot())) == source
    assert _media(settings.MEDIA_ROOT) == media


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_demo_backup_restores_into_an_empty_database(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump / pg_restore")
    import psycopg

    source, media = _demo_with_uploads(settings, tmp_path)
    archive = tmp_path / "demo.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    s = connection.settings_dict
    target = f"{s['NAME']}_restored"
    admin = dict(
        host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None, password=s["PASSWORD"]
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{target}"')
    try:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        target_url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{target}"
        target_media = tmp_path / "media2"
        said = _manage("restore", str(archive), database_url=target_url, media_root=target_media)
        assert "all equal to the manifest" in said
        restored = _snapshot_of(target_url, target_media)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    diff = {
        t: (v, restored["tables"].get(t))
        for t, v in source["tables"].items()
        if restored["tables"].get(t) != v
    }
    assert not diff and restored["tables"].keys() == source["tables"].keys()
    assert restored["stock"] == "clean"
    assert restored["audit"] == source["audit"]
    assert _media(target_media) == media

    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert json.loads(json.dumps(snapshot())) == source


def _rewrite_manifest(archive: Path, out: Path, **changes) -> Path:
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name == "manifest.json":
                manifest = json.loads(data)
                for k, v in changes.items():
                    manifest[k] = v(manifest[k]) if callable(v) else v
                data = json.dumps(manifest).encode()
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    return out


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_it_cannot_load_and_changes_nothing(
    settings, tmp_path, store_a, make_user
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user(store=store_a, username="gm_backup")
    archive = tmp_path / "small.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    from fours.core.models import DealerGroup, Store

    Store.objects.all().delete()
    DealerGroup.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.all().delete()
    before = snapshot()
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    cases = {
        "newer version": _rewrite_manifest(
            archive, tmp_path / "newer.tar.gz", migrations=lambda m: [*m, ["core", "9999_from_the_future"]]
        ),
        "same kind of database": _rewrite_manifest(archive, tmp_path / "vendor.tar.gz", vendor=other),
        "version 1": _rewrite_manifest(archive, tmp_path / "format.tar.gz", version=99),
        "lacks files": _rewrite_manifest(
            archive, tmp_path / "media.tar.gz", media=lambda m: {**m, "service/none.jpg": 3}
        ),
    }
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar")
    cases["not a readable"] = tmp_path / "junk.tar.gz"
    for message, path in cases.items():
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(path), stdout=io.StringIO())
        assert snapshot() == before, message
    assert not (tmp_path / "media").exists()
