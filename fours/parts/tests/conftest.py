import pytest

from fours.core.roles import Role
from fours.core.tests.factories import UserFactory

from .factories import PartFactory


@pytest.fixture
def part(group):
    return PartFactory(group=group)


@pytest.fixture
def oil(group):
    return PartFactory(group=group, part_no="0888080845", name="全合成机油 0W-20", unit="L")


@pytest.fixture
def keeper(make_user, store_a):
    return make_user(Role.STOREKEEPER, store_a, "keeper_a")


@pytest.fixture
def cashier(make_user, store_a):
    return make_user(Role.CASHIER, store_a, "cashier_a")


@pytest.fixture
def manager(make_user, store_a):
    return make_user(Role.PARTS_MANAGER, store_a, "pm_a")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
