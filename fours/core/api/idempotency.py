"""Idempotency-Key on POST: the same key from the same user returns the first response.
(Page forms use the same records through ``core.idempotency.FormKeyMiddleware``.)

The key is claimed, the view runs and its answer is stored in ONE transaction, so a fault (a
killed backend, a crash) rolls back the record together with the write: a retry then either
replays the committed answer or runs the write once. A concurrent duplicate waits on the unique
index until the first request commits (then it replays) or rolls back (then it runs).
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from ..idempotency import claim, not_final

HEADER = "Idempotency-Key"


class Replay(Exception):
    def __init__(self, response: Response):
        self.response = response


class KeyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


def _fingerprint(request) -> str:
    return hashlib.sha256(request.method.encode() + request.path.encode() + request.body).hexdigest()


def _keyed_post(request) -> bool:
    return request.method == "POST" and bool(request.headers.get(HEADER))


class IdempotencyMixin:
    """For API views: claim the key before the view runs, store the response after it, atomically."""

    def dispatch(self, request, *args, **kwargs):
        if not _keyed_post(request):
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        self._idem = None
        if request.method != "POST" or not key or not request.user.is_authenticated:
            return
        key = key[:100]
        fp = _fingerprint(request._request)
        self._idem, rec = claim(request.user, key, fp)
        if rec is not None:
            if rec.fingerprint != fp:
                raise KeyConflict(_("这个 Idempotency-Key 已用于另一个请求"))
            if rec.status_code is None:  # only a record left by a request that committed mid-way
                raise KeyConflict(_("使用这个 Idempotency-Key 的请求正在处理中，请稍后重试"))
            resp = Response(rec.body, status=rec.status_code)
            resp["Idempotent-Replayed"] = "true"
            raise Replay(resp)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        rec = getattr(self, "_idem", None)
        if rec is not None:
            self._idem = None
            if not_final(response.status_code):
                # not a final answer: undo the claim and anything written with it, so the
                # client may retry with the same key
                transaction.set_rollback(True)
            else:
                rec.status_code = response.status_code
                rec.body = response.data
                rec.save(update_fields=["status_code", "body"])
        return response
