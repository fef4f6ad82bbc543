"""The customer care API: tasks and their calls, calls, complaints through their steps, survey results
and campaigns; a refusal is a 400 with its code and nothing is written; another store's row is a 404."""

from fours.crm.models import Call, Complaint


def test_tasks_list_and_call(api_for, task, crm_user):
    api = api_for(crm_user)
    r = api.get("/api/v1/crm/tasks/")
    assert r.status_code == 200 and r.json()["results"][0]["id"] == task.pk
    r = api.post(f"/api/v1/crm/tasks/{task.pk}/call/", {"result": "not_reached"}, format="json")
    assert r.status_code == 201 and r.json()["result"] == "not_reached"
    r = api.get("/api/v1/crm/calls/")
    assert r.json()["count"] == 1


def test_call_refused_without_consent_changes_nothing(api_for, task, crm_user):
    task.customer.consent_call = False
    task.customer.save()
    r = api_for(crm_user).post(
        f"/api/v1/crm/tasks/{task.pk}/call/", {"result": "reached", "satisfaction": "good"}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_consent"
    assert not Call.objects.exists()


def test_other_store_task_is_404(api_for, task, make_user, store_b):
    other = make_user("客服专员", store_b, "crm_b")
    assert api_for(other).get(f"/api/v1/crm/tasks/{task.pk}/").status_code == 404


def test_complaint_create_and_steps(api_for, store_a, customer, crm_user, service_mgr):
    api = api_for(crm_user)
    r = api.post(
        "/api/v1/crm/complaints/",
        {"customer": customer.pk, "channel": "phone", "content": "前台态度差"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert (
        api.post(
            f"/api/v1/crm/complaints/{pk}/step/judge/",
            {"valid": True, "department": "service"},
            format="json",
        ).status_code
        == 200
    )
    r = api.post(
        f"/api/v1/crm/complaints/{pk}/step/propose/",
        {"cause": "新员工", "category": "attitude", "solution": "培训并致歉", "compensation": "3000"},
        format="json",
    )
    assert r.json()["status"] == "proposed"
    r = api_for(service_mgr).post(
        f"/api/v1/crm/complaints/{pk}/step/approve/", {"approve": True}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "over_limit"
    assert Complaint.objects.get(pk=pk).status == "proposed"
    r = api.post(f"/api/v1/crm/complaints/{pk}/step/approve/", {"approve": True}, format="json")
    assert r.status_code == 403


def test_surveys_and_campaigns(api_for, store_a, marketing, gm_a):
    api = api_for(marketing)
    r = api.post(
        "/api/v1/crm/campaigns/",
        {
            "name": "老客户回厂",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-20",
            "budget": "3000",
            "segment": {"no_visit_months": 6},
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert api.post(f"/api/v1/crm/campaigns/{pk}/invite/", {"send": False}, format="json").status_code == 200
    r = api.post(
        "/api/v1/crm/campaigns/",
        {"name": "x", "starts_on": "2026-12-20", "ends_on": "2026-12-01"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "date_order"
    assert api_for(gm_a).get("/api/v1/crm/survey-responses/").status_code == 200
