from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import user_fk

from ..choices import (
    Responsible,
    StocktakeKind,
    StocktakeScope,
    StocktakeStatus,
    VarianceReason,
    WriteOffReason,
    WriteOffStatus,
)
from ._base import COST, MONEY, QTY, DocumentLine, DocumentMixin


class Stocktake(DocumentMixin):
    """盘点单: a frozen count list, counted, approved, then adjusted by moves."""

    detail_view = "parts:stocktake-detail"

    kind = models.CharField(
        _("盘点类型"), max_length=10, choices=StocktakeKind.choices, default=StocktakeKind.MONTHLY
    )
    scope = models.CharField(
        _("盘点范围"), max_length=10, choices=StocktakeScope.choices, default=StocktakeScope.ALL
    )
    scope_value = models.CharField(
        _("范围条件"), max_length=100, blank=True, help_text=_("库位前缀或ABC分类")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=StocktakeStatus.choices, default=StocktakeStatus.COUNTING
    )
    frozen_at = models.DateTimeField(_("冻结时间"), auto_now_add=True)
    approved_by = user_fk()
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    finance_by = user_fk(_("财务确认人"))
    finance_at = models.DateTimeField(_("财务确认时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("盘点单")
        permissions = [("approve_stocktake", _("审批盘点差异"))]


class CountLine(DocumentLine):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    bin_code = models.CharField(_("库位"), max_length=20, blank=True)
    book_qty = models.DecimalField(_("账面数量"), **QTY)
    unit_cost = models.DecimalField(_("成本单价"), **COST)
    counted_qty = models.DecimalField(_("实盘数量"), null=True, blank=True, **QTY)
    reason = models.CharField(_("差异原因"), max_length=12, choices=VarianceReason.choices, blank=True)
    counted_by = user_fk(on_delete=models.SET_NULL)

    class Meta:
        ordering = ["bin_code", "part_id"]
        constraints = [models.UniqueConstraint(fields=["stocktake", "part"], name="uniq_count_line")]

    def __str__(self) -> str:
        return f"{self.part_id} {self.book_qty}/{self.counted_qty}"

    @property
    def variance(self):
        return None if self.counted_qty is None else self.counted_qty - self.book_qty


class WriteOff(DocumentMixin):
    """报损单: needs the service manager, warranty supervisor and parts supervisor to approve."""

    detail_view = "parts:writeoff-detail"

    reason = models.CharField(_("报损原因"), max_length=10, choices=WriteOffReason.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=WriteOffStatus.choices, default=WriteOffStatus.DRAFT
    )
    total_cost = models.DecimalField(_("损失金额"), default=0, **MONEY)
    posted_at = models.DateTimeField(_("报损时间"), null=True, blank=True)
    responsible = user_fk(
        _("责任人"), help_text=_("人为因素造成的损失（维修工操作不当、保管不善等）不予报损，由责任人承担")
    )

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("报损单")
        permissions = [("approve_writeoff", _("审批报损"))]


class WriteOffLine(DocumentLine):
    writeoff = models.ForeignKey(WriteOff, on_delete=models.CASCADE, related_name="lines")
    qty = models.DecimalField(_("数量"), **QTY)
    unit_cost = models.DecimalField(_("成本单价"), default=0, **COST)


class WriteOffApproval(models.Model):
    writeoff = models.ForeignKey(WriteOff, on_delete=models.CASCADE, related_name="approvals")
    role = models.CharField(_("岗位"), max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("审批人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["writeoff", "role"], name="uniq_writeoff_role")]

    def __str__(self) -> str:
        return f"{self.role} {self.user}"


class WriteOffShare(models.Model):
    """The loss split by responsibility (company, employee, supplier, carrier, insurer)."""

    writeoff = models.ForeignKey(WriteOff, on_delete=models.CASCADE, related_name="shares")
    party = models.CharField(_("责任方"), max_length=10, choices=Responsible.choices)
    name = models.CharField(_("责任人/单位"), max_length=100, blank=True)
    user = user_fk(_("承担人"))
    pct = models.PositiveSmallIntegerField(_("比例（%）"), null=True, blank=True)
    amount = models.DecimalField(_("承担金额"), **MONEY)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.amount}"
