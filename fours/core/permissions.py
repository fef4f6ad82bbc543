"""Permission checks shared by views, API and services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import NotAllowed
from .selectors import has_role


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise NotAllowed(_("您没有此操作的权限（%(perm)s）") % {"perm": perm})


def require_role(user, store, *roles: str) -> None:
    if getattr(user, "is_superuser", False):
        return
    if not has_role(user, store, *roles):
        raise NotAllowed(_("此操作需要以下岗位之一：%(roles)s") % {"roles": "、".join(roles)})
