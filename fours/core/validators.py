"""Validators of real-world identifiers. Values are normalised first (upper case, no spaces)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# --- unified social credit code (统一社会信用代码, GB 32100-2015) -------------------------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def ascii_digits(value: str | None) -> str:
    """Full-width letters and digits as ASCII (NFKC), and every other Unicode decimal digit
    (Arabic-Indic ٣, Devanagari ३, …) as its ASCII digit, so 1391234000５ is 13912340005."""
    v = unicodedata.normalize("NFKC", value or "")
    if v.isascii():
        return v
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c
        for c in v
    )


def normalize_code(value: str | None) -> str:
    return re.sub(r"[\s\-]", "", ascii_digits(value)).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    v = normalize_code(value)
    if len(v) != 18 or any(c not in USCC_ALPHABET for c in v):
        raise ValidationError(
            _("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"), code="uscc_format"
        )
    if uscc_check_char(v[:17]) != v[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确"), code="uscc_check")


# --- mainland mobile numbers ------------------------------------------------------------
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_mobile(value: str | None) -> str:
    v = re.sub(r"[\s\-]", "", ascii_digits(value))
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    return v


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(_("手机号应为以1开头的11位数字"), code="mobile")


# --- VIN (ISO 3779, check digit in position 9 as used for China / North America) ---------
VIN_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    total = sum(VIN_TRANSLIT[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


def validate_vin(value: str) -> None:
    v = normalize_code(value)
    if len(v) != 17:
        raise ValidationError(
            _("车架号（VIN）应为17位，当前为%(n)s位"), code="vin_length", params={"n": len(v)}
        )
    bad = sorted({c for c in v if c in "IOQ"})
    if bad:
        raise ValidationError(
            _("车架号（VIN）不能含字母I、O、Q（发现：%(chars)s）"),
            code="vin_ioq",
            params={"chars": "".join(bad)},
        )
    if any(c not in VIN_TRANSLIT for c in v):
        raise ValidationError(_("车架号（VIN）只能含数字和大写字母"), code="vin_chars")
    expected = vin_check_digit(v)
    if v[8] != expected:
        raise ValidationError(
            _("车架号（VIN）第9位校验位不正确：应为%(expected)s，实际为%(actual)s"),
            code="vin_check",
            params={"expected": expected, "actual": v[8]},
        )


# --- plate numbers (号牌) -----------------------------------------------------------------
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z]"
    r"(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]"  # ordinary 7-character plate
    r"|[DF][A-HJ-NP-Z0-9]\d{4}"  # new-energy small car: D/F + letter/digit + 4 digits
    r"|\d{5}[DF])$",  # new-energy large vehicle: 5 digits + D/F
    re.ASCII,
)


def normalize_plate(value: str | None) -> str:
    return re.sub(r"[\s·\-.]", "", ascii_digits(value)).upper()


def validate_plate(value: str) -> None:
    if not PLATE_RE.match(normalize_plate(value)):
        raise ValidationError(
            _("车牌号格式不正确：应为省份简称+字母+5位（新能源6位），如 粤A12345、粤AD12345"), code="plate"
        )


# --- resident ID numbers (身份证号, GB 11643) ---------------------------------------------
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    v = normalize_code(value)
    if not re.match(r"^[0-9]{17}[0-9X]$", v):
        raise ValidationError(_("身份证号应为18位（最后一位可为X）"), code="id_format")
    if id_check_char(v[:17]) != v[17]:
        raise ValidationError(_("身份证号校验位不正确"), code="id_check")
