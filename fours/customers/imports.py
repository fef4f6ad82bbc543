"""Excel import of customers, vehicles and the model catalogue: all rows or none.

Every row is checked first (format, check digits, duplicates in the file and in the archive);
any error means nothing is written and every bad row is reported (row, column, reason). A clean
file is written with bulk inserts in one transaction. The upload page and ``manage.py
import_archive`` both start a job with ``import_job_start``: the file is kept in the job row and a
background task (``fours.customers.tasks.run_archive_import``, run by ``./dev worker``) reads it,
writing its progress to the row, which the page polls and the command follows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.validators import (
    normalize_code,
    normalize_mobile,
    normalize_plate,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_uscc,
    validate_vin,
)

from .models import (
    Brand,
    Configuration,
    Customer,
    CustomerKind,
    CustomerPhone,
    Fuel,
    ImportJob,
    ImportKind,
    OdometerReading,
    OdometerSource,
    Ownership,
    OwnershipRole,
    Series,
    Source,
    Vehicle,
    VehicleModel,
)

# column header (Chinese, as in the template) -> field
COLUMNS = {
    ImportKind.CUSTOMERS: [
        ("姓名/单位名称", "name"),
        ("类型（个人/单位）", "kind"),
        ("手机号", "mobile"),
        ("证件号码", "id_number"),
        ("地址", "address"),
        ("生日", "birthday"),
        ("客户来源", "source"),
        ("备注", "notes"),
    ],
    ImportKind.VEHICLES: [
        ("车架号（VIN）", "vin"),
        ("车牌号", "plate"),
        ("车主手机号", "owner_mobile"),
        ("品牌", "brand"),
        ("车系", "series"),
        ("车型", "model"),
        ("颜色", "colour"),
        ("发动机号", "engine_no"),
        ("销售日期", "sale_date"),
        ("上牌日期", "registration_date"),
        ("当前里程", "odometer_km"),
    ],
    ImportKind.CATALOGUE: [
        ("品牌", "brand"),
        ("车系", "series"),
        ("车型", "model"),
        ("配置", "name"),
        ("年款", "year"),
        ("发动机", "engine"),
        ("能源类型", "fuel"),
        ("变速箱", "transmission"),
        ("指导价", "msrp"),
    ],
}
KIND_WORDS = {"个人": CustomerKind.PERSON, "单位": CustomerKind.COMPANY, "公司": CustomerKind.COMPANY}
SOURCE_WORDS = {str(label): value for value, label in Source.choices}
FUEL_WORDS = {str(label): value for value, label in Fuel.choices} | {v: v for v in Fuel.values}
BATCH = 2000


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


def template_xlsx(kind: str) -> io.BytesIO:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = str(ImportKind(kind).label)
    ws.append([h for h, _f in COLUMNS[kind]])
    for i in range(len(COLUMNS[kind])):
        ws.column_dimensions[chr(65 + i)].width = 18
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def read_rows(content: bytes, kind: str) -> list[tuple[int, dict]]:
    """(row number, {field: value}) for each non-empty row; ImportFileError if it is not a usable file."""
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFileError(_("文件不是Excel文件（.xlsx），请使用下载的模板"))
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a broken workbook
        raise ImportFileError(_("无法读取Excel文件：%(e)s") % {"e": e}) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    cols = COLUMNS[kind]
    index = {}
    for title, field in cols:
        if title not in header:
            raise ImportFileError(_("缺少“%(col)s”列，请使用下载的模板") % {"col": title})
        index[field] = header.index(title)
    out = []
    for n, row in enumerate(rows, start=2):
        if not row or all(v in (None, "") for v in row):
            continue
        out.append((n, {f: (row[i] if i < len(row) else None) for f, i in index.items()}))
    wb.close()
    return out


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _date(v, errors, n, col):
    if v in (None, ""):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(_text(v).replace("/", "-"))
    except ValueError:
        errors.append({"row": n, "column": col, "message": _("日期格式应为 2024-05-01")})
        return None


def _validate(fn, value, errors, n, col) -> bool:
    from django.core.exceptions import ValidationError

    try:
        fn(value)
        return True
    except ValidationError as e:
        errors.append({"row": n, "column": col, "message": "；".join(e.messages)})
        return False


def _header(kind, field):
    return next(h for h, f in COLUMNS[kind] if f == field)


def _batches(items: list, progress=None):
    """Slices of BATCH items, so each bulk insert or IN lookup stays a bounded statement; with
    ``progress``, the rows done are reported after each slice."""
    for k in range(0, len(items), BATCH):
        yield items[k : k + BATCH]
        if progress is not None:
            progress(min(k + BATCH, len(items)))


def _already_filed(errors: list, qs, field: str, in_file: dict, column: str, message) -> None:
    """A value of the file (value -> row) that the archive already holds is an error on its row."""
    for batch in _batches(list(in_file)):
        for value in set(qs.filter(**{f"{field}__in": batch}).values_list(field, flat=True)):
            errors.append({"row": in_file[value], "column": column, "message": message})


def _once_in_file(errors: list, in_file: dict, value: str, n: int, column: str, message: str) -> None:
    """A value met again in the file is an error on its row naming the row it first stood on
    (``message`` has ``%(m)s`` for that row)."""
    if value in in_file:
        errors.append({"row": n, "column": column, "message": message % {"m": in_file[value]}})


# --- customers ----------------------------------------------------------------------------------


def check_customers(group, rows, progress) -> tuple[list, list]:
    h = lambda f: _header(ImportKind.CUSTOMERS, f)  # noqa: E731
    errors, clean = [], []
    mobiles_in_file: dict[str, int] = {}
    ids_in_file: dict[str, int] = {}
    for i, (n, r) in enumerate(rows):
        name = _text(r["name"])
        kind = KIND_WORDS.get(_text(r["kind"]) or "个人")
        mobile = normalize_mobile(_text(r["mobile"]))
        idn = normalize_code(_text(r["id_number"]))
        if not name:
            errors.append({"row": n, "column": h("name"), "message": _("请填写姓名或单位名称")})
        if kind is None:
            errors.append({"row": n, "column": h("kind"), "message": _("类型应为“个人”或“单位”")})
            kind = CustomerKind.PERSON
        if mobile:
            if _validate(validate_mobile, mobile, errors, n, h("mobile")):
                _once_in_file(errors, mobiles_in_file, mobile, n, h("mobile"), _("与第%(m)s行手机号重复"))
            mobiles_in_file.setdefault(mobile, n)
        elif kind == CustomerKind.PERSON:
            errors.append({"row": n, "column": h("mobile"), "message": _("个人客户请填写手机号")})
        if idn:
            check = validate_uscc if kind == CustomerKind.COMPANY else validate_id_number
            if _validate(check, idn, errors, n, h("id_number")):
                _once_in_file(errors, ids_in_file, idn, n, h("id_number"), _("与第%(m)s行证件号码重复"))
            ids_in_file.setdefault(idn, n)
        source = SOURCE_WORDS.get(_text(r["source"]), Source.IMPORT)
        clean.append(
            (
                n,
                dict(
                    name=name,
                    kind=kind,
                    mobile=mobile,
                    id_number=idn,
                    address=_text(r["address"]),
                    birthday=_date(r["birthday"], errors, n, h("birthday")),
                    source=source,
                    notes=_text(r["notes"]),
                ),
            )
        )
        progress(i + 1)
    # against the archive, in batches (indexed IN lookups)
    phones = CustomerPhone.objects.filter(customer__group=group, customer__merged_into__isnull=True)
    _already_filed(errors, phones, "number", mobiles_in_file, h("mobile"), _("手机号已在客户档案中"))
    customers = Customer.objects.filter(group=group, merged_into__isnull=True)
    _already_filed(errors, customers, "id_number", ids_in_file, h("id_number"), _("证件号码已在客户档案中"))
    return errors, clean


def write_customers(group, store, clean, actor, progress) -> int:
    created = 0
    for chunk in _batches(clean, progress):
        objs = Customer.objects.bulk_create(
            [Customer(group=group, created_store=store, **d) for _n, d in chunk]
        )
        if objs and objs[0].pk is None:  # backends without RETURNING for bulk inserts
            objs = list(Customer.objects.filter(group=group, number="").order_by("id")[: len(chunk)])
        # the number follows the id (C00001234): one UPDATE computed by the database per batch
        Customer.objects.filter(pk__in=[c.pk for c in objs]).update(
            number=Concat(Value("C"), LPad(Cast("id", CharField()), 8, Value("0")))
        )
        CustomerPhone.objects.bulk_create(
            [CustomerPhone(customer=c, number=c.mobile, is_primary=True) for c in objs if c.mobile]
        )
        if store is not None:
            from .services import assign_evenly

            assign_evenly(store=store, customer_ids=[c.pk for c in objs])
        created += len(objs)
    return created


# --- vehicles -----------------------------------------------------------------------------------


def check_vehicles(group, rows, progress) -> tuple[list, list]:
    h = lambda f: _header(ImportKind.VEHICLES, f)  # noqa: E731
    errors, clean = [], []
    vins_in_file: dict[str, int] = {}
    owners_wanted: set[str] = set()
    models = {
        (m.series.brand.name, m.series.name, m.name): m
        for m in VehicleModel.objects.select_related("series__brand")
    }
    for i, (n, r) in enumerate(rows):
        vin = normalize_code(_text(r["vin"]))
        plate = normalize_plate(_text(r["plate"]))
        owner = normalize_mobile(_text(r["owner_mobile"]))
        if _validate(validate_vin, vin, errors, n, h("vin")):
            _once_in_file(errors, vins_in_file, vin, n, h("vin"), _("与第%(m)s行车架号重复"))
        vins_in_file.setdefault(vin, n)
        if plate:
            _validate(validate_plate, plate, errors, n, h("plate"))
        if not owner:
            errors.append({"row": n, "column": h("owner_mobile"), "message": _("请填写车主手机号")})
        else:
            owners_wanted.add(owner)
        model = None
        key = (_text(r["brand"]), _text(r["series"]), _text(r["model"]))
        if any(key):
            model = models.get(key)
            if model is None:
                errors.append(
                    {
                        "row": n,
                        "column": h("model"),
                        "message": _("车型库中没有 %(m)s") % {"m": " ".join(key)},
                    }
                )
        km = _text(r["odometer_km"])
        if km and not km.isdigit():
            errors.append({"row": n, "column": h("odometer_km"), "message": _("里程应为整数公里数")})
        clean.append(
            (
                n,
                dict(
                    vin=vin,
                    plate=plate,
                    owner_mobile=owner,
                    model=model,
                    colour=_text(r["colour"]),
                    engine_no=_text(r["engine_no"]),
                    sale_date=_date(r["sale_date"], errors, n, h("sale_date")),
                    registration_date=_date(r["registration_date"], errors, n, h("registration_date")),
                    odometer_km=int(km) if km.isdigit() else 0,
                ),
            )
        )
        progress(i + 1)
    owners = {}
    for batch in _batches(list(owners_wanted)):
        for num, cid in CustomerPhone.objects.filter(
            customer__group=group, customer__merged_into__isnull=True, number__in=batch
        ).values_list("number", "customer_id"):
            owners.setdefault(num, cid)
    vehicles = Vehicle.objects.filter(group=group)
    _already_filed(errors, vehicles, "vin", vins_in_file, h("vin"), _("车架号已在车辆档案中"))
    for n, d in clean:
        if d["owner_mobile"] and d["owner_mobile"] not in owners:
            errors.append(
                {"row": n, "column": h("owner_mobile"), "message": _("没有该手机号的客户，请先导入客户")}
            )
        d["owner_id"] = owners.get(d.pop("owner_mobile"))
    return errors, clean


def write_vehicles(group, store, clean, actor, progress) -> int:
    today = timezone.localdate()
    created = 0
    for rows in _batches(clean, progress):
        chunk = [d for _n, d in rows]
        objs = Vehicle.objects.bulk_create(
            [
                Vehicle(
                    group=group,
                    created_store=store,
                    odometer_date=today if d["odometer_km"] else None,
                    **d,
                )
                for d in chunk
            ]
        )
        if objs and objs[0].pk is None:
            by_vin = dict(
                Vehicle.objects.filter(group=group, vin__in=[d["vin"] for d in chunk]).values_list(
                    "vin", "pk"
                )
            )
            for v in objs:
                v.pk = by_vin[v.vin]
        Ownership.objects.bulk_create(
            [
                Ownership(
                    vehicle=v,
                    customer_id=v.owner_id,
                    role=OwnershipRole.OWNER,
                    since=v.sale_date or today,
                    actor=actor,
                )
                for v in objs
            ]
        )
        OdometerReading.objects.bulk_create(
            [
                OdometerReading(
                    vehicle=v,
                    value_km=v.odometer_km,
                    read_on=today,
                    source=OdometerSource.IMPORT,
                    store=store,
                    actor=actor,
                )
                for v in objs
                if v.odometer_km
            ]
        )
        created += len(objs)
    return created


# --- catalogue ----------------------------------------------------------------------------------


def check_catalogue(group, rows, progress) -> tuple[list, list]:
    h = lambda f: _header(ImportKind.CATALOGUE, f)  # noqa: E731
    errors, clean = [], []
    for i, (n, r) in enumerate(rows):
        d = {f: _text(r[f]) for _t, f in COLUMNS[ImportKind.CATALOGUE]}
        for f in ("brand", "series", "model", "name"):
            if not d[f]:
                errors.append({"row": n, "column": h(f), "message": _("必填")})
        if d["year"] and not (d["year"].isdigit() and 1980 <= int(d["year"]) <= 2100):
            errors.append({"row": n, "column": h("year"), "message": _("年款应为四位年份")})
        if d["fuel"] and d["fuel"] not in FUEL_WORDS:
            errors.append({"row": n, "column": h("fuel"), "message": _("能源类型不正确")})
        try:
            msrp = Decimal(d["msrp"].replace(",", "")).quantize(Decimal("0.01")) if d["msrp"] else None
            if msrp is not None and (not msrp.is_finite() or msrp < 0):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append({"row": n, "column": h("msrp"), "message": _("指导价应为数字")})
            msrp = None
        d.update(
            year=int(d["year"]) if d["year"].isdigit() else None,
            fuel=FUEL_WORDS.get(d["fuel"], Fuel.PETROL),
            msrp=msrp,
        )
        clean.append((n, d))
        progress(i + 1)
    return errors, clean


def write_catalogue(group, store, clean, actor, progress) -> int:
    created = 0
    for i, (_n, d) in enumerate(clean):
        brand, _c = Brand.objects.get_or_create(name=d["brand"])
        series, _c = Series.objects.get_or_create(brand=brand, name=d["series"])
        model, _c = VehicleModel.objects.get_or_create(series=series, name=d["model"])
        _conf, new = Configuration.objects.update_or_create(
            model=model,
            year=d["year"],
            name=d["name"],
            defaults={k: d[k] for k in ("engine", "fuel", "transmission", "msrp")},
        )
        created += int(new)
        progress(i + 1)
    return created


CHECKERS: dict[str, tuple[Callable, Callable]] = {
    ImportKind.CUSTOMERS: (check_customers, write_customers),
    ImportKind.VEHICLES: (check_vehicles, write_vehicles),
    ImportKind.CATALOGUE: (check_catalogue, write_catalogue),
}


def import_job_start(*, actor, store, kind: str, file_name: str, content: bytes) -> ImportJob:
    """Queue an import of ``content`` and return its job (the page polls it, the console command
    follows it). The file is kept in the job row until the background task has read it. The page
    checks the import permission; on the console the operator names the importer. Called outside
    a transaction, so a worker on another broker finds the job committed."""
    from .tasks import run_archive_import

    job = ImportJob.objects.create(
        group=store.group, store=store, kind=kind, file_name=file_name[:200], actor=actor, content=content
    )
    run_archive_import.enqueue(job.pk)
    job.refresh_from_db()  # a backend that runs tasks at once (tests) has finished it already
    return job


def run_import(
    job: ImportJob, content: bytes, on_progress: Callable[[int, int], None] | None = None
) -> ImportJob:
    """Check everything, then write everything (one transaction) or nothing."""
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        rows = read_rows(content, job.kind)
    except ImportFileError as e:
        job.status, job.errors, job.finished_at = (
            ImportJob.Status.FAILED,
            [{"row": 0, "column": "", "message": str(e)}],
            timezone.now(),
        )
        job.save(update_fields=["status", "errors", "finished_at"])
        return job
    total = len(rows)
    job.total_rows = total
    job.save(update_fields=["total_rows"])
    step = max(total // 50, 200)

    def progress_of(base: int):
        def progress(done: int):
            if done % step == 0 or done == total:
                job.done_rows = min(total, base + done // 2)
                ImportJob.objects.filter(pk=job.pk).update(done_rows=job.done_rows)
                if on_progress:
                    on_progress(job.done_rows, total)

        return progress

    check, write = CHECKERS[job.kind]
    errors, clean = check(job.group, rows, progress_of(0))
    if not rows:
        errors = [{"row": 0, "column": "", "message": _("文件中没有数据行")}]
    if errors:
        job.status, job.errors = ImportJob.Status.FAILED, sorted(errors, key=lambda e: e["row"])
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "finished_at"])
        return job
    with transaction.atomic():
        created = write(job.group, job.store, clean, job.actor, progress_of(total // 2))
        job.status, job.created_rows, job.done_rows, job.finished_at = (
            ImportJob.Status.DONE,
            created,
            total,
            timezone.now(),
        )
        job.save(update_fields=["status", "created_rows", "done_rows", "finished_at"])
        audit_record(actor=job.actor, obj=job, verb="imported", store=job.store, changes={"rows": created})
    if on_progress:
        on_progress(total, total)
    return job


def run_job(job_id: int) -> str:
    """The background task's work: run a queued job once (a second delivery finds it started),
    then drop the file from the row. A crash still ends the job visibly."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    ):
        return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""
    job = ImportJob.objects.select_related("group", "store", "actor").get(pk=job_id)
    try:
        job = run_import(job, bytes(job.content))
    except Exception as e:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            errors=[{"row": 0, "column": "", "message": str(e)}],
            finished_at=timezone.now(),
        )
        raise
    finally:
        ImportJob.objects.filter(pk=job_id).update(content=b"")
    return job.status
