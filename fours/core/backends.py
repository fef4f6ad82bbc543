from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class MembershipBackend(ModelBackend):
    """Permissions come from the roles (Django Groups) of the user's active store memberships,
    as well as from user.groups and user permissions (for support staff set up in the admin)."""

    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(
            group__memberships__user=user_obj, group__memberships__is_active=True
        ) | (Permission.objects.filter(group__user=user_obj))
