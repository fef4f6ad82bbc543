"""One-time keys: a POST sent twice with the same key is done once and answered with the first answer.

One mechanism for both doors. The API reads an ``Idempotency-Key`` header (``core.api.idempotency``);
every page form carries a hidden ``_once`` key that the base layout's script puts in (``static/fours/
app.js``: a fresh key per form at page load, also in htmx posts) and this middleware claims. Both
claim the key as an ``IdempotencyRecord`` in the SAME transaction as the view's write, so a fault
rolls back the record with the write, and a concurrent duplicate waits on the unique index until the
first commits (then it replays the first answer) or rolls back (then it runs).

For a form the answer kept is the redirect to the result page (post/redirect/get) with the messages
the view gave; a repeated key is sent there again with those messages and the note "已处理，未重复
提交". An htmx post keeps its fragment. A page shown again with its errors posted nothing: its key is
released, so sending it again runs again. A POST without a key (tests, scripts) runs as before.
"""

from __future__ import annotations

import hashlib
import re

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .models import IdempotencyRecord

FORM_FIELD = "_once"
FORM_PREFIX = "form:"  # form keys never meet API keys
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# not documents: logging in and out, the language and the password have their own rules
_UNKEYED_PREFIXES = ("/api/", "/accounts/", "/i18n/", "/static/", "/media/")
_REDIRECTS = (301, 302, 303, 307, 308)


def claim(user, key: str, fingerprint: str):
    """Claim ``key`` for ``user`` inside the caller's transaction.

    Returns ``(record, None)`` when this request holds the key now (the caller stores its answer on
    the record before commit), or ``(None, earlier)`` with the record of the request that held it."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint), None
    except IntegrityError:
        return None, IdempotencyRecord.objects.get(user=user, key=key)


def not_final(status_code: int) -> bool:
    """An answer a client may retry: the claim and anything written with it are rolled back."""
    return status_code >= 500 or status_code in (401, 403, 409, 429)


# --- page forms -----------------------------------------------------------------------------------


def _form_key(request) -> str | None:
    if request.method != "POST" or request.path.startswith(_UNKEYED_PREFIXES):
        return None
    if not request.user.is_authenticated:
        return None
    key = request.POST.get(FORM_FIELD, "")
    return key if _KEY.match(key) else None


def _form_fingerprint(request) -> str:
    """What was sent (the fields and files, not the key or the CSRF token), so a key sent with
    other contents is told apart from a resubmit."""
    h = hashlib.sha256(request.get_full_path().encode())
    for name in sorted(request.POST):
        if name in (FORM_FIELD, "csrfmiddlewaretoken"):
            continue
        h.update(b"\x1e" + name.encode() + b"=" + "\x1f".join(request.POST.getlist(name)).encode())
    for name in sorted(request.FILES):
        for f in request.FILES.getlist(name):
            h.update(f"\x1d{name}:{f.name}:{f.size}".encode())
    return h.hexdigest()


def _queued_messages(request) -> list:
    storage = getattr(request, "_messages", None)
    return [[m.level, str(m.message), m.extra_tags or ""] for m in getattr(storage, "_queued_messages", [])]


def _keep(request, record, response) -> None:
    """Store the first answer on the record; or release the key when the answer posted nothing."""
    if response.status_code in _REDIRECTS:
        record.status_code = response.status_code
        record.body = {"location": response["Location"], "messages": _queued_messages(request)}
    elif request.headers.get("HX-Request") and not response.streaming and response.status_code < 300:
        record.status_code = response.status_code
        record.body = {
            "content": response.content.decode(response.charset),
            "content_type": response.get("Content-Type", ""),
            "headers": {k: v for k, v in response.items() if k.lower().startswith("hx-")},
        }
    else:  # the form again with its errors: nothing was posted, so a resubmit may run again
        record.delete()
        return
    record.save(update_fields=["status_code", "body"])


def _replay(request, record, fingerprint: str):
    if record.fingerprint != fingerprint or record.status_code is None:
        resp = render(
            request,
            "409.html",
            {"message": _("这个表单已经提交过，内容却不同。请刷新页面，重新填写后再提交。")},
            status=409,
        )
    elif "location" in record.body:
        for level, text, tags in record.body.get("messages", []):
            messages.add_message(request, level, text, extra_tags=tags)
        messages.info(request, _("已处理，未重复提交"))
        resp = HttpResponse(status=record.status_code)
        resp["Location"] = record.body["location"]
    else:
        resp = HttpResponse(
            record.body["content"], status=record.status_code, content_type=record.body["content_type"]
        )
        for k, v in record.body.get("headers", {}).items():
            resp[k] = v
    resp["Idempotent-Replayed"] = "true"
    return resp


class FormKeyMiddleware:
    """A page POST carrying ``_once``: claim the key, run the view and keep its answer in one
    transaction; a repeated key gets the first answer. Last in MIDDLEWARE (after CSRF and login)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        key = _form_key(request)
        if key is None:
            return None
        fingerprint = _form_fingerprint(request)
        with transaction.atomic():
            record, earlier = claim(request.user, FORM_PREFIX + key, fingerprint)
            if earlier is not None:
                return _replay(request, earlier, fingerprint)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if not_final(response.status_code):
                transaction.set_rollback(True)
            else:
                _keep(request, record, response)
        return response
