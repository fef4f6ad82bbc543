"""Forms of the cashier desk (收银台) and the closings (交款, 日结, 月结). Amounts are read as text and
checked by the ledger's services, so a bad amount gets the same message on the page as in the API;
``service_field`` maps the service's field names (``lines.1.amount``) back to the form's."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.forms import BootstrapFormMixin, bootstrap_widgets

from .choices import MONEY_METHOD_CHOICES, Method

METHODS = list(Method.values)


def _money_input(**attrs):
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


class DeskPaymentForm(BootstrapFormMixin, forms.Form):
    """收款: per open item the amount settled now (part payment allowed), the party's advance to apply,
    one row per method with its reference, the cash tendered (for the change)."""

    business_date = forms.DateField(label=_("营业日"), required=False)
    use_advance = forms.CharField(label=_("使用预收"), required=False, widget=_money_input())
    cash_tendered = forms.CharField(label=_("实收现金"), required=False, widget=_money_input())
    keep_advance = forms.BooleanField(label=_("多收部分转预收"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["business_date"].initial = timezone.localdate()
        for item in self.items:
            self.fields[f"alloc_{item.pk}"] = forms.CharField(
                label=item.doc_number or str(item.get_source_display()),
                required=False,
                initial=f"{item.open_amount:.2f}",
                widget=_money_input(**{"class": "form-control form-control-sm text-end alloc"}),
            )
        for method, label in MONEY_METHOD_CHOICES:
            self.fields[f"amount_{method}"] = forms.CharField(
                label=label,
                required=False,
                widget=_money_input(**{"class": "form-control form-control-sm text-end method"}),
            )
            self.fields[f"ref_{method}"] = forms.CharField(
                label=_("交易参考号"), required=False, max_length=60
            )
        bootstrap_widgets(self.fields.values())
        self.fields["use_advance"].widget.attrs["class"] = "form-control text-end"
        self.fields["cash_tendered"].widget.attrs["class"] = "form-control text-end"

    def alloc_field(self, item):
        return self[f"alloc_{item.pk}"]

    def method_rows(self):
        return [(m, label, self[f"amount_{m}"], self[f"ref_{m}"]) for m, label in MONEY_METHOD_CHOICES]

    def lines(self) -> list[tuple[str, str, str]]:
        """Every method row (the ledger drops the empty ones; its index names the row)."""
        d = self.cleaned_data
        return [(m, (d.get(f"amount_{m}") or "").strip(), d.get(f"ref_{m}") or "") for m in METHODS]

    def allocations(self) -> list[tuple[int, str]]:
        """[(item id, amount)] of the items with an amount to settle now."""
        out = []
        for item in self.items:
            value = (self.cleaned_data.get(f"alloc_{item.pk}") or "").strip()
            if value in ("", "0", "0.0", "0.00"):
                continue
            out.append((item.pk, value))
        return out

    def service_field(self, name: str, allocations=()) -> str | None:
        """The form field a service's error names: lines.2.amount → amount_transfer,
        allocations.0.amount → the first allocated item's field."""
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) == 3:
            return f"amount_{METHODS[int(parts[1])]}"
        if parts[0] == "allocations" and len(parts) == 3:
            item_id = allocations[int(parts[1])][0]
            return f"alloc_{item_id}"
        return name if name in self.fields else None


class RefundForm(BootstrapFormMixin, forms.Form):
    """退款: part of a party's advance (预收) paid back, with a reason."""

    party = forms.ModelChoiceField(label=_("往来单位"), queryset=None)
    method = forms.ChoiceField(label=_("退款方式"), choices=MONEY_METHOD_CHOICES, initial=Method.CASH)
    amount = forms.CharField(label=_("退款金额"), widget=_money_input())
    reference = forms.CharField(label=_("交易参考号"), required=False, max_length=60)
    reason = forms.CharField(label=_("退款原因"), max_length=200)

    def __init__(self, *args, parties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties
        self.fields["party"].label_from_instance = lambda p: f"{p.name}（{_('预收')} ¥{p.adv:,.2f}）"


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=200)


class HandoverForm(BootstrapFormMixin, forms.Form):
    business_date = forms.DateField(label=_("营业日"), required=False, widget=forms.HiddenInput)
    counted_cash = forms.CharField(label=_("实点现金"), widget=_money_input())
    reason = forms.CharField(label=_("差异原因"), required=False, max_length=200)


class DayCloseForm(BootstrapFormMixin, forms.Form):
    business_date = forms.DateField(label=_("营业日"))


class PeriodCloseForm(BootstrapFormMixin, forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}))

    def year_month(self) -> tuple[str, str]:
        value = self.cleaned_data["month"]
        year, _sep, month = value.partition("-")
        return year, month


class PaymentFilterForm(BootstrapFormMixin, forms.Form):
    """收付款一览: one business day, a cashier, a method."""

    date = forms.DateField(label=_("营业日"), required=False)
    cashier = forms.ModelChoiceField(label=_("收银员"), queryset=None, required=False, empty_label=_("全部"))
    method = forms.ChoiceField(
        label=_("方式"), choices=[("", _("全部"))] + list(Method.choices), required=False
    )

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Payment

        ids = Payment.objects.filter(store=store).values("cashier_id").distinct()
        self.fields["cashier"].queryset = get_user_model().objects.filter(pk__in=ids).order_by("username")
        self.fields["cashier"].label_from_instance = display_name
        bootstrap_widgets(self.fields.values(), small=True)
