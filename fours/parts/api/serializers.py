from rest_framework import serializers

from ..models import (
    Part,
    POLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    Sale,
    SaleLine,
    StockBalance,
    StockMove,
)


class PartSerializer(serializers.ModelSerializer):
    superseded_by = serializers.CharField(
        source="superseded_by.part_no", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Part
        fields = [
            "id",
            "part_no",
            "display_no",
            "name",
            "brand",
            "brand_kind",
            "models_text",
            "unit",
            "category",
            "list_price",
            "retail_price",
            "wholesale_price",
            "insurance_price",
            "purchase_price",
            "tax_rate",
            "superseded_by",
            "is_active",
        ]


class BalanceSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    part_no = serializers.CharField(source="part.part_no", read_only=True)
    available = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "store",
            "part",
            "part_no",
            "on_hand",
            "reserved",
            "available",
            "value",
            "avg_cost",
            "last_move_at",
        ]


class MoveSerializer(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code", read_only=True)
    part_no = serializers.CharField(source="part.part_no", read_only=True)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "store",
            "part",
            "part_no",
            "kind",
            "at",
            "qty",
            "unit_cost",
            "value",
            "balance_qty",
            "balance_value",
            "avg_cost",
            "doc_number",
            "reversal_of",
            "note",
        ]


class LineInSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    qty = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    discount_pct = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    qty_requested = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)


class POLineSerializer(serializers.ModelSerializer):
    part_no = serializers.CharField(source="part.part_no", read_only=True)

    class Meta:
        model = POLine
        fields = ["id", "part", "part_no", "qty", "qty_received", "unit_price", "tax_rate"]


class PurchaseOrderSerializer(serializers.ModelSerializer):
    lines = POLineSerializer(many=True, read_only=True)
    store = serializers.CharField(source="store.code", read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "store",
            "supplier",
            "kind",
            "status",
            "ordered_at",
            "expected_date",
            "approved_by",
            "approved_at",
            "lines",
        ]


class POCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False, help_text="store id; defaults to the user's only store")
    supplier = serializers.IntegerField()
    lines = LineInSerializer(many=True)


class POReceiveLineSerializer(serializers.Serializer):
    po_line = serializers.IntegerField()
    qty = serializers.DecimalField(max_digits=12, decimal_places=3)
    qty_noted = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    qty_damaged = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    qty_wrong = serializers.DecimalField(max_digits=12, decimal_places=3, required=False)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)


class POReceiveSerializer(serializers.Serializer):
    delivery_note = serializers.CharField(required=False, allow_blank=True)
    freight = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    lines = POReceiveLineSerializer(many=True)


class ReceiptLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceiptLine
        fields = ["id", "part", "qty_noted", "qty", "qty_damaged", "unit_price", "unit_cost", "amount"]


class ReceiptSerializer(serializers.ModelSerializer):
    lines = ReceiptLineSerializer(many=True, read_only=True)
    order = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "order",
            "supplier",
            "delivery_note",
            "freight",
            "net_amount",
            "tax_amount",
            "received_at",
            "lines",
        ]


class SaleLineSerializer(serializers.ModelSerializer):
    part_no = serializers.CharField(source="part.part_no", read_only=True)

    class Meta:
        model = SaleLine
        fields = [
            "id",
            "part",
            "part_no",
            "qty_requested",
            "qty",
            "unit_price",
            "discount_pct",
            "amount",
            "unit_cost",
        ]


class SaleSerializer(serializers.ModelSerializer):
    lines = SaleLineSerializer(many=True, read_only=True)
    store = serializers.CharField(source="store.code", read_only=True)
    payment = serializers.SerializerMethodField(
        help_text="待付款/部分付款/已付款/挂账, from the finance open item"
    )

    def get_payment(self, obj) -> str:
        from ..selectors import payment_label

        return str(payment_label(obj))

    class Meta:
        model = Sale
        fields = [
            "id",
            "number",
            "store",
            "channel",
            "status",
            "customer",
            "customer_name",
            "terms",
            "payment",
            "total",
            "net_total",
            "posted_at",
            "delivery_status",
            "lines",
        ]


class SaleCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False, help_text="store id; defaults to the user's only store")
    channel = serializers.ChoiceField(choices=["counter", "wholesale"], default="counter")
    customer = serializers.IntegerField(required=False)
    customer_name = serializers.CharField(required=False, allow_blank=True)
    customer_phone = serializers.CharField(required=False, allow_blank=True)
    terms = serializers.ChoiceField(choices=["cash", "account"], default="cash")
    lines = LineInSerializer(many=True)


class SaleCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
