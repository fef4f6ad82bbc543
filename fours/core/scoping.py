"""Store scoping: the default read path for every business row (DESIGN.md, 'Store scoping')."""

from __future__ import annotations

from django.db import models


class StoreScopedQuerySet(models.QuerySet):
    store_field = "store"

    def for_user(self, user):
        from .selectors import store_ids_for

        if getattr(user, "is_superuser", False):
            return self
        return self.filter(**{f"{self.store_field}__in": store_ids_for(user)})

    def for_store(self, store):
        return self.filter(**{self.store_field: store})


class StoreScopedManager(models.Manager.from_queryset(StoreScopedQuerySet)):
    pass


class GroupScopedQuerySet(models.QuerySet):
    """Group-wide rows (part master, suppliers): visible to users of any store of the group."""

    group_field = "group"

    def for_user(self, user):
        from fours.core.selectors import group_ids_for

        if getattr(user, "is_superuser", False):
            return self
        return self.filter(**{f"{self.group_field}__in": group_ids_for(user)})


class GroupScopedManager(models.Manager.from_queryset(GroupScopedQuerySet)):
    pass
