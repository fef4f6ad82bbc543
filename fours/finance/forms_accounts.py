"""Forms of the receivables and payables pages. Fields are read as typed; the services check them and
name the field they refuse (a form shows the refusal on that field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fours.core.forms import BootstrapFormMixin

from .choices import MONEY_METHOD_CHOICES, Direction, Method


class PartyTermsForm(BootstrapFormMixin, forms.Form):
    credit_limit = forms.CharField(
        label=_("信用额度（元）"),
        help_text=_("0 表示不赊账：先款后货"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    payment_days = forms.CharField(
        label=_("账期（天）"), widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )


class StatementForm(BootstrapFormMixin, forms.Form):
    direction = forms.ChoiceField(label=_("方向"), choices=Direction.choices, required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("截止日期"), required=False)


class TaxRecordForm(BootstrapFormMixin, forms.Form):
    tax_number = forms.CharField(label=_("税控发票号码"), required=False)
    tax_date = forms.CharField(
        label=_("开票日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), required=False)


class RedForm(ReasonForm):
    amount = forms.CharField(
        label=_("红冲金额（元，空为全额）"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


PAY_METHODS = [(m, label) for m, label in MONEY_METHOD_CHOICES if m != Method.CASH] + [
    (Method.CASH, Method.CASH.label)
]
