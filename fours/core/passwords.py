"""Password rules with messages written in Chinese (translated to English in locale/en).

Django's own catalogue has no Chinese for the minimum-length message (its plural form changed),
so the Chinese UI showed it in English.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return _("密码太短，至少需要 %(min_length)s 个字符") % {"min_length": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(min_length)s 个字符") % {"min_length": self.min_length}
