from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fours.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from django.contrib.auth import get_user_model

        from . import tables  # noqa: F401 - registers the decimal column for every table
        from .audit import display_name

        # A person reads as their name everywhere (tables, choices, messages), not their login.
        get_user_model().__str__ = display_name
