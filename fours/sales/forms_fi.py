"""Forms of the F&I pages; the services check and refuse, the forms only collect."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.forms import bootstrap_widgets
from fours.finance.choices import PartyKind

from .choices import CoverKind, LoanDoc, ProductKind

PARTNER_KIND_CHOICES = [
    (PartyKind.BANK, PartyKind.BANK.label),
    (PartyKind.FINANCE_CO, PartyKind.FINANCE_CO.label),
    (PartyKind.GUARANTOR, PartyKind.GUARANTOR.label),
    (PartyKind.INSURER, PartyKind.INSURER.label),
]


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.fields.values())


class PartnerForm(_Form):
    kind = forms.ChoiceField(label=_("机构类型"), choices=PARTNER_KIND_CHOICES)
    name = forms.CharField(label=_("机构名称"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    payment_days = forms.IntegerField(label=_("账期（天）"), initial=30, min_value=0, max_value=365)


class ProductForm(_Form):
    partner = forms.ModelChoiceField(label=_("合作机构"), queryset=None)
    kind = forms.ChoiceField(label=_("业务类型"), choices=ProductKind.choices)
    name = forms.CharField(label=_("产品名称"), max_length=100)
    term_months = forms.IntegerField(label=_("期限（月）"), required=False, min_value=1, max_value=120)
    rate_pct = forms.DecimalField(label=_("年利率（%）"), required=False, max_digits=5, decimal_places=2)
    commission_pct = forms.DecimalField(label=_("佣金比例（%）"), initial=0, max_digits=5, decimal_places=2)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["partner"].label_from_instance = lambda p: f"{p.name}（{p.get_kind_display()}）"


class LoanForm(_Form):
    order = forms.ModelChoiceField(label=_("车辆订单"), queryset=None)
    product = forms.ModelChoiceField(label=_("贷款产品"), queryset=None)
    amount = forms.DecimalField(label=_("申请金额"), max_digits=14, decimal_places=2)
    term_months = forms.IntegerField(label=_("期限（月）"), required=False, min_value=1, max_value=120)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args, orders=None, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders
        self.fields["order"].label_from_instance = lambda o: (
            f"{o.number} {o.customer.name} {o.configuration.model} ¥{o.total:,.2f}"
        )
        self.fields["product"].queryset = products
        self.fields["product"].label_from_instance = lambda p: f"{p.partner.name} {p.name}"


class DocumentForm(_Form):
    kind = forms.ChoiceField(label=_("资料"), choices=LoanDoc.choices)
    file = forms.FileField(label=_("扫描件/照片"))
    checked = forms.BooleanField(label=_("已与原件核对"), required=False, initial=True)


class ApproveForm(_Form):
    approved_amount = forms.DecimalField(label=_("批复金额"), max_digits=14, decimal_places=2, required=False)
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class ReasonForm(_Form):
    reason = forms.CharField(label=_("原因"), max_length=300)


class PolicyForm(_Form):
    order = forms.ModelChoiceField(label=_("车辆订单"), queryset=None)
    product = forms.ModelChoiceField(label=_("保险产品"), queryset=None)
    policy_no = forms.CharField(label=_("保单号"), max_length=40)
    covers = forms.MultipleChoiceField(
        label=_("险种"), choices=CoverKind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    damage_amount = forms.DecimalField(label=_("车损险保额"), required=False, max_digits=14, decimal_places=2)
    third_party_amount = forms.DecimalField(
        label=_("第三者责任险保额"), required=False, max_digits=14, decimal_places=2
    )
    premium = forms.DecimalField(label=_("保费合计"), max_digits=14, decimal_places=2)
    starts_on = forms.DateField(label=_("起保日期"), initial=timezone.localdate)
    expires_on = forms.DateField(label=_("到期日期"), required=False, help_text=_("不填则为起保后一年"))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, orders=None, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders
        self.fields["order"].label_from_instance = lambda o: (
            f"{o.number} {o.customer.name} {o.configuration.model}"
        )
        self.fields["product"].queryset = products
        self.fields["product"].label_from_instance = lambda p: f"{p.partner.name} {p.name}"

    def cover_rows(self) -> list[dict]:
        amounts = {
            CoverKind.DAMAGE: self.cleaned_data.get("damage_amount"),
            CoverKind.THIRD_PARTY: self.cleaned_data.get("third_party_amount"),
        }
        return [{"kind": k, "amount": amounts.get(k) or ""} for k in self.cleaned_data.get("covers") or []]
