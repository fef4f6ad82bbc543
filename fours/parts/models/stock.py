from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.fields import StoreRecord, optional_fk, user_fk

from ..choices import Channel, DemandStatus, MoveKind
from ._base import COST, MONEY, QTY


class StockBalance(StoreRecord):
    """One row per store × part: on-hand, reserved, stock value and moving-average cost.

    Written only by the stock services (fours.parts.services), under select_for_update, in the same
    transaction as the StockMove that changes it; on_hand == Σ move.qty and value == Σ move.value.
    """

    part = models.ForeignKey(
        "parts.Part", on_delete=models.PROTECT, related_name="balances", verbose_name=_("配件")
    )
    on_hand = models.DecimalField(_("账面数量"), default=0, **QTY)
    reserved = models.DecimalField(_("预留数量"), default=0, **QTY)
    value = models.DecimalField(_("库存金额（不含税）"), default=0, **MONEY)
    avg_cost = models.DecimalField(_("移动平均成本"), default=0, **COST)
    last_move_at = models.DateTimeField(_("最近变动"), null=True, blank=True)
    last_issue_at = models.DateTimeField(_("最近出库"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("库存余额")
        constraints = [models.UniqueConstraint(fields=["store", "part"], name="uniq_stock_balance")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.part_id}: {self.on_hand}"

    def get_absolute_url(self) -> str:
        return reverse("parts:stock-card", args=[self.part_id])

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMove(StoreRecord):
    """卡片账 line. Append-only: a posted move is never edited; corrections are REVERSAL moves."""

    part = models.ForeignKey(
        "parts.Part", on_delete=models.PROTECT, related_name="moves", verbose_name=_("配件")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=MoveKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    qty = models.DecimalField(_("数量"), help_text=_("入库为正，出库为负"), **QTY)
    unit_cost = models.DecimalField(_("单位成本"), **COST)
    value = models.DecimalField(_("金额"), **MONEY)
    balance_qty = models.DecimalField(_("结存数量"), **QTY)
    balance_value = models.DecimalField(_("结存金额"), **MONEY)
    avg_cost = models.DecimalField(_("结存均价"), **COST)
    content_type = optional_fk(ContentType, _("单据类型"), related_name=None)
    object_id = models.CharField(_("单据ID"), max_length=64, blank=True)
    doc_number = models.CharField(_("单据号"), max_length=40, blank=True)
    reversal_of = optional_fk("self", _("冲销"), field=models.OneToOneField, related_name="reversed_by")
    actor = user_fk(_("经办人"), on_delete=models.SET_NULL, related_name=None)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("库存流水")
        permissions = [("reverse_stockmove", _("冲销库存流水"))]
        ordering = ["id"]
        indexes = [
            models.Index(fields=["store", "part", "id"], name="move_card_idx"),
            models.Index(fields=["store", "at"], name="move_store_at_idx"),
            models.Index(fields=["content_type", "object_id"], name="move_doc_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part_id} {self.qty}"


class StockReservation(StoreRecord):
    """Append-only reservation ledger: StockBalance.reserved == Σ qty per store × part."""

    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    qty = models.DecimalField(_("数量"), **QTY)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = user_fk(on_delete=models.SET_NULL, related_name=None)

    class Meta:
        verbose_name = verbose_name_plural = _("库存预留")
        indexes = [models.Index(fields=["content_type", "object_id", "part"], name="reservation_doc_idx")]

    def __str__(self) -> str:
        return f"{self.part_id} {self.qty}"


class PurchaseDemand(StoreRecord):
    """缺件需求 (backorder): a part wanted and not in stock; the purchase plan picks it up."""

    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    qty = models.DecimalField(_("数量"), **QTY)
    emergency = models.BooleanField(_("紧急"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=DemandStatus.choices, default=DemandStatus.OPEN
    )
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, blank=True)
    doc_number = models.CharField(_("来源单据"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = user_fk(blank=False, on_delete=models.SET_NULL)
    plan_line = optional_fk("parts.PlanLine", on_delete=models.SET_NULL, related_name="demands")

    class Meta:
        verbose_name = verbose_name_plural = _("缺件需求")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.part} × {self.qty}"


class FillRateRecord(StoreRecord):
    """满足率: one row per requested line (counter, wholesale, repair)."""

    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    qty_requested = models.DecimalField(_("需求数量"), **QTY)
    qty_served = models.DecimalField(_("首次满足数量"), **QTY)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("满足率记录")
        indexes = [models.Index(fields=["store", "at"], name="fillrate_store_at")]

    def __str__(self) -> str:
        return f"{self.channel} {self.part_id} {self.qty_served}/{self.qty_requested}"

    @property
    def served_in_full(self) -> bool:
        return self.qty_served >= self.qty_requested
