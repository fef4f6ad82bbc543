"""满意度: the answered questionnaires, the scores per advisor, consultant and technician with the monthly
trend, and the import of the manufacturer's results (Excel) matched to documents, all rows or none."""

from __future__ import annotations

import datetime as dt
import json

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import display_name
from fours.core.errors import field_error
from fours.core.registry import NavItem
from fours.core.tables import DateColumn
from fours.core.views import FoursListView, perm_or_403, work_store

from .. import selectors as sel
from .. import services
from ..choices import SurveyKind, SurveySource
from ..models import Survey, SurveyResponse
from .complaints import _period


class ResponseFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(label=gettext_lazy("来源"), choices=SurveySource.choices)
    survey__kind = django_filters.ChoiceFilter(label=gettext_lazy("类型"), choices=SurveyKind.choices)
    answered_on = django_filters.DateFromToRangeFilter(label=gettext_lazy("调查日期"))

    class Meta:
        model = SurveyResponse
        fields = ["source", "survey__kind", "answered_on"]


class PersonColumn(tables.Column):
    def render(self, value):
        return display_name(value)


class ResponseTable(tables.Table):
    answered_on = DateColumn(verbose_name=gettext_lazy("调查日期"), format="Y-m-d")
    advisor = PersonColumn(verbose_name=gettext_lazy("服务顾问"))
    consultant = PersonColumn(verbose_name=gettext_lazy("销售顾问"))
    technician = PersonColumn(verbose_name=gettext_lazy("技师"))

    class Meta:
        model = SurveyResponse
        fields = (
            "answered_on",
            "survey",
            "customer",
            "doc_number",
            "source",
            "score",
            "advisor",
            "consultant",
            "technician",
        )


class ResponseListView(FoursListView):
    model = SurveyResponse
    table_class = ResponseTable
    filterset_class = ResponseFilter
    title = gettext_lazy("满意度结果")
    template_name = "crm/response_list.html"

    def base_queryset(self):
        return SurveyResponse.objects.select_related(
            "survey", "customer", "advisor", "consultant", "technician"
        )


@login_required
def scores(request):
    perm_or_403(request, "crm.view_surveyresponse")
    store = work_store(request)
    start, end = _period(request)
    if "start" not in request.GET:
        start = (end.replace(day=1) - dt.timedelta(days=150)).replace(day=1)
    data = sel.scores_by_person(store, start, end)
    return render(
        request,
        "crm/scores.html",
        {
            "title": _("满意度分析"),
            "d": data,
            "start": start,
            "end": end,
            "trend_json": json.dumps(data["trend"], ensure_ascii=False),
        },
    )


COLUMNS = {"单据号": "number", "调查日期": "date"}


def read_survey_rows(upload, survey: Survey) -> list[dict]:
    """The manufacturer's file (.xlsx): 单据号, 调查日期 and one column per question (its key or its text)."""
    from openpyxl import load_workbook

    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise field_error("file", _("请上传Excel文件（.xlsx）"), code="bad_file_type")
    if upload.size > 5 * 1024 * 1024:
        raise field_error("file", _("文件不能超过5MB"), code="too_large")
    try:
        lines = list(load_workbook(upload, read_only=True, data_only=True).active.iter_rows(values_only=True))
    except Exception:
        raise field_error("file", _("无法读取该Excel文件"), code="bad_format") from None
    if not lines:
        raise field_error("file", _("文件中没有数据行"), code="no_lines")
    header = [str(h or "").strip() for h in lines[0]]
    if "单据号" not in header:
        raise field_error("file", _("缺少列：%(c)s") % {"c": "单据号"}, code="required")
    keys = {}
    for q in survey.questions:
        for label in (q.get("key"), q.get("q")):
            if label in header:
                keys[q["key"]] = header.index(label)
    if not keys:
        raise field_error("file", _("文件中没有问卷的题目列"), code="required")
    out = []
    for line, values in enumerate(lines[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        cell = dict(zip(header, values, strict=False))
        date = cell.get("调查日期")
        if isinstance(date, dt.datetime):
            date = date.date()
        elif isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date.strip())
            except ValueError:
                date = None
        out.append(
            {
                "line": line,
                "number": str(cell.get("单据号") or "").strip(),
                "date": date,
                "answers": {k: values[i] for k, i in keys.items() if i < len(values)},
            }
        )
    return out


@login_required
def survey_import(request):
    perm_or_403(request, "crm.add_surveyresponse")
    store = work_store(request)
    surveys = list(Survey.objects.filter(store=store, active=True))
    errors: list[str] = []
    if request.method == "POST":
        survey = next((s for s in surveys if str(s.pk) == request.POST.get("survey")), None)
        try:
            if survey is None:
                raise field_error("survey", _("请选择问卷"), code="required")
            if not request.FILES.get("file"):
                raise field_error("file", _("请选择文件"), code="required")
            rows = read_survey_rows(request.FILES["file"], survey)
            n = services.survey_import(actor=request.user, store=store, survey=survey, rows=rows)
        except ValidationError as e:
            errors = [m for msgs in e.message_dict.values() for m in msgs]
        else:
            messages.success(request, _("已导入 %(n)s 份调查结果") % {"n": n})
            return redirect("crm:response_list")
    return render(
        request,
        "crm/survey_import.html",
        {"title": _("导入厂家满意度调查"), "surveys": surveys, "errors": errors},
        status=400 if errors else 200,
    )


urlpatterns = [
    path("surveys/", ResponseListView.as_view(), name="response_list"),
    path("surveys/scores/", scores, name="scores"),
    path("surveys/import/", survey_import, name="survey_import"),
]

NAV = [
    NavItem(
        "crm",
        gettext_lazy("满意度结果"),
        "crm:response_list",
        "crm.view_surveyresponse",
        "bi-emoji-smile",
        40,
    ),
    NavItem(
        "crm", gettext_lazy("满意度分析"), "crm:scores", "crm.view_surveyresponse", "bi-graph-up-arrow", 41
    ),
]


def widgets(request, store):
    return []
