"""Reads of the archive: group-scoped, merged records hidden, search by indexed prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from fours.core.validators import normalize_code, normalize_mobile

from .models import Configuration, Customer, CustomerPhone, Vehicle, VehicleModel

HAN = re.compile(r"[\u4e00-\u9fff]")


def customers_for(user) -> QuerySet[Customer]:
    return Customer.objects.for_user(user).filter(merged_into__isnull=True)


def vehicles_for(user) -> QuerySet[Vehicle]:
    return Vehicle.objects.for_user(user)


def _group_ids(user) -> list[int]:
    """The dealer groups of the user's stores, cached on the user object with core's store ids."""
    from fours.core.selectors import group_ids_for

    return group_ids_for(user)


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


def _vehicle_hit(v: Vehicle, user, matched: str, model_label: str = "") -> ArchiveHit:
    detail = " · ".join(
        x for x in (f"VIN …{v.vin[-8:]}", model_label, shown_mobile(user, v.owner.mobile)) if x
    )
    return ArchiveHit(
        vehicle=v,
        customer=v.owner,
        label=f"{v.plate or '—'} · {v.owner.name}",
        detail=detail,
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


def _model_labels(vehicles: list[Vehicle]) -> dict[int, str]:
    """Model labels of a few vehicles from the (small) catalogue tables, keyed by vehicle id: two
    primary-key lookups instead of six joins in the search query (their planning alone costs ms)."""
    conf_ids = {v.configuration_id for v in vehicles if v.configuration_id}
    model_ids = {v.model_id for v in vehicles if v.model_id and not v.configuration_id}
    confs = (
        {
            c.pk: str(c)
            for c in Configuration.objects.filter(pk__in=conf_ids).select_related("model__series__brand")
        }
        if conf_ids
        else {}
    )
    models = (
        {m.pk: str(m) for m in VehicleModel.objects.filter(pk__in=model_ids).select_related("series__brand")}
        if model_ids
        else {}
    )
    return {
        v.pk: confs.get(v.configuration_id, "") if v.configuration_id else models.get(v.model_id, "")
        for v in vehicles
    }


def search_archive(user, q: str, limit: int = 10, *, kind: str = "any") -> list[ArchiveHit]:
    """One box for plate (or its last 4–5 characters), VIN (last 6–8 or whole), phone (last 4 or
    whole) and name/company prefix. Every lookup is an index prefix scan on a stored column or its
    reversed copy (``*_rev LIKE 'reversed%'``); nothing scans the table.

    ``kind="vehicle"`` (a vehicle picker) turns customer hits into their vehicles;
    ``kind="customer"`` (a customer picker) turns vehicle hits into their owners."""
    q = (q or "").strip()
    if len(q) < 2 and not HAN.match(q):  # one Chinese character is a surname
        return []
    code = normalize_code(q)
    group_ids = None if getattr(user, "is_superuser", False) else _group_ids(user)

    def scoped(qs, field="group_id"):
        return qs if group_ids is None else qs.filter(**{f"{field}__in": group_ids})

    vehicles = scoped(Vehicle.objects.select_related("owner"))
    customers = scoped(Customer.objects.filter(merged_into__isnull=True))
    found: list[tuple[str, object, str]] = []  # ("v"/"c", row, matched)
    seen_v: set[int] = set()
    seen_c: set[int] = set()

    def room() -> int:
        return limit - len(found)

    def add_vehicles(qs, matched):
        for v in qs[: room()]:
            if kind == "customer":
                if v.owner_id not in seen_c and room() > 0:
                    seen_c.add(v.owner_id)
                    found.append(("c", v.owner, matched))
            elif v.pk not in seen_v and room() > 0:
                seen_v.add(v.pk)
                seen_c.add(v.owner_id)
                found.append(("v", v, matched))

    def add_customers(rows, matched):
        rows = [c for c in rows if c.pk not in seen_c][: room()]
        if kind == "vehicle":
            if rows:
                add_vehicles(
                    vehicles.filter(owner__in=[c.pk for c in rows]).order_by("owner_id", "id"), matched
                )
            return
        for c in rows:
            if c.pk not in seen_c and room() > 0:
                seen_c.add(c.pk)
                found.append(("c", c, matched))

    digits = normalize_mobile(q)
    if HAN.match(q[:1]) and len(code) >= 3 and not HAN.search(code[1:]):
        # 粤A12345: a plate with its province, or the start of one
        add_vehicles(vehicles.filter(plate__startswith=code).order_by("plate"), "plate")
    if digits.isdigit() and len(digits) >= 4:
        phones = scoped(
            CustomerPhone.objects.filter(
                number_rev__startswith=digits[::-1], customer__merged_into__isnull=True
            )
            .select_related("customer")
            .order_by(),  # no ORDER BY: let the prefix index drive it
            "customer__group_id",
        )
        add_customers([p.customer for p in phones[:limit]], "phone")
    if re.fullmatch(r"[A-Z0-9]{4,17}", code) and room() > 0:
        tail = code[::-1]
        if len(code) < 6:  # 4–5 characters: the end of a plate
            add_vehicles(vehicles.filter(plate_rev__startswith=tail).order_by("plate"), "plate")
        elif len(code) <= 7:  # a plate without its province, or the end of a VIN: both indexes, one query
            add_vehicles(
                vehicles.filter(Q(plate_rev__startswith=tail) | Q(vin_rev__startswith=tail)).order_by(
                    "plate"
                ),
                "plate/vin",
            )
        else:  # 8–17: the end of a VIN
            add_vehicles(vehicles.filter(vin_rev__startswith=tail).order_by("vin"), "vin")
    # names and company names: Chinese, Latin words, or anything that matched nothing else
    if room() > 0 and not digits.isdigit() and (HAN.search(q) or q.isalpha() or " " in q or not found):
        add_customers(list(customers.filter(name__startswith=q).order_by("name", "id")[:limit]), "name")

    labels = _model_labels([row for what, row, _m in found if what == "v"])
    return [
        _vehicle_hit(row, user, matched, labels.get(row.pk, ""))
        if what == "v"
        else _customer_hit(row, user, matched)
        for what, row, matched in found
    ]
