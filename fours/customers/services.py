"""Every write of the customer and vehicle archive. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
import heapq
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.errors import BusinessError, NotAllowed, field_error
from fours.core.roles import Role
from fours.core.selectors import users_with_role
from fours.core.validators import (
    normalize_code,
    normalize_mobile,
    normalize_plate,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_uscc,
    validate_vin,
)

from .models import (
    CUSTOMER_FIELDS,
    VEHICLE_FIELDS,
    CareStatus,
    CareTask,
    Customer,
    CustomerAssignment,
    CustomerKind,
    CustomerMerge,
    CustomerPhone,
    OdometerReading,
    OdometerSource,
    Ownership,
    OwnershipRole,
    PhoneKind,
    PlateChange,
    Vehicle,
)

# what a vehicle write may set: the edited fields and the selling store (which no form edits)
VEHICLE_WRITE_FIELDS = {*VEHICLE_FIELDS, "selling_store"}
ASSIGN_FIELDS = {
    "sales_consultant": Role.SALES_CONSULTANT,
    "service_advisor": Role.SERVICE_ADVISOR,
    "care_specialist": Role.CRM_SPECIALIST,
}


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise NotAllowed(_("您没有此操作的权限"))


def _check(validator, field: str, value, errors: dict) -> None:
    try:
        validator(value)
    except ValidationError as e:
        errors.setdefault(field, []).extend(e.messages)


# --- customers ----------------------------------------------------------------------------------


def clean_phones(phones, *, mobile: str = "") -> tuple[list[dict], dict]:
    """Normalise the extra numbers of a customer: [{"number", "kind", "is_primary"}]. A primary mobile
    among them stands for the customer's ``mobile`` when that is not given."""
    out: list[dict] = []
    errors: dict = {}
    seen = {mobile} if mobile else set()
    for p in phones or []:
        if isinstance(p, str):
            p = {"number": p}
        num = normalize_mobile(p.get("number"))
        if not num or num in seen:
            continue
        kind = p.get("kind") or (PhoneKind.MOBILE if num.startswith("1") else PhoneKind.OTHER)
        if kind not in PhoneKind.values:
            kind = PhoneKind.OTHER
        if kind == PhoneKind.MOBILE:
            _check(validate_mobile, "phones", num, errors)
        elif not re.fullmatch(r"\d{3,4}-?\d{7,8}(-\d{1,6})?|\d{5,20}", num):
            errors.setdefault("phones", []).append(_("电话号码 %(n)s 格式不正确") % {"n": num})
        seen.add(num)
        out.append({"number": num, "kind": kind, "is_primary": bool(p.get("is_primary"))})
    return out, errors


def clean_customer(
    data: dict, *, group, instance: Customer | None = None, check_duplicates: bool = True
) -> dict:
    """Normalise and validate customer data; raises BusinessError naming every bad field."""
    out = {k: v for k, v in data.items() if k in CUSTOMER_FIELDS}
    errors: dict = {}
    if not out.get("mobile") and data.get("phones"):
        primary = [
            p for p in data["phones"] if isinstance(p, dict) and p.get("is_primary") and p.get("number")
        ]
        if primary and (primary[0].get("kind") or PhoneKind.MOBILE) == PhoneKind.MOBILE:
            out["mobile"] = primary[0]["number"]
    if "name" in out or instance is None:
        out["name"] = (out.get("name") or "").strip()
        if not out["name"]:
            errors["name"] = [_("请填写姓名或单位名称")]
    kind = out.get("kind") or (instance.kind if instance else CustomerKind.PERSON)
    if kind not in CustomerKind.values:
        errors["kind"] = [_("客户类型不正确")]
    if "mobile" in out:
        out["mobile"] = normalize_mobile(out["mobile"])
        if out["mobile"]:
            _check(validate_mobile, "mobile", out["mobile"], errors)
        elif kind == CustomerKind.PERSON and (instance is None or instance.mobile):
            # a person's mobile is required: it may be changed but not cleared
            errors["mobile"] = [_("个人客户请填写手机号")]
    elif instance is None and kind == CustomerKind.PERSON:
        errors["mobile"] = [_("个人客户请填写手机号")]
    if "phones" in data:
        phones, phone_errors = clean_phones(data.get("phones"), mobile=out.get("mobile", ""))
        out["phones"] = phones
        errors.update(phone_errors)
    if out.get("id_number"):
        out["id_number"] = normalize_code(out["id_number"])
        _check(
            validate_uscc if kind == CustomerKind.COMPANY else validate_id_number,
            "id_number",
            out["id_number"],
            errors,
        )
    if "tags" in out:
        tags = out["tags"]
        if isinstance(tags, str):
            tags = [t for t in tags.replace("，", ",").replace(" ", ",").split(",")]
        out["tags"] = sorted({t.strip() for t in tags if t and t.strip()})
    if "id_number" in out and not out["id_number"]:
        out["id_number"] = ""
    if errors:
        raise BusinessError(errors, code="invalid")
    if check_duplicates:
        _check_duplicates(group, out, instance)
    return out


def _check_duplicates(group, out: dict, instance: Customer | None) -> None:
    live = Customer.objects.filter(group=group, merged_into__isnull=True)
    if instance is not None:
        live = live.exclude(pk=instance.pk)
    errors = {}
    if out.get("mobile"):
        hit = live.filter(Q(mobile=out["mobile"]) | Q(phones__number=out["mobile"])).first()
        if hit:
            errors["mobile"] = [_duplicate(_("手机号已登记在客户“%(name)s”（%(no)s）名下"), hit)]
    extra = [p["number"] for p in out.get("phones") or []]
    if extra:
        hit = live.filter(phones__number__in=extra).first()
        if hit:
            errors["phones"] = [_duplicate(_("电话号码已登记在客户“%(name)s”（%(no)s）名下"), hit)]
    if out.get("id_number"):
        hit = live.filter(id_number=out["id_number"]).first()
        if hit:
            errors["id_number"] = [_duplicate(_("证件号码已登记在客户“%(name)s”（%(no)s）名下"), hit)]
    if errors:
        raise BusinessError(errors, code="duplicate")


def _duplicate(message, hit: Customer) -> ValidationError:
    """A duplicate refusal that names the existing record; ``params`` carry its id and URL for links."""
    return ValidationError(
        message,
        code="duplicate",
        params={"name": hit.name, "no": hit.number or hit.pk, "pk": hit.pk, "url": hit.get_absolute_url()},
    )


def duplicates_of(group, *, mobile="", id_number="", vin="") -> list[Customer]:
    """Existing customers a new record would duplicate (offered instead of creating one)."""
    q = Q()
    if mobile:
        m = normalize_mobile(mobile)
        q |= Q(mobile=m) | Q(phones__number=m)
    if id_number:
        q |= Q(id_number=normalize_code(id_number))
    if vin:
        q |= Q(vehicles_owned__vin=normalize_code(vin))
    if not q:
        return []
    return list(Customer.objects.filter(q, group=group, merged_into__isnull=True).distinct()[:5])


def _consent_times(customer: Customer, out: dict, now) -> None:
    for flag in ("consent_call", "consent_sms", "consent_marketing"):
        if flag in out and (customer.pk is None or getattr(customer, flag) != out[flag]):
            setattr(customer, f"{flag}_at", now)


def _role_users(store, role: str) -> list:
    return list(users_with_role(store, role))


def _loads(store, field: str, users) -> dict[int, int]:
    return dict(
        CustomerAssignment.objects.filter(store=store, **{f"{field}__in": users})
        .values_list(field)
        .annotate(n=Count("id"))
        .order_by()
    )


def _least_loaded(store, role: str, field: str):
    """Even assignment: the active holder of the role with the fewest customers in this store."""
    users = _role_users(store, role)
    if not users:
        return None
    loads = _loads(store, field, users)
    return min(users, key=lambda u: (loads.get(u.pk, 0), u.pk))


def assign_evenly(*, store, customer_ids) -> int:
    """Bulk (imports): one CustomerAssignment per new customer in ``store``, each role's staff
    taken round-robin by current load, as ``customer_create`` does one by one."""
    rows = [CustomerAssignment(customer_id=cid, store=store) for cid in customer_ids]
    for field, role in ASSIGN_FIELDS.items():
        users = _role_users(store, role)
        if not users:
            continue
        loads = _loads(store, field, users)
        heap = [(loads.get(u.pk, 0), u.pk) for u in users]
        heapq.heapify(heap)
        for r in rows:
            n, uid = heapq.heappop(heap)
            setattr(r, f"{field}_id", uid)
            heapq.heappush(heap, (n + 1, uid))
    CustomerAssignment.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def customer_create(*, actor, store, data: dict, allow_duplicate: bool = False) -> Customer:
    """A new customer of the group, created in ``store``: its phones (the primary mobile included)
    and, for this store, its 销售顾问 / 服务顾问 / 客服专员 (given, or the least loaded of each role).
    A phone or ID number that is already on file is refused unless ``allow_duplicate``."""
    _require(actor, "customers.add_customer")
    group = store.group
    out = clean_customer(data, group=group, check_duplicates=not allow_duplicate)
    extra = out.pop("phones", [])
    c = Customer(group=group, created_store=store, **out)
    _consent_times(c, out, timezone.now())
    c.save()
    c.number = f"C{c.pk:08d}"
    Customer.objects.filter(pk=c.pk).update(number=c.number)
    phones = [{"number": c.mobile, "kind": PhoneKind.MOBILE, "is_primary": True}] if c.mobile else []
    phones += [{**p, "is_primary": False} for p in extra]
    CustomerPhone.objects.bulk_create([CustomerPhone(customer=c, **p) for p in phones])
    assignment = CustomerAssignment(customer=c, store=store)
    for field, role in ASSIGN_FIELDS.items():
        given = data.get(field)
        setattr(assignment, field, given if given else _least_loaded(store, role, field))
    assignment.save()
    audit_record(actor=actor, obj=c, verb="created", store=store, changes={"name": [None, c.name]})
    return c


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: dict) -> Customer:
    """Change a customer. ``phones`` (when given) replaces the other numbers; a new mobile becomes
    the primary phone. Consent changes stamp the time they were given or withdrawn."""
    _require(actor, "customers.change_customer")
    c = Customer.objects.select_for_update().get(pk=customer.pk)
    if c.merged_into_id:
        raise field_error("customer", _("该客户已合并，请修改保留的客户档案"), code="merged_customer")
    out = clean_customer(data, group=c.group, instance=c)
    extra = out.pop("phones", None)
    changes = diff(c, **out)
    _consent_times(c, out, timezone.now())
    for k, v in out.items():
        setattr(c, k, v)
    c.save()
    if "mobile" in changes:
        CustomerPhone.objects.filter(customer=c, is_primary=True).update(is_primary=False)
        if c.mobile:
            CustomerPhone.objects.update_or_create(
                customer=c, number=c.mobile, defaults={"is_primary": True, "kind": PhoneKind.MOBILE}
            )
    if extra is not None:
        extra = [p for p in extra if p["number"] != c.mobile]
        keep = {p["number"] for p in extra} | {c.mobile}
        old = set(CustomerPhone.objects.filter(customer=c, is_primary=False).values_list("number", flat=True))
        CustomerPhone.objects.filter(customer=c, is_primary=False).exclude(number__in=keep).delete()
        for p in extra:
            if p["number"] not in old:
                CustomerPhone.objects.update_or_create(
                    customer=c, number=p["number"], defaults={"kind": p["kind"], "is_primary": False}
                )
        if old != {p["number"] for p in extra}:
            changes["phones"] = [sorted(old), sorted(p["number"] for p in extra)]
    if changes:
        audit_record(actor=actor, obj=c, verb="updated", changes=_masked(changes))
    return c


@transaction.atomic
def customers_assign(*, actor, store, customer_ids, field: str, user) -> int:
    """Bulk reassignment of the 销售顾问 / 服务顾问 / 客服专员 of customers in one store."""
    _require(actor, "customers.assign_customer")
    if field not in ASSIGN_FIELDS:
        raise field_error("field", _("未知的归属类型"), code="invalid_choice")
    if (
        user is not None
        and not user.memberships.filter(store=store, role__name=ASSIGN_FIELDS[field]).exists()
    ):
        raise field_error(
            "user",
            _("%(name)s 不是本店的%(role)s") % {"name": user, "role": ASSIGN_FIELDS[field]},
            code="not_staff",
        )
    ids = list(Customer.objects.filter(pk__in=customer_ids, group=store.group).values_list("pk", flat=True))
    for cid in ids:
        a, _created = CustomerAssignment.objects.get_or_create(customer_id=cid, store=store)
        old = getattr(a, field)
        if old != user:
            setattr(a, field, user)
            a.save(update_fields=[field])
            audit_record(
                actor=actor,
                obj=a.customer,
                verb="assigned",
                store=store,
                changes={field: [str(old or ""), str(user or "")]},
            )
    return len(ids)


def customer_references() -> list:
    """Every foreign key to Customer in every app (the merge moves their rows), except the merge's
    own bookkeeping (``merged_into``, CustomerMerge). Hidden relations count: ``related_name="+"``
    drops a relation from ``Customer._meta.related_objects``, so ask for them explicitly."""
    return [
        rel
        for rel in Customer._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one)
        and rel.related_model not in (Customer, CustomerMerge)
    ]


@transaction.atomic
def customer_merge(*, actor, survivor: Customer, merged: Customer, reason: str = "") -> CustomerMerge:
    """Move every row that points at ``merged`` to ``survivor``; ``merged`` stays as history."""
    _require(actor, "customers.merge_customer")
    if survivor.pk == merged.pk:
        raise field_error("merged", _("不能把客户合并到自己"), code="same_party")
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    if survivor.group_id != merged.group_id:
        raise field_error("merged", _("只能合并同一集团的客户"), code="out_of_scope")
    if survivor.merged_into_id or merged.merged_into_id:
        raise field_error("merged", _("已合并的客户不能再次合并"), code="merged_customer")
    moved = {}
    for rel in customer_references():
        model, fk = rel.related_model, rel.field.name
        qs = model._base_manager.filter(**{fk: merged})
        if model is CustomerPhone:
            dup = set(CustomerPhone.objects.filter(customer=survivor).values_list("number", flat=True))
            qs.filter(number__in=dup).delete()
            qs.update(is_primary=False)
        if model is CustomerAssignment:
            taken = CustomerAssignment.objects.filter(customer=survivor).values_list("store_id", flat=True)
            qs.filter(store_id__in=list(taken)).delete()
        n = qs.update(**{fk: survivor})
        if n:
            moved[f"{model._meta.label_lower}.{fk}"] = n
    # what the survivor lacks, it takes from the merged record
    for field in ("mobile", "id_number", "address", "birthday", "contact_person"):
        if not getattr(survivor, field) and getattr(merged, field):
            setattr(survivor, field, getattr(merged, field))
            if field == "id_number":
                merged.id_number = ""
    survivor.tags = sorted(set(survivor.tags) | set(merged.tags))
    survivor.save()
    if survivor.mobile and not CustomerPhone.objects.filter(customer=survivor, is_primary=True).exists():
        CustomerPhone.objects.update_or_create(
            customer=survivor, number=survivor.mobile, defaults={"is_primary": True, "kind": PhoneKind.MOBILE}
        )
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "id_number", "updated_at"])
    record = CustomerMerge.objects.create(
        survivor=survivor, merged=merged, moved=moved, reason=reason, actor=actor
    )
    audit_record(
        actor=actor,
        obj=survivor,
        verb="merged",
        changes={"merged": [None, str(merged)], **moved},
        note=reason,
    )
    audit_record(
        actor=actor, obj=merged, verb="merged", changes={"merged_into": [None, str(survivor)]}, note=reason
    )
    return record


@transaction.atomic
def customer_reveal(*, actor, customer: Customer, store=None) -> Customer:
    """Showing a full mobile/ID number is allowed with the permission and leaves an audit event.
    The event belongs to the store the user works in (``store``, the current store), so that
    store's managers read it in their audit log; without one, the actor's store in the customer's
    group (the customer's first store when the actor works there)."""
    if not actor.has_perm("customers.see_sensitive"):
        raise NotAllowed(_("您没有查看完整手机号和证件号的权限"))
    audit_record(actor=actor, obj=customer, verb="reveal", store=_working_store(actor, customer, store))
    return customer


def _masked(changes: dict) -> dict:
    """Audit changes keep numbers masked (139****0005): the audit log, the timeline and the API's
    audit events are read by people without customers.see_sensitive too."""
    from .selectors import mask_id, mask_mobile

    def each(mask, value):
        if isinstance(value, list):
            return [each(mask, v) for v in value]
        return mask(value) if isinstance(value, str) else value

    out = dict(changes)
    for key, mask in (("mobile", mask_mobile), ("phones", mask_mobile), ("id_number", mask_id)):
        if key in out:
            out[key] = each(mask, out[key])
    return out


def _working_store(actor, customer: Customer, store=None):
    from fours.core.models import Store
    from fours.core.selectors import store_ids_for

    ids = store_ids_for(actor)
    if store is not None and store.pk in ids:
        return store
    if customer.created_store_id in ids:
        return customer.created_store
    return Store.objects.filter(id__in=ids, group_id=customer.group_id).order_by("code", "id").first()


# --- vehicles -----------------------------------------------------------------------------------


def clean_vehicle(data: dict, *, group, instance: Vehicle | None = None) -> dict:
    out = {k: v for k, v in data.items() if k in VEHICLE_WRITE_FIELDS}
    errors: dict = {}
    if "vin" in out or instance is None:
        out["vin"] = normalize_code(out.get("vin"))
        _check(validate_vin, "vin", out["vin"], errors)
    if out.get("plate"):
        out["plate"] = normalize_plate(out["plate"])
        _check(validate_plate, "plate", out["plate"], errors)
    elif "plate" in out:
        out["plate"] = ""
    for f in ("warranty_km", "next_maintenance_km"):
        if out.get(f) in ("", None):
            out[f] = None
        elif f in out:
            try:
                out[f] = int(out[f])
                if out[f] < 0:
                    raise ValueError
            except (TypeError, ValueError):
                errors[f] = [_("请输入不小于0的整数")]
    conf = out.get("configuration")
    if conf is not None and not out.get("model"):
        out["model"] = conf.model
    driver = out.get("driver")
    if driver is not None and (driver.group_id != group.pk or driver.merged_into_id):
        errors["driver"] = [_("使用人须为本集团未合并的客户")]
    if errors:
        raise BusinessError(errors, code="invalid")
    if "vin" in out:
        dup = Vehicle.objects.filter(group=group, vin=out["vin"])
        if instance is not None:
            dup = dup.exclude(pk=instance.pk)
        hit = dup.select_related("owner").first()
        if hit:
            raise field_error(
                "vin",
                [
                    ValidationError(
                        _("车架号已存在：%(plate)s，车主 %(owner)s"),
                        code="duplicate",
                        params={
                            "plate": hit.plate or "—",
                            "owner": hit.owner.name,
                            "pk": hit.pk,
                            "url": hit.get_absolute_url(),
                        },
                    )
                ],
                code="duplicate",
            )
    return out


@transaction.atomic
def vehicle_create(*, actor, store, owner: Customer, data: dict) -> Vehicle:
    _require(actor, "customers.add_vehicle")
    if owner.group_id != store.group_id:
        raise field_error("owner", _("车主不属于本集团"), code="out_of_scope")
    if owner.merged_into_id:
        raise field_error("owner", _("该客户已合并，请选择保留的客户档案"), code="merged_customer")
    out = clean_vehicle(data, group=store.group)
    v = Vehicle(group=store.group, owner=owner, created_store=store, **out)
    v.save()
    today = timezone.localdate()
    Ownership.objects.create(
        vehicle=v, customer=owner, role=OwnershipRole.OWNER, since=v.sale_date or today, actor=actor
    )
    if v.driver_id and v.driver_id != owner.pk:
        Ownership.objects.create(
            vehicle=v, customer=v.driver, role=OwnershipRole.DRIVER, since=today, actor=actor
        )
    audit_record(
        actor=actor,
        obj=v,
        verb="created",
        store=store,
        changes={"vin": [None, v.vin], "owner": [None, str(owner)]},
    )
    km = data.get("odometer_km")
    if km not in (None, ""):
        odometer_record(
            actor=actor,
            vehicle=v,
            value_km=km,
            source=data.get("odometer_source") or OdometerSource.MANUAL,
            store=store,
        )
        v.refresh_from_db()
    return v


@transaction.atomic
def vehicle_update(*, actor, vehicle: Vehicle, data: dict, plate_changed_on=None) -> Vehicle:
    _require(actor, "customers.change_vehicle")
    v = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    out = clean_vehicle(data, group=v.group, instance=v)
    changes = diff(v, **out)
    if "plate" in changes:
        PlateChange.objects.create(
            vehicle=v,
            old_plate=v.plate,
            new_plate=out["plate"],
            changed_on=plate_changed_on or timezone.localdate(),
            actor=actor,
        )
    if "driver" in out and (out["driver"].pk if out["driver"] else None) != v.driver_id:
        new_driver = out["driver"]
        today = timezone.localdate()
        Ownership.objects.filter(vehicle=v, role=OwnershipRole.DRIVER, until__isnull=True).update(until=today)
        if new_driver is not None and new_driver.pk != v.owner_id:
            Ownership.objects.create(
                vehicle=v, customer=new_driver, role=OwnershipRole.DRIVER, since=today, actor=actor
            )
    for k, val in out.items():
        setattr(v, k, val)
    v.save()
    if changes:
        audit_record(actor=actor, obj=v, verb="updated", changes=changes)
    return v


@transaction.atomic
def vehicle_register(*, actor, vehicle: Vehicle, plate, registration_date, document: str = "") -> Vehicle:
    """上牌: the plate the vehicle office issued and its date, recorded on the archive vehicle (a plate
    change row keeps the old one). Refused: a plate that is not a valid number, one another vehicle of the
    group carries, a date missing or in the future; each error names its field."""
    _require(actor, "customers.change_vehicle")
    v = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    plate = normalize_plate(plate)
    if not plate:
        raise field_error("plate", _("请填写车牌号"), code="required")
    try:
        validate_plate(plate)
    except ValidationError as e:
        raise field_error("plate", e.messages[0], code="plate") from None
    if registration_date in (None, ""):
        raise field_error("registration_date", _("请填写上牌日期"), code="required")
    if not isinstance(registration_date, dt.date):
        try:
            registration_date = dt.date.fromisoformat(str(registration_date))
        except ValueError:
            raise field_error("registration_date", _("上牌日期格式不正确"), code="bad_format") from None
    if registration_date > timezone.localdate():
        raise field_error("registration_date", _("上牌日期不能晚于今天"), code="out_of_range")
    hit = Vehicle.objects.filter(group_id=v.group_id, plate=plate).exclude(pk=v.pk).first()
    if hit is not None:
        raise field_error(
            "plate",
            _("车牌号 %(plate)s 已属于本集团另一辆车（车架号 %(vin)s）") % {"plate": plate, "vin": hit.vin},
            code="duplicate",
        )
    changes = diff(v, plate=plate, registration_date=registration_date)
    if "plate" in changes:
        PlateChange.objects.create(
            vehicle=v, old_plate=v.plate, new_plate=plate, changed_on=registration_date, actor=actor
        )
    v.plate, v.registration_date = plate, registration_date
    v.save(update_fields=["plate", "registration_date", "updated_at"])
    if changes:
        audit_record(actor=actor, obj=v, verb="updated", changes=changes, note=document[:200])
    return v


def _int_km(value) -> int:
    try:
        km = int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        raise field_error("value_km", _("里程应为整数公里数"), code="bad_format") from None
    if km < 0 or km > 2_000_000:
        raise field_error("value_km", _("里程应在0到2,000,000公里之间"), code="out_of_range")
    return km


@transaction.atomic
def odometer_record(
    *,
    actor,
    vehicle: Vehicle,
    value_km,
    read_on=None,
    source: str = OdometerSource.MANUAL,
    document: str = "",
    store=None,
    correction: bool = False,
    reason: str = "",
) -> OdometerReading:
    """Append a reading. A value below the last one is refused unless it is a correction
    (instrument replaced) with a reason, by someone allowed to correct."""
    km = _int_km(value_km)
    v = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    read_on = read_on or timezone.localdate()
    if isinstance(read_on, dt.datetime):
        read_on = read_on.date()
    if read_on > timezone.localdate():
        raise field_error("read_on", _("读数日期不能晚于今天"), code="in_future")
    if correction:
        if actor is not None and not actor.has_perm("customers.correct_odometer"):
            raise NotAllowed(_("您没有更正里程的权限"))
        if not reason.strip():
            raise field_error("reason", _("更正里程须填写原因（如更换仪表）"), code="required")
    elif km < v.odometer_km:
        raise field_error(
            "value_km",
            _("里程 %(new)s 公里低于上次记录 %(old)s 公里；如更换过仪表，请按更正登记")
            % {"new": f"{km:,}", "old": f"{v.odometer_km:,}"},
            code="odometer_falling",
        )
    reading = OdometerReading.objects.create(
        vehicle=v,
        value_km=km,
        read_on=read_on,
        source=OdometerSource.CORRECTION if correction else source,
        document=document,
        store=store,
        is_correction=correction,
        reason=reason.strip(),
        actor=actor,
    )
    old = v.odometer_km
    v.odometer_km, v.odometer_date = km, read_on
    v.save(update_fields=["odometer_km", "odometer_date", "updated_at"])
    audit_record(
        actor=actor,
        obj=v,
        verb="odometer",
        store=store,
        changes={"odometer_km": [old, km]},
        note=reason or document,
    )
    return reading


@transaction.atomic
def vehicle_set_next_maintenance(*, actor, vehicle: Vehicle, due_date, due_km, document: str = "") -> Vehicle:
    if due_km in ("", None):
        due_km = None
    else:
        try:
            due_km = int(due_km)
        except (TypeError, ValueError):
            raise field_error("due_km", _("下次保养里程应为整数公里数"), code="bad_format") from None
        if due_km < 0:
            raise field_error("due_km", _("下次保养里程应为整数公里数"), code="bad_format")
    if isinstance(due_date, dt.datetime):
        due_date = due_date.date()
    v = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    changes = diff(v, next_maintenance_date=due_date, next_maintenance_km=due_km)
    v.next_maintenance_date, v.next_maintenance_km = due_date, due_km
    v.save(update_fields=["next_maintenance_date", "next_maintenance_km", "updated_at"])
    if changes:
        audit_record(actor=actor, obj=v, verb="updated", changes=changes, note=document)
    return v


@transaction.atomic
def vehicle_transfer(*, actor, vehicle: Vehicle, new_owner: Customer, on=None, note: str = "") -> Vehicle:
    """过户: the owner changes; the old ownership row is closed, never rewritten."""
    _require(actor, "customers.transfer_vehicle")
    v = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if new_owner.group_id != v.group_id:
        raise field_error("new_owner", _("新车主不属于本集团"), code="out_of_scope")
    if new_owner.merged_into_id:
        raise field_error("new_owner", _("该客户已合并，请选择保留的客户档案"), code="merged_customer")
    if new_owner.pk == v.owner_id:
        raise field_error("new_owner", _("新车主与现车主相同"), code="same_party")
    on = on or timezone.localdate()
    current = Ownership.objects.filter(vehicle=v, role=OwnershipRole.OWNER, until__isnull=True)
    if current.filter(since__gt=on).exists():
        raise field_error("on", _("过户日期早于现车主的开始日期"), code="date_order")
    current.update(until=on)
    Ownership.objects.create(
        vehicle=v, customer=new_owner, role=OwnershipRole.OWNER, since=on, note=note, actor=actor
    )
    old = v.owner
    v.owner = new_owner
    v.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor, obj=v, verb="transferred", changes={"owner": [str(old), str(new_owner)]}, note=note
    )
    return v


# --- customer care tasks ---------------------------------------------------------------------------


def care_task_add(
    *,
    store,
    customer,
    kind: str,
    key: str,
    due_date: dt.date,
    vehicle=None,
    doc=None,
    doc_number: str = "",
    subject: str = "",
    assignee=None,
    parent=None,
    channel: str = "call",
) -> CareTask | None:
    """Queue one 回访/关怀 task for customer care, once per ``key`` in the store (a second call with the same
    key returns the task already there and creates nothing). A call task is not created for a customer who
    withdrew call consent (None is returned). The assignee is the customer's 客服专员 in the store (or the
    least loaded one). Called inside the creating module's transaction (delivery, settlement, the daily job)."""
    existing = CareTask.objects.filter(store=store, key=key).first()
    if existing is not None:
        return existing
    if channel == "call" and not customer.consent_call:
        return None
    if assignee is None:
        assignment = CustomerAssignment.objects.filter(customer=customer, store=store).first()
        assignee = assignment.care_specialist if assignment and assignment.care_specialist_id else None
    if assignee is None:
        users = _role_users(store, Role.CRM_SPECIALIST)
        if users:
            loads = dict(
                CareTask.objects.filter(store=store, status=CareStatus.OPEN, assignee__in=users)
                .values_list("assignee")
                .annotate(n=Count("id"))
            )
            assignee = min(users, key=lambda u: (loads.get(u.pk, 0), u.pk))
    link = {}
    if doc is not None:
        from django.contrib.contenttypes.models import ContentType

        link = {"doc_type": ContentType.objects.get_for_model(doc), "doc_id": doc.pk}
    try:
        with transaction.atomic():
            return CareTask.objects.create(
                store=store,
                kind=kind,
                key=key,
                customer=customer,
                vehicle=vehicle,
                due_date=due_date,
                assignee=assignee,
                parent=parent,
                subject=subject[:200],
                doc_number=doc_number or str(getattr(doc, "number", "") or ""),
                **link,
            )
    except IntegrityError:  # the same key created at the same moment by another transaction
        return CareTask.objects.get(store=store, key=key)
