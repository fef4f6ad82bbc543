import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from fours.core.models import DealerGroup, Membership, Store
from fours.core.validators import uscc_check_char


def make_uscc(n: int) -> str:
    first = f"9144010{n:010d}"[:17]
    return first + uscc_check_char(first)


class DealerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"G{n:03d}")
    name = factory.Sequence(lambda n: f"测试集团{n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    group = factory.SubFactory(DealerGroupFactory)
    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"测试门店{n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    brands = "丰田"
    city = "广州"
    uscc = factory.Sequence(make_uscc)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", "Secret-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def ensure_roles() -> None:
    """Roles and their permissions are seeded by data migrations; a transactional test's flush
    removes them, so the next test re-runs those data migrations of our apps."""
    if Group.objects.exists():
        return
    from django.apps import apps as global_apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    plan = []
    for leaf in loader.graph.leaf_nodes():
        plan += [key for key in loader.graph.forwards_plan(leaf) if key not in plan]
    for app_label, name in plan:
        if not loader.get_migration(app_label, name).__module__.startswith("fours."):
            continue
        for op in loader.get_migration(app_label, name).operations:
            if isinstance(op, RunPython):
                op.code(global_apps, None)


def member(user, role: str, store=None, dealer_group=None):
    ensure_roles()
    Membership.objects.get_or_create(
        user=user, role=Group.objects.get(name=str(role)), store=store, dealer_group=dealer_group
    )
    for attr in (
        "_fours_store_ids",
        "_fours_group_ids",
        "_fours_roles",
        "_perm_cache",
        "_user_perm_cache",
        "_group_perm_cache",
    ):
        user.__dict__.pop(attr, None)
    return user


def user_with_role(role: str, store, username: str | None = None):
    user = UserFactory(**({"username": username} if username else {}))
    member(user, role, store=store)
    return user
