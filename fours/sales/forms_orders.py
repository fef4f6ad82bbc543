"""Forms of the order pages: the quote (算价单), accessories, cancellation, registration (上牌)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fours.core.forms import BootstrapFormMixin

from .choices import PayPlan

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "required": False}


class QuoteForm(BootstrapFormMixin, forms.Form):
    customer_name = forms.CharField(label=_("客户姓名"), max_length=100, required=False)
    mobile = forms.CharField(label=_("手机号"), max_length=11, required=False)
    configuration = forms.ModelChoiceField(label=_("配置"), queryset=None)
    colour = forms.CharField(label=_("颜色"), max_length=30)
    pay_plan = forms.ChoiceField(label=_("付款方式"), choices=PayPlan.choices)
    discount = forms.DecimalField(label=_("优惠金额"), initial=0, **MONEY)
    discount_reason = forms.CharField(
        label=_("优惠原因"),
        max_length=200,
        required=False,
        help_text=_("超过您的优惠权限时必填，提交销售经理审批"),
    )
    gifts = forms.CharField(label=_("赠送内容"), max_length=300, required=False)
    gift_value = forms.DecimalField(label=_("赠送价值（成本）"), initial=0, **MONEY)
    registration_fee = forms.DecimalField(label=_("上牌服务费"), initial=0, **MONEY)
    other_fees = forms.DecimalField(label=_("其他费用"), initial=0, **MONEY)
    other_fees_note = forms.CharField(label=_("其他费用说明"), max_length=100, required=False)
    trade_in_vehicle = forms.CharField(label=_("置换车辆"), max_length=100, required=False)
    trade_in_value = forms.DecimalField(label=_("置换作价"), initial=0, **MONEY)
    deposit = forms.DecimalField(label=_("定金"), initial=5000, **MONEY)
    expected_delivery = forms.DateField(
        label=_("预计交车日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args, configurations=None, with_customer=True, with_configuration=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_configuration:
            self.fields["configuration"].queryset = configurations
            self.fields["configuration"].label_from_instance = lambda c: f"{c}（{c.msrp:,.2f}）"
        else:
            del self.fields["configuration"]
        if not with_customer:
            del self.fields["customer_name"]
            del self.fields["mobile"]

    def data_for_service(self) -> dict:
        d = dict(self.cleaned_data)
        for k in ("customer_name", "mobile", "configuration"):
            d.pop(k, None)
        return {k: ("" if v is None and k != "expected_delivery" else v) for k, v in d.items()}


class AccessoryForm(BootstrapFormMixin, forms.Form):
    part = forms.ModelChoiceField(label=_("精品"), queryset=None)
    qty = forms.DecimalField(label=_("数量"), initial=1, max_digits=12, decimal_places=3, min_value=0)
    is_gift = forms.BooleanField(label=_("赠送"), required=False)

    def __init__(self, *args, parts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = parts
        self.fields["part"].label_from_instance = lambda p: f"{p.name} {p.part_no}（{p.retail_price:,.2f}）"


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("退订原因"), max_length=300)
    refund = forms.DecimalField(
        label=_("退还金额"), required=False, max_digits=14, decimal_places=2, min_value=0
    )


class RegistrationForm(BootstrapFormMixin, forms.Form):
    plate = forms.CharField(
        label=_("车牌号"), max_length=12, help_text=_("如 粤A12345；新能源车如 粤AD12345")
    )
    registration_date = forms.DateField(
        label=_("上牌日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写上牌日期"), "invalid": _("上牌日期格式不正确")},
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plate"].error_messages["required"] = _("请填写车牌号")
