import pytest

from fours.core.roles import Role

from .factories import PartyFactory


@pytest.fixture
def cashier(make_user, store_a):
    return make_user(Role.CASHIER, store_a, "cashier_a")


@pytest.fixture
def finance_user(make_user, store_a):
    return make_user(Role.FINANCE, store_a, "finance_a")


@pytest.fixture
def party(store_a):
    return PartyFactory(store=store_a, name="张伟")
