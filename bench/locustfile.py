"""Locust users for the pages_p95_ratio figure (bench/fig_load.py writes the plan this file reads).

One user per role of the plan (``fixed_count = 1``): it logs in through the login form (GET the page for
the csrftoken cookie, POST it back with the username and password), then opens its role's main pages in a
loop with a short wait: its home page, the lists and dashboards of its sidebar and one detail page (the
first ``<list>/<id>/`` link its lists show). One more user asks ``/healthz``, the baseline, at the same
pace or quicker. Every request's time is kept with the moment it ended and written, when locust quits,
to the JSON file FOURS_LOAD_OUT names, with the moment each user had logged in (the figure counts only what came
after the last login). With ``measure_s`` in the plan the run ends that many seconds after the last
login (locust's -t stays the bound of the whole run).

    FOURS_LOAD_PLAN=plan.json FOURS_LOAD_OUT=out.json locust -f bench/locustfile.py --headless \\
        -u 20 -r 20 -t 60s --host http://127.0.0.1:8105
"""

from __future__ import annotations

import json
import os
import re
import time

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["FOURS_LOAD_PLAN"], encoding="utf-8").read())
WAIT = between(PLAN.get("wait_min", 0.5), PLAN.get("wait_max", 1.0))
SAMPLES: list[tuple[float, str, float, bool, str]] = []  # (ended at, name, ms, ok, username or "")
LOGGED_IN: dict[str, float] = {}  # username -> when its login and first pass ended
STARTED: set[str] = set()  # users past their start, logged in or refused
DETAILS: dict[str, list] = {}  # username -> [(name, url)] of the detail page it opens
NOTES: dict[str, str] = {}  # a page's first failure: its status or where it led
LINK = re.compile(r'href="(/[^"?#]*?/)(\d+)/"')


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, context=None, **_kw):
    SAMPLES.append((time.time(), name, response_time, exception is None, (context or {}).get("who", "")))


@events.quitting.add_listener
def _write(environment, **_kw):
    out = {"samples": SAMPLES, "logged_in": LOGGED_IN, "details": DETAILS, "notes": NOTES}
    with open(os.environ["FOURS_LOAD_OUT"], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


class RoleUser(HttpUser):
    abstract = True
    fixed_count = 1
    wait_time = WAIT
    plan: dict = {}

    def on_start(self):
        who = self.plan["username"]
        self.client.get("/accounts/login/", name="login (form)")
        token = self.client.cookies.get("csrftoken", "")
        r = self.client.post(
            "/accounts/login/",
            {"username": who, "password": self.plan["password"], "csrfmiddlewaretoken": token, "next": "/"},
            headers={"Referer": self.host + "/accounts/login/"},
            name="login (post)",
            allow_redirects=False,
        )
        if r.status_code != 302 or "/accounts/login/" in r.headers.get("Location", ""):
            NOTES[f"login {who}"] = f"login refused ({r.status_code})"
            self.started(who)
            raise StopUser()
        self.pages = [(p["name"], p["url"]) for p in self.plan["pages"]]
        self.detail = None
        for _name, url in self.pages:  # the first pass finds the detail page among the lists' links
            html = self.open(_name, url)
            if self.detail is None and html:
                for prefix, pk in LINK.findall(html):
                    if prefix == url:
                        self.detail = (f"{prefix}<id>/", f"{prefix}{pk}/")
                        break
        if self.detail:
            self.pages.append(self.detail)
            DETAILS[who] = [self.detail]
        LOGGED_IN[who] = time.time()
        self.started(who)

    def started(self, who: str) -> None:
        """Once every user is past its start, the run goes on for the plan's measure_s and ends."""
        STARTED.add(who)
        if len(STARTED) == len(PLAN["users"]) and PLAN.get("measure_s"):
            gevent.spawn_later(PLAN["measure_s"], self.environment.runner.quit)

    def open(self, name: str, url: str) -> str:
        with self.client.get(
            url, name=name, catch_response=True, context={"who": self.plan["username"]}
        ) as r:
            if r.status_code != 200 or "/accounts/login/" in r.url:
                NOTES.setdefault(name, f"{r.status_code} {r.url}")
                r.failure(f"{r.status_code} {r.url}")
                return ""
            r.success()
            return r.text

    @task
    def pages_loop(self):
        for name, url in self.pages:
            self.open(name, url)
            self.wait()


class Healthz(HttpUser):
    fixed_count = 1
    wait_time = between(0.1, 0.3)  # more samples of the baseline; its own load is next to nothing

    @task
    def healthz(self):
        self.client.get("/healthz", name="/healthz")


for _n, _user in enumerate(PLAN["users"]):
    _cls = f"Role{_n}"
    globals()[_cls] = type(_cls, (RoleUser,), {"plan": _user, "abstract": False, "__module__": __name__})
