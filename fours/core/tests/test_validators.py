import pytest
from django.core.exceptions import ValidationError

from fours.core.validators import (
    normalize_plate,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_uscc,
    validate_vin,
    vin_check_digit,
)


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP042788",  # the textbook example of ISO 3779 / 49 CFR 565 (check digit X)
        "LSVAM4187C2184847",  # a Shanghai-Volkswagen style VIN
        "lsvam4187c2184847",  # normalised to upper case
        " LSVAM4187C218 4847 ",  # spaces ignored
    ],
)
def test_valid_vins(vin):
    validate_vin(vin)


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("1M8GDM9A1KP042788", "vin_check"),  # wrong check digit
        ("LSVAM4187C218484", "vin_length"),  # 16 characters
        ("LSVAM4187C21848471", "vin_length"),  # 18 characters
        ("LSVAM4I87C2184847", "vin_ioq"),  # I is not allowed
        ("LSVAM4187O2184847", "vin_ioq"),
        ("LSVAMQ187C2184847", "vin_ioq"),
    ],
)
def test_invalid_vins_name_the_reason(vin, code):
    with pytest.raises(ValidationError) as e:
        validate_vin(vin)
    assert e.value.code == code


def test_wrong_check_digit_message_says_what_is_expected():
    with pytest.raises(ValidationError) as e:
        validate_vin("1M8GDM9A1KP042788")
    assert "应为X" in e.value.messages[0]
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_valid_unified_social_credit_codes(code):
    validate_uscc(code)


@pytest.mark.parametrize("code", ["91350100M000100Y44", "9135010OM000100Y43", "91350100M000100Y4"])
def test_invalid_unified_social_credit_codes(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


@pytest.mark.parametrize(
    "plate", ["粤A12345", "粤AD12345", "粤A12345D", "京N8P8F8", "沪AF12345", "粤A1234学", "粤a-12345"]
)
def test_valid_plates(plate):
    validate_plate(plate)


@pytest.mark.parametrize("plate", ["粤B1234", "粤AI2345", "AA12345", "粤A123456", "粤1A2345", ""])
def test_invalid_plates(plate):
    with pytest.raises(ValidationError):
        validate_plate(plate)


def test_plate_normalised():
    assert normalize_plate(" 粤a·12345 ") == "粤A12345"


@pytest.mark.parametrize("mobile", ["13800138000", "+86 138 0013 8000", "199-1234-5678"])
def test_valid_mobiles(mobile):
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["1380013800", "23800138000", "12800138000", "138001380001"])
def test_invalid_mobiles(mobile):
    with pytest.raises(ValidationError):
        validate_mobile(mobile)


def test_id_numbers():
    validate_id_number("11010519491231002X")  # GB 11643 example
    with pytest.raises(ValidationError):
        validate_id_number("110105194912310021")
