"""pages_p95_ratio: the pages under load, as `./dev serve` runs them. gunicorn with the worker class and
sizes of `./dev serve` (gthread, cores + 1 workers x 4 threads) on a free loopback port against the bench
database; locust headless for 60 s (bench/locustfile.py), one user per role of the store, each logged in
through the login form and opening its role's main pages in a loop with a short wait (its home page, the
lists and dashboards its sidebar offers it, from the apps' nav.py, and one detail page); one more user
asks /healthz all along. p95 of every page / p95 of /healthz in the same run, counted from the moment
the last user had logged in (and had opened each of its pages once) for 50 s; value = the worst ratio,
named in worst_page; goal every page <= 4. The whole run is bounded (locust 70 s, gunicorn started and
stopped around it, loopback only).

The store: the five-year store of bench/volume.py, or with FOURS_LOAD_DATA=demo the demo's Toyota store
(loaded into the bench database on first use). FOURS_LOAD_QUERIES=1 adds each page's query count and
time rendered alone after the run."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

from .util import percentile

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 70  # the bound of locust's whole run: the logins, each role's first pass, then the measurement
MEASURE = 50  # seconds measured after the last login (fewer when the logins took longer than 20 s)
GOAL = 4.0
SKIP = ("/admin/",)  # Django's admin is not one of the store's pages


def _store_and_users():
    """(store, [(role, user)]): the five-year store and one user per role, or the demo's Toyota store."""
    try:
        from . import volume
    except ImportError:
        volume = None
    demo_only = os.environ.get("FOURS_LOAD_DATA") == "demo"  # the demo's Toyota store even beside the other
    if volume is not None and hasattr(volume, "five_year_store") and not demo_only:
        store = volume.five_year_store()
        by_role = volume.users_by_role(store)
        pairs = list(by_role.items()) if isinstance(by_role, dict) else list(by_role)
        return store, "five_year_store", [(str(role), user) for role, user in pairs]
    from django.core.management import call_command

    from fours.core.models import Membership, Store

    store = Store.objects.filter(code="GZTY").first()
    if store is None:
        call_command("demo_load", verbosity=0)
        store = Store.objects.get(code="GZTY")
    seen, pairs = set(), []
    for m in Membership.objects.filter(store=store).select_related("role", "user").order_by("role__name"):
        if m.role.name not in seen and m.user.is_active:
            seen.add(m.role.name)
            pairs.append((m.role.name, m.user))
    return store, "demo", pairs


def _password(user) -> str:
    """The demo password, kept as a PBKDF2 hash the server's hashers read (the bench process itself runs
    with the tests' fast hasher)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from fours.core.demo import DEMO_PASSWORD

    hasher = PBKDF2PasswordHasher()
    if not (user.password.startswith(hasher.algorithm + "$") and hasher.verify(DEMO_PASSWORD, user.password)):
        user.password = hasher.encode(DEMO_PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
    return DEMO_PASSWORD


def _plan(pairs) -> list[dict]:
    from django.contrib.auth import get_user_model

    from fours.core.registry import nav_items

    users = []
    for role, user in pairs:
        user = get_user_model().objects.get(pk=user.pk)  # fresh permission caches
        pages = [{"name": "/", "label": "首页"}]
        for _key, _label, _icon, entries in nav_items(user):
            for e in entries:
                if e["url"] not in {p["name"] for p in pages} and not e["url"].startswith(SKIP):
                    pages.append({"name": e["url"], "label": str(e["label"])})
        for p in pages:
            p["url"] = p["name"]
        users.append(
            {"role": role, "username": user.get_username(), "password": _password(user), "pages": pages}
        )
    return users


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sizing() -> list[str]:
    """The worker options `./dev serve` gives gunicorn (the dev script's own function)."""
    loader = SourceFileLoader("fours_dev_script", str(ROOT / "dev"))
    dev = module_from_spec(spec_from_loader(loader.name, loader))
    loader.exec_module(dev)
    return dev.gunicorn_sizing()


def _wait_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn ended ({proc.returncode}) before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} in {timeout:.0f} s")


def _server_env() -> dict:
    """Production settings (no debug, the real password hashers, the manifest of static files), plain http
    on loopback, the bench database."""
    from django.db import connection

    url = os.environ.get("DATABASE_URL")
    if not url:
        s = connection.settings_dict
        url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FOURS_DEBUG": "0",
        "FOURS_TESTING": "0",
        "FOURS_HTTPS": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "FOURS_LOG_LEVEL": "ERROR",
    }


def _query_counts(plan, details) -> dict:
    """Each page's queries and time rendered once in this process, as the first role that opens it."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    for u in plan:
        client = Client(HTTP_HOST="127.0.0.1")  # an allowed host of the production settings
        client.force_login(get_user_model().objects.get(username=u["username"]))
        for name, url in [(p["name"], p["url"]) for p in u["pages"]] + list(details.get(u["username"], [])):
            if name in out:
                continue
            client.get(url)  # warm: the user's permissions, the templates
            with CaptureQueriesContext(connection) as q:
                t = time.perf_counter()
                status = client.get(url).status_code
                ms = (time.perf_counter() - t) * 1000
            out[name] = {"queries": len(q), "ms_alone": round(ms, 1), "status": status, "as": u["role"]}
    return out


def pages_p95_ratio() -> dict:
    store, source, pairs = _store_and_users()
    plan = _plan(pairs)
    env = _server_env()
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="fours-load-"))
    plan_file, out_file = work / "plan.json", work / "out.json"
    plan_file.write_text(
        json.dumps({"users": plan, "measure_s": MEASURE}, ensure_ascii=False), encoding="utf-8"
    )
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    sizing = _sizing()
    load_before = os.getloadavg()[0]
    log = open(work / "gunicorn.log", "w")
    web = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "fours.wsgi", "--bind", f"127.0.0.1:{port}", *sizing],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_up(host + "/healthz", web)
        users = len(plan) + 1
        locust = [
            str(bin_dir / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{SECONDS}s",
            "--host",
            host,
            "--csv",
            str(work / "locust"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        lenv = {**os.environ, "FOURS_LOAD_PLAN": str(plan_file), "FOURS_LOAD_OUT": str(out_file)}
        subprocess.run(
            locust,
            cwd=ROOT,
            env=lenv,
            timeout=SECONDS + 25,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    finally:
        web.terminate()
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        log.close()
    run = json.loads(out_file.read_text(encoding="utf-8"))
    if not run["logged_in"]:
        raise RuntimeError(f"no role got through its login and first pass: {run['notes']}")
    # on a box too busy for every role to start within the bound, the roles that did are measured
    missing = [u["role"] for u in plan if u["username"] not in run["logged_in"]]
    start = max(run["logged_in"].values())
    times: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    for ended, name, ms, ok, who in run["samples"]:
        if ended < start or name.startswith("login") or (who and who not in run["logged_in"]):
            continue
        times.setdefault(name, []).append(ms)
        failed[name] = failed.get(name, 0) + (not ok)
    health = times.pop("/healthz")
    base = percentile(health, 95)
    labels = {p["name"]: p["label"] for u in plan for p in u["pages"]}
    roles: dict[str, list[str]] = {}
    for u in plan:
        for p in u["pages"]:
            roles.setdefault(p["name"], []).append(u["role"])
    pages = {}
    for name, ts in sorted(times.items()):
        p95 = percentile(ts, 95)
        pages[name] = {
            "label": labels.get(name, "详情"),
            "p95_ms": round(p95, 1),
            "ratio": round(p95 / base, 2),
            "requests": len(ts),
            "failed": failed[name],
            "roles": len(roles.get(name, [])) or None,
        }
    worst = max(pages, key=lambda n: pages[n]["ratio"])
    value = pages[worst]["ratio"]
    seconds = max(e for e, *_ in run["samples"]) - start
    result = {
        "value": value,
        "unit": "x /healthz p95",
        "baseline": round(base, 2),
        "ratio": value,
        "goal": f"every page <= {GOAL:g}",
        "worst_page": worst,
        "worst_label": pages[worst]["label"],
        "over_goal": sorted((n for n in pages if pages[n]["ratio"] > GOAL), key=lambda n: -pages[n]["ratio"]),
        "healthz_p95_ms": round(base, 2),
        "healthz_requests": len(health),
        "measured_s": round(seconds, 1),
        "requests_per_s": round(sum(len(t) for t in times.values()) / seconds, 1) if seconds else None,
        "failed": sum(failed.values()),
        "roles": len(plan),
        "load_average": [
            round(load_before, 1),
            round(os.getloadavg()[0], 1),
        ],  # before, after; the box's cores
        "cores": os.cpu_count(),
        "data": f"{source}: {store}",
        "server": "gunicorn " + " ".join(sizing),
        "pages": pages,
    }
    if missing:
        result["roles_not_measured"] = missing
    if run["notes"]:
        result["notes"] = run["notes"]
    if os.environ.get("FOURS_LOAD_QUERIES"):  # each page alone in this process: its queries and time
        for name, q in _query_counts(plan, run["details"]).items():
            if name in pages:
                pages[name].update(q)
    return result


FIGURES = {"pages_p95_ratio": pages_p95_ratio}
