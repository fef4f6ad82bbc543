"""OEM price file import (Excel/CSV): new parts, price changes and supersessions in one file.

All-or-nothing: every row is checked first and every bad row reported with its row number; a dry run
returns the summary (added, changed, superseded) without writing; the real run writes everything in one
transaction with bulk statements.

The page runs it as background tasks (``fours.parts.tasks.run_price_import``, run by ``./dev worker``):
``price_import_start`` keeps the file in a ``PriceImportJob`` row and queues the check, which writes
its progress and summary to the row; ``price_import_confirm`` queues the write of the same file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import field_error
from fours.core.permissions import require_perm

from ..choices import Unit
from ..models import Part, PartPriceChange, PriceImportJob
from .catalog import PRICE_FIELDS, normalize_part_no

# column headers accepted (Chinese as in OEM files, or the field names)
HEADERS = {
    "配件编号": "part_no",
    "part_no": "part_no",
    "配件名称": "name",
    "名称": "name",
    "name": "name",
    "单位": "unit",
    "unit": "unit",
    "品牌": "brand",
    "brand": "brand",
    "适用车型": "models_text",
    "车型": "models_text",
    "models": "models_text",
    "厂家指导价": "list_price",
    "list_price": "list_price",
    "零售价": "retail_price",
    "retail_price": "retail_price",
    "批发价": "wholesale_price",
    "wholesale_price": "wholesale_price",
    "保险价": "insurance_price",
    "insurance_price": "insurance_price",
    "采购价": "purchase_price",
    "purchase_price": "purchase_price",
    "税率": "tax_rate",
    "tax_rate": "tax_rate",
    "替换件": "superseded_by",
    "替换为": "superseded_by",
    "superseded_by": "superseded_by",
}
UNIT_LABELS = {str(u.label): u.value for u in Unit} | {u.value: u.value for u in Unit}
MAX_ERRORS = 500


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    changed: int = 0
    superseded: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False


def read_rows(fileobj, filename: str):
    """(row number, {field: text}) from a CSV (UTF-8 / GBK) or .xlsx file."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        wb = load_workbook(fileobj, read_only=True, data_only=True)
        it = wb.active.iter_rows(values_only=True)
    else:
        raw = fileobj.read()
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raw = raw.decode("gbk", errors="replace")
        it = csv.reader(io.StringIO(raw))
    header = next(it, None)
    if not header:
        raise field_error("file", _("文件为空"), code="empty")
    cols = [HEADERS.get(str(h or "").strip()) for h in header]
    if "part_no" not in cols:
        raise field_error("file", _("缺少“配件编号”列"), code="missing_column")
    for i, row in enumerate(it, start=2):
        if not row or all(v in (None, "") for v in row):
            continue
        yield i, {c: ("" if v is None else str(v).strip()) for c, v in zip(cols, row, strict=False) if c}


def _dec(value: str, places: int, lo: Decimal, hi: Decimal):
    try:
        d = Decimal(value.replace(",", "").replace("¥", ""))
    except InvalidOperation:
        return None
    if not d.is_finite() or d < lo or d > hi:
        return None
    return d.quantize(Decimal(1).scaleb(-places))


def price_import(
    *, actor, group, rows, commit: bool = False, source: str = "", progress=None
) -> ImportResult:
    """Check every row; when commit and no row is bad, write new parts, price changes (with history) and
    supersessions in one transaction. ``rows`` yields (row number, {field: text}); ``progress(n)`` is
    called as rows are read (outside the write transaction, so another connection sees it)."""
    require_perm(actor, "parts.import_prices")
    res = ImportResult()
    existing = {
        r[0]: r
        for r in Part.objects.filter(group=group).values_list(
            "part_no", "id", *PRICE_FIELDS, "superseded_by_id", "name"
        )
    }
    ids_by_no = {no: r[1] for no, r in existing.items()}
    seen: dict[str, int] = {}
    new_parts: list[Part] = []
    updates: list[tuple[int, dict]] = []
    supersede: list[tuple[str, str, int]] = []
    max_price = Decimal("99999999")

    def bad(n, msg):
        if len(res.errors) < MAX_ERRORS:
            res.errors.append((n, msg))

    for n, row in rows:
        res.rows += 1
        if progress and res.rows % 1000 == 0:
            progress(1000)
        no = normalize_part_no(row.get("part_no"))
        if not no or len(no) > 40:
            bad(n, _("配件编号为空或过长"))
            continue
        if no in seen:
            bad(n, _("配件编号 %(no)s 与第%(m)s行重复") % {"no": no, "m": seen[no]})
            continue
        seen[no] = n
        prices = {}
        ok = True
        for f in PRICE_FIELDS:
            v = row.get(f, "")
            if v == "":
                continue
            d = _dec(v, 4 if f == "purchase_price" else 2, Decimal(0), max_price)
            if d is None:
                bad(
                    n, _("%(col)s“%(v)s”不是有效价格") % {"col": Part._meta.get_field(f).verbose_name, "v": v}
                )
                ok = False
            else:
                prices[f] = d
        tax = None
        if row.get("tax_rate"):
            v = row["tax_rate"].rstrip("%")
            tax = _dec(v, 4, Decimal(0), Decimal(50))
            if tax is not None and tax >= 1:
                tax = (tax / 100).quantize(Decimal("0.0001"))
            if tax is None or tax > Decimal("0.5"):
                bad(n, _("税率“%(v)s”无效") % {"v": row["tax_rate"]})
                ok = False
        unit = None
        if row.get("unit"):
            unit = UNIT_LABELS.get(row["unit"])
            if unit is None:
                bad(n, _("单位“%(v)s”无效") % {"v": row["unit"]})
                ok = False
        sup = normalize_part_no(row.get("superseded_by"))
        if sup == no:
            bad(n, _("配件不能被自己替换"))
            ok = False
        if not ok:
            continue
        old = existing.get(no)
        if old is None:
            name = row.get("name", "")
            if not name:
                bad(n, _("新配件缺少名称"))
                continue
            new_parts.append(
                Part(
                    group=group,
                    part_no=no,
                    display_no=row.get("part_no", "")[:40].upper(),
                    name=name[:100],
                    brand=row.get("brand", "")[:30] or (group.name[:30]),
                    models_text=row.get("models_text", "")[:300],
                    unit=unit or Unit.PIECE,
                    tax_rate=tax if tax is not None else Decimal("0.13"),
                    **prices,
                )
            )
            res.added += 1
        else:
            changes = {
                f: prices[f] for i, f in enumerate(PRICE_FIELDS) if f in prices and prices[f] != old[2 + i]
            }
            if changes:
                updates.append((old[1], changes))
                res.changed += 1
            else:
                res.unchanged += 1
        if sup:
            supersede.append((no, sup, n))
    # supersession targets must exist in the group or in the file
    for _no, sup, n in supersede:
        if sup not in ids_by_no and sup not in seen:
            bad(n, _("替换件 %(no)s 不存在") % {"no": sup})
    if progress:
        progress(res.rows % 1000)
    if res.errors or not commit:
        res.superseded = len(supersede)
        return res
    with transaction.atomic():
        _write(actor, group, source, res, existing, ids_by_no, new_parts, updates, supersede)
    return res


def _write(actor, group, source, res, existing, ids_by_no, new_parts, updates, supersede) -> None:
    Part.objects.bulk_create(new_parts, batch_size=2000)
    if new_parts:
        ids_by_no.update(
            Part.objects.filter(group=group, part_no__in=[p.part_no for p in new_parts]).values_list(
                "part_no", "id"
            )
            if not all(p.pk for p in new_parts)
            else ((p.part_no, p.pk) for p in new_parts)
        )
    history = []
    by_fields: dict[tuple, list[Part]] = {}
    for pid, changes in updates:
        obj = Part(pk=pid, **changes)
        by_fields.setdefault(tuple(sorted(changes)), []).append(obj)
    old_prices = {r[1]: r for r in existing.values()}
    for pid, changes in updates:
        row = old_prices[pid]
        for f, v in changes.items():
            history.append(
                PartPriceChange(
                    part_id=pid,
                    field=f,
                    old=row[2 + PRICE_FIELDS.index(f)],
                    new=v,
                    actor=actor,
                    source=source[:100],
                )
            )
    for fields, objs in by_fields.items():
        Part.objects.bulk_update(objs, list(fields), batch_size=2000)
    PartPriceChange.objects.bulk_create(history, batch_size=5000)
    sup_objs = []
    for no, sup, _n in supersede:
        target = ids_by_no[sup]
        old = existing.get(no)
        if old is None or old[-2] != target:
            sup_objs.append(Part(pk=ids_by_no[no], superseded_by_id=target))
    _check_cycles(group, {ids_by_no[no]: ids_by_no[sup] for no, sup, _n in supersede})
    Part.objects.bulk_update(sup_objs, ["superseded_by"], batch_size=2000)
    res.superseded = len(sup_objs)
    res.committed = True
    audit_record(
        actor=actor,
        obj=group,
        verb="price_import",
        store=None,
        note=source,
        changes={"added": res.added, "changed": res.changed, "superseded": res.superseded},
    )


def _check_cycles(group, new_links: dict[int, int]) -> None:
    links = dict(
        Part.objects.filter(group=group, superseded_by__isnull=False).values_list("id", "superseded_by_id")
    )
    links.update(new_links)
    for start in new_links:
        node, steps = start, 0
        while node in links and steps < 1000:
            node = links[node]
            steps += 1
            if node == start:
                raise field_error(
                    "file", _("替换关系形成循环（配件ID %(id)s）") % {"id": start}, code="supersession_cycle"
                )


# --- the page's path: background tasks with a job row ---------------------------------------------


def price_import_start(*, actor, group, store, file_name: str, content: bytes) -> PriceImportJob:
    """Keep the file in a job row and queue its check (summary, every bad row); nothing is written
    until a user confirms the summary. Called outside a transaction, so any broker's worker finds
    the job committed."""
    from ..tasks import run_price_import

    require_perm(actor, "parts.import_prices")
    job = PriceImportJob.objects.create(
        group=group, store=store, file_name=file_name[:200], content=content, actor=actor
    )
    run_price_import.enqueue(job.pk, False)
    job.refresh_from_db()  # a backend that runs tasks at once (tests) has checked it already
    return job


def price_import_confirm(*, actor, job: PriceImportJob) -> PriceImportJob:
    """Queue the write of a checked file (the same file, checked again as it is written). Only a
    checked job can be confirmed, once: a second click finds it importing and changes nothing."""
    from ..tasks import run_price_import

    require_perm(actor, "parts.import_prices")
    claimed = PriceImportJob.objects.filter(pk=job.pk, status=PriceImportJob.Status.CHECKED).update(
        status=PriceImportJob.Status.IMPORTING, confirmed_by=actor, done_rows=0
    )
    if not claimed:
        raise field_error("job", _("该价格文件不在待确认状态，不能导入"), code="bad_transition")
    run_price_import.enqueue(job.pk, True)
    job.refresh_from_db()
    return job


def price_import_run(job_id: int, *, commit: bool) -> str:
    """The background task's work: check (commit=False) or write (commit=True) a job's file, with the
    progress and summary written to the row. A second delivery of the same task finds the job past
    that step and does nothing. The file leaves the row when the job ends."""
    step = PriceImportJob.Status.IMPORTING if commit else PriceImportJob.Status.CHECKING
    job = PriceImportJob.objects.select_related("group", "actor", "confirmed_by").filter(pk=job_id).first()
    if job is None or job.status != step:
        return job.status if job else ""
    jobs = PriceImportJob.objects.filter(pk=job_id)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        jobs.update(done_rows=done)

    try:
        res = price_import(
            actor=job.confirmed_by if commit else job.actor,
            group=job.group,
            rows=read_rows(io.BytesIO(bytes(job.content)), job.file_name),
            commit=commit,
            source=job.file_name,
            progress=progress,
        )
    except ValidationError as e:  # the file as a whole (no header, a supersession cycle, no right)
        jobs.update(
            status=PriceImportJob.Status.FAILED,
            errors=[[0, m] for m in e.messages],
            content=b"",
            finished_at=timezone.now(),
        )
        return PriceImportJob.Status.FAILED
    except Exception as e:  # a crash must still end the job visibly
        jobs.update(
            status=PriceImportJob.Status.FAILED,
            errors=[[0, str(e)]],
            content=b"",
            finished_at=timezone.now(),
        )
        raise
    summary = {k: getattr(res, k) for k in ("rows", "added", "changed", "superseded", "unchanged")}
    if res.errors:
        status = PriceImportJob.Status.FAILED
    elif commit:
        status = PriceImportJob.Status.DONE
    else:
        status = PriceImportJob.Status.CHECKED
    ended = status != PriceImportJob.Status.CHECKED
    jobs.update(
        status=status,
        summary=summary,
        errors=[list(e) for e in res.errors],
        done_rows=res.rows,
        finished_at=timezone.now() if ended else None,
        **({"content": b""} if ended else {}),
    )
    return status
