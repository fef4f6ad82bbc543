import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from fours.core.tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def test_login_is_locked_after_repeated_failures(client, db):
    UserFactory(username="clerk", password="Correct-horse-2026")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        resp = client.post("/accounts/login/", {"username": "clerk", "password": "wrong-password"})
        assert resp.status_code == 200  # form shown again, with an error
        assert "请输入一个正确的" in resp.content.decode()
    resp = client.post("/accounts/login/", {"username": "clerk", "password": "wrong-password"})
    assert resp.status_code == 429  # the limit is reached: locked
    resp = client.post("/accounts/login/", {"username": "clerk", "password": "Correct-horse-2026"})
    assert resp.status_code == 429
    assert "锁定" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_works_with_the_right_password(client, db):
    UserFactory(username="clerk2", password="Correct-horse-2026")
    resp = client.post("/accounts/login/", {"username": "clerk2", "password": "Correct-horse-2026"})
    assert resp.status_code == 302
    assert client.session["_auth_user_id"]


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("Short-pw-1")
    validate_password("Long-enough-pass-2026")


def test_sessions_expire_after_inactivity():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FOURS_", "SECRET_KEY", "PYTEST"))}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='fours.settings'; django.setup(); "
        "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_refuses_to_start_with_the_dev_secret_key():
    result = _settings_in_subprocess({"FOURS_DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_uses_secure_cookies_and_hsts():
    result = _settings_in_subprocess({"FOURS_DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000"]
