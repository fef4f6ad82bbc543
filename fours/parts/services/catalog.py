"""Part master, bins, suppliers, per-store settings, ABC classification."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.errors import field_error
from fours.core.permissions import require_perm
from fours.core.validators import ascii_digits, normalize_code, validate_uscc

from ..choices import USAGE_KINDS, ABCClass
from ..models import (
    Bin,
    Part,
    PartBin,
    PartPriceChange,
    PartsConfig,
    PartSetting,
    StockMove,
    Supplier,
    Warehouse,
)

PRICE_FIELDS = ("list_price", "retail_price", "wholesale_price", "insurance_price", "purchase_price")


def normalize_part_no(value: str | None) -> str:
    """配件编号 stored upper case without spaces, dashes, dots or slashes: 04152-YZZA6 → 04152YZZA6."""
    return re.sub(r"[\s\-./_]", "", ascii_digits(value)).upper()


def part_current(part: Part, _limit: int = 20) -> Part:
    """Follow the supersession chain to the part that replaces this one today."""
    seen = {part.pk}
    while part.superseded_by_id and len(seen) < _limit:
        part = part.superseded_by
        if part.pk in seen:
            break
        seen.add(part.pk)
    return part


def _check_supersession(part: Part, target: Part | None) -> None:
    if target is None:
        return
    if target.group_id != part.group_id:
        raise field_error("superseded_by", _("替换件必须属于同一集团"), code="out_of_scope")
    node, seen = target, set()
    while node is not None and node.pk not in seen:
        if node.pk == part.pk:
            raise field_error("superseded_by", _("替换关系形成循环"), code="supersession_cycle")
        seen.add(node.pk)
        node = node.superseded_by


@transaction.atomic
def part_create(*, actor, group, part_no: str, name: str, **fields) -> Part:
    require_perm(actor, "parts.add_part")
    number = normalize_part_no(part_no)
    if not number:
        raise field_error("part_no", _("请填写配件编号"), code="required")
    if not (name or "").strip():
        raise field_error("name", _("请填写配件名称"), code="required")
    if Part.objects.filter(group=group, part_no=number).exists():
        raise field_error("part_no", _("配件编号已存在：%(no)s") % {"no": number}, code="duplicate")
    for f in PRICE_FIELDS:
        if f in fields and fields[f] is not None and Decimal(fields[f]) < 0:
            raise field_error(f, _("价格不能为负数"), code="negative")
    part = Part(
        group=group,
        part_no=number,
        display_no=fields.pop("display_no", "") or part_no.strip().upper(),
        name=name.strip(),
        **fields,
    )
    _check_supersession(part, part.superseded_by)
    part.full_clean(exclude=["group", "superseded_by"])
    part.save()
    audit_record(actor=actor, obj=part, verb="created", store=None)
    return part


@transaction.atomic
def part_update(*, actor, part: Part, source: str = "", **fields) -> Part:
    """Edit a part; price changes are kept as history (who, when, old, new)."""
    require_perm(actor, "parts.change_part")
    part = Part.objects.select_for_update().get(pk=part.pk)
    for f in PRICE_FIELDS:
        if f in fields and fields[f] is not None and Decimal(fields[f]) < 0:
            raise field_error(f, _("价格不能为负数"), code="negative")
    if "superseded_by" in fields:
        _check_supersession(part, fields["superseded_by"])
    changes = diff(part, **fields)
    history = [
        PartPriceChange(
            part=part, field=f, old=getattr(part, f), new=Decimal(fields[f]), actor=actor, source=source
        )
        for f in PRICE_FIELDS
        if f in changes
    ]
    for name, value in fields.items():
        setattr(part, name, value)
    part.full_clean(exclude=["group", "superseded_by"])
    part.save()
    PartPriceChange.objects.bulk_create(history)
    if changes:
        audit_record(actor=actor, obj=part, verb="updated", changes=changes, store=None, note=source)
    return part


@transaction.atomic
def part_setting_save(*, actor, store, part, **fields) -> PartSetting:
    """Per-store min/max/safety stock and default bin."""
    require_perm(actor, "parts.change_partsetting")
    setting, _c = PartSetting.objects.get_or_create(store=store, part=part)
    for key in ("min_qty", "max_qty", "safety_qty"):
        if key in fields and fields[key] is not None and Decimal(fields[key]) < 0:
            raise field_error(key, _("库存定额不能为负数"), code="negative")
    mn = Decimal(fields.get("min_qty", setting.min_qty))
    mx = Decimal(fields.get("max_qty", setting.max_qty))
    if mx and mn > mx:
        raise field_error("max_qty", _("最高库存不能小于最低库存"), code="min_over_max")
    if fields.get("default_bin") is not None and fields["default_bin"].store_id != store.pk:
        raise field_error("default_bin", _("库位不属于本门店"), code="out_of_scope")
    changes = diff(setting, **fields)
    for k, v in fields.items():
        setattr(setting, k, v)
    setting.save()
    if fields.get("default_bin") is not None:
        PartBin.objects.get_or_create(store=store, part=part, bin=fields["default_bin"])
    audit_record(actor=actor, obj=setting, verb="updated", changes=changes, store=store)
    return setting


BIN_RE = re.compile(r"^([0-9A-Z]{1,4})-([0-9A-Z]{1,4})-([0-9A-Z]{1,3})-([0-9A-Z]{1,4})$")


def parse_bin_code(code: str) -> tuple[str, str, str, str]:
    """四号定位: 库号-架号-层号-位号, e.g. 01-A03-2-05."""
    m = BIN_RE.match((code or "").strip().upper())
    if not m:
        raise field_error("code", _("库位编码应为 库号-架号-层号-位号，例如 01-A03-2-05"), code="bin_format")
    return m.groups()


@transaction.atomic
def bin_create(*, actor, store, code: str) -> Bin:
    require_perm(actor, "parts.add_bin")
    wh_code, rack, level, pos = parse_bin_code(code)
    warehouse = Warehouse.objects.filter(store=store, code=wh_code).first()
    if warehouse is None:
        raise field_error(
            "code", _("库号 %(code)s 不存在，请先建立仓库") % {"code": wh_code}, code="not_found"
        )
    full = "-".join((wh_code, rack, level, pos))
    if Bin.objects.filter(store=store, code=full).exists():
        raise field_error("code", _("库位已存在"), code="duplicate")
    b = Bin.objects.create(store=store, warehouse=warehouse, rack=rack, level=level, position=pos, code=full)
    audit_record(actor=actor, obj=b, verb="created", store=store)
    return b


@transaction.atomic
def warehouse_create(*, actor, store, code: str, name: str) -> Warehouse:
    require_perm(actor, "parts.add_warehouse")
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{1,4}", code):
        raise field_error("code", _("库号为1-4位数字或字母"), code="bad_format")
    if Warehouse.objects.filter(store=store, code=code).exists():
        raise field_error("code", _("库号已存在"), code="duplicate")
    wh = Warehouse.objects.create(store=store, code=code, name=name)
    audit_record(actor=actor, obj=wh, verb="created", store=store)
    return wh


@transaction.atomic
def part_bin_assign(*, actor, store, part, bin: Bin, default: bool = False) -> PartBin:
    require_perm(actor, "parts.add_partbin")
    if bin.store_id != store.pk:
        raise field_error("bin", _("库位不属于本门店"), code="out_of_scope")
    pb, _c = PartBin.objects.get_or_create(store=store, part=part, bin=bin)
    if default:
        PartSetting.objects.update_or_create(store=store, part=part, defaults={"default_bin": bin})
    audit_record(actor=actor, obj=pb, verb="bin_assigned", changes={"bin": bin.code}, store=store)
    return pb


@transaction.atomic
def supplier_create(*, actor, group, name: str, uscc: str, **fields) -> Supplier:
    require_perm(actor, "parts.add_supplier")
    code = normalize_code(uscc)
    try:
        validate_uscc(code)
    except Exception as exc:  # ValidationError → name the field
        raise field_error("uscc", exc.messages, code="bad_format") from None
    if not (name or "").strip():
        raise field_error("name", _("请填写供应商名称"), code="required")
    if Supplier.objects.filter(group=group, uscc=code).exists():
        raise field_error("uscc", _("该统一社会信用代码的供应商已存在"), code="duplicate")
    s = Supplier.objects.create(group=group, name=name.strip(), uscc=code, **fields)
    audit_record(actor=actor, obj=s, verb="created", store=None)
    return s


def config_for(store) -> PartsConfig:
    cfg = PartsConfig.objects.filter(store=store).first()
    return cfg or PartsConfig(store=store)


@transaction.atomic
def abc_classify(*, actor, store, days: int = 365) -> dict[str, int]:
    """A/B/C from the usage value (cost of goods issued) of the last year: A up to abc_a_pct % of the
    cumulative value, B up to abc_b_pct %, the rest C."""
    cfg = config_for(store)
    since = timezone.now() - timedelta(days=days)
    usage = dict(
        StockMove.objects.filter(store=store, kind__in=USAGE_KINDS, at__gte=since)
        .values_list("part_id")
        .annotate(v=Sum("value"))
        .values_list("part_id", "v")
    )
    usage = {k: -v for k, v in usage.items() if v and v < 0}
    total = sum(usage.values()) or Decimal("1")
    settings = {s.part_id: s for s in PartSetting.objects.filter(store=store)}
    counts = {"A": 0, "B": 0, "C": 0}
    running = Decimal("0")
    changed = []
    ordered = sorted(usage.items(), key=lambda kv: (-kv[1], kv[0]))
    classes = {}
    for part_id, value in ordered:
        share_before = running / total * 100
        running += value
        cls = (
            ABCClass.A
            if share_before < cfg.abc_a_pct
            else ABCClass.B
            if share_before < cfg.abc_b_pct
            else ABCClass.C
        )
        classes[part_id] = (cls, value)
    for part_id, s in settings.items():
        cls, value = classes.pop(part_id, (ABCClass.C, Decimal("0")))
        if s.abc_class != cls or s.usage_value != value:
            s.abc_class, s.usage_value = cls, value
            changed.append(s)
        counts[cls] += 1
    new = [
        PartSetting(store=store, part_id=pid, abc_class=cls, usage_value=v)
        for pid, (cls, v) in classes.items()
    ]
    for s in new:
        counts[s.abc_class] += 1
    PartSetting.objects.bulk_update(changed, ["abc_class", "usage_value"], batch_size=1000)
    PartSetting.objects.bulk_create(new, batch_size=1000)
    audit_record(actor=actor, obj=store, verb="abc_classified", changes=counts, store=store)
    return counts
