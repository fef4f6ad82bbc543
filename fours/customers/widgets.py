"""The archive picker: a form widget other apps use to choose a vehicle or a customer.

    from fours.customers.widgets import ArchivePicker
    vehicle = forms.ModelChoiceField(queryset=Vehicle.objects.all(), widget=ArchivePicker(kind="vehicle"))

It renders a hidden input holding the id and a search box that asks the picker endpoint
(``customers:pick``, the same search as the top bar) as the user types. Templates without a
Django form can include ``customers/_picker.html`` with ``name``, ``kind``, ``value``, ``label``.
Picking fires a ``change`` event on the hidden input and an ``archive-pick`` event on the document.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse


def picked_label(kind: str, value) -> str:
    """The text shown in the box for an already chosen id."""
    from .models import Customer, Vehicle

    if value in (None, ""):
        return ""
    pk = getattr(value, "pk", value)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return ""
    if kind == "customer":
        c = Customer.objects.filter(pk=pk).only("name").first()
        return c.name if c else ""
    v = Vehicle.objects.filter(pk=pk).select_related("owner").only("plate", "vin", "owner__name").first()
    return f"{v.plate or v.vin} · {v.owner.name}" if v else ""


class ArchivePicker(forms.Widget):
    template_name = "customers/widgets/picker.html"

    def __init__(self, kind: str = "vehicle", attrs=None):
        if kind not in ("vehicle", "customer"):
            raise ValueError("kind must be 'vehicle' or 'customer'")
        self.kind = kind
        super().__init__(attrs)

    def format_value(self, value):
        if value in (None, ""):
            return ""
        return str(getattr(value, "pk", value))

    def get_context(self, name, value, attrs):
        ctx = super().get_context(name, value, attrs)
        ctx["widget"].update(
            kind=self.kind,
            label=picked_label(self.kind, value),
            url=reverse("customers:pick"),
        )
        return ctx
