from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.fields import user_fk
from fours.core.scoping import GroupScopedManager


class PriceImportJob(models.Model):
    """One OEM price file: checked and summarised by a background task, confirmed by a user, then
    written by a second task (all rows or none). The file waits in the row until the job ends, so
    the worker process reads it from the database; progress and the summary are written as it runs."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("待确认")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("有错误，未导入")

    group = models.ForeignKey("core.DealerGroup", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("core.Store", null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(default=b"", editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    done_rows = models.PositiveIntegerField(_("已处理"), default=0)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    actor = user_fk(blank=False, on_delete=models.SET_NULL)
    confirmed_by = user_fk(on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = GroupScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("价格导入记录")

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("parts:price-import-job", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    # what the job's page shows: the check or the write under way, the file refused, the file written
    @property
    def is_checking(self) -> bool:
        return self.status == self.Status.CHECKING

    @property
    def is_importing(self) -> bool:
        return self.status == self.Status.IMPORTING

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE
