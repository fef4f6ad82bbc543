"""Archive imports run as Django Tasks: with the database backend the upload only queues the job;
one pass of the worker (manage.py db_worker) runs it and the page shows it finished."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from fours.customers import imports
from fours.customers.models import Customer, ImportJob

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _xlsx(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([h for h, _f in imports.COLUMNS["customers"]])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_upload_queues_a_task_and_one_worker_pass_runs_it(client_for, gm_a, settings):
    settings.TASKS = DB_TASKS
    content = _xlsx([[f"排队{i}", "个人", f"1370000{i:04d}", "", "", "", "", ""] for i in range(2)])
    c = client_for(gm_a)
    resp = c.post(
        reverse("customers:import-upload"),
        {"kind": "customers", "file": SimpleUploadedFile("q.xlsx", content)},
    )
    job = ImportJob.objects.get()
    assert resp.url == job.get_absolute_url()
    assert job.status == "pending" and bytes(job.content) == content
    queued = DBTaskResult.objects.get()
    assert (queued.status, queued.task_path) == ("READY", "fours.customers.tasks.run_archive_import")
    partial = c.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "0%" in partial  # the page keeps polling
    assert not Customer.objects.filter(name__startswith="排队").exists()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    job.refresh_from_db()
    queued.refresh_from_db()
    assert (job.status, job.total_rows, job.done_rows, job.created_rows) == ("done", 2, 2, 2)
    assert bytes(job.content) == b"" and job.finished_at is not None
    assert queued.status == "SUCCESSFUL" and queued.task_result.return_value == "done"
    assert Customer.objects.filter(name__startswith="排队").count() == 2
    partial = c.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in partial and "hx-trigger" not in partial
    # a second delivery of the same task finds the job done and writes nothing
    assert imports.run_job(job.pk) == "done"
    assert Customer.objects.filter(name__startswith="排队").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_console_command_queues_the_same_task(tmp_path, store_a, gm_a, settings, capsys):
    settings.TASKS = DB_TASKS
    f = tmp_path / "c.xlsx"
    f.write_bytes(_xlsx([["命令甲", "个人", "13700009999", "", "", "", "", ""]]))
    call_command("import_archive", "customers", str(f), store=store_a.code, user=gm_a.username, no_wait=True)
    job = ImportJob.objects.get()
    assert job.status == "pending" and f"import job {job.pk} queued" in capsys.readouterr().out
    assert DBTaskResult.objects.get().task_result.args == [job.pk]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and Customer.objects.filter(name="命令甲").exists()


@pytest.mark.django_db(transaction=True)
def test_a_bad_file_run_by_the_worker_fails_visibly_and_writes_nothing(client_for, gm_a, settings):
    settings.TASKS = DB_TASKS
    content = _xlsx(
        [["", "个人", "1", "", "", "", "", ""], ["乙", "个人", "13700001111", "", "", "", "", ""]]
    )
    client_for(gm_a).post(
        reverse("customers:import-upload"),
        {"kind": "customers", "file": SimpleUploadedFile("b.xlsx", content)},
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job = ImportJob.objects.get()
    assert job.status == "failed" and {e["row"] for e in job.errors} == {2}
    assert bytes(job.content) == b"" and not Customer.objects.exists()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"  # the task ran; the file was refused
