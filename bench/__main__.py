from __future__ import annotations

import json
import os
import sys
import time
from importlib import import_module
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fours.settings")
    os.environ.setdefault("FOURS_TESTING", "1")
    sys.path.insert(0, str(HERE.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def all_figures() -> dict:
    figures = {}
    for path in sorted(HERE.glob("fig_*.py")):
        mod = import_module(f"bench.{path.stem}")
        figures.update(getattr(mod, "FIGURES", {}))
    return figures


def main(argv: list[str]) -> int:
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("./dev bench needs PostgreSQL (DATABASE_URL / FOURS_BENCH_DATABASE_URL)")
        return 2
    figures = all_figures()
    names = argv or list(figures)
    unknown = [n for n in names if n not in figures]
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(figures)}")
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"figures": {}}
    rows = []
    for name in names:
        started = time.monotonic()
        print(f"… {name}", flush=True)
        fig = figures[name]()
        fig["seconds"] = round(time.monotonic() - started, 1)
        results["figures"][name] = fig
        rows.append((name, fig))
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{'figure':<28}{'value':>14} {'unit':<12}{'baseline':>14}{'ratio':>8}  goal")
    for name, fig in rows:
        print(
            f"{name:<28}{fig['value']:>14,.2f} {fig['unit']:<12}{fig['baseline']:>14,.2f}"
            f"{fig['ratio']:>8.2f}  {fig.get('goal', '')}"
        )
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
