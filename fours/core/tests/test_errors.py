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


def test_field_error_keeps_its_params_and_a_given_validation_error():
    err = field_error("qty", "最多%(n)s件", code="over_limit", params={"n": 3})
    assert err.message_dict == {"qty": ["最多3件"]}
    assert err.error_dict["qty"][0].code == "over_limit"
    inner = field_error("vin", ValidationError("已存在：%(p)s", code="duplicate", params={"p": "A1"}))
    assert inner.message_dict == {"vin": ["已存在：A1"]}
    assert inner.error_code == "duplicate"


def test_a_whole_document_message_keeps_its_code():
    err = BusinessError("该单已作废", code="bad_transition")
    assert err.error_code == "bad_transition"
    assert err.messages == ["该单已作废"]
