import ast
from pathlib import Path

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


def _refusals(source: str, where: str = "") -> tuple[list[str], list[str]]:
    """(calls without code=…, single-field BusinessError dicts) among a module's refusals."""
    no_code, one_field = [], []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in ("field_error", "BusinessError"):
            continue
        if "code" not in {k.arg for k in node.keywords}:
            no_code.append(f"{where}:{node.lineno}")
        if name == "BusinessError" and node.args and isinstance(node.args[0], ast.Dict):
            if len(node.args[0].keys) == 1 and node.args[0].keys[0] is not None:
                one_field.append(f"{where}:{node.lineno}")
    return no_code, one_field


def test_the_scan_finds_a_refusal_without_code_and_a_one_field_dict():
    source = (
        'raise BusinessError({"qty": "x"}, code="c")\n'
        'raise errors.field_error("qty", "x")\n'
        'raise BusinessError({"a": "x", "b": "y"}, code="invalid")\n'
        'raise BusinessError({**errs}, code="invalid")\n'
    )
    assert _refusals(source) == ([":2"], [":1"])


def test_every_refusal_carries_a_code_and_one_field_uses_field_error():
    """One idiom: field_error(field, msg, code=…) for one field, BusinessError(…, code=…) only for
    several fields or the whole document (fours/core/errors.py); tests and migrations left out."""
    root = Path(__file__).resolve().parents[2]
    no_code, one_field, seen = [], [], 0
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        if {"tests", "migrations"} & set(rel.parts) or rel.as_posix() == "fours/core/errors.py":
            continue
        source = path.read_text(encoding="utf-8")
        seen += source.count("field_error(") + source.count("BusinessError(")
        a, b = _refusals(source, rel.as_posix())
        no_code += a
        one_field += b
    assert seen > 200  # the walk sees the services
    assert no_code == [], "refusals without code=…"
    assert one_field == [], "one field: use field_error(field, msg, code=…)"


def test_a_form_shows_a_refusal_on_its_field_with_its_code():
    from django import forms

    from fours.core.views import attach_errors

    class QtyForm(forms.Form):
        qty = forms.IntegerField()

    form = QtyForm(data={"qty": "3"})
    assert form.is_valid()
    attach_errors(form, field_error("qty", "库存不足", code="insufficient_stock"))
    assert form.errors == {"qty": ["库存不足"]}
    assert [e.code for e in form.errors.as_data()["qty"]] == ["insufficient_stock"]
    other = QtyForm(data={"qty": "3"})
    assert other.is_valid()
    attach_errors(other, field_error("doc", "严禁白条出库", code="no_document"))
    assert other.non_field_errors() == ["严禁白条出库"]
