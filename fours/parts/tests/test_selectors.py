"""Reads of the parts department (selectors.py)."""

import pytest

from fours.core.tests.factories import DealerGroupFactory
from fours.parts.selectors import part_by_number, parts_by_number

from .factories import PartFactory

pytestmark = pytest.mark.django_db


def test_part_by_number_finds_the_part_typed_any_way(group):
    p = PartFactory(group=group, part_no="04152YZZA6")
    assert part_by_number(group, "04152-yzza6") == p
    assert part_by_number(group, " 04152 YZZA6 ") == p
    assert part_by_number(group.pk, "04152.YZZA6") == p


def test_part_by_number_stays_in_the_group(group):
    other = DealerGroupFactory(code="QT", name="其他集团")
    PartFactory(group=other, part_no="04152YZZA6")
    assert part_by_number(group, "04152YZZA6") is None
    assert part_by_number(group, "") is None
    assert part_by_number(group, None) is None


def test_parts_by_number_keys_by_stored_number(group):
    a = PartFactory(group=group, part_no="04152YZZA6")
    b = PartFactory(group=group, part_no="0888080845")
    assert parts_by_number(group, ["04152-YZZA6", "08880-80845", "NOPE", ""]) == {
        "04152YZZA6": a,
        "0888080845": b,
    }
    assert parts_by_number(group, []) == {}
