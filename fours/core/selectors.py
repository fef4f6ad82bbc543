"""Reads of the organisation: which stores a user may see, their roles and limits."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max, Q, QuerySet

from .models import Membership, RoleLimit, Store
from .roles import Role


def stores_for(user) -> QuerySet[Store]:
    """Every store the user may read: their stores, and all stores of groups they manage."""
    if not getattr(user, "is_authenticated", False):
        return Store.objects.none()
    if user.is_superuser:
        return Store.objects.filter(is_active=True)
    cached = getattr(user, "_fours_store_ids", None)
    if cached is None:
        ms = Membership.objects.filter(user=user, is_active=True)
        rows = Store.objects.filter(
            Q(id__in=ms.filter(store__isnull=False).values("store_id"))
            | Q(group_id__in=ms.filter(dealer_group__isnull=False).values("dealer_group_id")),
            is_active=True,
        ).values_list("id", "group_id")
        rows = list(rows)
        cached = {sid for sid, _g in rows}
        user._fours_store_ids = cached
        user._fours_group_ids = sorted({g for _s, g in rows})
    return Store.objects.filter(id__in=cached)


def store_ids_for(user) -> set[int]:
    if getattr(user, "is_superuser", False):
        return set(Store.objects.filter(is_active=True).values_list("id", flat=True))
    stores_for(user)
    return set(getattr(user, "_fours_store_ids", set()))


def group_ids_for(user) -> list[int]:
    """The dealer groups of the user's stores (read with the store ids, in the same query): group-wide
    records (the archive) are filtered by this list, which the planner matches against its index."""
    if getattr(user, "is_superuser", False):
        return sorted(set(Store.objects.filter(is_active=True).values_list("group_id", flat=True)))
    stores_for(user)
    groups = getattr(user, "_fours_group_ids", None)
    if groups is None:  # store ids set without their groups
        groups = sorted(
            set(Store.objects.filter(id__in=user._fours_store_ids).values_list("group_id", flat=True))
        )
        user._fours_group_ids = groups
    return list(groups)


def roles_of(user, store: Store | None = None) -> set[str]:
    """Role names the user holds in a store (group-wide roles count in every store of the group)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__.setdefault("_fours_roles", {})
    key = store.id if store else None
    if key not in cache:
        qs = Membership.objects.filter(user=user, is_active=True)
        if store is not None:
            qs = qs.filter(Q(store=store) | Q(dealer_group_id=store.group_id))
        cache[key] = set(qs.values_list("role__name", flat=True))
    return cache[key]


def has_role(user, store: Store | None, *roles: str) -> bool:
    return bool(roles_of(user, store) & set(roles))


def limit_for(user, store: Store | None, kind: str) -> Decimal:
    """The highest approval limit of the user's roles in the store (0 when none)."""
    if getattr(user, "is_superuser", False):
        return Decimal("999999999")
    names = roles_of(user, store)
    value = RoleLimit.objects.filter(role__name__in=names, kind=kind).aggregate(m=Max("value"))["m"]
    return value if value is not None else Decimal("0")


def primary_department(user, store: Store | None) -> str:
    from .roles import ROLE_DEPARTMENT

    names = roles_of(user, store)
    for role in Role:
        if role.value in names:
            return ROLE_DEPARTMENT[role]
    return "management"


def users_with_role(store: Store, role: str):
    """Active users holding ``role`` in ``store`` (e.g. the technicians of a store), by id."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__store=store,
            memberships__role__name=role,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("id")
    )
