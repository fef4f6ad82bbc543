"""Helpers for status machines. Each app keeps its TRANSITIONS table in its own workflows.py."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from .errors import BusinessError


def require_transition(transitions: Mapping, current, to, *, labels=None) -> None:
    allowed = transitions.get(current, set())
    if to not in allowed:

        def label(v):
            return str(labels(v).label) if labels else str(v)

        raise BusinessError(
            {"status": _("不能从“%(current)s”变为“%(to)s”") % {"current": label(current), "to": label(to)}},
            code="transition",
        )
