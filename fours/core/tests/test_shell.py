"""The shell around every page: sidebar highlighting and readable timelines."""

from fours.core.audit import audit_record
from fours.core.registry import nav_items
from fours.core.roles import Role


def test_sidebar_marks_only_the_longest_matching_entry(make_user, store_a):
    user = make_user(Role.PARTS_MANAGER, store_a, "pm")
    sections = nav_items(user, "/parts/sales/12/")
    active = [e["url"] for _k, _l, _i, entries in sections for e in entries if e["active"]]
    assert active == ["/parts/sales/"]
    none = nav_items(user, "/")
    assert not [e for _k, _l, _i, entries in none for e in entries if e["active"]]


def test_timeline_and_audit_list_show_verbs_in_words(client_for, gm_a, store_a):
    audit_record(actor=gm_a, obj=store_a, verb="approved", changes={"name": ["a", "b"]})
    html = client_for(gm_a).get("/core/audit/").content.decode()
    assert "审批通过" in html and ">approved<" not in html
    assert "门店" in html  # object type in words, not the model's code name
