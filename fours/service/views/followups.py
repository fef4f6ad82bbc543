"""回访: follow-up tasks and recording a call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.views import FoursListView, perm_or_403

from .. import filters, services, tables
from ..forms import FollowUpForm
from ..models import (
    FollowUpTask,
)


class FollowUpListView(FoursListView):
    model = FollowUpTask
    table_class = tables.FollowUpTable
    filterset_class = filters.FollowUpFilter
    title = gettext_lazy("回访任务")

    def base_queryset(self):
        return FollowUpTask.objects.select_related("ro", "customer", "assignee")

    def get_filterset_kwargs(self, filterset_class):
        kw = super().get_filterset_kwargs(filterset_class)
        kw["request"] = self.request
        return kw


@login_required
def followup_record(request, pk):
    perm_or_403(request, "service.change_followuptask")
    task = get_object_or_404(
        FollowUpTask.objects.for_user(request.user).select_related("ro", "customer"), pk=pk
    )
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_record(actor=request.user, task=task, **form.cleaned_data)
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("回访已记录"))
            return redirect("service:followup-list")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("回访：%(c)s %(no)s") % {"c": task.customer.name, "no": task.ro.number},
            "cancel_url": reverse("service:followup-list"),
        },
    )
