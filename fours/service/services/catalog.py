"""The workshop catalogues kept by the service manager (售后设置): labour operations (工时项目) with
their hours per series/model, labour rates (工时单价) per payer, advisors' appointment capacity
(预约容量), maintenance packages (保养套餐) and fault codes (故障代码).

Every service checks all of its input first and raises one BusinessError naming every bad field
(rows of a table are reported under the table's name with their row number), so nothing is saved
when anything is wrong. Operations, packages and codes are group-wide; rates and capacity per store."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.errors import BusinessError
from fours.core.money import to_decimal
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import has_role

from ..choices import FaultKind, LabourCategory, Payer
from ..models import (
    AdvisorCapacity,
    FaultCode,
    LabourOperation,
    LabourRate,
    LabourTime,
    MaintenancePackage,
    PackageLabour,
    PackagePart,
)

__all__ = [
    "workshop_capacity_save",
    "capacity_save",
    "fault_code_save",
    "group_series",
    "labour_rates_save",
    "operation_save",
    "package_save",
]

CODE_RE = re.compile(r"[0-9A-Z][0-9A-Z._/-]{0,19}")
HOURS_MAX = Decimal("200")
RATE_MAX = Decimal("100000")
CAPACITY_MAX = 100
WORKSHOP_MAX = 500
KM_MAX = 2_000_000
MONTHS_MAX = 120
CENT = Decimal("0.01")


# --- cleaning helpers (each returns the clean value or adds a message to ``errors``) ---------------


class _Errors(dict):
    """{field: [messages]} collected while cleaning; raised at once as a BusinessError. A row's message
    carries its row number in ``params["row"]`` (code "row") so a form can mark the row."""

    def add(self, field: str, message) -> None:
        self.setdefault(field, []).append(ValidationError(str(message)))

    def row(self, field: str, n: int, message) -> None:
        text = _("第%(n)s行：%(msg)s") % {"n": n, "msg": message}
        self.setdefault(field, []).append(
            ValidationError(text.replace("%", "%%"), code="row", params={"row": n})
        )

    def raise_if_any(self) -> None:
        if self:
            raise BusinessError({k: list(v) for k, v in self.items()}, code="invalid")


def _text(value) -> str:
    return str(value if value is not None else "").strip()


def _blank(value) -> bool:
    return value is None or _text(value) == ""


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes", "y"}
    return bool(value)


def _code(value, errors: _Errors, field: str = "code") -> str:
    code = re.sub(r"\s+", "", _text(value)).upper()
    if not code:
        errors.add(field, _("请填写代码"))
    elif len(code) > 20:
        errors.add(field, _("代码最多20位"))
    elif not CODE_RE.fullmatch(code):
        errors.add(field, _("代码只能包含字母、数字和 - _ . /"))
    return code


def _write(model, obj, values: dict, **create_kw):
    """Create the catalogue row, or change the given one: (row, verb, changes old→new)."""
    if obj is None:
        return (
            model.objects.create(**create_kw, **values),
            "created",
            {k: [None, v] for k, v in values.items()},
        )
    changes = diff(obj, **values)
    for k, v in values.items():
        setattr(obj, k, v)
    obj.save()
    return obj, "updated", changes


def _update_audited(actor, row, store, **values) -> None:
    """Change a settings row's fields, with an audit event when anything changed."""
    changes = diff(row, **values)
    if changes:
        for k, v in values.items():
            setattr(row, k, v)
        row.save(update_fields=list(values))
        audit_record(actor=actor, obj=row, verb="updated", changes=changes, store=store)


def _capacity(per_day, per_slot, high: int, errors: _Errors) -> tuple[int | None, int | None]:
    """Appointments per day and per half-hour slot: whole numbers 1..high, per slot within per day."""
    msg = _("请填写1到%(n)s之间的整数") % {"n": high}
    day = _int(per_day, errors, "per_day", low=1, high=high, message=msg)
    slot = _int(per_slot, errors, "per_slot", low=1, high=high, message=msg)
    if day is not None and slot is not None and slot > day:
        errors.add("per_slot", _("每时段上限不能大于每日预约上限"))
    return day, slot


def _code_unique(model, group, code, current, errors: _Errors, message) -> None:
    """A catalogue code is unique in the group (the row being edited aside)."""
    if not code or "code" in errors:
        return
    taken = model.objects.filter(group=group, code=code).exclude(pk=current.pk if current else None)
    if taken.exists():
        errors.add("code", message % {"code": code})


def _name(value, errors: _Errors, field: str = "name", max_length: int = 100) -> str:
    name = _text(value)
    if not name:
        errors.add(field, _("请填写名称"))
    elif len(name) > max_length:
        errors.add(field, _("最多%(n)s个字") % {"n": max_length})
    return name


def _decimal(value) -> Decimal | None:
    """A finite Decimal, or None when the text is not a number."""
    try:
        d = to_decimal(_text(value) if isinstance(value, str) else value)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return d if d.is_finite() else None


def _hours(value) -> tuple[Decimal | None, str]:
    """(hours, "") or (None, message): more than 0, at most 200, at most two decimals."""
    if _blank(value):
        return None, _("请填写工时")
    h = _decimal(value)
    if h is None:
        return None, _("工时格式不正确")
    if h <= 0:
        return None, _("工时必须大于0")
    if h > HOURS_MAX:
        return None, _("工时不能超过%(n)s小时") % {"n": HOURS_MAX}
    if h != h.quantize(CENT):
        return None, _("工时最多两位小数")
    return h.quantize(CENT), ""


def _int(value, errors: _Errors, field: str, *, low: int, high: int, message) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        text = _text(value)
        n = int(text) if re.fullmatch(r"\+?\d{1,9}", text) else None
    if n is None or not low <= n <= high:
        errors.add(field, message)
        return None
    return n


def _choice(value, choices, errors: _Errors, field: str, message) -> str:
    value = _text(value)
    if value not in choices.values:
        errors.add(field, message)
    return value


def _obj(model, value):
    """A model instance from an instance or a primary key (None when blank or unknown)."""
    if isinstance(value, model):
        return value
    if _blank(value):
        return None
    text = _text(value)
    return model.objects.filter(pk=int(text)).first() if text.isdigit() else None


def group_series(group):
    """The series of the group's brand catalogue: every brand a store of the group sells."""
    from fours.core.models import Store
    from fours.customers.models import Series

    brands = {b for s in Store.objects.filter(group=group) for b in s.brand_list}
    return Series.objects.filter(brand__name__in=brands).select_related("brand")


def _check_group(obj, group, what: str) -> None:
    if obj.pk is not None and obj.group_id != group.pk:
        raise BusinessError(_("%(what)s不属于本集团") % {"what": what}, code="out_of_scope")


# --- labour operations ------------------------------------------------------------------------------


def _times_repr(rows) -> list[str]:
    return sorted(f"{r['series']}{' / ' + str(r['model']) if r['model'] else ''}: {r['hours']}" for r in rows)


def _clean_times(group, times, errors: _Errors) -> list[dict]:
    from fours.customers.models import Series, VehicleModel

    allowed = set(group_series(group).values_list("pk", flat=True))
    out, seen = [], set()
    for n, row in enumerate(times or (), start=1):
        series = _obj(Series, row.get("series"))
        model = _obj(VehicleModel, row.get("model"))
        hours, msg = _hours(row.get("hours"))
        if series is None:
            errors.row("times", n, _("请选择车系"))
        elif series.pk not in allowed:
            errors.row("times", n, _("车系不属于本集团经营的品牌"))
        elif not _blank(row.get("model")) and model is None:
            errors.row("times", n, _("车型不存在"))
        elif model is not None and model.series_id != series.pk:
            errors.row(
                "times", n, _("车型“%(model)s”不属于车系“%(series)s”") % {"model": model, "series": series}
            )
        elif (series.pk, model.pk if model else None) in seen:
            errors.row("times", n, _("车系/车型重复"))
        if msg:
            errors.row("times", n, msg)
        if series is not None:
            seen.add((series.pk, model.pk if model else None))
        out.append({"series": series, "model": model, "hours": hours})
    return out


@transaction.atomic
def operation_save(*, actor, group, data: dict, times: list[dict] = (), operation=None) -> LabourOperation:
    """Create or edit a labour operation (工时项目). ``times`` are the rows {series, model, hours} of
    standard hours per series (model empty) or per model; they replace the operation's rows."""
    require_perm(actor, "service.change_labouroperation" if operation else "service.add_labouroperation")
    if operation is not None:
        operation = LabourOperation.objects.select_for_update().get(pk=operation.pk)
        _check_group(operation, group, _("工时项目"))
    errors = _Errors()
    code = _code(data.get("code"), errors)
    name = _name(data.get("name"), errors)
    category = _choice(data.get("category"), LabourCategory, errors, "category", _("请选择工种"))
    hours, msg = _hours(data.get("standard_hours"))
    if msg:
        errors.add("standard_hours", msg)
    rows = _clean_times(group, times, errors)
    _code_unique(LabourOperation, group, code, operation, errors, _("工时代码 %(code)s 已存在"))
    errors.raise_if_any()
    values = {
        "code": code,
        "name": name,
        "category": category,
        "standard_hours": hours,
        "is_active": _bool(data.get("is_active", True)),
    }
    old_times = []
    if operation is not None:
        old = operation.times.select_related("series__brand", "model__series__brand")
        old_times = _times_repr([{"series": t.series, "model": t.model, "hours": t.hours} for t in old])
    operation, verb, changes = _write(LabourOperation, operation, values, group=group)
    operation.times.all().delete()
    LabourTime.objects.bulk_create(LabourTime(operation=operation, **r) for r in rows)
    new_times = _times_repr(rows)
    if new_times != old_times:
        changes["times"] = [old_times, new_times]
    audit_record(actor=actor, obj=operation, verb=verb, changes=changes, store=None)
    return operation


# --- labour rates and appointment capacity (per store) -----------------------------------------------


@transaction.atomic
def labour_rates_save(*, actor, store, rates: dict) -> dict[str, Decimal]:
    """工时单价 per payer: {payer: rate}; a blank rate removes the store's row for that payer (the
    payer is then charged the store's own labour rate). Returns the rates now in force."""
    from .pricing import labour_rates

    require_perm(actor, "service.change_labourrate")
    errors = _Errors()
    clean: dict[str, Decimal | None] = {}
    for payer, value in rates.items():
        if payer not in Payer.values:
            errors.add("rates", _("付费方不正确：%(p)s") % {"p": payer})
            continue
        if _blank(value):
            clean[payer] = None
            continue
        rate = _decimal(value)
        if rate is None:
            errors.add(payer, _("工时单价格式不正确"))
        elif rate < 0:
            errors.add(payer, _("工时单价不能为负数"))
        elif rate >= RATE_MAX:
            errors.add(payer, _("工时单价应小于%(n)s元") % {"n": RATE_MAX})
        elif rate != rate.quantize(CENT):
            errors.add(payer, _("工时单价最多两位小数"))
        else:
            clean[payer] = rate.quantize(CENT)
    errors.raise_if_any()
    rows = {r.payer: r for r in LabourRate.objects.select_for_update().filter(store=store)}
    for payer in sorted(clean):
        rate, row = clean[payer], rows.get(payer)
        if rate is None:
            if row is not None:
                audit_record(
                    actor=actor, obj=row, verb="deleted", changes={"rate": [row.rate, None]}, store=store
                )
                row.delete()
        elif row is None:
            row = LabourRate.objects.create(store=store, payer=payer, rate=rate)
            audit_record(actor=actor, obj=row, verb="created", changes={"rate": [None, rate]}, store=store)
        else:
            _update_audited(actor, row, store, rate=rate)
    return labour_rates(store)


@transaction.atomic
def capacity_save(*, actor, store, advisor=None, per_day, per_slot) -> AdvisorCapacity | None:
    """预约容量 of an advisor (advisor None: the store's default row). For an advisor, both limits
    left blank remove their row, so the store's default applies again (returns None then)."""
    from fours.core.models import Store

    require_perm(actor, "service.change_advisorcapacity")
    errors = _Errors()
    if advisor is not None and not has_role(advisor, store, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER):
        errors.add("advisor", _("请选择本店的服务顾问"))
    Store.objects.select_for_update().filter(pk=store.pk).first()  # one writer of a store's rows at a time
    row = AdvisorCapacity.objects.filter(store=store, advisor=advisor).order_by("id").first()
    if advisor is not None and _blank(per_day) and _blank(per_slot) and "advisor" not in errors:
        if row is not None:
            audit_record(
                actor=actor,
                obj=row,
                verb="deleted",
                changes={"per_day": [row.per_day, None], "per_slot": [row.per_slot, None]},
                store=store,
            )
            row.delete()
        return None
    day, slot = _capacity(per_day, per_slot, CAPACITY_MAX, errors)
    errors.raise_if_any()
    if row is None:
        require_perm(actor, "service.add_advisorcapacity")
        row = AdvisorCapacity.objects.create(store=store, advisor=advisor, per_day=day, per_slot=slot)
        changes = {"per_day": [None, day], "per_slot": [None, slot]}
        if advisor is not None:
            changes["advisor"] = [None, str(advisor)]
        audit_record(actor=actor, obj=row, verb="created", changes=changes, store=store)
        return row
    _update_audited(actor, row, store, per_day=day, per_slot=slot)
    return row


@transaction.atomic
def workshop_capacity_save(*, actor, store, per_day, per_slot):
    """车间预约容量: what the whole workshop takes per day and per half-hour slot, over all advisors."""
    from .appointments import workshop_capacity

    require_perm(actor, "service.change_workshopcapacity")
    errors = _Errors()
    day, slot = _capacity(per_day, per_slot, WORKSHOP_MAX, errors)
    errors.raise_if_any()
    row = workshop_capacity(store, lock=True)
    _update_audited(actor, row, store, per_day=day, per_slot=slot)
    return row


# --- maintenance packages ----------------------------------------------------------------------------


def _clean_package_labour(group, labour, errors: _Errors) -> list[dict]:
    out, seen = [], set()
    for n, row in enumerate(labour or (), start=1):
        op = _obj(LabourOperation, row.get("operation"))
        hours = None
        if op is None:
            errors.row("labour", n, _("请选择工时项目"))
        elif op.group_id != group.pk:
            errors.row("labour", n, _("工时项目不属于本集团"))
        elif op.pk in seen:
            errors.row("labour", n, _("工时项目重复：%(op)s") % {"op": op})
        if not _blank(row.get("hours")):
            hours, msg = _hours(row.get("hours"))
            if msg:
                errors.row("labour", n, msg)
        if op is not None:
            seen.add(op.pk)
        out.append({"operation": op, "hours": hours})
    return out


def _clean_package_parts(group, parts, errors: _Errors) -> list[dict]:
    from fours.parts.models import Part
    from fours.parts.selectors import part_by_number
    from fours.parts.services import clean_qty

    out, seen = [], set()
    for n, row in enumerate(parts or (), start=1):
        part = _obj(Part, row.get("part"))
        number = _text(row.get("part_no"))
        if part is None and number:
            part = part_by_number(group, number)
            if part is None:
                errors.row("parts", n, _("配件编号 %(no)s 不存在") % {"no": number})
                out.append({"part": None, "qty": None})
                continue
        qty = None
        if part is None:
            errors.row("parts", n, _("请填写配件编号"))
        elif part.group_id != group.pk:
            errors.row("parts", n, _("配件 %(no)s 不属于本集团") % {"no": part.part_no})
        elif part.pk in seen:
            errors.row("parts", n, _("配件重复：%(no)s") % {"no": part.display_no or part.part_no})
        else:
            try:
                qty = clean_qty(part, row.get("qty"), "qty")
            except BusinessError as e:
                for m in e.message_dict.get("qty") or e.messages:
                    errors.row("parts", n, m)
        if part is not None:
            seen.add(part.pk)
        out.append({"part": part, "qty": qty})
    return out


def _package_rows_repr(labour, parts) -> tuple[list[str], list[str]]:
    lab = sorted(f"{r['operation'].code}{' ' + str(r['hours']) if r['hours'] else ''}" for r in labour)
    prt = sorted(f"{r['part'].part_no} × {r['qty']}" for r in parts)
    return lab, prt


@transaction.atomic
def package_save(
    *, actor, group, data: dict, labour: list[dict], parts: list[dict], package=None
) -> MaintenancePackage:
    """Create or edit a maintenance package (保养套餐). ``labour`` rows are {operation, hours (empty:
    the operation's hours for the vehicle)}, ``parts`` rows {part (or part_no), qty}; they replace the
    package's rows. A package needs at least one labour or part row."""
    from fours.customers.models import Series

    require_perm(actor, "service.change_maintenancepackage" if package else "service.add_maintenancepackage")
    if package is not None:
        package = MaintenancePackage.objects.select_for_update().get(pk=package.pk)
        _check_group(package, group, _("保养套餐"))
    errors = _Errors()
    code = _code(data.get("code"), errors)
    name = _name(data.get("name"), errors)
    series = _obj(Series, data.get("series"))
    if not _blank(data.get("series")) and (
        series is None or not group_series(group).filter(pk=series.pk).exists()
    ):
        errors.add("series", _("车系不属于本集团经营的品牌"))
    mileage = _int(
        data.get("mileage_km") if not _blank(data.get("mileage_km")) else 0,
        errors,
        "mileage_km",
        low=0,
        high=KM_MAX,
        message=_("请填写0到%(n)s之间的整数") % {"n": KM_MAX},
    )
    interval_km = _int(
        data.get("interval_km"),
        errors,
        "interval_km",
        low=1,
        high=KM_MAX,
        message=_("保养间隔必须是大于0的整数（公里）"),
    )
    interval_months = _int(
        data.get("interval_months"),
        errors,
        "interval_months",
        low=1,
        high=MONTHS_MAX,
        message=_("保养间隔应为1到%(n)s个月") % {"n": MONTHS_MAX},
    )
    lab_rows = _clean_package_labour(group, labour, errors)
    part_rows = _clean_package_parts(group, parts, errors)
    if not lab_rows and not part_rows:
        errors.add("labour", _("套餐至少要有一项工时或配件"))
    _code_unique(MaintenancePackage, group, code, package, errors, _("套餐代码 %(code)s 已存在"))
    errors.raise_if_any()
    values = {
        "code": code,
        "name": name,
        "series": series,
        "mileage_km": mileage,
        "interval_km": interval_km,
        "interval_months": interval_months,
        "is_active": _bool(data.get("is_active", True)),
    }
    new_lab, new_parts = _package_rows_repr(lab_rows, part_rows)
    old_lab, old_parts = [], []
    if package is not None:
        old_lab, old_parts = _package_rows_repr(
            [
                {"operation": r.operation, "hours": r.hours}
                for r in package.labour.select_related("operation")
            ],
            [{"part": r.part, "qty": r.qty} for r in package.parts.select_related("part")],
        )
    package, verb, changes = _write(MaintenancePackage, package, values, group=group)
    package.labour.all().delete()
    package.parts.all().delete()
    PackageLabour.objects.bulk_create(PackageLabour(package=package, **r) for r in lab_rows)
    PackagePart.objects.bulk_create(PackagePart(package=package, **r) for r in part_rows)
    if new_lab != old_lab:
        changes["labour"] = [old_lab, new_lab]
    if new_parts != old_parts:
        changes["parts"] = [old_parts, new_parts]
    audit_record(actor=actor, obj=package, verb=verb, changes=changes, store=None)
    return package


# --- fault codes ----------------------------------------------------------------------------------


@transaction.atomic
def fault_code_save(*, actor, group, data: dict, fault=None) -> FaultCode:
    """Create or edit a fault / complaint code (故障代码)."""
    require_perm(actor, "service.change_faultcode" if fault else "service.add_faultcode")
    if fault is not None:
        fault = FaultCode.objects.select_for_update().get(pk=fault.pk)
        _check_group(fault, group, _("故障代码"))
    errors = _Errors()
    code = _code(data.get("code"), errors)
    name = _name(data.get("name"), errors)
    kind = _choice(data.get("kind"), FaultKind, errors, "kind", _("请选择类别"))
    system = _text(data.get("system"))
    if len(system) > 30:
        errors.add("system", _("最多%(n)s个字") % {"n": 30})
    _code_unique(FaultCode, group, code, fault, errors, _("代码 %(code)s 已存在"))
    errors.raise_if_any()
    values = {
        "code": code,
        "name": name,
        "kind": kind,
        "system": system,
        "is_active": _bool(data.get("is_active", True)),
    }
    fault, verb, changes = _write(FaultCode, fault, values, group=group)
    audit_record(actor=actor, obj=fault, verb=verb, changes=changes, store=None)
    return fault
