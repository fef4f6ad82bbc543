"""The workshop: bays (工位), teams (班组), technicians' clocking (打卡), quality checks (质检),
settlement (结算), old parts (旧件) and follow-up calls (回访). The money a settlement makes owed is
in finance (open items per payer, linked to the repair order); service keeps no money table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.fields import StoreRecord, StoreSetting, now, user_fk
from fours.core.scoping import StoreScopedManager

from ..choices import (
    CallResult,
    ClockEnd,
    PauseReason,
    QCResult,
    Satisfaction,
    SettlementKind,
    TaskStatus,
)
from ._base import MONEY, OnOrderPage

USER = settings.AUTH_USER_MODEL


class Bay(StoreSetting):
    code = models.CharField(_("工位号"), max_length=10)
    name = models.CharField(_("工位名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=20, blank=True, help_text=_("如 快保、机修、钣金、喷漆"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工位")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_bay_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Team(StoreSetting):
    name = models.CharField(_("班组"), max_length=50)
    leader = user_fk(on_delete=models.SET_NULL)
    members = models.ManyToManyField(USER, related_name="service_teams", verbose_name=_("成员"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("班组")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TimeLog(StoreRecord):
    """A technician's clock-on on a labour line; ended by clock-off (完工) or a pause with a reason.

    A technician has at most one open solo clock (partial unique index), so two jobs at once are
    refused by the database as well as by the service; team lines are clocked with ``is_team``."""

    technician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("技师"))
    line = models.ForeignKey(
        "service.LabourLine", on_delete=models.CASCADE, related_name="clocks", verbose_name=_("工时项目")
    )
    is_team = models.BooleanField(_("班组作业"), default=False)
    started_at = models.DateTimeField(_("开工"), default=now)
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    end_kind = models.CharField(_("结束方式"), max_length=6, choices=ClockEnd.choices, blank=True, default="")
    pause_reason = models.CharField(_("暂停原因"), max_length=10, choices=PauseReason.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("打卡记录")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(ended_at__isnull=True, is_team=False),
                name="one_open_solo_clock_per_technician",
            ),
            models.UniqueConstraint(
                fields=["technician", "line"],
                condition=Q(ended_at__isnull=True),
                name="one_open_clock_per_technician_line",
            ),
        ]
        indexes = [models.Index(fields=["store", "started_at"], name="timelog_store_idx")]

    def __str__(self) -> str:
        return f"{self.technician_id}@{self.line_id} {self.started_at:%H:%M}"

    @property
    def hours(self):
        from decimal import Decimal

        end = self.ended_at or timezone.now()
        return (Decimal((end - self.started_at).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))


class QCInspection(models.Model):
    """终检: a checklist and a result; a rework names the lines and the reason."""

    ro = models.ForeignKey("service.RepairOrder", on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("质检员"))
    result = models.CharField(_("结果"), max_length=10, choices=QCResult.choices)
    checklist = models.JSONField(_("检查项"), default=dict)
    reason = models.CharField(_("返工原因"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("质检记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ro_id} {self.result}"


class Rework(models.Model):
    """One line sent back to its technician by a QC inspection (返工; counted per technician)."""

    inspection = models.ForeignKey(QCInspection, on_delete=models.CASCADE, related_name="reworks")
    line = models.ForeignKey("service.LabourLine", on_delete=models.CASCADE, related_name="reworks")
    technician = user_fk(blank=False)
    store = models.ForeignKey("core.Store", on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("返工记录")

    def __str__(self) -> str:
        return f"{self.line_id} {self.technician_id}"


class Settlement(OnOrderPage, StoreRecord):
    """结算单: the posted totals of an order per payer, with a gapless invoice number.

    Immutable. 反结算 appends a REVERSAL settlement with the opposite amounts."""

    ro = models.ForeignKey("service.RepairOrder", on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(
        _("类型"), max_length=10, choices=SettlementKind.choices, default=SettlementKind.NORMAL
    )
    number = models.CharField(_("结算单号"), max_length=30)
    invoice_no = models.CharField(_("发票号"), max_length=30)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    labour_total = models.DecimalField(_("工时费"), **MONEY)
    parts_total = models.DecimalField(_("材料费"), **MONEY)
    discount_total = models.DecimalField(_("折扣"), **MONEY)
    total = models.DecimalField(_("合计（含税）"), **MONEY)
    net_total = models.DecimalField(_("不含税金额"), **MONEY)
    vat = models.DecimalField(_("税额"), **MONEY)
    customer_amount = models.DecimalField(_("客户自付"), **MONEY)
    warranty_amount = models.DecimalField(_("厂家索赔"), **MONEY)
    insurance_amount = models.DecimalField(_("保险公司"), **MONEY)
    internal_amount = models.DecimalField(_("内部"), **MONEY)
    parts_cost = models.DecimalField(_("材料成本"), default=0, **MONEY)
    on_account = models.BooleanField(_("挂账"), default=False)
    # a settlement: the customer's advance (预收) applied to its bill; a reversal: what the customer had
    # paid on the reversed bill, become their advance
    advance = models.DecimalField(_("预收冲抵"), default=0, **MONEY)
    lines = models.JSONField(_("明细快照"), default=list)
    reason = models.CharField(_("反结算原因"), max_length=200, blank=True)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("结算员"))
    at = models.DateTimeField(_("时间"), default=now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("结算单")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "invoice_no"], condition=~Q(invoice_no=""), name="uniq_service_invoice"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def amount_for(self, payer: str):
        return getattr(self, f"{payer}_amount")


class FollowUpTask(StoreRecord):
    """回访任务 created on delivery, due within 3 days, for the customer's 客服专员."""

    ro = models.OneToOneField(
        "service.RepairOrder", on_delete=models.PROTECT, related_name="follow_up", verbose_name=_("工单")
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    assignee = user_fk(_("客服专员"))
    due_date = models.DateField(_("应回访日期"), db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    result = models.CharField(_("回访结果"), max_length=12, choices=CallResult.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=5, choices=Satisfaction.choices, blank=True)
    note = models.CharField(_("回访记录"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("回访任务")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{_('回访')} {self.ro}"

    def get_absolute_url(self) -> str:
        return reverse("service:followup-list")


class AdvisorCapacity(StoreSetting):
    """预约容量: appointments an advisor takes per day and per half-hour slot (advisor empty: store default)."""

    advisor = user_fk(_("服务顾问"), on_delete=models.CASCADE)
    per_day = models.PositiveSmallIntegerField(_("每日预约上限"), default=8)
    per_slot = models.PositiveSmallIntegerField(_("每时段上限"), default=1)

    class Meta:
        verbose_name = verbose_name_plural = _("预约容量")
        constraints = [models.UniqueConstraint(fields=["store", "advisor"], name="uniq_advisor_capacity")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.advisor_id}: {self.per_day}"


class WorkshopCapacity(StoreSetting):
    """车间预约容量: what the whole workshop takes per day and per half-hour slot, whichever advisor
    books (bays and technicians are shared). Its row is also the lock that serialises bookings."""

    store = models.OneToOneField("core.Store", on_delete=models.CASCADE, verbose_name=_("门店"))
    per_day = models.PositiveSmallIntegerField(_("车间每日预约上限"), default=40)
    per_slot = models.PositiveSmallIntegerField(_("车间每时段上限"), default=4)

    class Meta:
        verbose_name = verbose_name_plural = _("车间预约容量")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.per_day}/{self.per_slot}"
