from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import optional_fk, user_fk

from ..choices import ClaimAgainst, ClaimStatus, DiscrepancyKind, PlanKind, PlanStatus, POStatus
from ._base import COST, MONEY, QTY, RATE, DocumentLine, DocumentMixin


class PurchasePlan(DocumentMixin):
    """配件计划: proposed from reorder points and demand; edited by the planner, approved by the manager."""

    detail_view = "parts:plan-detail"

    kind = models.CharField(_("计划类型"), max_length=10, choices=PlanKind.choices, default=PlanKind.STOCK)
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    approved_by = user_fk(_("审批人"))
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("采购计划")
        permissions = [("approve_purchaseplan", _("审批采购计划"))]

    @property
    def total(self):
        return sum((line.amount for line in self.lines.all()), 0)


class PlanLine(DocumentLine):
    plan = models.ForeignKey(
        PurchasePlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("计划")
    )
    supplier = optional_fk("parts.Supplier", _("供应商"), related_name=None)
    qty = models.DecimalField(_("计划数量"), **QTY)
    unit_price = models.DecimalField(_("采购单价（不含税）"), **COST)
    suggested_qty = models.DecimalField(_("建议数量"), default=0, **QTY)
    reason = models.CharField(_("依据"), max_length=200, blank=True)
    abc_class = models.CharField(_("ABC"), max_length=1, blank=True)

    class Meta(DocumentLine.Meta):
        verbose_name = verbose_name_plural = _("计划明细")

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
        verbose_name = verbose_name_plural = _("供应商报价")
        constraints = [models.UniqueConstraint(fields=["line", "supplier"], name="uniq_quote_supplier")]

    def __str__(self) -> str:
        return f"{self.supplier} {self.unit_price}"


class PurchaseOrder(DocumentMixin):
    detail_view = "parts:po-detail"

    supplier = models.ForeignKey("parts.Supplier", on_delete=models.PROTECT, verbose_name=_("供应商"))
    kind = models.CharField(_("订单类型"), max_length=10, choices=PlanKind.choices, default=PlanKind.STOCK)
    status = models.CharField(_("状态"), max_length=10, choices=POStatus.choices, default=POStatus.DRAFT)
    plan = optional_fk(PurchasePlan, _("计划"), related_name="orders")
    ordered_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    expected_date = models.DateField(_("预计到货"), null=True, blank=True)
    approved_by = user_fk(_("复核人"), help_text=_("审批采购计划或复核订单的人；限额内的订单为下单人本人"))
    approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("采购订单")
        permissions = [("approve_purchaseorder", _("复核采购订单"))]

    @property
    def total(self):
        return sum((line.amount for line in self.lines.all()), Decimal(0))

    @property
    def awaits_review(self) -> bool:
        """Above its author's purchase limit, the order waits for the parts manager's review."""
        return self.status == POStatus.PENDING


class POLine(DocumentLine):
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单")
    )
    qty = models.DecimalField(_("订货数量"), **QTY)
    qty_received = models.DecimalField(_("已收数量"), default=0, **QTY)
    unit_price = models.DecimalField(_("单价（不含税）"), **COST)
    tax_rate = models.DecimalField(_("税率"), default=Decimal("0.13"), **RATE)

    class Meta(DocumentLine.Meta):
        verbose_name = verbose_name_plural = _("订单明细")

    @property
    def qty_open(self):
        return max(self.qty - self.qty_received, 0)

    @property
    def amount(self):
        from fours.core.money import round_money

        return round_money(self.qty * self.unit_price)


class Receipt(DocumentMixin):
    """验收入库单: booked at the counted quantity; differences go on a discrepancy note."""

    detail_view = "parts:receipt-detail"

    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("采购订单")
    )
    supplier = models.ForeignKey("parts.Supplier", on_delete=models.PROTECT, verbose_name=_("供应商"))
    delivery_note = models.CharField(_("送货单号"), max_length=40, blank=True)
    invoice_no = models.CharField(_("供应商发票号"), max_length=40, blank=True)
    freight = models.DecimalField(_("运费（不含税）"), default=0, **MONEY)
    net_amount = models.DecimalField(_("不含税金额"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("税额"), default=0, **MONEY)
    received_at = models.DateTimeField(_("入库时间"), auto_now_add=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("入库单")


class ReceiptLine(DocumentLine):
    receipt = models.ForeignKey(
        Receipt, on_delete=models.CASCADE, related_name="lines", verbose_name=_("入库单")
    )
    po_line = models.ForeignKey(POLine, on_delete=models.PROTECT, related_name="receipt_lines")
    qty_noted = models.DecimalField(_("送货单数量"), **QTY)
    qty = models.DecimalField(_("实收数量"), **QTY)
    qty_damaged = models.DecimalField(_("破损数量"), default=0, **QTY)
    unit_price = models.DecimalField(_("发票单价（不含税）"), **COST)
    unit_cost = models.DecimalField(_("入库成本（含分摊运费）"), **COST)
    amount = models.DecimalField(_("金额（不含税）"), **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = verbose_name_plural = _("入库明细")


class Discrepancy(DocumentMixin):
    """差损单: short, damaged, wrong part or over-price, claimed from supplier or carrier until closed."""

    detail_view = "parts:discrepancy-detail"

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

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("差损单")


class DiscrepancyLine(DocumentLine):
    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("差异类型"), max_length=12, choices=DiscrepancyKind.choices)
    qty = models.DecimalField(_("数量"), **QTY)
    amount = models.DecimalField(_("金额"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta(DocumentLine.Meta):
        verbose_name = verbose_name_plural = _("差损明细")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part_id} {self.qty}"
