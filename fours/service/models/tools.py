"""Special tools (专用工具) lent to technicians against a repair order and returned the same day, the
foreman's daily check, losses charged to the person; equipment (设备) with its upkeep and calibration
cards (设备保养卡) and due dates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import MONEY, StoreRecord, StoreSetting, now, optional_fk, user_fk

from ..choices import CardKind, ToolStatus


class Tool(StoreSetting):
    code = models.CharField(_("工具编号"), max_length=30)
    name = models.CharField(_("名称"), max_length=100)
    brand = optional_fk("customers.Brand", _("适用品牌"))
    location = models.CharField(_("存放位置"), max_length=50, blank=True)
    value = models.DecimalField(_("价值"), default=0, **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=ToolStatus.choices, default=ToolStatus.IN)

    class Meta:
        verbose_name = verbose_name_plural = _("专用工具")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="service_tool_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ToolLoan(StoreRecord):
    """借用登记: a tool lent to a technician (against a repair order), due back the same day."""

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="loans", verbose_name=_("工具"))
    technician = user_fk(_("借用人"), related_name="+")
    ro = optional_fk("service.RepairOrder", _("工单"))
    lent_at = models.DateTimeField(_("借出时间"), default=now)
    due_at = models.DateTimeField(_("应还时间"))
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    condition = models.CharField(_("归还状况"), max_length=100, blank=True)
    lost = models.BooleanField(_("丢失"), default=False)
    charge = models.DecimalField(_("赔偿金额"), default=0, **MONEY)
    lent_by = user_fk(_("经办人"))

    class Meta:
        verbose_name = verbose_name_plural = _("工具借用")
        ordering = ["-lent_at", "-id"]
        indexes = [models.Index(fields=["store", "returned_at", "due_at"], name="service_toolloan_open")]


class ToolCheck(StoreRecord):
    """车间主管每日工具检查: the tools found, missing or damaged on a day."""

    day = models.DateField(_("检查日期"))
    missing = models.JSONField(_("缺失工具"), default=list)
    damaged = models.JSONField(_("损坏工具"), default=list)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    actor = user_fk(_("检查人"))
    at = models.DateTimeField(_("时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("工具检查")
        ordering = ["-day", "-id"]


class Equipment(StoreSetting):
    code = models.CharField(_("设备编号"), max_length=30)
    name = models.CharField(_("名称"), max_length=100)
    location = models.CharField(_("位置"), max_length=50, blank=True)
    upkeep_days = models.PositiveIntegerField(_("保养周期（天）"), default=30)
    calibration_days = models.PositiveIntegerField(_("标定周期（天）"), null=True, blank=True)
    next_upkeep = models.DateField(_("下次保养"), null=True, blank=True)
    next_calibration = models.DateField(_("下次标定"), null=True, blank=True)
    keeper = user_fk(_("责任人"))
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("设备")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="service_equipment_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EquipmentCard(StoreRecord):
    """设备保养卡: one upkeep, calibration or repair of an equipment."""

    equipment = models.ForeignKey(
        Equipment, on_delete=models.CASCADE, related_name="cards", verbose_name=_("设备")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=CardKind.choices)
    done_on = models.DateField(_("日期"))
    result = models.CharField(_("内容/结果"), max_length=300)
    cost = models.DecimalField(_("费用"), default=0, **MONEY)
    actor = user_fk(_("执行人"))

    class Meta:
        verbose_name = verbose_name_plural = _("设备保养卡")
        ordering = ["-done_on", "-id"]
