"""Forms of the vehicle stock pages: dispatch (发车登记), arrival (到车入库), order plan, outlet, count."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fours.core.forms import BootstrapFormMixin

from .choices import CountKind, Funding


class DispatchForm(BootstrapFormMixin, forms.Form):
    vin = forms.CharField(label=_("车架号（VIN）"), max_length=17)
    configuration = forms.ModelChoiceField(label=_("配置"), queryset=None)
    colour = forms.CharField(label=_("车身颜色"), max_length=30)
    interior = forms.CharField(label=_("内饰"), max_length=30, required=False)
    engine_no = forms.CharField(label=_("发动机号"), max_length=30, required=False)
    production_date = forms.DateField(label=_("生产日期"), required=False)
    dispatched_on = forms.DateField(label=_("厂家发车日期"), required=False)
    purchase_price = forms.DecimalField(label=_("采购价（含税）"), max_digits=14, decimal_places=2)
    funding = forms.ChoiceField(label=_("资金来源"), choices=Funding.choices)
    floor_plan_bank = forms.ModelChoiceField(label=_("融资银行"), queryset=None, required=False)
    floor_plan_amount = forms.DecimalField(
        label=_("融资金额"), max_digits=14, decimal_places=2, required=False
    )
    floor_plan_due = forms.DateField(label=_("融资到期日"), required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args, configurations=None, banks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["configuration"].queryset = configurations
        self.fields["floor_plan_bank"].queryset = banks


class OutletForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("网点名称"), max_length=100)
    contact = forms.CharField(label=_("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    monthly_target = forms.IntegerField(label=_("月目标（台）"), min_value=0, initial=0)
    last_visit_on = forms.DateField(label=_("最近走访"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class CountForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CountKind.choices)
    counted_on = forms.DateField(label=_("盘点日期"), required=False)
    vins = forms.CharField(
        label=_("实盘车架号"),
        widget=forms.Textarea(attrs={"rows": 10, "col": "col-12"}),
        help_text=_("每行一个车架号，可用扫码枪录入"),
    )
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
