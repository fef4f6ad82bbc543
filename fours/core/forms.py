"""Form helpers every app uses: Bootstrap classes on widgets, set once."""

from __future__ import annotations

from django import forms


def bootstrap_widgets(fields, *, small: bool = False, col: str | None = None, dates: bool = True) -> None:
    """Bootstrap classes on each field's widget (a class the widget already has is kept):
    form-check-input for check boxes, form-select for selects, form-control for the rest.
    ``small`` gives the -sm sizes (filter bars); ``col`` is the grid column of each field in
    core/_form_fields.html; ``dates`` shows date fields as the browser's date picker."""
    for field in fields:
        for w in getattr(field.widget, "widgets", [field.widget]):  # a range widget has two inputs
            kind = getattr(w, "input_type", "")
            if kind == "checkbox":
                css = "form-check-input"
            elif isinstance(w, forms.Select) or kind == "select":
                css = "form-select form-select-sm" if small else "form-select"
            else:
                css = "form-control form-control-sm" if small else "form-control"
            w.attrs.setdefault("class", css)
            if col:
                w.attrs.setdefault("col", col)
        if dates and isinstance(field, forms.DateField) and isinstance(field.widget, forms.DateInput):
            field.widget.input_type = "date"
            field.widget.format = "%Y-%m-%d"


class BootstrapFormMixin:
    """A form whose widgets carry Bootstrap's classes: ``class MyForm(BootstrapFormMixin, forms.Form)``.
    ``field_col`` sets the grid column of every field (default col-md-6 in core/_form_fields.html)."""

    field_col: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.fields.values(), col=self.field_col)
