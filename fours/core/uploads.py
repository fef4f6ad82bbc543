"""Uploaded files (photos, scans) are served only to a logged-in user who may read the row that
owns the file: the row is looked up through its model's store-scoped ``for_user`` queryset, so
another store's file or an anonymous request is a 404 or the login page.

Every model of our apps with a FileField and a ``for_user`` queryset owns its files; its URL
(``FieldFile.url``) is this view under MEDIA_URL. In production nginx sends the bytes: set
FOURS_MEDIA_ACCEL_PREFIX (e.g. ``/protected-media/``, an ``internal`` nginx location on
FOURS_MEDIA_ROOT) and the view answers with ``X-Accel-Redirect`` instead of streaming."""

from __future__ import annotations

import mimetypes
from functools import cache
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET


@cache
def file_fields() -> tuple[tuple[type[models.Model], str], ...]:
    out = []
    for model in apps.get_models():
        if not model.__module__.startswith("fours."):
            continue
        if not hasattr(model._default_manager.all(), "for_user"):
            continue
        out += [(model, f.name) for f in model._meta.get_fields() if isinstance(f, models.FileField)]
    return tuple(out)


def owning_row(user, name: str):
    """The row the user may read whose file is ``name``, or None."""
    for model, field in file_fields():
        row = model._default_manager.all().for_user(user).filter(**{field: name}).first()
        if row is not None:
            return row, getattr(row, field)
    return None


@require_GET
@login_required
def upload(request, name: str):
    found = owning_row(request.user, name)
    if found is None:
        raise Http404
    _row, file = found
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    prefix = getattr(settings, "FOURS_MEDIA_ACCEL_PREFIX", "")
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = quote(prefix.rstrip("/") + "/" + file.name)
    else:
        try:
            response = FileResponse(file.open("rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    response["Cache-Control"] = "private, max-age=3600"
    return response
