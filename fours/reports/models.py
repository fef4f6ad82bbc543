"""Targets (目标) and summaries (日汇总) as generic rows: store, period, department, person, metric, value.

Sales, service, parts and customer care keep theirs in the same two tables: a target is what the
manager sets for a month; a summary is what the posting services add up day by day in the same
transaction as the document, so dashboards and KPI pages read a month as at most 31 rows per figure
instead of scanning the documents. ``manage.py rebuild_summaries`` recomputes them from the documents."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.choices import DepartmentKind
from fours.core.fields import StoreRecord, user_fk

from .choices import Metric

VALUE = {"max_digits": 16, "decimal_places": 2}


class Target(StoreRecord):
    """目标: one figure for one month of a store, for the department (person empty) or one person."""

    month = models.DateField(_("月份"), help_text=_("该月1日"))
    department = models.CharField(_("部门"), max_length=12, choices=DepartmentKind.choices)
    person = user_fk(_("人员"))
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    value = models.DecimalField(_("目标值"), **VALUE)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = user_fk(_("设定人"))

    class Meta:
        verbose_name = verbose_name_plural = _("目标")
        ordering = ["-month", "department", "metric", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "month", "department", "metric", "person"],
                condition=Q(person__isnull=False),
                name="reports_target_person_unique",
            ),
            models.UniqueConstraint(
                fields=["store", "month", "department", "metric"],
                condition=Q(person__isnull=True),
                name="reports_target_dept_unique",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="reports_target_nonneg"),
        ]
        permissions = [("set_target", _("设定目标"))]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_metric_display()} {self.value}"


class DailySummary(StoreRecord):
    """日汇总: what the posting services added for one day, department, person (or none), metric and an
    optional dimension (``model:12`` for a vehicle model, ``source:walk_in`` …). ``value`` is a count or an
    amount in yuan (see ``Metric.money``)."""

    day = models.DateField(_("日期"))
    department = models.CharField(_("部门"), max_length=12, choices=DepartmentKind.choices)
    person = user_fk(_("人员"))
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    dimension = models.CharField(_("维度"), max_length=40, blank=True, default="")
    value = models.DecimalField(_("数值"), default=0, **VALUE)

    class Meta:
        verbose_name = verbose_name_plural = _("日汇总")
        ordering = ["-day", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "department", "metric", "dimension", "person"],
                condition=Q(person__isnull=False),
                name="reports_daily_person_unique",
            ),
            models.UniqueConstraint(
                fields=["store", "day", "department", "metric", "dimension"],
                condition=Q(person__isnull=True),
                name="reports_daily_dept_unique",
            ),
        ]
        indexes = [models.Index(fields=["store", "metric", "day"], name="reports_daily_metric_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_metric_display()} {self.value}"
