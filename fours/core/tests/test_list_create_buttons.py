"""Every list's 新建 button is declared one way (FoursListView.create_url_name and create_perm),
shows to exactly the roles that may create, and leads to a page that lets them in."""

import re

import pytest
from django.urls import URLResolver, get_resolver, reverse

from fours.core.roles import Role
from fours.core.tests.factories import user_with_role
from fours.core.views import FoursListView


def _routes(patterns, namespace=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, (*namespace, p.namespace) if p.namespace else namespace)
            continue
        cls = getattr(p.callback, "view_class", None)
        if cls and issubclass(cls, FoursListView) and p.name and not p.pattern.converters:
            yield ":".join((*namespace, p.name)), cls


LISTS = sorted(set(_routes(get_resolver().url_patterns)), key=lambda r: r[0])


def _button(html: str) -> str | None:
    """The href of the list header's create button, or None."""
    head = html.split('class="ms-auto d-flex gap-2"', 1)[1].split("</div>", 1)[0]
    found = re.search(r'<a class="btn btn-primary btn-sm" href="([^"]+)"><i class="bi bi-plus-lg">', head)
    return found.group(1) if found else None


def test_lists_declare_their_create_buttons():
    with_button = {name for name, cls in LISTS if cls.create_url_name}
    assert {"customers:customer-list", "parts:part-list", "service:ro-list"} <= with_button
    for _name, cls in LISTS:
        if cls.create_url_name:
            reverse(cls.create_url_name)  # a page that exists
        assert (
            "get_context_data" not in vars(cls) or "create_url" not in cls.get_context_data.__code__.co_names
        )


@pytest.mark.parametrize("name,cls", LISTS, ids=[n for n, _c in LISTS])
def test_the_create_button_shows_to_the_roles_that_may_create_and_leads_in(name, cls, store_a, client):
    users = [user_with_role(role, store_a, f"u{i}") for i, role in enumerate(Role)]
    view = cls()
    viewers = [u for u in users if u.has_perms(view.get_permission_required())]
    assert viewers, name
    creators = [u for u in viewers if cls.create_url_name and u.has_perm(view.get_create_perm())]
    others = [u for u in viewers if u not in creators]
    for user in creators[:1] + others[:1]:
        client.force_login(user)
        page = client.get(reverse(name))
        assert page.status_code == 200, (name, user.groups.first())
        button = _button(page.content.decode())
        if user in creators:
            assert button == reverse(cls.create_url_name), (name, user.groups.first())
            assert client.get(button).status_code != 403, (name, user.groups.first())
        else:
            assert button is None, (name, user.groups.first())
            if cls.create_url_name:  # the permission the button asks is the one the page asks
                assert client.get(reverse(cls.create_url_name)).status_code == 403, name
