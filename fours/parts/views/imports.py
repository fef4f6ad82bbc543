"""Price import pages (the import runs as a background task)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fours.core.views import perm_or_403, run, work_store
from fours.core.workflows import allowed_next

from ..forms import ImportForm
from ..models import PriceImportJob
from ..services.imports import price_import_confirm, price_import_start


@login_required
def price_import(request):
    """Upload a price file: a background task checks it and summarises it on the job's page."""
    perm_or_403(request, "parts.import_prices")
    store = work_store(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        up = form.cleaned_data["file"]
        job = run(
            request,
            price_import_start,
            _("价格文件已上传，正在检查"),
            group=store.group,
            store=store,
            file_name=up.name,
            content=up.read(),
        )
        if job is not None:
            return redirect(job)
    jobs = PriceImportJob.objects.for_user(request.user).filter(group=store.group).defer("content")[:10]
    return render(request, "parts/import.html", {"title": _("导入厂家价格文件"), "form": form, "jobs": jobs})


@login_required
def price_import_job(request, pk):
    """The job's progress and summary (htmx polls it while a task runs); POST confirms the import."""
    perm_or_403(request, "parts.import_prices")
    job = get_object_or_404(PriceImportJob.objects.for_user(request.user).defer("content"), pk=pk)
    if request.method == "POST":
        run(request, price_import_confirm, _("已确认，正在导入"), job=job)
        return redirect(job)
    template = "parts/_import_job.html" if request.htmx else "parts/import_job.html"
    return render(
        request,
        template,
        {"job": job, "steps": allowed_next(job, request.user), "title": _("导入厂家价格文件")},
    )
