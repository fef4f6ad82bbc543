import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fours.core.tables import DateTimeColumn, MoneyColumn, QtyColumn

from .models import (
    Discrepancy,
    Part,
    PurchaseDemand,
    PurchaseOrder,
    PurchasePlan,
    Receipt,
    ReturnOrder,
    Sale,
    StockBalance,
    StockMove,
    Stocktake,
    Supplier,
    TradeCustomer,
    Transfer,
    WriteOff,
)


class NumberColumn(tables.Column):
    def render(self, value, record):
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value or "—")


class DocumentTable(tables.Table):
    """A list of documents: the number links to the document's page."""

    number = NumberColumn(verbose_name=_("单号"))


class PartTable(tables.Table):
    display_no = tables.Column(verbose_name=_("配件编号"), linkify=True, order_by="part_no")
    name = tables.Column(verbose_name=_("配件名称"))
    unit = tables.Column(verbose_name=_("单位"))
    retail_price = MoneyColumn(verbose_name=_("零售价"))
    superseded_by = tables.Column(verbose_name=_("替换为"))

    class Meta:
        model = Part
        fields = (
            "display_no",
            "name",
            "brand",
            "brand_kind",
            "category",
            "unit",
            "retail_price",
            "wholesale_price",
            "insurance_price",
            "superseded_by",
        )


class BalanceTable(tables.Table):
    part = tables.Column(verbose_name=_("配件"), order_by="part__part_no")
    on_hand = QtyColumn()
    reserved = QtyColumn()
    available = QtyColumn(verbose_name=_("可用"), orderable=False)

    class Meta:
        model = StockBalance
        fields = ("part", "on_hand", "reserved", "available", "avg_cost", "value", "last_move_at")

    def render_part(self, record, value):
        """To the stock card for who may read the moves, else to the part's page."""
        from django.utils.html import format_html

        user = getattr(getattr(self, "request", None), "user", None)
        url = (
            record.get_absolute_url()
            if user is not None and user.has_perm("parts.view_stockmove")
            else record.part.get_absolute_url()
        )
        return format_html('<a href="{}">{}</a>', url, value)


class MoveTable(tables.Table):
    at = DateTimeColumn(format="Y-m-d H:i", verbose_name=_("时间"))
    part = tables.Column(verbose_name=_("配件"), accessor="part__part_no")
    qty = QtyColumn(verbose_name=_("数量"))
    balance_qty = QtyColumn(verbose_name=_("结存数量"))

    class Meta:
        model = StockMove
        fields = (
            "at",
            "part",
            "kind",
            "doc_number",
            "qty",
            "unit_cost",
            "value",
            "balance_qty",
            "balance_value",
        )


class SlipSettledColumn(tables.Column):
    """待付款 / 已付款 / 挂账 of a slip, read from its open item in finance (annotated by the list)."""

    def __init__(self, **kw):
        kw.setdefault("verbose_name", _("付款"))
        kw.setdefault("accessor", "item_status")
        kw.setdefault("empty_values", ())
        super().__init__(**kw)

    def render(self, value, record):
        from .selectors import payment_label

        return payment_label(record)

    def value(self, value, record):
        return self.render(value, record)


class SaleTable(DocumentTable):
    payment = SlipSettledColumn()
    posted_at = DateTimeColumn(format="Y-m-d H:i", verbose_name=_("出库时间"))

    class Meta:
        model = Sale
        fields = (
            "number",
            "channel",
            "status",
            "payment",
            "customer_name",
            "terms",
            "total",
            "posted_at",
            "delivery_status",
        )


class IssueQueueTable(DocumentTable):
    """待出库: paid (or on account) slips waiting for the storekeeper."""

    payment = SlipSettledColumn(orderable=False)
    created_at = DateTimeColumn(format="Y-m-d H:i", verbose_name=_("开单时间"))
    created_by = tables.Column(verbose_name=_("开单人"))

    class Meta:
        model = Sale
        fields = ("number", "channel", "customer_name", "total", "payment", "created_at", "created_by")


class TradeCustomerTable(tables.Table):
    name = tables.Column(verbose_name=_("客户名称"))
    credit_limit = MoneyColumn(verbose_name=_("信用额度"))
    payment_days = tables.Column(verbose_name=_("账期（天）"))
    balance = MoneyColumn(verbose_name=_("欠款余额"))

    class Meta:
        model = TradeCustomer
        fields = ("name", "contact", "phone", "credit_limit", "payment_days", "balance")

    def __init__(self, *args, can_edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_edit = can_edit

    def render_name(self, record, value):
        """The name opens the edit form, for a role that may edit."""
        if not self.can_edit:
            return value
        return format_html(
            '<a href="{}">{}</a>', reverse("parts:tradecustomer-edit", args=[record.pk]), value
        )

    def render_credit_limit(self, value):
        from fours.core.templatetags.fours import yuan

        return yuan(value) if value else _("无（先款后货）")

    def render_balance(self, value, record):
        """The balance links to the party's account in finance (对账单) for who may see it."""
        from django.utils.html import format_html

        from fours.core.templatetags.fours import yuan

        from .views._common import finance_url

        request = getattr(self, "request", None)
        url = None
        if record.party_pk and request is not None and request.user.has_perm("finance.view_party"):
            url = finance_url("party-detail", record.party_pk)
        return format_html('<a href="{}">{}</a>', url, yuan(value)) if url else yuan(value)


class PlanTable(DocumentTable):
    class Meta:
        model = PurchasePlan
        fields = ("number", "kind", "status", "created_at", "created_by", "approved_by")


class POTable(DocumentTable):
    class Meta:
        model = PurchaseOrder
        fields = ("number", "supplier", "kind", "status", "ordered_at", "expected_date")


class ReceiptTable(DocumentTable):
    order = tables.Column(verbose_name=_("采购订单"), accessor="order__number")

    class Meta:
        model = Receipt
        fields = (
            "number",
            "order",
            "supplier",
            "delivery_note",
            "net_amount",
            "tax_amount",
            "freight",
            "received_at",
        )


class DiscrepancyTable(DocumentTable):
    receipt = tables.Column(verbose_name=_("入库单"), accessor="receipt__number")

    class Meta:
        model = Discrepancy
        fields = (
            "number",
            "receipt",
            "claim_against",
            "status",
            "claim_amount",
            "settled_amount",
            "created_at",
        )


class DemandTable(tables.Table):
    part = tables.Column(verbose_name=_("配件"), accessor="part__part_no")
    qty = QtyColumn()

    class Meta:
        model = PurchaseDemand
        fields = ("created_at", "part", "qty", "emergency", "status", "doc_number", "note")


class TransferTable(DocumentTable):
    class Meta:
        model = Transfer
        fields = ("number", "store", "to_store", "status", "shipped_at", "received_at")


class ReturnTable(DocumentTable):
    class Meta:
        model = ReturnOrder
        fields = ("number", "kind", "status", "partner_name", "reason", "created_at", "resolution")


class StocktakeTable(DocumentTable):
    approved_by = tables.Column(verbose_name=_("审批人"))

    class Meta:
        model = Stocktake
        fields = ("number", "scope", "scope_value", "status", "frozen_at", "approved_by")


class WriteOffTable(DocumentTable):
    class Meta:
        model = WriteOff
        fields = ("number", "reason", "status", "total_cost", "created_at", "posted_at")


class SupplierTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Supplier
        fields = ("name", "uscc", "contact", "phone", "is_oem", "lead_time_days", "payment_days")
