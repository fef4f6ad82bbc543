"""The price import page runs on background tasks: a first task checks the file and summarises it on
the job's page, the user confirms, a second task writes it (all rows or none)."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from fours.core.models import AuditEvent
from fours.parts.models import Part, PartPriceChange, PriceImportJob

from .factories import PartFactory

HEADER = "配件编号,配件名称,单位,零售价,采购价,替换件\n"
GOOD = "04152-YZZA6,机油滤清器,件,105,50,\n90915-YZZE1,机油滤清器（新）,件,110,55,\n04152-YZZA6X,机滤,件,1,1,90915YZZE1\n"


def _upload(c, text, name="prices.csv"):
    return c.post(reverse("parts:price-import"), {"file": SimpleUploadedFile(name, (HEADER + text).encode())})


@pytest.mark.django_db
def test_summary_then_confirm_through_the_page(group, manager, client_for):
    old = PartFactory(group=group, part_no="04152YZZA6", retail_price=D("98"))
    c = client_for(manager)
    resp = _upload(c, GOOD)
    job = PriceImportJob.objects.get()
    assert resp.status_code == 302 and resp.url == job.get_absolute_url()
    # the check ran as a task (immediate backend in tests) and wrote nothing
    assert job.status == "checked" and job.done_rows == 3
    assert job.summary == {"rows": 3, "added": 2, "changed": 1, "superseded": 1, "unchanged": 0}
    assert Part.objects.count() == 1 and bytes(job.content).startswith(HEADER.encode())
    page = c.get(job.get_absolute_url()).content.decode()
    assert "确认导入" in page and 'hx-trigger="every 1s"' not in page

    resp = c.post(job.get_absolute_url())
    job.refresh_from_db()
    assert resp.url == job.get_absolute_url()
    assert job.status == "done" and job.confirmed_by == manager and job.finished_at is not None
    assert bytes(job.content) == b""  # the file leaves the row when the job ends
    assert Part.objects.filter(group=group).count() == 3
    old.refresh_from_db()
    assert old.retail_price == D("105")
    assert PartPriceChange.objects.get(part=old, field="retail_price").actor == manager
    assert Part.objects.get(part_no="04152YZZA6X").superseded_by.part_no == "90915YZZE1"
    page = c.get(job.get_absolute_url()).content.decode()
    assert "已导入。" in page and "确认导入" not in page

    # a second confirm (double click, resubmit) is refused and writes nothing more
    events, changes = AuditEvent.objects.count(), PartPriceChange.objects.count()
    resp = c.post(job.get_absolute_url(), follow=True)
    assert "不在待确认状态" in resp.content.decode()
    assert (AuditEvent.objects.count(), PartPriceChange.objects.count()) == (events, changes)


@pytest.mark.django_db
def test_a_file_with_bad_rows_lists_them_and_offers_no_confirm(group, manager, client_for):
    PartFactory(group=group, part_no="A1", retail_price=D("10"))
    c = client_for(manager)
    _upload(c, "A1,x,件,abc,1,\nB2,,件,1,1,\nD4,名称,件,1,1,ZZZ\n")
    job = PriceImportJob.objects.get()
    assert job.status == "failed" and [n for n, _m in job.errors] == [2, 3, 4]
    assert bytes(job.content) == b""
    page = c.get(job.get_absolute_url()).content.decode()
    assert "未导入任何数据" in page and "确认导入" not in page
    events = AuditEvent.objects.count()
    resp = c.post(job.get_absolute_url(), follow=True)
    assert "不在待确认状态" in resp.content.decode()
    assert Part.objects.get().retail_price == D("10") and PartPriceChange.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_job_of_another_group_is_not_found_and_a_storekeeper_may_not_confirm(
    group, manager, keeper, client_for, make_user
):
    from fours.core.roles import Role
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory

    _upload(client_for(manager), GOOD)
    job = PriceImportJob.objects.get()
    outsider = make_user(Role.PARTS_MANAGER, StoreFactory(group=DealerGroupFactory(code="Z"), code="Z1"), "z")
    assert client_for(outsider).get(job.get_absolute_url()).status_code == 404
    assert client_for(outsider).post(job.get_absolute_url()).status_code == 404
    assert client_for(keeper).post(job.get_absolute_url()).status_code == 403
    job.refresh_from_db()
    assert job.status == "checked" and Part.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_worker_checks_then_writes(group, manager, client_for, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    c = client_for(manager)
    _upload(c, GOOD)
    job = PriceImportJob.objects.get()
    assert job.status == "checking" and job.summary == {}
    assert DBTaskResult.objects.get().task_result.args == [job.pk, False]
    assert 'hx-trigger="every 1s"' in c.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert job.status == "checked" and job.summary["added"] == 3 and Part.objects.count() == 0

    c.post(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == "importing" and Part.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and Part.objects.filter(group=group).count() == 3
    assert sorted(r.status for r in DBTaskResult.objects.all()) == ["SUCCESSFUL", "SUCCESSFUL"]
    partial = c.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "<html" not in partial


@pytest.mark.django_db
def test_the_upload_and_job_pages_are_english_after_the_switch(client, manager, store_a):
    from django.conf import settings

    from fours.core.tests.test_i18n import HAN, visible_text

    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _upload(client, "P1,Oil filter,件,105,50,\n", name="oem.csv")
    job = PriceImportJob.objects.get()
    assert job.status == "checked"
    # the store's and the user's names are data; the pages' own words must all be English
    for url in (reverse("parts:price-import"), job.get_absolute_url()):
        text = visible_text(client.get(url).content.decode())
        for data in (store_a.name, store_a.short_name, manager.get_full_name(), manager.username):
            text = text.replace(data, "") if data else text
        assert not HAN.findall(text), f"untranslated on {url}: {HAN.findall(text)[:20]} in {text[:400]}"
