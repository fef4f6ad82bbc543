from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fours.core.forms import BootstrapFormMixin

from .choices import BrandKind, PartCategory, StocktakeKind, StocktakeScope, Unit, WriteOffReason
from .models import Part, PartSetting, Supplier


class PartForm(BootstrapFormMixin, forms.ModelForm):
    field_col = "col-md-4"

    class Meta:
        model = Part
        fields = [
            "part_no",
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
            "is_active",
        ]
        widgets = {f: forms.TextInput for f in ["part_no", "name", "brand", "models_text"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part_no"].validators = []


class PartSettingForm(BootstrapFormMixin, forms.ModelForm):
    field_col = "col-md-3"

    class Meta:
        model = PartSetting
        fields = ["min_qty", "max_qty", "safety_qty", "default_bin"]

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Bin

        self.fields["default_bin"].queryset = Bin.objects.filter(store=store) if store else Bin.objects.none()


class SupplierForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "uscc", "contact", "phone", "is_oem", "lead_time_days", "payment_days", "terms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["uscc"].validators = []


class BinForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("库位编码（库号-架号-层号-位号）"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "01-A03-2-05"}),
    )


class WarehouseForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("库号"), max_length=4)
    name = forms.CharField(label=_("仓库名称"), max_length=50)


class StocktakeForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("盘点类型"),
        choices=StocktakeKind.choices,
        initial=StocktakeKind.MONTHLY,
        help_text=_("季度全面清点盘点全部配件，须财务确认后才能调整库存"),
    )
    scope = forms.ChoiceField(label=_("盘点范围"), choices=StocktakeScope.choices)
    scope_value = forms.CharField(
        label=_("库位前缀或ABC分类"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "01-A / A"}),
    )


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("价格文件（Excel 或 CSV）"))


UNIT_CHOICES = Unit.choices
BRAND_KINDS = BrandKind.choices
CATEGORIES = PartCategory.choices
WRITE_OFF_REASONS = WriteOffReason.choices


PAYMENT_METHODS = [
    ("转账", _("转账")),
    ("现金", _("现金")),
    ("刷卡", _("刷卡")),
    ("微信", _("微信")),
    ("支付宝", _("支付宝")),
]


class CustomerPaymentForm(BootstrapFormMixin, forms.Form):
    """收款: a wholesale customer pays; applied to the oldest open receivables."""

    customer = forms.ModelChoiceField(queryset=None, label=_("批发客户"))
    amount = forms.DecimalField(
        label=_("收款金额"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    method = forms.ChoiceField(label=_("收款方式"), choices=PAYMENT_METHODS)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import TradeCustomer

        self.fields["customer"].queryset = TradeCustomer.objects.filter(store=store).order_by("name")
