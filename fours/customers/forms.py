from django import forms
from django.utils.translation import gettext_lazy as _

from fours.core.forms import BootstrapFormMixin

from .models import CUSTOMER_FIELDS, VEHICLE_FIELDS, Configuration, Customer, Vehicle, VehicleModel
from .selectors import can_see_sensitive, mask_id, mask_mobile
from .widgets import ArchivePicker


class CustomerForm(BootstrapFormMixin, forms.ModelForm):
    other_phones = forms.CharField(
        label=_("其他电话"), required=False, help_text=_("多个号码用逗号分隔"), max_length=200
    )
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("多个标签用逗号分隔"), max_length=200)

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2, "col": "col-12"}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "address": forms.TextInput(attrs={"col": "col-12"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.initial.get("tags"), list):
            self.initial["tags"] = ", ".join(self.initial["tags"])
        # a user who may not see the full numbers edits them masked; a masked value sent back
        # unchanged keeps the number on record
        self.unmask: dict[str, str] = {}
        masked = self.instance.pk and not can_see_sensitive(user)
        if self.instance.pk:
            others = [p.number for p in self.instance.phones.all() if not p.is_primary]
            if masked:
                self.unmask = {mask_mobile(n): n for n in others}
                others = list(self.unmask)
                for f, mask in (("mobile", mask_mobile), ("id_number", mask_id)):
                    real = getattr(self.instance, f) or ""
                    self.initial[f] = mask(real)
                    self.unmask[self.initial[f]] = real
            self.initial["other_phones"] = ", ".join(others)
        for f in ("name", "mobile", "id_number"):
            self.fields[f].validators = []  # the service validates, with the duplicate check

    def _real(self, value: str) -> str:
        value = (value or "").strip()
        return self.unmask.get(value, value) if "*" in value else value

    def clean_mobile(self):
        return self._real(self.cleaned_data.get("mobile"))

    def clean_id_number(self):
        return self._real(self.cleaned_data.get("id_number"))

    def clean_other_phones(self):
        numbers = (self.cleaned_data.get("other_phones") or "").replace("，", ",").split(",")
        return ", ".join(self._real(n) for n in numbers if n.strip())

    def _post_clean(self):  # the service validates and saves; skip the model's own checks
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["phones"] = [
            {"number": n.strip()}  # the kind follows the number (1… is a mobile and is checked as one)
            for n in (data.pop("other_phones", "") or "").replace("，", ",").split(",")
            if n.strip()
        ]
        return data


class VehicleForm(BootstrapFormMixin, forms.ModelForm):
    odometer_km = forms.IntegerField(label=_("当前里程（公里）"), required=False, min_value=0)

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS
        widgets = {
            "driver": ArchivePicker(kind="customer"),
            "vin": forms.TextInput(attrs={"autocomplete": "off", "style": "text-transform:uppercase"}),
            "notes": forms.Textarea(attrs={"rows": 2, "col": "col-12"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["configuration"].queryset = Configuration.objects.select_related("model__series__brand")
        self.fields["model"].queryset = VehicleModel.objects.select_related("series__brand")
        self.fields["vin"].validators = []
        self.fields["driver"].queryset = Customer.objects.filter(merged_into__isnull=True)
        self.fields["driver"].help_text = _("实际用车人，与车主不同时填写")
        if self.instance.pk:
            del self.fields["odometer_km"]

    def _post_clean(self):
        pass


class OdometerForm(BootstrapFormMixin, forms.Form):
    value_km = forms.IntegerField(label=_("里程（公里）"), min_value=0)
    read_on = forms.DateField(label=_("读数日期"), required=False)
    correction = forms.BooleanField(label=_("更正（仪表更换）"), required=False)
    reason = forms.CharField(label=_("更正原因"), required=False, max_length=200)


class TransferForm(BootstrapFormMixin, forms.Form):
    new_owner = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("过户日期"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class MergeForm(BootstrapFormMixin, forms.Form):
    merged = forms.IntegerField(label=_("被合并客户编号（ID）"), min_value=1)
    reason = forms.CharField(label=_("原因"), max_length=200)


class AssignForm(BootstrapFormMixin, forms.Form):
    field = forms.ChoiceField(
        label=_("归属类型"),
        choices=[
            ("sales_consultant", _("销售顾问")),
            ("service_advisor", _("服务顾问")),
            ("care_specialist", _("客服专员")),
        ],
    )
    from_user = forms.ModelChoiceField(label=_("原负责人"), queryset=None, required=False)
    to_user = forms.ModelChoiceField(label=_("新负责人"), queryset=None)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = users
        self.fields["to_user"].queryset = users


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=[])
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def __init__(self, *args, **kwargs):
        from .models import ImportKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ImportKind.choices

    def clean_file(self):
        import zipfile

        f = self.cleaned_data["file"]
        head = f.read(4)
        f.seek(0)
        if (
            not f.name.lower().endswith((".xlsx", ".xlsm"))
            or head != b"PK\x03\x04"
            or not zipfile.is_zipfile(f)
        ):
            raise forms.ValidationError(_("文件不是Excel文件（.xlsx），请使用下载的模板"))
        f.seek(0)
        return f
