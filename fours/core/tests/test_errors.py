from django.core.exceptions import ValidationError

from fours.core.errors import BusinessError, field_error


def test_a_business_error_keeps_its_code_with_a_field_dict():
    err = BusinessError({"qty": "库存不足"}, code="insufficient_stock")
    assert err.error_code == "insufficient_stock"
    assert err.message_dict == {"qty": ["库存不足"]}
    assert [e.code for e in err.error_dict["qty"]] == ["insufficient_stock"]


def test_field_error_keeps_its_code():
    err = field_error("amount", "超出信用额度", code="credit_limit")
    assert err.error_code == "credit_limit"
    assert err.message_dict == {"amount": ["超出信用额度"]}


def test_a_code_given_on_the_inner_message_is_found():
    err = BusinessError({"status": ValidationError("x", code="bad_transition")})
    assert err.error_code == "bad_transition"
    assert BusinessError("plain").error_code is None
