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


class TradeCustomerForm(BootstrapFormMixin, forms.Form):
    """批发客户: the credit limit and payment days are finance's terms of the customer (0: no credit)."""

    name = forms.CharField(label=_("客户名称"), max_length=100)
    contact = forms.CharField(label=_("联系人"), max_length=30, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    credit_limit = forms.DecimalField(
        label=_("信用额度"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        help_text=_("0 表示不赊销，一律先收款后付货"),
    )
    payment_days = forms.IntegerField(label=_("账期（天）"), min_value=0, max_value=365, initial=30)

    def __init__(self, *args, terms: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not terms:  # finance sets the terms (往来单位); the parts desk sees them in the list
            del self.fields["credit_limit"], self.fields["payment_days"]
