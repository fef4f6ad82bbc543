from django import forms
from django.utils.translation import gettext_lazy as _

from fours.core.forms import BootstrapFormMixin

from .choices import ApptChannel, CallResult, Satisfaction


class AppointmentForm(BootstrapFormMixin, forms.Form):
    field_col = "col-md-4"

    vehicle = forms.IntegerField(label=_("车辆"), widget=forms.HiddenInput)
    advisor = forms.ChoiceField(label=_("服务顾问"))
    date = forms.DateField(label=_("预约日期"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.TimeField(label=_("预约时段"), widget=forms.TimeInput(attrs={"type": "time", "step": 1800}))
    package = forms.ChoiceField(label=_("保养套餐"), required=False)
    jobs = forms.CharField(label=_("预约项目"), required=False, max_length=300)
    channel = forms.ChoiceField(label=_("预约渠道"), choices=ApptChannel.choices)
    note = forms.CharField(label=_("备注"), required=False, max_length=300)

    def __init__(self, *args, advisors=(), packages=(), **kw):
        super().__init__(*args, **kw)
        self.fields["advisor"].choices = [(u.pk, u.get_full_name() or u.username) for u in advisors]
        self.fields["package"].choices = [("", "—")] + [(p.pk, str(p)) for p in packages]


class FollowUpForm(BootstrapFormMixin, forms.Form):
    field_col = "col-md-4"

    result = forms.ChoiceField(label=_("回访结果"), choices=CallResult.choices)
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=[("", "—")] + list(Satisfaction.choices), required=False
    )
    note = forms.CharField(label=_("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
