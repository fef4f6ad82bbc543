"""Helpers the parts pages share: line-entry parsing, document pages, list views."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fours.core.audit import timeline_for
from fours.core.views import FoursListView, run

from .. import selectors, services
from ..services.catalog import normalize_part_no


def parse_lines(request, group, *fields) -> list[dict]:
    """Rows of a line-entry form: part_no[] plus the named fields[]; blank rows skipped."""
    nos = request.POST.getlist("part_no")
    cols = {f: request.POST.getlist(f) for f in fields}
    wanted = [normalize_part_no(n) for n in nos]
    parts = selectors.parts_by_number(group, wanted)
    out = []
    for i, no in enumerate(wanted):
        if not no:
            continue
        part = parts.get(no)
        if part is None:
            raise ValidationError(
                {"lines": _("第%(n)s行：配件编号 %(no)s 不存在") % {"n": i + 1, "no": nos[i]}}
            )
        row = {"part": part}
        for f in fields:
            vals = cols[f]
            row[f] = vals[i].strip() if i < len(vals) else ""
        out.append(row)
    return out


def doc_page(
    request, *, obj, title, header, columns, rows, actions=(), links=(), extra=None, template="parts/doc.html"
):
    ctx = {
        "object": obj,
        "title": title,
        "header": header,
        "columns": columns,
        "rows": rows,
        "actions": actions,
        "links": links,
        "timeline": timeline_for(obj)[:100],
    }
    ctx.update(extra or {})
    return render(request, template, ctx)


def finance_url(name: str, *args, query: str = "") -> str | None:
    """The address of a finance page (``finance:<name>``), or None while finance has no such page."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(f"finance:{name}", args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


def action(label, url, cls="btn-primary", fields=(), confirm=""):
    return {"label": label, "url": url, "cls": cls, "fields": fields, "confirm": confirm}


def simple_list(
    model_,
    table,
    filt,
    title,
    *,
    related=(),
    order=(),
    create=None,
    create_label=None,
    perm=None,
    store_only=True,
):
    attrs = {
        "model": model_,
        "table_class": table,
        "filterset_class": filt,
        "title": title,
        "current_store_only": store_only,
        # the model's own ordering unless the list names one
        "base_queryset": lambda self: model_.objects.select_related(*related).order_by(
            *(order or model_._meta.ordering)
        ),
    }
    if perm:
        attrs["permission_required"] = perm
    if create:
        attrs["create_url_name"], attrs["create_perm"] = create
        attrs["create_label"] = create_label
    return type(f"{model_.__name__}ListView", (FoursListView,), attrs)


def _scoped(model_, request, pk, related=()):
    return get_object_or_404(model_.objects.for_user(request.user).select_related(*related), pk=pk)


def step_view(model_, doc_arg, steps, *, done=None):
    """The POST endpoint of a document's steps: ``steps`` maps the URL's step (None when the URL has
    none) to (service name, success message, {service argument: POST field, or (field, default), or a
    function of the request}). The service decides; the view parses its fields and goes back to the
    document (or to ``done``)."""

    def value(request, src):
        if callable(src):
            return src(request)
        name, default = src if isinstance(src, tuple) else (src, "")
        return request.POST.get(name) or default

    @login_required
    def view(request, pk, step=None):
        if step not in steps:
            raise Http404
        obj = _scoped(model_, request, pk)
        if request.method == "POST":
            service, message, fields = steps[step]
            kwargs = {arg: value(request, src) for arg, src in fields.items()}
            run(request, getattr(services, service), message, **{doc_arg: obj}, **kwargs)
        return redirect(done or obj)

    return view


def _xlsx(filename, header, rows):
    from io import BytesIO

    from django.http import HttpResponse
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([str(h) for h in header])
    for r in rows:
        ws.append([str(v) if isinstance(v, Decimal) else v for v in r])
    buf = BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
