"""Every URL name the code and the templates use exists, with the number of arguments they pass.

A wrong name is a NoReverseMatch (a 500) only on the page and for the user that reaches that line
(the transfer page's 发货/收货 buttons used names that never existed); this finds it from the sources.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import get_resolver

ROOT = Path(settings.BASE_DIR)
APPS = ("core", "customers", "parts", "service", "admin")

CALL = re.compile(r"""\b(reverse_lazy|reverse|redirect|resolve_url)\(\s*(["'])([^"'{}\s]+)\2""")
NAMESPACED = re.compile(r"""["']((?:""" + "|".join(APPS) + r"""):[\w-]+)["']""")
TEMPLATE_URL = re.compile(r"""\{%\s*url\s+(["'])([^"']+)\1(.*?)%\}""")


def _split_top_level(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _bracketed(text: str, start: int) -> str | None:
    """The text inside the bracket that opens at ``start`` ([, ( or {), or None."""
    if start >= len(text) or text[start] not in "([{":
        return None
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return None


def _call_arguments(source: str, end: int):
    """After the name literal of a reverse(...) call: (number of args, set of kwargs) when they are
    written literally, else (None, None) (the name is then checked alone)."""
    rest = source[end : end + 400]
    m = re.match(r"\s*\)", rest)
    if m:
        return 0, None
    m = re.match(r"\s*,\s*(args|kwargs)\s*=\s*", rest)
    if not m:
        return None, None
    inner = _bracketed(rest, m.end())
    if inner is None:
        return None, None
    items = _split_top_level(inner)
    if m.group(1) == "args":
        return (None, None) if any(i.startswith("*") for i in items) else (len(items), None)
    keys = [re.match(r"""\s*["'](\w+)["']\s*:""", i) for i in items]
    return (None, {k.group(1) for k in keys}) if all(keys) else (None, None)


def names_in_python(source: str) -> list[tuple[str, int | None, set | None]]:
    out = []
    for m in CALL.finditer(source):
        fn, name = m.group(1), m.group(3)
        if name.startswith(("/", "http", ".")) or (fn == "redirect" and "/" in name):
            continue
        n_args, kwargs = _call_arguments(source, m.end())
        out.append((name, n_args, kwargs))
    for m in NAMESPACED.finditer(source):
        out.append((m.group(1), None, None))
    return out


def names_in_template(source: str) -> list[tuple[str, int | None, set | None]]:
    out = []
    for m in TEMPLATE_URL.finditer(source):
        tokens = m.group(3).split()
        if "as" in tokens:
            tokens = tokens[: tokens.index("as")]
        kwargs = {t.split("=", 1)[0] for t in tokens if "=" in t}
        args = [t for t in tokens if "=" not in t]
        out.append((m.group(2), None if kwargs else len(args), kwargs or None))
    return out


def _reverse_entries(name: str):
    """The (params) lists Django can build for ``name`` ("ns:sub:name" walks the namespaces)."""
    resolver = get_resolver()
    *namespaces, view = name.split(":")
    for ns in namespaces:
        if ns not in resolver.namespace_dict:
            return []
        resolver = resolver.namespace_dict[ns][1]
    return [
        params
        for possibilities, *_rest in resolver.reverse_dict.getlist(view)
        for _s, params in possibilities
    ]


def problem(name: str, n_args: int | None, kwargs: set | None) -> str | None:
    entries = _reverse_entries(name)
    if not entries:
        return f"{name}: no such URL name"
    if n_args is not None and not any(len(p) == n_args for p in entries):
        return f"{name}: used with {n_args} argument(s), takes {sorted({len(p) for p in entries})}"
    if kwargs is not None and not any(set(p) == kwargs for p in entries):
        return f"{name}: used with {sorted(kwargs)}, takes {entries}"
    return None


def _sources():
    for path in sorted((ROOT / "fours").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        yield path, names_in_python(path.read_text(encoding="utf-8"))
    for path in sorted([*(ROOT / "fours").rglob("*.html"), *(ROOT / "templates").rglob("*.html")]):
        yield path, names_in_template(path.read_text(encoding="utf-8"))


def test_every_url_name_in_code_and_templates_resolves():
    found, problems = 0, []
    for path, uses in _sources():
        for name, n_args, kwargs in uses:
            found += 1
            p = problem(name, n_args, kwargs)
            if p:
                problems.append(f"{path.relative_to(ROOT)}: {p}")
    for setting in ("LOGIN_URL", "LOGIN_REDIRECT_URL", "LOGOUT_REDIRECT_URL"):
        value = getattr(settings, setting)
        if "/" not in value:
            found += 1
            if p := problem(value, 0, None):
                problems.append(f"settings.{setting}: {p}")
    assert found > 300, found  # the scan sees the code (a broken regex would find nothing)
    assert problems == [], "\n".join(problems)


def test_every_sidebar_entry_resolves():
    from fours.core.registry import _modules

    items = [it for mod in _modules("nav") for it in getattr(mod, "NAV", [])]
    assert len(items) > 20
    assert [it.url_name for it in items if problem(it.url_name, 0, None)] == []


def test_the_scan_finds_a_wrong_name_and_a_wrong_argument_count():
    py = (
        'reverse("parts:transfer-ship", args=[t.pk])\n'
        'reverse("parts:transfer-act", args=[t.pk, "ship"])\n'
        'reverse("parts:transfer-act", args=[t.pk])\n'
        "redirect(\"customers:customer-detail\", pk=1)\nredirect('/accounts/login/')\n"
        'NavItem("parts", _("x"), "parts:no-such-list")\n'
    )
    found = [problem(*use) for use in names_in_python(py)]
    assert found[0] == "parts:transfer-ship: no such URL name"
    assert found[1] is None
    assert found[2].startswith("parts:transfer-act: used with 1 argument(s)")
    assert "parts:no-such-list: no such URL name" in found
    html = "{% url 'customers:customer-detail' object.pk %}{% url 'customers:customer-detail' %}{% url 'nope' as x %}"
    found = [problem(*use) for use in names_in_template(html)]
    assert found[0] is None and "0 argument" in found[1] and found[2] == "nope: no such URL name"
