"""Catalogues of the workshop: labour operations (工时项目), labour rates, maintenance packages
(保养套餐), fault and complaint codes. Operations, packages and codes are group-wide; rates per store."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.fields import GroupRecord, StoreSetting, optional_fk

from ..choices import FaultKind, LabourCategory, Payer
from ._base import HOURS, MONEY, QTY


class LabourOperation(GroupRecord):
    """工时项目: an operation code with its standard hours (per series/model in LabourTime)."""

    code = models.CharField(_("工时代码"), max_length=20)
    name = models.CharField(_("工时项目"), max_length=100)
    category = models.CharField(
        _("工种"), max_length=10, choices=LabourCategory.choices, default=LabourCategory.MECHANICAL
    )
    standard_hours = models.DecimalField(_("标准工时"), default=Decimal("1"), **HOURS)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工时项目")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="uniq_labour_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("service:operation-list") + f"?code={self.code}"


class LabourTime(models.Model):
    """Standard hours of an operation for one series (or one model of it)."""

    operation = models.ForeignKey(
        LabourOperation, on_delete=models.CASCADE, related_name="times", verbose_name=_("工时项目")
    )
    series = models.ForeignKey(
        "customers.Series", on_delete=models.CASCADE, related_name="+", verbose_name=_("车系")
    )
    model = optional_fk("customers.VehicleModel", _("车型"), on_delete=models.CASCADE)
    hours = models.DecimalField(_("标准工时"), **HOURS)

    class Meta:
        verbose_name = verbose_name_plural = _("车型工时")
        constraints = [
            models.UniqueConstraint(fields=["operation", "series", "model"], name="uniq_labour_time")
        ]

    def __str__(self) -> str:
        return f"{self.operation_id} {self.series_id}/{self.model_id}: {self.hours}"


class LabourRate(StoreSetting):
    """工时单价 per store and payer (自费, 索赔, 保险, 内部); missing rows fall back to the store's rate."""

    payer = models.CharField(_("付费方"), max_length=10, choices=Payer.choices)
    rate = models.DecimalField(_("工时单价（元/小时，含税）"), **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = _("工时单价")
        constraints = [models.UniqueConstraint(fields=["store", "payer"], name="uniq_labour_rate")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.get_payer_display()} {self.rate}"


class MaintenancePackage(GroupRecord):
    """保养套餐: labour + parts for a series at a mileage, repeated every interval."""

    code = models.CharField(_("套餐代码"), max_length=20)
    name = models.CharField(_("套餐名称"), max_length=100)
    series = optional_fk("customers.Series", _("适用车系"))
    mileage_km = models.PositiveIntegerField(_("适用里程（公里）"), default=0)
    interval_km = models.PositiveIntegerField(_("保养间隔（公里）"), default=10000)
    interval_months = models.PositiveSmallIntegerField(_("保养间隔（月）"), default=6)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("保养套餐")
        ordering = ["series_id", "mileage_km", "code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="uniq_package_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:package-detail", args=[self.pk])


class PackageLabour(models.Model):
    package = models.ForeignKey(
        MaintenancePackage, on_delete=models.CASCADE, related_name="labour", verbose_name=_("套餐")
    )
    operation = models.ForeignKey(LabourOperation, on_delete=models.PROTECT, verbose_name=_("工时项目"))
    hours = models.DecimalField(_("工时"), null=True, blank=True, help_text=_("空则按车型标准工时"), **HOURS)

    class Meta:
        verbose_name = verbose_name_plural = _("套餐工时")

    def __str__(self) -> str:
        return f"{self.package_id}: {self.operation_id}"


class PackagePart(models.Model):
    package = models.ForeignKey(
        MaintenancePackage, on_delete=models.CASCADE, related_name="parts", verbose_name=_("套餐")
    )
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    qty = models.DecimalField(_("数量"), **QTY)

    class Meta:
        verbose_name = verbose_name_plural = _("套餐配件")

    def __str__(self) -> str:
        return f"{self.package_id}: {self.part_id} × {self.qty}"


class FaultCode(GroupRecord):
    """故障/客诉代码 for classifying complaints and faults (quality reports to the manufacturer)."""

    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, choices=FaultKind.choices, default=FaultKind.FAULT)
    system = models.CharField(_("系统"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("故障代码")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="uniq_fault_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
