from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.scoping import StoreScopedManager

from ..choices import (
    ClaimAgainst,
    ClaimStatus,
    DiscrepancyKind,
    OpenItemStatus,
    PlanKind,
    PlanStatus,
    POStatus,
)
from ._base import COST, MONEY, QTY, RATE, DocumentMixin


class PurchasePlan(DocumentMixin):
    """配件计划: proposed from reorder points and demand; edited by the planner, approved by the manager."""

    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, verbose_name=_("门店"))
    kind = models.CharField(_("计划类型"), max_length=10, choices=PlanKind.choices, default=PlanKind.STOCK)
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("采购计划")
        permissions = [("approve_purchaseplan", _("审批采购计划"))]
        verbose_name_plural = _("采购计划")
        ordering = ["-id"]

    def get_absolute_url(self) -> str:
        return reverse("parts:plan-detail", args=[self.pk])

    @property
    def total(self):
        return sum((line.amount for line in self.lines.all()), 0)


class PlanLine(models.Model):
    plan = models.ForeignKey(
        PurchasePlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("计划")
    )
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    supplier = models.ForeignKey(
        "parts.Supplier", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("供应商")
    )
    qty = models.DecimalField(_("计划数量"), **QTY)
    unit_price = models.DecimalField(_("采购单价（不含税）"), **COST)
    suggested_qty = models.DecimalField(_("建议数量"), default=0, **QTY)
    reason = models.CharField(_("依据"), max_length=200, blank=True)
    abc_class = models.CharField(_("ABC"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("计划明细")
        verbose_name_plural = _("计划明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part} × {self.qty}"

    @property
    def amount(self):
        from fours.core.money import round_money

        return round_money(self.qty * self.unit_price)


class SupplierQuote(models.Model):
    """货比三家: a supplier's quoted price for a plan line (A parts need three before approval)."""

    line = models.ForeignKey(
        PlanLine, on_delete=models.CASCADE, related_name="quotes", verbose_name=_("计划明细")
    )
    supplier = models.ForeignKey("parts.Supplier", on_delete=models.PROTECT, verbose_name=_("供应商"))
    unit_price = models.DecimalField(_("报价（不含税）"), **COST)
    lead_time_days = models.PositiveSmallIntegerField(_("交期（天）"), default=0)
    chosen = models.BooleanField(_("选用"), default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("供应商报价")
        verbose_name_plural = _("供应商报价")
        constraints = [models.UniqueConstraint(fields=["line", "supplier"], name="uniq_quote_supplier")]

    def __str__(self) -> str:
        return f"{self.supplier} {self.unit_price}"


class PurchaseOrder(DocumentMixin):
    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, verbose_name=_("门店"))
    supplier = models.ForeignKey("parts.Supplier", on_delete=models.PROTECT, verbose_name=_("供应商"))
    kind = models.CharField(_("订单类型"), max_length=10, choices=PlanKind.choices, default=PlanKind.STOCK)
    status = models.CharField(_("状态"), max_length=10, choices=POStatus.choices, default=POStatus.DRAFT)
    plan = models.ForeignKey(
        PurchasePlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("计划"),
    )
    ordered_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    expected_date = models.DateField(_("预计到货"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("复核人"),
        help_text=_("审批采购计划或复核订单的人；限额内的订单为下单人本人"),
    )
    approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("采购订单")
        verbose_name_plural = _("采购订单")
        permissions = [("approve_purchaseorder", _("复核采购订单"))]
        ordering = ["-id"]

    @property
    def total(self):
        return sum((line.amount for line in self.lines.all()), Decimal(0))

    @property
    def awaits_review(self) -> bool:
        """Above its author's purchase limit, the order waits for the parts manager's review."""
        return self.status == POStatus.PENDING

    def get_absolute_url(self) -> str:
        return reverse("parts:po-detail", args=[self.pk])


class POLine(models.Model):
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单")
    )
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    qty = models.DecimalField(_("订货数量"), **QTY)
    qty_received = models.DecimalField(_("已收数量"), default=0, **QTY)
    unit_price = models.DecimalField(_("单价（不含税）"), **COST)
    tax_rate = models.DecimalField(_("税率"), default=Decimal("0.13"), **RATE)

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part} × {self.qty}"

    @property
    def qty_open(self):
        return max(self.qty - self.qty_received, 0)

    @property
    def amount(self):
        from fours.core.money import round_money

        return round_money(self.qty * self.unit_price)


class Receipt(DocumentMixin):
    """验收入库单: booked at the counted quantity; differences go on a discrepancy note."""

    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, verbose_name=_("门店"))
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("采购订单")
    )
    supplier = models.ForeignKey("parts.Supplier", on_delete=models.PROTECT, verbose_name=_("供应商"))
    delivery_note = models.CharField(_("送货单号"), max_length=40, blank=True)
    freight = models.DecimalField(_("运费（不含税）"), default=0, **MONEY)
    net_amount = models.DecimalField(_("不含税金额"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("税额"), default=0, **MONEY)
    received_at = models.DateTimeField(_("入库时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入库单")
        verbose_name_plural = _("入库单")
        ordering = ["-id"]

    def get_absolute_url(self) -> str:
        return reverse("parts:receipt-detail", args=[self.pk])


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(
        Receipt, on_delete=models.CASCADE, related_name="lines", verbose_name=_("入库单")
    )
    po_line = models.ForeignKey(POLine, on_delete=models.PROTECT, related_name="receipt_lines")
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    qty_noted = models.DecimalField(_("送货单数量"), **QTY)
    qty = models.DecimalField(_("实收数量"), **QTY)
    qty_damaged = models.DecimalField(_("破损数量"), default=0, **QTY)
    unit_price = models.DecimalField(_("发票单价（不含税）"), **COST)
    unit_cost = models.DecimalField(_("入库成本（含分摊运费）"), **COST)
    amount = models.DecimalField(_("金额（不含税）"), **MONEY)

    class Meta:
        verbose_name = _("入库明细")
        verbose_name_plural = _("入库明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part} × {self.qty}"


class Discrepancy(DocumentMixin):
    """差损单: short, damaged, wrong part or over-price, claimed from supplier or carrier until closed."""

    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, verbose_name=_("门店"))
    receipt = models.OneToOneField(
        Receipt, on_delete=models.PROTECT, related_name="discrepancy", verbose_name=_("入库单")
    )
    claim_against = models.CharField(
        _("索赔对象"), max_length=10, choices=ClaimAgainst.choices, default=ClaimAgainst.SUPPLIER
    )
    carrier = models.CharField(_("承运商"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    claim_amount = models.DecimalField(_("索赔金额"), default=0, **MONEY)
    settled_amount = models.DecimalField(_("实际赔付"), default=0, **MONEY)
    resolution = models.CharField(_("处理结果"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("差损单")
        verbose_name_plural = _("差损单")
        ordering = ["-id"]

    def get_absolute_url(self) -> str:
        return reverse("parts:discrepancy-detail", args=[self.pk])


class DiscrepancyLine(models.Model):
    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    kind = models.CharField(_("差异类型"), max_length=12, choices=DiscrepancyKind.choices)
    qty = models.DecimalField(_("数量"), **QTY)
    amount = models.DecimalField(_("金额"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("差损明细")
        verbose_name_plural = _("差损明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part_id} {self.qty}"


class Payable(models.Model):
    """应付账款 to a supplier, created by every receipt."""

    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, verbose_name=_("门店"))
    supplier = models.ForeignKey("parts.Supplier", on_delete=models.PROTECT, verbose_name=_("供应商"))
    receipt = models.OneToOneField(
        Receipt, on_delete=models.PROTECT, related_name="payable", verbose_name=_("入库单")
    )
    amount = models.DecimalField(_("应付金额（含税）"), **MONEY)
    paid = models.DecimalField(_("已付金额"), default=0, **MONEY)
    due_date = models.DateField(_("到期日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OpenItemStatus.choices, default=OpenItemStatus.OPEN
    )
    created_at = models.DateTimeField(_("发生时间"), auto_now_add=True)

    objects = StoreScopedManager()

    class Meta:
        verbose_name = _("应付账款")
        verbose_name_plural = _("应付账款")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.supplier} {self.amount}"

    @property
    def open_amount(self):
        return self.amount - self.paid
