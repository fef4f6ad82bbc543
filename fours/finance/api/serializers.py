"""The finance API's bodies: parties with their balances, open items, payments with their method lines
and allocations, day closes, voucher exports and vouchers."""

from rest_framework import serializers

from ..choices import MONEY_METHOD_CHOICES
from ..models import Allocation, DayClose, OpenItem, Party, Payment, PaymentLine, VoucherExport

MONEY = {"max_digits": 14, "decimal_places": 2}


class PartySerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    ar_balance = serializers.DecimalField(read_only=True, help_text="应收余额（含预收抵减）", **MONEY)
    ap_balance = serializers.DecimalField(read_only=True, help_text="应付余额（含预付抵减）", **MONEY)

    class Meta:
        model = Party
        fields = [
            "id",
            "store",
            "kind",
            "name",
            "phone",
            "tax_id",
            "credit_limit",
            "payment_days",
            "active",
            "ar_balance",
            "ap_balance",
        ]


class OpenItemSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    party_name = serializers.CharField(source="party.name", read_only=True)
    open_amount = serializers.DecimalField(read_only=True, **MONEY)
    exported = serializers.SerializerMethodField()

    class Meta:
        model = OpenItem
        fields = [
            "id",
            "store",
            "direction",
            "party",
            "party_name",
            "source",
            "department",
            "doc_number",
            "amount",
            "net_amount",
            "tax_amount",
            "cost_amount",
            "allocated",
            "open_amount",
            "status",
            "posted_on",
            "due_date",
            "reversal_of",
            "memo",
            "invoice_no",
            "exported",
        ]

    def get_exported(self, obj) -> bool:
        return obj.export_id is not None


class PaymentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentLine
        fields = ["method", "amount", "reference"]


class AllocationSerializer(serializers.ModelSerializer):
    doc_number = serializers.CharField(source="item.doc_number", read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "item", "doc_number", "amount", "at"]


class PaymentSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    party_name = serializers.CharField(source="party.name", read_only=True)
    unallocated = serializers.DecimalField(read_only=True, **MONEY)
    lines = PaymentLineSerializer(many=True, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)
    exported = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "store",
            "number",
            "direction",
            "kind",
            "party",
            "party_name",
            "amount",
            "allocated",
            "unallocated",
            "business_date",
            "at",
            "cashier",
            "note",
            "reversal_of",
            "lines",
            "allocations",
            "exported",
        ]

    def get_exported(self, obj) -> bool:
        return obj.export_id is not None


class PaymentLineInSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=MONEY_METHOD_CHOICES)
    amount = serializers.CharField(max_length=20, help_text="元，最多两位小数，大于0")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class AllocationInSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, help_text="应收应付明细 id")
    amount = serializers.CharField(max_length=20, help_text="核销金额（元）")


class PaymentCreateSerializer(serializers.Serializer):
    """收款: the methods (lines) and the receivables it settles (allocations); the rest is the party's
    advance (预收). A supplier is paid through its approved payment request (付款通知书), not here."""

    store = serializers.IntegerField(required=False, min_value=1)
    party = serializers.IntegerField(min_value=1)
    lines = PaymentLineInSerializer(many=True, allow_empty=False, max_length=10)
    allocations = AllocationInSerializer(many=True, required=False, default=list, max_length=100)
    business_date = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DayCloseSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)

    class Meta:
        model = DayClose
        fields = ["id", "store", "business_date", "closed_by", "at", "totals"]


class VoucherExportSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)

    class Meta:
        model = VoucherExport
        fields = [
            "id",
            "store",
            "format",
            "date_from",
            "date_to",
            "again",
            "vouchers",
            "lines",
            "debit",
            "credit",
            "created_by",
            "at",
        ]


class VoucherLineSerializer(serializers.Serializer):
    account_key = serializers.CharField()
    account_code = serializers.CharField()
    account_name = serializers.CharField()
    debit = serializers.DecimalField(**MONEY)
    credit = serializers.DecimalField(**MONEY)
    summary = serializers.CharField()
    customer_code = serializers.CharField(allow_blank=True)
    supplier_code = serializers.CharField(allow_blank=True)
    party_name = serializers.CharField(allow_blank=True)
    method = serializers.CharField(allow_blank=True)
    reference = serializers.CharField(allow_blank=True)


class VoucherSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="凭证号（月内顺序）")
    date = serializers.DateField()
    summary = serializers.CharField()
    source = serializers.ChoiceField(
        choices=[("item", "item"), ("payment", "payment"), ("allocation", "allocation")],
        help_text="item: 应收应付; payment: 收付款; allocation: a later allocation (预收冲应收)",
    )
    source_id = serializers.IntegerField()
    doc_number = serializers.CharField(allow_blank=True)
    debit = serializers.DecimalField(**MONEY)
    credit = serializers.DecimalField(**MONEY)
    lines = VoucherLineSerializer(many=True)


class VoucherQuerySerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    pending = serializers.BooleanField(required=False, default=False, help_text="只列未导出的")
