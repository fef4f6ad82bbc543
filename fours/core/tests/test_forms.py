"""Every form of every app gets Bootstrap's classes one way: fours.core.forms.BootstrapFormMixin."""

import importlib
import inspect

import pytest
from django import forms
from django.apps import apps

from fours.core.forms import BootstrapFormMixin, bootstrap_widgets


def _app_forms():
    for app in apps.get_app_configs():
        if not app.name.startswith("fours."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


APP_FORMS = sorted(_app_forms(), key=lambda c: f"{c.__module__}.{c.__name__}")


def test_the_apps_have_forms():
    assert {c.__module__ for c in APP_FORMS} >= {
        "fours.customers.forms",
        "fours.parts.forms",
        "fours.service.forms",
    }


@pytest.mark.parametrize("form_class", APP_FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_visible_widget_of_every_form_has_its_bootstrap_class(form_class):
    assert issubclass(form_class, BootstrapFormMixin)
    form = form_class()
    for bound in form.visible_fields():
        css = bound.field.widget.attrs.get("class", "")
        expected = {"checkbox": "form-check-input", "select": "form-select"}.get(
            getattr(bound.field.widget, "input_type", ""), "form-control"
        )
        assert expected in css.split(), (bound.name, css)
        if isinstance(bound.field, forms.DateField):
            assert 'type="date"' in str(bound), bound.name
    if form_class.field_col:
        assert all(b.field.widget.attrs["col"] == form_class.field_col for b in form.visible_fields())


def test_a_class_a_widget_already_has_is_kept_and_filters_get_small_sizes():
    class F(forms.Form):
        a = forms.CharField(widget=forms.TextInput(attrs={"class": "font-monospace"}))
        b = forms.ChoiceField(choices=[("x", "x")])
        c = forms.BooleanField()
        d = forms.DateField()

    form = F()
    bootstrap_widgets(form.fields.values(), small=True, dates=False)
    assert form.fields["a"].widget.attrs["class"] == "font-monospace"
    assert form.fields["b"].widget.attrs["class"] == "form-select form-select-sm"
    assert form.fields["c"].widget.attrs["class"] == "form-check-input"
    assert form.fields["d"].widget.attrs["class"] == "form-control form-control-sm"
    assert form.fields["d"].widget.input_type == "text"
