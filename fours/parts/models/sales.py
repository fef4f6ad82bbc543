from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import StoreRecord, optional_fk, user_fk

from ..choices import (
    Channel,
    DeliveryStatus,
    ReturnCondition,
    ReturnKind,
    ReturnStatus,
    SaleStatus,
    SaleTerms,
    TransferStatus,
)
from ._base import COST, MONEY, QTY, RATE, DocumentLine, DocumentMixin, TwoStoreManager


class TradeCustomer(StoreRecord):
    """批发客户: another garage buying parts, for cash or on account (挂账). Its credit limit and payment
    days live on its finance party (``fours.finance.models.Party``, ref ``parts.tradecustomer:<id>``):
    no credit unless finance sets a limit (先收款后付货)."""

    name = models.CharField(_("客户名称"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("批发客户")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sale(DocumentMixin):
    """零售单 / 批发单: the slip (开单) that posts the buyer's open item in finance and reserves the parts;
    the storekeeper issues (出库) once finance shows it paid, or at once when it is on account (挂账)."""

    detail_view = "parts:sale-detail"

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.COUNTER)
    status = models.CharField(_("状态"), max_length=10, choices=SaleStatus.choices, default=SaleStatus.DRAFT)
    customer = optional_fk(TradeCustomer, _("批发客户"), related_name=None)
    buyer = optional_fk("customers.Customer", _("档案客户"))
    customer_name = models.CharField(_("客户"), max_length=100, blank=True)
    customer_phone = models.CharField(_("电话"), max_length=30, blank=True)
    terms = models.CharField(_("结算方式"), max_length=10, choices=SaleTerms.choices, default=SaleTerms.CASH)
    total = models.DecimalField(_("金额（含税）"), default=0, **MONEY)
    net_total = models.DecimalField(_("不含税金额"), default=0, **MONEY)
    cost_total = models.DecimalField(_("成本"), default=0, **MONEY)
    posted_at = models.DateTimeField(_("出库时间"), null=True, blank=True, db_index=True)
    issued_by = user_fk(_("出库人"))
    delivery_status = models.CharField(
        _("配送"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE
    )
    delivery_address = models.CharField(_("配送地址"), max_length=200, blank=True)
    signed_by = models.CharField(_("签收人"), max_length=30, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signature = models.TextField(_("签名"), blank=True, help_text=_("签名图片（data URL）"))

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("配件销售单")
        permissions = [("issue_sale", _("销售出库"))]
        indexes = [models.Index(fields=["store", "channel", "posted_at"], name="sale_store_channel_idx")]


class SaleLine(DocumentLine):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines", verbose_name=_("销售单"))
    qty_requested = models.DecimalField(_("需求数量"), **QTY)
    qty = models.DecimalField(_("出库数量"), **QTY)
    unit_price = models.DecimalField(_("单价（含税）"), **MONEY)
    discount_pct = models.DecimalField(_("折扣（%）"), default=0, max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("金额（含税）"), default=0, **MONEY)
    tax_rate = models.DecimalField(_("税率"), **RATE)
    unit_cost = models.DecimalField(_("成本单价"), default=0, **COST)
    cost = models.DecimalField(_("成本"), default=0, **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = verbose_name_plural = _("销售明细")

    @property
    def store(self):
        return self.sale.store


class Transfer(DocumentMixin):
    """调拨单 between two stores of the group; stock is in transit between shipping and receiving."""

    detail_view = "parts:transfer-detail"

    store = models.ForeignKey(
        "core.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("调出门店")
    )
    to_store = models.ForeignKey(
        "core.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("调入门店")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.DRAFT
    )
    shipped_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    received_by = user_fk()

    objects = TwoStoreManager()

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("调拨单")


class TransferLine(DocumentLine):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    qty = models.DecimalField(_("数量"), **QTY)
    unit_cost = models.DecimalField(_("调拨成本"), default=0, **COST)


class ReturnOrder(DocumentMixin):
    """退货单: from a customer or to a supplier; kept on the returns ledger until resolved."""

    detail_view = "parts:return-detail"

    kind = models.CharField(_("类型"), max_length=10, choices=ReturnKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.OPEN
    )
    sale = optional_fk(Sale, _("原销售单"), related_name=None)
    supplier = optional_fk("parts.Supplier", _("供应商"), related_name=None)
    partner_name = models.CharField(_("退货方"), max_length=100, blank=True)
    reason = models.CharField(_("退货原因"), max_length=200)
    resolution = models.CharField(_("处理结果"), max_length=300, blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    refund_amount = models.DecimalField(_("退款/索赔金额"), default=0, **MONEY)

    class Meta(DocumentMixin.Meta):
        verbose_name = _("退货单")
        verbose_name_plural = _("退货台账")


class ReturnLine(DocumentLine):
    order = models.ForeignKey(ReturnOrder, on_delete=models.CASCADE, related_name="lines")
    qty = models.DecimalField(_("数量"), **QTY)
    condition = models.CharField(
        _("状况"), max_length=10, choices=ReturnCondition.choices, default=ReturnCondition.GOOD
    )
    unit_price = models.DecimalField(_("单价"), default=0, **MONEY)
    unit_cost = models.DecimalField(_("成本单价"), default=0, **COST)
