"""Reads of the archive: group-scoped, merged records hidden, search by indexed prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from fours.core.validators import normalize_code, normalize_mobile

from .models import Customer, CustomerPhone, Vehicle

HAN = re.compile(r"[\u4e00-\u9fff]")


def customers_for(user) -> QuerySet[Customer]:
    return Customer.objects.for_user(user).filter(merged_into__isnull=True)


def vehicles_for(user) -> QuerySet[Vehicle]:
    return Vehicle.objects.for_user(user)


def _group_ids(user) -> list[int]:
    from fours.core.models import Store
    from fours.core.selectors import store_ids_for

    return list(
        Store.objects.filter(id__in=store_ids_for(user)).values_list("group_id", flat=True).distinct()
    )


def can_see_sensitive(user) -> bool:
    return bool(user and user.has_perm("customers.see_sensitive"))


def mask_mobile(value: str) -> str:
    """138****5678"""
    if not value or len(value) < 7:
        return value or ""
    return f"{value[:3]}****{value[-4:]}"


def mask_id(value: str) -> str:
    """4401**********1234"""
    if not value or len(value) < 8:
        return value or ""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def shown_mobile(user, value: str) -> str:
    return value if can_see_sensitive(user) else mask_mobile(value)


def shown_id(user, value: str) -> str:
    return value if can_see_sensitive(user) else mask_id(value)


@dataclass
class ArchiveHit:
    vehicle: Vehicle | None
    customer: Customer
    label: str
    detail: str
    url: str
    matched: str  # plate / vin / phone / name


def _vehicle_hit(v: Vehicle, user, matched: str) -> ArchiveHit:
    return ArchiveHit(
        vehicle=v,
        customer=v.owner,
        label=f"{v.plate or '—'} · {v.owner.name}",
        detail=f"VIN …{v.vin[-8:]} · {v.model_label or ''} · {shown_mobile(user, v.owner.mobile)}",
        url=reverse("customers:vehicle-detail", args=[v.pk]),
        matched=matched,
    )


def _customer_hit(c: Customer, user, matched: str) -> ArchiveHit:
    return ArchiveHit(
        vehicle=None,
        customer=c,
        label=c.name,
        detail=f"{shown_mobile(user, c.mobile)} · {c.get_kind_display()}",
        url=reverse("customers:customer-detail", args=[c.pk]),
        matched=matched,
    )


def search_archive(user, q: str, limit: int = 10) -> list[ArchiveHit]:
    """One box for plate (or its last 4–5 characters), VIN (last 6–8 or whole), phone (last 4 or
    whole) and name/company prefix. Every lookup is an index prefix scan on a stored column or its
    reversed copy; nothing scans the table."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    code = normalize_code(q)
    vehicles = vehicles_for(user).select_related(
        "owner", "model__series__brand", "configuration__model__series"
    )
    customers = customers_for(user)
    hits: list[ArchiveHit] = []
    seen_v: set[int] = set()
    seen_c: set[int] = set()

    def add_vehicles(qs, matched):
        for v in qs[: limit - len(hits)]:
            if v.pk not in seen_v and len(hits) < limit:
                seen_v.add(v.pk)
                seen_c.add(v.owner_id)
                hits.append(_vehicle_hit(v, user, matched))

    def add_customers(qs, matched):
        for c in qs[: limit - len(hits)]:
            if c.pk not in seen_c and len(hits) < limit:
                seen_c.add(c.pk)
                hits.append(_customer_hit(c, user, matched))

    digits = normalize_mobile(q)
    if HAN.match(q[:1]) and len(code) >= 3 and not HAN.search(code[1:]):
        # 粤A12345: a plate with its province, or the start of one
        add_vehicles(vehicles.filter(plate__startswith=code).order_by("plate"), "plate")
    if digits.isdigit() and len(digits) >= 4:
        phones = (
            CustomerPhone.objects.filter(
                number_rev__startswith=digits[::-1], customer__merged_into__isnull=True
            )
            .select_related("customer")
            .order_by()
        )  # no ORDER BY: let the prefix index drive it
        if not getattr(user, "is_superuser", False):
            phones = phones.filter(customer__group_id__in=_group_ids(user))
        add_customers([p.customer for p in phones[:limit]], "phone")
    if re.fullmatch(r"[A-Z0-9]{4,17}", code):
        if len(code) <= 6:
            add_vehicles(vehicles.filter(plate_rev__startswith=code[::-1]).order_by("plate"), "plate")
        if len(code) >= 6:
            add_vehicles(vehicles.filter(vin_rev__startswith=code[::-1]).order_by("vin"), "vin")
    if HAN.search(q) or (not hits and not code.isalnum()):  # names: Chinese, or words with spaces
        add_customers(customers.filter(name__startswith=q).order_by("name", "id"), "name")
    return hits
