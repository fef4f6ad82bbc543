"""QC paperwork and comebacks: the process inspection (过程检验单) during the work, the body check before
paint (钣金喷漆前检验), the completion inspection (竣工检验单) whose pass gives the release certificate
(出厂合格证); the repair's quality guarantee period (质量保证期) per labour category; a comeback (返修)
within the period, linked to the original order and its technician."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_verbs
from fours.core.errors import field_error
from fours.core.permissions import require_perm

from ..choices import WORKING, InspectionStage, LabourCategory, LabourStatus, ROStatus
from ..models import Comeback, GuaranteePeriod, LabourLine, RepairOrder, StageInspection
from .common import lock_ro

register_verbs(
    {
        "stage_inspection": gettext_lazy("检验"),
        "comeback": gettext_lazy("登记返修"),
        "guarantee_set": gettext_lazy("设置质量保证期"),
    }
)

# 检查项 of each inspection (the 竣工检验单 repeats the final check with the road-test data)
CHECKLISTS = {
    InspectionStage.PROCESS: [
        ("procedure", gettext_lazy("按工艺规范作业")),
        ("parts_ok", gettext_lazy("所换配件与工单相符")),
        ("limits", gettext_lazy("零件磨损未达使用极限（否则已通知客户）")),
        ("torque", gettext_lazy("关键螺栓按规定扭矩紧固")),
        ("clean_work", gettext_lazy("作业现场整洁、车辆防护到位")),
    ],
    InspectionStage.BODY_BEFORE_PAINT: [
        ("shape", gettext_lazy("钣金件外形恢复、线条一致")),
        ("gaps", gettext_lazy("缝隙均匀、装配到位")),
        ("welds", gettext_lazy("焊点牢固、无虚焊")),
        ("surface", gettext_lazy("表面平整、无凹凸")),
        ("rust", gettext_lazy("防锈处理到位")),
    ],
    InspectionStage.COMPLETION: [
        ("items_done", gettext_lazy("委托项目全部完成")),
        ("no_leak", gettext_lazy("无漏油漏水")),
        ("fasteners", gettext_lazy("螺栓紧固到位")),
        ("road_test", gettext_lazy("路试正常")),
        ("lights", gettext_lazy("灯光与仪表正常")),
        ("paint", gettext_lazy("漆面无砂眼、水泡、皱纹，颜色一致")),
        ("clean", gettext_lazy("车辆清洁、三件套已取下")),
    ],
}
# 检测数据 the completion inspection may carry (路试)
DATA_FIELDS = [
    ("road_km", gettext_lazy("路试里程（公里）")),
    ("speed", gettext_lazy("路试车速（km/h）")),
    ("brake_m", gettext_lazy("制动距离（米）")),
    ("idle_rpm", gettext_lazy("怠速转速（rpm）")),
]
# 质量保证期 when the store has not set its own (《机动车维修管理规定》: 二级维护 30 日或 5000 公里; 小修、专项修理
# 10 日或 2000 公里; 总成修理 100 日或 20000 公里 — body work counts as 总成 here)
DEFAULT_GUARANTEE = {
    LabourCategory.MAINTENANCE: (30, 5000),
    LabourCategory.MECHANICAL: (30, 5000),
    LabourCategory.ELECTRICAL: (10, 2000),
    LabourCategory.BODY: (100, 20000),
    LabourCategory.PAINT: (100, 20000),
    LabourCategory.DIAGNOSIS: (10, 2000),
}
DONE = {ROStatus.AWAITING_SETTLEMENT, ROStatus.SETTLED, ROStatus.DELIVERED}


def _has_body_work(ro) -> bool:
    return (
        ro.labour.filter(operation__category__in=[LabourCategory.BODY, LabourCategory.PAINT])
        .exclude(status=LabourStatus.CANCELLED)
        .exists()
    )


def stage_open(ro, stage: str) -> bool:
    """Whether the order is at the point where this inspection is made (the page offers only those)."""
    if stage == InspectionStage.COMPLETION:
        return ro.status in DONE
    if ro.status not in WORKING:
        return False
    return stage != InspectionStage.BODY_BEFORE_PAINT or _has_body_work(ro)


def certificate_number(ro) -> str:
    """出厂合格证号: the order's number with the certificate's mark (one certificate per order)."""
    return f"HG{ro.number}"


@transaction.atomic
def stage_inspect(
    *, actor, ro, stage: str, checklist: dict, passed: bool, data: dict | None = None, note: str = ""
) -> StageInspection:
    """过程检验 / 钣金喷漆前检验 while the car is worked on, 竣工检验 once it has passed the final QC; a
    pass needs every item ticked, a fail its reason. A passed completion inspection gives the 出厂合格证
    (refused while a body job has no passed body check before paint)."""
    require_perm(actor, "service.add_stageinspection")
    ro = lock_ro(ro)
    if stage not in CHECKLISTS:
        raise field_error("stage", _("请选择检验类型"), code="invalid_choice")
    if stage == InspectionStage.COMPLETION:
        if ro.status not in DONE:
            raise field_error(
                "stage",
                _("工单%(no)s尚未终检合格（当前：%(s)s），不能做竣工检验")
                % {"no": ro.number, "s": ro.get_status_display()},
                code="bad_transition",
            )
    elif ro.status not in WORKING:
        raise field_error(
            "stage",
            _("过程检验须在施工中进行（当前：%(s)s）") % {"s": ro.get_status_display()},
            code="bad_transition",
        )
    if stage == InspectionStage.BODY_BEFORE_PAINT and not _has_body_work(ro):
        raise field_error("stage", _("本工单没有钣金喷漆项目"), code="mismatch")
    items = {k: bool((checklist or {}).get(k)) for k, _label in CHECKLISTS[stage]}
    note = (note or "").strip()[:300]
    if passed and not all(items.values()):
        missing = [str(label) for k, label in CHECKLISTS[stage] if not items[k]]
        raise field_error(
            "checklist",
            _("检查项未全部合格：%(items)s") % {"items": "、".join(missing)},
            code="checklist_incomplete",
        )
    if not passed and not note:
        raise field_error("note", _("请填写不合格的原因"), code="required")
    clean_data = {}
    for key, label in DATA_FIELDS:
        raw = (data or {}).get(key)
        if raw in (None, ""):
            continue
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise field_error(f"data.{key}", _("%(f)s须为数字") % {"f": label}, code="bad_format") from None
        if value < 0:
            raise field_error(f"data.{key}", _("%(f)s不能为负数") % {"f": label}, code="negative")
        clean_data[key] = str(raw).strip()
    cert = ""
    if stage == InspectionStage.COMPLETION and passed:
        if (
            _has_body_work(ro)
            and not ro.stage_inspections.filter(stage=InspectionStage.BODY_BEFORE_PAINT, passed=True).exists()
        ):
            raise field_error(
                "stage", _("钣金件未经喷漆前检验合格，不能出具出厂合格证"), code="body_check_missing"
            )
        cert = certificate_number(ro)
    insp = StageInspection.objects.create(
        store=ro.store,
        ro=ro,
        stage=stage,
        checklist=items,
        data=clean_data,
        passed=passed,
        note=note,
        certificate_no=cert,
        inspector=actor,
    )
    audit_record(
        actor=actor,
        obj=ro,
        verb="stage_inspection",
        changes={"stage": [None, stage], "result": [None, _("合格") if passed else _("不合格")]},
        note=note,
    )
    return insp


# --- quality guarantee period and comebacks ---------------------------------------------------------------


@transaction.atomic
def guarantee_period_set(*, actor, store, category: str, days, km) -> GuaranteePeriod:
    """质量保证期 of one labour category: days and kilometres, whichever comes first."""
    require_perm(actor, "service.change_guaranteeperiod")
    if category not in LabourCategory.values:
        raise field_error("category", _("请选择作业类别"), code="invalid_choice")
    values = {}
    for field, raw, top in (("days", days, 3650), ("km", km, 500000)):
        try:
            n = int(str(raw).strip())
        except (TypeError, ValueError):
            raise field_error(field, _("请填写整数"), code="bad_format") from None
        if n <= 0 or n > top:
            raise field_error(field, _("须在 1–%(top)s 之间") % {"top": top}, code="out_of_range")
        values[field] = n
    gp, _made = GuaranteePeriod.objects.update_or_create(store=store, category=category, defaults=values)
    audit_record(actor=actor, obj=gp, verb="guarantee_set", changes={k: [None, v] for k, v in values.items()})
    return gp


def guarantee_of(store, category: str) -> tuple[int, int]:
    """(days, km) of a category: the store's row, else the regulation's default."""
    row = GuaranteePeriod.objects.filter(store=store, category=category).values_list("days", "km").first()
    return tuple(row) if row else DEFAULT_GUARANTEE.get(category, (10, 2000))


def guarantee_end(original: RepairOrder, line: LabourLine | None = None) -> tuple[dt.date | None, int]:
    """When and at what odometer the original order's guarantee ends (the longest of its lines, or of the
    line named): counted from delivery (else settlement)."""
    start = original.delivered_at or original.settled_at
    if start is None:
        return None, 0
    lines = (
        [line]
        if line
        else list(original.labour.exclude(status=LabourStatus.CANCELLED).select_related("operation"))
    )
    cats = [(ln.operation.category if ln.operation_id else LabourCategory.MECHANICAL) for ln in lines] or [
        LabourCategory.MECHANICAL
    ]
    days, km = max((guarantee_of(original.store, c) for c in cats), key=lambda t: t[0])
    return timezone.localtime(start).date() + dt.timedelta(days=days), original.odometer_km + km


@transaction.atomic
def comeback_record(*, actor, ro, original, reason: str, original_line=None, handling: str = "") -> Comeback:
    """返修: this order brings back a fault of an earlier order of the same vehicle within its quality guarantee
    period (days or km); the comeback is charged to the original technician in the rates."""
    require_perm(actor, "service.add_comeback")
    ro = lock_ro(ro)
    if original is None:
        raise field_error("original", _("请选择原维修工单"), code="required")
    original = RepairOrder.objects.get(pk=original.pk)
    if original.pk == ro.pk:
        raise field_error("original", _("原工单不能是本工单"), code="same_party")
    if original.store_id != ro.store_id:
        raise field_error("original", _("原工单不属于本门店"), code="out_of_scope")
    if original.vehicle_id != ro.vehicle_id:
        raise field_error("original", _("原工单不是这台车的"), code="mismatch")
    if (
        original.status not in (ROStatus.SETTLED, ROStatus.DELIVERED)
        or original.received_at >= ro.received_at
    ):
        raise field_error("original", _("原工单须为本次进厂前已结算交车的工单"), code="bad_transition")
    if original_line is not None and original_line.ro_id != original.pk:
        raise field_error("original_line", _("作业不属于原工单"), code="mismatch")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写返修原因"), code="required")
    end_day, end_km = guarantee_end(original, original_line)
    day = timezone.localtime(ro.received_at).date()
    if end_day is None or day > end_day or (ro.odometer_km and ro.odometer_km > end_km):
        raise field_error(
            "original",
            _("已超出原工单%(no)s的质量保证期（至 %(d)s 或 %(km)s 公里）")
            % {"no": original.number, "d": end_day or "—", "km": end_km},
            code="out_of_guarantee",
        )
    if original_line is not None:
        technician = original_line.technician
    else:
        main = (
            original.labour.filter(technician__isnull=False)
            .exclude(status=LabourStatus.CANCELLED)
            .order_by("-hours", "pk")
            .first()
        )
        technician = main.technician if main else None
    try:
        with transaction.atomic():
            cb = Comeback.objects.create(
                store=ro.store,
                ro=ro,
                original=original,
                original_line=original_line,
                technician=technician,
                reason=reason[:300],
                handling=(handling or "").strip()[:300],
                actor=actor,
            )
    except IntegrityError:
        raise field_error("ro", _("本工单已登记为返修"), code="duplicate") from None
    audit_record(
        actor=actor,
        obj=ro,
        verb="comeback",
        changes={"original": [None, original.number]},
        note=reason,
    )
    return cb
