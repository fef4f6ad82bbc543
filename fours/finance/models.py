"""The money ledger: parties (往来单位), open items (应收/应付), payments (收付款) with their method
splits and their allocations (核销), and the closings that lock them (交款/日结, 月结), the invoice
register (发票登记), supplier payment requests (付款通知书), the per-store account mapping and the
voucher exports (凭证导出).

Rows are append-only: an open item or a payment is corrected by a reversal row, never edited. The two
running figures, ``OpenItem.allocated`` and ``Payment.allocated``, are the sums of their allocations,
kept in the same transaction under a row lock; ``check_money`` proves it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.choices import DepartmentKind
from fours.core.fields import MONEY, RATE, StoreRecord, StoreSetting, now, optional_fk, user_fk

from .choices import (
    AccountKey,
    Direction,
    HandoverStatus,
    InvoiceKind,
    InvoiceStatus,
    ItemSource,
    ItemStatus,
    Method,
    PartyKind,
    PaymentKind,
    RequestStatus,
    VoucherFormat,
)

ZERO = Decimal("0")


class Party(StoreRecord):
    """往来单位: whoever the store is owed by or owes, one row per store. ``ref`` names the record of
    another module it stands for (``customers.customer:12``, ``parts.tradecustomer:3``,
    ``parts.supplier:5``, a brand for a manufacturer); ``credit_limit`` 0 means no credit (先收款后付货)."""

    kind = models.CharField(_("类型"), max_length=10, choices=PartyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    ref = models.CharField(_("关联档案"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    tax_id = models.CharField(_("纳税人识别号"), max_length=30, blank=True)
    credit_limit = models.DecimalField(_("信用额度"), default=0, **MONEY)
    payment_days = models.PositiveIntegerField(_("账期（天）"), default=30)
    partner = models.BooleanField(
        _("合作单位"), default=False, help_text=_("合作保险公司/银行：每月联系不少于8次")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("建档时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("往来单位")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "kind", "ref"], condition=~Q(ref=""), name="finance_party_ref_unique"
            ),
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="finance_party_credit_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentLink(models.Model):
    """The document a money row comes from: any model of any module, by content type and id, with its
    number as the user knows it (RO-2026-000123)."""

    doc_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    doc_id = models.PositiveBigIntegerField(null=True, blank=True)
    doc = GenericForeignKey("doc_type", "doc_id")
    doc_number = models.CharField(_("单据号"), max_length=40, blank=True)

    class Meta:
        abstract = True


class OpenItem(DocumentLink, StoreRecord):
    """应收/应付: an amount a posted document makes owed, by one party. ``amount`` is negative on a
    reversal row (冲销), which points at the row it cancels, and on a credit row (贷项/红冲, a part of the
    amount taken off, e.g. for parts returned), which points at its item by ``credit_of``. Net, VAT and
    cost are carried for the vouchers (revenue, output VAT, cost of sales); ``allocated`` is the sum of
    its allocations, ``credited`` the sum of its credit rows (positive); what it still owes is
    ``amount - credited - allocated``."""

    direction = models.CharField(_("方向"), max_length=2, choices=Direction.choices)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="items", verbose_name=_("往来单位")
    )
    source = models.CharField(_("来源"), max_length=14, choices=ItemSource.choices)
    department = models.CharField(_("部门"), max_length=12, choices=DepartmentKind.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    net_amount = models.DecimalField(_("不含税金额"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("税额"), default=0, **MONEY)
    cost_amount = models.DecimalField(_("成本"), default=0, **MONEY)
    allocated = models.DecimalField(_("已核销"), default=0, **MONEY)
    credited = models.DecimalField(_("已红冲"), default=0, **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    posted_on = models.DateField(_("记账日期"), db_index=True)
    due_date = models.DateField(_("到期日"))
    at = models.DateTimeField(_("时间"), default=now)
    reversal_of = optional_fk("self", _("冲销原单"), field=models.OneToOneField, related_name="reversed_by")
    credit_of = optional_fk("self", _("红冲原单"), related_name="credits")
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=40, blank=True)
    invoice_date = models.DateField(_("发票日期"), null=True, blank=True)
    export = optional_fk("finance.VoucherExport", _("凭证导出"), on_delete=models.SET_NULL)
    created_by = user_fk(_("制单人"))

    class Meta:
        verbose_name = verbose_name_plural = _("应收应付")
        ordering = ["-posted_on", "-id"]
        indexes = [
            models.Index(fields=["store", "direction", "status"], name="finance_item_open"),
            models.Index(fields=["party", "status"], name="finance_item_party"),
            models.Index(fields=["doc_type", "doc_id"], name="finance_item_doc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(amount__gte=0)
                    & Q(allocated__gte=0)
                    & Q(credited__gte=0)
                    & Q(allocated__lte=F("amount") - F("credited"))
                )
                | (Q(amount__lt=0) & Q(allocated=0) & Q(credited=0)),
                name="finance_item_not_overallocated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_number or self.get_source_display()} {self.amount}"

    @property
    def open_amount(self) -> Decimal:
        if self.status == ItemStatus.REVERSED or self.amount < 0:
            return ZERO
        return self.amount - self.credited - self.allocated

    @property
    def net_due(self) -> Decimal:
        """What the item comes to after its credits (贷项): the amount less what was credited."""
        if self.status == ItemStatus.REVERSED or self.amount < 0:
            return ZERO
        return self.amount - self.credited

    @property
    def age_days(self) -> int:
        return (timezone.localdate() - self.posted_on).days


def item_open_expr(prefix: str = ""):
    """What an open item still owes, as a query expression (``prefix``: the path to the item, e.g.
    ``"item__"``): its amount less its credits less its allocations, like ``OpenItem.open_amount`` for a
    live item (callers filter out reversed and negative rows)."""
    return F(f"{prefix}amount") - F(f"{prefix}credited") - F(f"{prefix}allocated")


class Payment(StoreRecord):
    """收款/付款 (``direction`` ar: money in from a debtor, ap: money out to a creditor). ``amount`` is
    what settles the party's items: positive for a receipt or a payment, negative for a refund (退款)
    or a reversal (冲销). What is not allocated is the party's advance (预收/预付)."""

    store = models.ForeignKey(
        "core.Store", on_delete=models.PROTECT, verbose_name=_("门店"), related_name="finance_payments"
    )
    number = models.CharField(_("单号"), max_length=30, db_index=True)
    direction = models.CharField(_("方向"), max_length=2, choices=Direction.choices)
    kind = models.CharField(
        _("类型"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.RECEIPT
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="payments", verbose_name=_("往来单位")
    )
    amount = models.DecimalField(_("金额"), **MONEY)
    allocated = models.DecimalField(_("已核销"), default=0, **MONEY)
    business_date = models.DateField(_("营业日"), db_index=True)
    at = models.DateTimeField(_("时间"), default=now, db_index=True)
    cashier = user_fk(_("经办人"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    reversal_of = optional_fk("self", _("冲销原单"), field=models.OneToOneField, related_name="reversed_by")
    request = optional_fk("finance.PaymentRequest", _("付款通知书"), related_name="payments")
    export = optional_fk("finance.VoucherExport", _("凭证导出"), on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = _("收付款")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "business_date"], name="finance_pay_day")]
        permissions = [("refund_payment", _("退款")), ("reverse_payment", _("冲销收付款"))]

    def __str__(self) -> str:
        return self.number

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated


class PaymentLine(models.Model):
    """One method of a payment (a customer pays ¥500 by WeChat and the rest in cash): the day report and
    the hand-over add these up by method. Signed like the payment."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="lines")
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    reference = models.CharField(_("交易参考号"), max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("收付款方式")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


class Allocation(StoreRecord):
    """核销: part of a payment applied to an open item. A reversal writes a negative allocation."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    item = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("核销金额"), **MONEY)
    at = models.DateTimeField(_("时间"), default=now)
    actor = user_fk(_("经办人"))
    export = optional_fk("finance.VoucherExport", _("凭证导出"), on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = _("核销")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.payment} → {self.item_id}: {self.amount}"


class Handover(StoreRecord):
    """交款单: a cashier's day: the cash the payments say (expected) against the cash counted; a
    difference needs a reason; finance confirms. Once handed over, the cashier's day takes no payment."""

    number = models.CharField(_("交款单号"), max_length=30)
    business_date = models.DateField(_("营业日"))
    cashier = user_fk(_("收银员"))
    expected_cash = models.DecimalField(_("应交现金"), **MONEY)
    counted_cash = models.DecimalField(_("实点现金"), **MONEY)
    difference = models.DecimalField(_("差额"), **MONEY)
    reason = models.CharField(_("差异原因"), max_length=200, blank=True)
    totals = models.JSONField(_("分方式合计"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.SUBMITTED
    )
    at = models.DateTimeField(_("交款时间"), default=now)
    confirmed_by = user_fk(_("确认人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("交款单")
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "business_date", "cashier"], name="finance_handover_once"
            )
        ]

    def __str__(self) -> str:
        return self.number


class DayClose(StoreRecord):
    """日结: finance closes a store's business day once its hand-overs are confirmed."""

    business_date = models.DateField(_("营业日"))
    closed_by = user_fk(_("日结人"))
    at = models.DateTimeField(_("日结时间"), default=now)
    totals = models.JSONField(_("分方式合计"), default=dict)

    class Meta:
        verbose_name = verbose_name_plural = _("日结")
        ordering = ["-business_date"]
        constraints = [
            models.UniqueConstraint(fields=["store", "business_date"], name="finance_dayclose_once")
        ]
        permissions = [("confirm_dayclose", _("确认日结"))]

    def __str__(self) -> str:
        return f"{self.store} {self.business_date}"


class PeriodClose(StoreRecord):
    """月结: a closed month takes no posting; a correction posts into the open month by reversal."""

    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    closed_by = user_fk(_("月结人"))
    at = models.DateTimeField(_("月结时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("月结")
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["store", "year", "month"], name="finance_period_once")]
        permissions = [("close_period", _("月结"))]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class Invoice(DocumentLink, StoreRecord):
    """发票登记: every invoice the store issues, numbered gaplessly per store × kind × year; the tax
    system's own number and date when entered or imported; a red-letter invoice (红字) points at the one it
    credits; a void invoice is kept."""

    kind = models.CharField(_("发票类型"), max_length=14, choices=InvoiceKind.choices)
    number = models.CharField(_("登记号"), max_length=30)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("购方")
    )
    department = models.CharField(_("部门"), max_length=12, choices=DepartmentKind.choices)
    amount = models.DecimalField(_("价税合计"), **MONEY)
    net_amount = models.DecimalField(_("金额"), **MONEY)
    tax_amount = models.DecimalField(_("税额"), **MONEY)
    tax_rate = models.DecimalField(_("税率"), default=Decimal("0.13"), **RATE)
    tax_number = models.CharField(_("税控发票号码"), max_length=40, blank=True)
    tax_date = models.DateField(_("开票日期（税控）"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    red_of = optional_fk("self", _("红冲原票"), related_name="red_invoices")
    reason = models.CharField(_("红冲/作废原因"), max_length=200, blank=True)
    issued_by = user_fk(_("开票人"))
    at = models.DateTimeField(_("登记时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("发票")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "number"], name="finance_invoice_number")
        ]

    def __str__(self) -> str:
        return self.number


class PaymentRequest(StoreRecord):
    """付款通知书: a request to pay a supplier, approved within the approver's limit before money goes out."""

    number = models.CharField(_("单号"), max_length=30)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="requests", verbose_name=_("收款单位")
    )
    amount = models.DecimalField(_("申请金额"), **MONEY)
    paid = models.DecimalField(_("已付金额"), default=0, **MONEY)
    items = models.ManyToManyField(
        OpenItem,
        through="PaymentRequestLine",
        related_name="requests",
        blank=True,
        verbose_name=_("应付明细"),
    )
    reason = models.CharField(_("付款事由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = user_fk(_("申请人"))
    at = models.DateTimeField(_("申请时间"), default=now)
    approved_by = user_fk(_("审批人"))
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("付款通知书")
        ordering = ["-at", "-id"]
        permissions = [("approve_paymentrequest", _("审批付款通知书"))]

    def __str__(self) -> str:
        return self.number


class PaymentRequestLine(models.Model):
    """One payable a request asks to pay, with the amount asked (and approved) for it."""

    paymentrequest = models.ForeignKey(PaymentRequest, on_delete=models.CASCADE, related_name="lines")
    openitem = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="request_lines")
    amount = models.DecimalField(_("申请金额"), **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = _("付款通知书明细")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["paymentrequest", "openitem"], name="finance_request_item_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_request_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paymentrequest} {self.amount}"


class AccountMapping(StoreSetting):
    """科目对照: the store's account code and name for each kind of voucher line."""

    key = models.CharField(_("用途"), max_length=20, choices=AccountKey.choices)
    code = models.CharField(_("科目代码"), max_length=30)
    name = models.CharField(_("科目名称"), max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科目对照")
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["store", "key"], name="finance_account_key")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class VoucherExport(StoreRecord):
    """凭证导出: one export of a day's or a month's postings, in a Kingdee or Yonyou layout. Every posting
    exported is marked with it; exporting the same days again exports nothing twice unless ``again``."""

    format = models.CharField(_("格式"), max_length=8, choices=VoucherFormat.choices)
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    again = models.BooleanField(_("重新导出"), default=False)
    vouchers = models.PositiveIntegerField(_("凭证数"), default=0)
    lines = models.PositiveIntegerField(_("分录数"), default=0)
    debit = models.DecimalField(_("借方合计"), default=0, **MONEY)
    credit = models.DecimalField(_("贷方合计"), default=0, **MONEY)
    created_by = user_fk(_("导出人"))
    at = models.DateTimeField(_("导出时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("凭证导出")
        ordering = ["-at", "-id"]
        permissions = [("export_voucher", _("导出凭证"))]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.date_from}–{self.date_to}"
