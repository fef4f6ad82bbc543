"""QC paperwork (过程检验单, 钣金喷漆前检验, 竣工检验单 and the 出厂合格证), the repair's quality guarantee
period (质量保证期), comebacks (返修) linked to the first order and its technician, the parts-shortage
tracker (待缺料配件采购跟踪表) and a simple attendance record for workshop productivity."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import HOURS, StoreRecord, StoreSetting, now, optional_fk, user_fk

from ..choices import InspectionStage, LabourCategory, ShortageStatus


class StageInspection(StoreRecord):
    """过程检验 / 钣金喷漆前检验 / 竣工检验 of a repair order: checklist, result, inspector; a completion
    inspection that passes prints the 出厂合格证."""

    ro = models.ForeignKey("service.RepairOrder", on_delete=models.CASCADE, related_name="stage_inspections")
    stage = models.CharField(_("检验类型"), max_length=12, choices=InspectionStage.choices)
    checklist = models.JSONField(_("检查项"), default=dict)
    data = models.JSONField(_("检测数据"), default=dict, blank=True, help_text=_("如路试车速、制动距离"))
    passed = models.BooleanField(_("合格"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    certificate_no = models.CharField(_("出厂合格证号"), max_length=30, blank=True)
    inspector = user_fk(_("检验员"))
    at = models.DateTimeField(_("时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("检验单")
        ordering = ["at", "id"]


class GuaranteePeriod(StoreSetting):
    """质量保证期 of a repair by labour category (days and km, whichever comes first)."""

    category = models.CharField(_("作业类别"), max_length=6, choices=LabourCategory.choices)
    days = models.PositiveIntegerField(_("保证期（天）"))
    km = models.PositiveIntegerField(_("保证里程（公里）"))

    class Meta:
        verbose_name = verbose_name_plural = _("质量保证期")
        constraints = [models.UniqueConstraint(fields=["store", "category"], name="service_guarantee_unique")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.days}"


class Comeback(StoreRecord):
    """返修: a repair order that brings back a fault within the guarantee period of an earlier one."""

    ro = models.OneToOneField("service.RepairOrder", on_delete=models.PROTECT, related_name="comeback_of")
    original = models.ForeignKey("service.RepairOrder", on_delete=models.PROTECT, related_name="comebacks")
    original_line = optional_fk("service.LabourLine", _("原作业"))
    technician = user_fk(_("原作业技师"))
    reason = models.CharField(_("返修原因"), max_length=300)
    handling = models.CharField(_("处理意见"), max_length=300, blank=True)
    actor = user_fk(_("登记人"))
    at = models.DateTimeField(_("时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("返修记录")
        ordering = ["-at", "-id"]


class PartShortage(StoreRecord):
    """待缺料配件采购跟踪: a car waiting for a part, its purchase order and expected date; closed when the part
    is received (the receiving service closes it in the same transaction)."""

    part_line = models.ForeignKey("service.PartLine", on_delete=models.CASCADE, related_name="shortages")
    ro = models.ForeignKey("service.RepairOrder", on_delete=models.CASCADE, related_name="shortages")
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, related_name="+")
    purchase_order = optional_fk("parts.PurchaseOrder", _("采购订单"))
    expected_on = models.DateField(_("预计到货"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ShortageStatus.choices, default=ShortageStatus.OPEN
    )
    arrived_at = models.DateTimeField(_("到货时间"), null=True, blank=True)
    note = models.CharField(_("跟踪记录"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("缺料跟踪")
        ordering = ["status", "expected_on", "id"]
        indexes = [models.Index(fields=["store", "status"], name="service_shortage_open")]


class Attendance(StoreRecord):
    """考勤: a technician's attended hours on a day (for productivity = clocked / attended)."""

    person = user_fk(_("人员"), related_name="+", blank=False)
    day = models.DateField(_("日期"))
    hours = models.DecimalField(_("出勤工时"), **HOURS)

    class Meta:
        verbose_name = verbose_name_plural = _("考勤")
        ordering = ["-day", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "person", "day"], name="service_attendance_unique")
        ]
