import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from fours.core.models import AuditEvent
from fours.parts.models import Part, PartPriceChange
from fours.parts.services import price_import, read_rows

from .factories import PartFactory

pytestmark = pytest.mark.django_db

HEADER = "配件编号,配件名称,单位,零售价,采购价,替换件\n"


def rows(text):
    return read_rows(io.BytesIO((HEADER + text).encode()), "prices.csv")


def test_dry_run_summary_then_commit(group, manager):
    old = PartFactory(group=group, part_no="04152YZZA6", retail_price=D("98"))
    text = "04152-YZZA6,机油滤清器,件,105,50,\n90915-YZZE1,机油滤清器（新）,件,110,55,\n04152-YZZA6X,机滤,件,1,1,90915YZZE1\n"
    res = price_import(actor=manager, group=group, rows=rows(text))
    assert (res.added, res.changed, res.superseded, res.committed) == (2, 1, 1, False)
    assert Part.objects.count() == 1
    res = price_import(actor=manager, group=group, rows=rows(text), commit=True, source="2026-05.csv")
    assert res.committed and Part.objects.count() == 3
    old.refresh_from_db()
    assert old.retail_price == D("105")
    ch = PartPriceChange.objects.get(part=old, field="retail_price")
    assert (ch.old, ch.new, ch.actor) == (D("98"), D("105"), manager)
    assert Part.objects.get(part_no="04152YZZA6X").superseded_by.part_no == "90915YZZE1"


def test_broken_rows_all_reported_nothing_written(group, manager):
    PartFactory(group=group, part_no="A1", retail_price=D("10"))
    text = (
        "A1,x,件,abc,1,\n,无编号,件,1,1,\nB2,,件,1,1,\nC3,名称,桶,1,1,\nD4,名称,件,1,1,ZZZ\nA1,dup,件,2,2,\n"
    )
    events = AuditEvent.objects.count()
    res = price_import(actor=manager, group=group, rows=rows(text), commit=True)
    assert not res.committed
    assert [n for n, _m in res.errors] == [2, 3, 4, 5, 7, 6]
    assert Part.objects.count() == 1 and Part.objects.get().retail_price == D("10")
    assert PartPriceChange.objects.count() == 0 and AuditEvent.objects.count() == events


def test_command_with_progress(group, manager, tmp_path, capsys):
    from fours.core.tests.factories import UserFactory

    UserFactory(username="admin", is_superuser=True)
    f = tmp_path / "p.csv"
    f.write_text(
        HEADER + "".join(f"P{i:05d},配件{i},件,{i}.50,{i},\n" for i in range(1, 2501)), encoding="utf-8"
    )
    call_command("import_prices", str(f), "--group", group.code, "--commit")
    assert Part.objects.filter(group=group).count() == 2500
