"""Every password rule speaks the user's language: Chinese in the Chinese UI, English in English."""

import re

import pytest
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from fours.core.roles import Role

CJK = re.compile(r"[\u4e00-\u9fff]")


def _messages(password, user):
    try:
        validate_password(password, user)
    except ValidationError as e:
        return e.messages
    return []


@pytest.mark.parametrize(
    "password, rule",
    [
        ("short", "short"),
        ("wangjianguo1", "similar"),
        ("password1234", "common"),
        ("739104857261", "numeric"),
    ],
)
def test_each_rule_is_chinese_in_chinese_and_english_in_english(password, rule, make_user, store_a):
    user = make_user(Role.SERVICE_ADVISOR, store_a, "wangjianguo")
    with translation.override("zh-hans"):
        zh = _messages(password, user)
        help_texts = [v.get_help_text() for v in get_default_password_validators()]
    with translation.override("en"):
        en = _messages(password, user)
    assert zh and all(CJK.search(m) for m in zh), zh
    assert all(CJK.search(h) for h in help_texts), help_texts
    assert en and not any(CJK.search(m) for m in en), en
    if rule == "short":
        assert zh == ["密码太短，至少需要 12 个字符"]
        assert en == ["This password is too short. It must contain at least 12 characters."]


def test_the_password_change_page_says_too_short_in_chinese(make_user, store_a, client_for):
    user = make_user(Role.SERVICE_ADVISOR, store_a, "adv_pw")
    resp = client_for(user).post(
        "/accounts/password/",
        {"old_password": "Secret-pass-2026", "new_password1": "Ab1-x", "new_password2": "Ab1-x"},
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and "密码太短，至少需要 12 个字符" in body
    assert "too short" not in body
    user.refresh_from_db()
    assert user.check_password("Secret-pass-2026")  # unchanged
